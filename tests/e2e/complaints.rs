//! Complaints and suggestions end to end: the public form and API, the
//! complaints officer's handling (API and pages), the answer's SMS at the
//! gateway stand-in, tracking without personal data, and the abuse guards.
//! Every test sends its own `CF-Connecting-IP`, so the per-address limit of
//! one test never starves another.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api::{Resp, DEMO_PASSWORD};
use crate::ui::{csrf, Browser};
use crate::workflow::{seed, submit};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        a_citizens_complaint_is_answered_and_the_sms_reaches_the_gateway_once,
        tracking_shows_the_answer_and_no_personal_data,
        a_mistyped_ticket_is_unknown_to_the_api_and_named_on_the_page,
        only_the_complaints_officer_and_the_administrator_handle_complaints,
        bad_input_is_refused_naming_the_field,
        a_hotline_complaint_is_logged_and_linked_to_its_application,
        the_officer_handles_a_complaint_through_the_pages,
        the_public_form_gives_a_ticket_and_a_filled_honeypot_stores_nothing,
        the_eleventh_complaint_from_one_address_within_the_hour_is_refused,
        a_complaint_form_with_several_mistakes_names_them_all_at_once,
    ]
}

/// A test's own client address.
fn address() -> String {
    let s = seed();
    format!("198.51.{}.{}", (s / 250) % 250, s % 250 + 1)
}

/// A phone number no other test uses.
fn phone() -> String {
    format!("+62857{:08}", seed() % 100_000_000)
}

fn post_from(env: &Env, ip: &str, path: &str, body: &Value) -> Resp {
    env.api.raw_post(
        path,
        "application/json",
        &[("CF-Connecting-IP", ip)],
        &body.to_string(),
    )
}

fn complain(env: &Env, ip: &str, body: &Value) -> Result<String, String> {
    let r = post_from(env, ip, "/api/v1/complaints", body);
    ensure!(r.status == 201, "complain: {} {}", r.status, r.text);
    ensure!(r.body["status"] == "open", "status: {}", r.text);
    let ticket = r.body["ticket"].as_str().unwrap_or_default().to_string();
    ensure!(
        ticket.starts_with("ADU-") && ticket.len() == 11,
        "ticket: {ticket}"
    );
    Ok(ticket)
}

fn act(env: &Env, role: &str, ticket: &str, body: Value) -> Result<Resp, String> {
    let token = env.api.token(role)?;
    Ok(env.api.post(
        &format!("/api/v1/complaints/{ticket}/actions"),
        Some(&token),
        &body,
    ))
}

fn gateway_sms(env: &Env, phone: &str) -> Result<Vec<Value>, String> {
    let r = env.standins.get("/_records", None);
    ensure!(r.status == 200, "records: {}", r.text);
    Ok(r.body["sms"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["to"] == phone)
        .collect())
}

fn a_citizens_complaint_is_answered_and_the_sms_reaches_the_gateway_once(env: &Env) -> TestResult {
    let phone = phone();
    let ticket = complain(
        env,
        &address(),
        &json!({"name": "Sri Lestari", "phone": phone, "text": "Akta kelahiran anak saya belum jadi setelah sebulan."}),
    )?;
    let start = act(
        env,
        "complaints_officer",
        &ticket,
        json!({"action": "start", "expected_version": 1}),
    )?;
    ensure!(
        start.status == 200 && start.body["status"] == "in_progress",
        "start: {} {}",
        start.status,
        start.text
    );
    // Starting answers nobody: no SMS yet.
    let again = act(
        env,
        "complaints_officer",
        &ticket,
        json!({"action": "start"}),
    )?;
    ensure!(
        again.status == 409,
        "start twice: {} {}",
        again.status,
        again.text
    );
    let stale = act(
        env,
        "complaints_officer",
        &ticket,
        json!({"action": "respond", "response": "x", "expected_version": 1}),
    )?;
    ensure!(
        stale.status == 409 && stale.error_code() == "stale_version",
        "stale: {} {}",
        stale.status,
        stale.text
    );
    let answer = "Berkas sudah kami periksa; akta dicetak minggu ini.";
    let respond = act(
        env,
        "complaints_officer",
        &ticket,
        json!({"action": "respond", "response": answer, "expected_version": 2}),
    )?;
    ensure!(
        respond.status == 200 && respond.body["version"] == 3,
        "respond: {} {}",
        respond.status,
        respond.text
    );

    let started = Instant::now();
    let sent = loop {
        let sent = gateway_sms(env, &phone)?;
        if !sent.is_empty() || started.elapsed() > Duration::from_secs(30) {
            break sent;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    ensure!(sent.len() == 1, "one SMS at the gateway: {sent:?}");
    let body = sent[0]["body"].as_str().unwrap_or_default();
    ensure!(
        body.contains(&ticket) && body.chars().count() <= 160,
        "SMS text: {body}"
    );
    ensure!(
        !body.contains("Sri") && !body.contains("Akta kelahiran"),
        "no personal data in the SMS: {body}"
    );
    // Nothing sends it a second time.
    std::thread::sleep(Duration::from_secs(2));
    ensure!(
        gateway_sms(env, &phone)?.len() == 1,
        "still exactly one SMS"
    );

    let resolve = act(
        env,
        "complaints_officer",
        &ticket,
        json!({"action": "resolve", "response": "Akta sudah dikirim PT Pos."}),
    )?;
    ensure!(
        resolve.status == 200 && resolve.body["status"] == "resolved",
        "resolve: {}",
        resolve.text
    );
    let close = act(env, "admin", &ticket, json!({"action": "close"}))?;
    ensure!(
        close.status == 200 && close.body["status"] == "closed",
        "close: {}",
        close.text
    );
    let token = env.api.token("complaints_officer")?;
    let full = env
        .api
        .get(&format!("/api/v1/complaints/{ticket}"), Some(&token));
    let actions: Vec<&str> = full.body["events"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    ensure!(
        actions == ["receive", "start", "respond", "resolve", "close"],
        "timeline: {actions:?}"
    );
    ensure!(
        full.body["complaint"]["answered_at"].is_string(),
        "answered_at: {}",
        full.text
    );
    Ok(())
}

/// A ticket with one wrong symbol cannot exist: the API answers 404, as for
/// an unknown ticket; something that is not a ticket at all is 422 `ticket`;
/// the citizens' tracking page keeps its message next to the field.
fn a_mistyped_ticket_is_unknown_to_the_api_and_named_on_the_page(env: &Env) -> TestResult {
    let phone = phone();
    let ticket = complain(
        env,
        &address(),
        &json!({"name": "Sri Lestari", "phone": phone, "text": "Kurir belum datang menjemput berkas."}),
    )?;
    let mut typo: Vec<char> = ticket.chars().collect();
    typo[4] = if typo[4] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let local = format!("0{}", &phone[3..]);
    let token = env.api.token("complaints_officer")?;
    for (what, r) in [
        (
            "public",
            env.api.post(
                &format!("/api/v1/complaints/{typo}/status"),
                None,
                &json!({"phone": local}),
            ),
        ),
        (
            "officer",
            env.api
                .get(&format!("/api/v1/complaints/{typo}"), Some(&token)),
        ),
        (
            "action",
            act(env, "complaints_officer", &typo, json!({"action": "start"}))?,
        ),
    ] {
        ensure!(
            r.status == 404 && r.error_code() == "not_found",
            "{what} with a typo: {} {}",
            r.status,
            r.text
        );
    }
    let r = env.api.get("/api/v1/complaints/ADU-123", Some(&token));
    ensure!(
        r.status == 422 && r.error_field() == "ticket",
        "not a ticket: {} {}",
        r.status,
        r.text
    );
    let page = Browser::new(env).post(
        "/pengaduan/lacak",
        None,
        &format!("tiket={typo}&hp={local}"),
    );
    ensure!(
        page.status == 422 && page.text.contains("nomor tiket tidak valid"),
        "tracking page with a typo: {}",
        page.status
    );
    Ok(())
}

fn tracking_shows_the_answer_and_no_personal_data(env: &Env) -> TestResult {
    let phone = phone();
    let text = "Petugas loket tidak ramah saat saya bertanya.";
    let ticket = complain(
        env,
        &address(),
        &json!({"name": "Bambang Sutrisno", "phone": phone, "text": text}),
    )?;
    let answer = "Terima kasih, petugas sudah kami tegur.";
    let r = act(
        env,
        "complaints_officer",
        &ticket,
        json!({"action": "respond", "response": answer}),
    )?;
    ensure!(r.status == 200, "respond: {}", r.text);
    let local = format!("0{}", &phone[3..]);
    let track = env.api.post(
        &format!("/api/v1/complaints/{}/status", ticket.to_lowercase()),
        None,
        &json!({"phone": local}),
    );
    ensure!(
        track.status == 200,
        "track: {} {}",
        track.status,
        track.text
    );
    ensure!(
        track.body["status"] == "in_progress",
        "status: {}",
        track.text
    );
    ensure!(
        track.body["responses"][0]["text"] == answer,
        "answer shown: {}",
        track.text
    );
    for private in ["Bambang", &phone[3..], text] {
        ensure!(
            !track.text.contains(private),
            "tracking leaks {private}: {}",
            track.text
        );
    }
    let wrong = env.api.post(
        &format!("/api/v1/complaints/{ticket}/status"),
        None,
        &json!({"phone": "081299999999"}),
    );
    ensure!(
        wrong.status == 404,
        "wrong phone: {} {}",
        wrong.status,
        wrong.text
    );
    let page = Browser::new(env).post(
        "/pengaduan/lacak",
        None,
        &format!("tiket={ticket}&hp={local}"),
    );
    ensure!(
        page.status == 200 && page.text.contains(answer) && !page.text.contains("Bambang"),
        "tracking page: {}",
        page.status
    );
    Ok(())
}

fn only_the_complaints_officer_and_the_administrator_handle_complaints(env: &Env) -> TestResult {
    let ticket = complain(
        env,
        &address(),
        &json!({"name": "Warga", "text": "Saran: tambah jam layanan Sabtu."}),
    )?;
    for role in [
        "front_office",
        "validator",
        "head_of_agency",
        "village_operator",
    ] {
        let token = env.api.token(role)?;
        let list = env.api.get("/api/v1/complaints", Some(&token));
        ensure!(list.status == 403, "{role} lists: {}", list.status);
        let step = act(env, role, &ticket, json!({"action": "start"}))?;
        ensure!(step.status == 403, "{role} acts: {}", step.status);
        let log = env.api.post(
            "/api/v1/complaints",
            Some(&token),
            &json!({"channel": "hotline", "name": "X", "text": "Keluhan lewat telepon"}),
        );
        ensure!(log.status == 403, "{role} logs: {}", log.status);
    }
    ensure!(
        env.api.get("/api/v1/complaints", None).status == 401,
        "no session, no list"
    );
    for role in ["complaints_officer", "admin"] {
        let token = env.api.token(role)?;
        let list = env
            .api
            .get("/api/v1/complaints?status=open&limit=200", Some(&token));
        ensure!(
            list.status == 200 && list.body["items"].is_array(),
            "{role} lists: {} {}",
            list.status,
            list.text
        );
    }
    let b = Browser::new(env);
    let cookie = b.sign_in("fo", DEMO_PASSWORD)?;
    let page = b.get("/staff/complaints", Some(&cookie));
    ensure!(page.status == 403, "front office page: {}", page.status);
    ensure!(
        !b.get("/staff", Some(&cookie))
            .text
            .contains("/staff/complaints"),
        "no Pengaduan link for front office"
    );
    Ok(())
}

fn bad_input_is_refused_naming_the_field(env: &Env) -> TestResult {
    let ip = address();
    for (body, field) in [
        (json!({"name": "Sri", "text": "pendek"}), "text"),
        (
            json!({"name": " ", "text": "Isi pengaduan cukup panjang"}),
            "name",
        ),
        (
            json!({"name": "Sri", "phone": "12345", "text": "Isi pengaduan cukup panjang"}),
            "phone",
        ),
        (
            json!({"name": "Sri", "registration_number": "ABCD-EFGH1", "text": "Isi pengaduan cukup panjang"}),
            "registration_number",
        ),
        (
            json!({"name": "Sri", "kind": "praise", "text": "Isi pengaduan cukup panjang"}),
            "kind",
        ),
    ] {
        let r = post_from(env, &ip, "/api/v1/complaints", &body);
        ensure!(
            r.status == 422 && r.error_field() == field,
            "{field}: {} {}",
            r.status,
            r.text
        );
    }
    // A well-formed number of an application that does not exist.
    let token = env.api.token("complaints_officer")?;
    let missing = env.api.post(
        "/api/v1/complaints",
        Some(&token),
        &json!({"channel": "email", "name": "Sri", "registration_number": "1111-11111", "text": "Isi pengaduan cukup panjang"}),
    );
    ensure!(
        missing.status == 422 && missing.error_field() == "registration_number",
        "missing application: {}",
        missing.text
    );
    let no_channel = env.api.post(
        "/api/v1/complaints",
        Some(&token),
        &json!({"name": "Sri", "text": "Isi pengaduan cukup panjang"}),
    );
    ensure!(
        no_channel.status == 422 && no_channel.error_field() == "channel",
        "channel: {}",
        no_channel.text
    );
    let ticket = complain(
        env,
        &ip,
        &json!({"name": "Sri", "text": "Isi pengaduan cukup panjang"}),
    )?;
    let blank = act(
        env,
        "complaints_officer",
        &ticket,
        json!({"action": "respond", "response": "  "}),
    )?;
    ensure!(
        blank.status == 422 && blank.error_field() == "response",
        "response: {}",
        blank.text
    );
    let unknown = act(
        env,
        "complaints_officer",
        &ticket,
        json!({"action": "approve"}),
    )?;
    ensure!(
        unknown.status == 422 && unknown.error_field() == "action",
        "action: {}",
        unknown.text
    );
    let no_reason = act(
        env,
        "complaints_officer",
        &ticket,
        json!({"action": "close"}),
    )?;
    ensure!(
        no_reason.status == 422 && no_reason.error_field() == "reason",
        "reason: {}",
        no_reason.text
    );
    let early = act(
        env,
        "complaints_officer",
        &ticket,
        json!({"action": "resolve", "response": "ok"}),
    )?;
    ensure!(early.status == 409, "resolve while open: {}", early.text);
    let spam = act(
        env,
        "complaints_officer",
        &ticket,
        json!({"action": "close", "reason": "duplikat"}),
    )?;
    ensure!(
        spam.status == 200 && spam.body["status"] == "closed",
        "close as duplicate: {}",
        spam.text
    );
    Ok(())
}

fn a_hotline_complaint_is_logged_and_linked_to_its_application(env: &Env) -> TestResult {
    let number = submit(&env.api, "pickup")?;
    let token = env.api.token("complaints_officer")?;
    let r = env.api.post(
        "/api/v1/complaints",
        Some(&token),
        &json!({"channel": "hotline", "name": "Pak Darmo", "registration_number": number.to_lowercase().replace('-', ""),
                "text": "Menelepon: menanyakan kapan berkas dijemput kurir."}),
    );
    ensure!(r.status == 201, "log: {} {}", r.status, r.text);
    let ticket = r.body["ticket"].as_str().unwrap_or_default();
    let full = env
        .api
        .get(&format!("/api/v1/complaints/{ticket}"), Some(&token));
    ensure!(full.status == 200, "read: {}", full.text);
    ensure!(
        full.body["complaint"]["channel"] == "hotline",
        "channel: {}",
        full.text
    );
    ensure!(
        full.body["complaint"]["registration_number"] == number.as_str(),
        "linked: {}",
        full.text
    );
    ensure!(
        full.body["events"][0]["actor_role"] == "complaints_officer",
        "logged by the officer: {}",
        full.text
    );
    let list = env
        .api
        .get("/api/v1/complaints?channel=hotline&limit=200", Some(&token));
    let items = list.body["items"].as_array().cloned().unwrap_or_default();
    ensure!(
        items.iter().all(|i| i["channel"] == "hotline"),
        "filter by channel"
    );
    ensure!(
        items
            .windows(2)
            .all(|w| w[0]["created_at"].as_str() <= w[1]["created_at"].as_str()),
        "oldest first"
    );
    Ok(())
}

fn the_officer_handles_a_complaint_through_the_pages(env: &Env) -> TestResult {
    let number = submit(&env.api, "pickup")?;
    let b = Browser::new(env);
    let cookie = b.sign_in("pengaduan", DEMO_PASSWORD)?;
    let list = b.get("/staff/complaints", Some(&cookie));
    ensure!(
        list.status == 200,
        "list page: {} {}",
        list.status,
        list.text
    );
    ensure!(list.text.contains("href=\"/staff/complaints\""), "nav link");
    let token = csrf(&list.text);
    let no_csrf = b.post(
        "/staff/complaints",
        Some(&cookie),
        "channel=suggestion_box&name=Warga&text=Kotak+saran%3A+ruang+tunggu+panas",
    );
    ensure!(no_csrf.status == 403, "without CSRF: {}", no_csrf.status);
    let logged = b.post(
        "/staff/complaints",
        Some(&cookie),
        &format!("csrf={token}&channel=suggestion_box&kind=suggestion&name=Warga&registration_number={number}&text=Kotak+saran%3A+ruang+tunggu+panas"),
    );
    ensure!(
        logged.status == 303,
        "log: {} {}",
        logged.status,
        logged.text
    );
    let location = logged.header("location").unwrap_or_default().to_string();
    ensure!(
        location.starts_with("/staff/complaints/ADU-"),
        "to the detail: {location}"
    );
    let detail = b.get(&location, Some(&cookie));
    ensure!(
        detail.status == 200
            && detail
                .text
                .contains(&format!("/staff/applications/{number}")),
        "detail links the application"
    );
    let actions = format!("{location}/actions");
    let start = b.post(
        &actions,
        Some(&cookie),
        &format!("csrf={token}&action=start&expected_version=1"),
    );
    ensure!(
        start.status == 303,
        "start: {} {}",
        start.status,
        start.text
    );
    let stale = b.post(
        &actions,
        Some(&cookie),
        &format!("csrf={token}&action=respond&response=Terlambat&expected_version=1"),
    );
    ensure!(stale.status == 409, "stale form: {}", stale.status);
    let respond = b.post(
        &actions,
        Some(&cookie),
        &format!("csrf={token}&action=resolve&response=Kipas+angin+dipasang&expected_version=2"),
    );
    ensure!(
        respond.status == 303,
        "resolve: {} {}",
        respond.status,
        respond.text
    );
    let after = b.get(&location, Some(&cookie));
    ensure!(
        after.text.contains("Selesai ditanggapi") && after.text.contains("Kipas angin dipasang"),
        "detail after: {}",
        after.text
    );
    let dashboard = b.get(
        "/staff/dashboard",
        Some(&b.sign_in("admin", DEMO_PASSWORD)?),
    );
    ensure!(
        dashboard.status == 200 && dashboard.text.contains("dash-pengaduan"),
        "dashboard shows complaints: {}",
        dashboard.status
    );
    Ok(())
}

fn the_public_form_gives_a_ticket_and_a_filled_honeypot_stores_nothing(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let ip = address();
    let form = b.get("/pengaduan", None);
    ensure!(
        form.status == 200 && form.text.contains("name=\"website\""),
        "form: {}",
        form.status
    );
    let phone = phone();
    let local = format!("0{}", &phone[3..]);
    let sent = b.post_from(
        &ip,
        "/pengaduan",
        &format!(
            "kind=complaint&name=Sri&phone={local}&text=Antrian+di+loket+terlalu+lama&website="
        ),
    );
    ensure!(sent.status == 303, "submit: {} {}", sent.status, sent.text);
    let location = sent.header("location").unwrap_or_default().to_string();
    ensure!(
        location.starts_with("/pengaduan/ADU-"),
        "confirmation: {location}"
    );
    let done = b.get(&location, None);
    ensure!(
        done.status == 200 && done.text.contains(&location["/pengaduan/".len()..]),
        "confirmation page"
    );
    let tracked = env.api.post(
        &format!(
            "/api/v1/complaints/{}/status",
            &location["/pengaduan/".len()..]
        ),
        None,
        &json!({"phone": local}),
    );
    ensure!(tracked.status == 200, "tracked: {}", tracked.text);

    let invalid = b.post_from(&ip, "/pengaduan", "name=Sri&text=pendek");
    ensure!(
        invalid.status == 422 && invalid.text.contains("Sri"),
        "invalid form is shown again: {}",
        invalid.status
    );

    let bot = b.post_from(
        &ip,
        "/pengaduan",
        &format!("name=Bot&phone={local}&text=Beli+obat+murah+di+sini&website=http%3A%2F%2Fspam"),
    );
    ensure!(bot.status == 303, "the bot is not told: {}", bot.status);
    let fake = bot
        .header("location")
        .unwrap_or_default()
        .trim_start_matches("/pengaduan/")
        .to_string();
    let lookup = env.api.post(
        &format!("/api/v1/complaints/{fake}/status"),
        None,
        &json!({"phone": local}),
    );
    ensure!(
        lookup.status == 404,
        "nothing stored for the bot: {} {}",
        lookup.status,
        lookup.text
    );
    let api_bot = post_from(
        env,
        &ip,
        "/api/v1/complaints",
        &json!({"name": "Bot", "phone": phone, "text": "Beli obat murah di sini", "website": "x"}),
    );
    ensure!(api_bot.status == 201, "API honeypot: {}", api_bot.text);
    let officer = env.api.token("complaints_officer")?;
    let stored = env.api.get(
        &format!(
            "/api/v1/complaints/{}",
            api_bot.body["ticket"].as_str().unwrap_or_default()
        ),
        Some(&officer),
    );
    ensure!(
        stored.status == 404,
        "API honeypot stored nothing: {}",
        stored.status
    );
    Ok(())
}

fn the_eleventh_complaint_from_one_address_within_the_hour_is_refused(env: &Env) -> TestResult {
    let ip = address();
    let body = json!({"name": "Warga", "text": "Pengaduan berulang untuk uji batas"});
    for i in 1..=10 {
        let r = post_from(env, &ip, "/api/v1/complaints", &body);
        ensure!(r.status == 201, "complaint {i}: {} {}", r.status, r.text);
    }
    let r = post_from(env, &ip, "/api/v1/complaints", &body);
    ensure!(
        r.status == 429 && r.error_code() == "too_many_attempts",
        "11th: {} {}",
        r.status,
        r.text
    );
    let other = post_from(env, &address(), "/api/v1/complaints", &body);
    ensure!(
        other.status == 201,
        "another address is not affected: {}",
        other.status
    );
    Ok(())
}

fn a_complaint_form_with_several_mistakes_names_them_all_at_once(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let r = b.post_from(
        &address(),
        "/pengaduan",
        "kind=complaint&name=&phone=12345&registration_number=NOMOR&text=pendek&website=",
    );
    ensure!(r.status == 422, "bad form: {} {}", r.status, r.text);
    let summary = r
        .text
        .split("id=\"ringkasan-galat\"")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .unwrap_or_default();
    let links: Vec<&str> = summary
        .split("<a href=\"#")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    ensure!(
        links == ["name", "phone", "registration_number", "text"],
        "every error in page order: {links:?}"
    );
    ensure!(
        r.text.contains("<title>Galat: ")
            && r.text.contains("id=\"phone-error\">Nomor HP: ")
            && r.text
                .contains("aria-invalid=\"true\" aria-describedby=\"name-error\"")
            && r.text.contains("value=\"12345\""),
        "inline errors, their fields marked, the values kept: {}",
        r.text
    );
    Ok(())
}
