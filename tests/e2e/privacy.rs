//! Personal data and the access log (UU PDP): the NIK and the phone number
//! never travel in a URL (tracking posts; the API takes them in the body),
//! a refused read is logged as a refusal, the administrator reads who saw or
//! changed which record (page and CSV), a citizen sees which roles saw their
//! application, and the retention purge removes what is due from the cron.

use serde_json::{json, Value};

use crate::api::{nik, username, DEMO_PASSWORD};
use crate::public::{apply, filled_form, Phone};
use crate::ui::Browser;
use crate::workflow::{seed, walk_to};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        the_tracking_page_never_puts_the_nik_in_the_url,
        complaint_tracking_never_puts_the_phone_in_the_url,
        the_status_api_takes_the_nik_in_the_body_and_the_query_form_is_deprecated,
        a_refused_read_is_logged_as_a_refusal_not_a_read,
        the_administrator_reads_who_saw_or_changed_a_record_and_exports_it,
        only_the_administrator_reads_the_access_log,
        a_citizen_sees_which_roles_saw_their_application_but_no_names,
        the_worker_logs_each_request_by_route_and_id_and_never_personal_data,
    ]
}

/// The Worker's log (issue 13): one JSON line per request, found by the id
/// its answer carries, naming the route's pattern — and not one line of
/// the Worker's holds the applicant's NIK, name or phone number, though they
/// were submitted, texted and looked up.
fn the_worker_logs_each_request_by_route_and_id_and_never_personal_data(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let applicant_nik = nik(seed());
    // A name no other test uses, so finding it anywhere means it leaked here.
    let letters: String = format!("{:08}", seed())
        .bytes()
        .map(|d| char::from(b'a' + (d - b'0')))
        .collect();
    let name = format!("Rukmini Wening{letters}");
    let form = filled_form(&applicant_nik, &name);
    let phone_number = form
        .iter()
        .find(|(k, _)| *k == "applicant.phone")
        .map(|(_, v)| v.replace(' ', ""))
        .unwrap_or_default();
    let number = apply(&phone, &form)?;
    let r = phone.post("/lacak", &[("nomor", &number), ("nik", &applicant_nik)]);
    ensure!(r.status == 200, "tracking: {} {}", r.status, r.text);
    let id = r.header("x-request-id").unwrap_or_default().to_string();
    ensure!(
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
        "X-Request-Id: {id:?}"
    );
    let line = crate::dispatch::wait_for(
        &format!("a log line with the request id {id}"),
        std::time::Duration::from_secs(5),
        || Ok(env.server.log_lines(&format!("\"id\":\"{id}\"")).pop()),
    )?;
    let parsed: Value = line
        .find('{')
        .and_then(|i| serde_json::from_str(&line[i..]).ok())
        .ok_or_else(|| format!("not one JSON object: {line}"))?;
    ensure!(
        parsed["kind"] == "request"
            && parsed["method"] == "POST"
            && parsed["route"] == "/lacak"
            && parsed["status"] == 200
            && parsed["d1_round_trips"].as_u64().is_some_and(|n| n >= 1)
            && parsed["role"].is_null(),
        "the request's line: {line}"
    );
    // Give the SMS of the submission time to be sent (its batch logs too).
    std::thread::sleep(std::time::Duration::from_secs(2));
    let ours = env.server.log_lines("\"kind\":");
    ensure!(!ours.is_empty(), "no JSON log lines at all");
    let local = phone_number.trim_start_matches('0').to_string();
    for personal in [
        applicant_nik.as_str(),
        name.as_str(),
        local.as_str(),
        number.as_str(),
    ] {
        let leaked: Vec<&String> = ours.iter().filter(|l| l.contains(personal)).collect();
        ensure!(
            leaked.is_empty(),
            "{personal} in the Worker's log: {leaked:?}"
        );
    }
    Ok(())
}

/// Tests that write to the database from a second process: run alone.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![
        the_retention_purge_removes_what_is_due_and_nothing_else,
        a_status_check_is_one_round_trip_and_logged_only_for_the_applicant,
    ]
}

/// A citizen's status check: the limits' round trip, then the read with its
/// access-log row in one more; the row is written for the applicant's own
/// NIK only (a wrong NIK leaves no trace but its miss counter).
fn a_status_check_is_one_round_trip_and_logged_only_for_the_applicant(env: &Env) -> TestResult {
    let (number, applicant_nik) = env.api.submitted()?;
    let logged = || -> Result<u64, String> {
        let rows = env.server.query(&format!(
            "SELECT count(*) AS n FROM access_log WHERE registration_number = '{number}' AND actor_role = 'citizen'"
        ))?;
        Ok(rows[0]["n"].as_u64().unwrap_or(u64::MAX))
    };
    let before = logged()?;
    let path = format!("/api/v1/applications/{number}/status");
    let r = env.api.post(&path, None, &json!({"nik": applicant_nik}));
    ensure!(r.status == 200, "status: {} {}", r.status, r.text);
    // The limits, the read and its access-log row in one batch.
    ensure!(
        r.header("x-d1-round-trips") == Some("1"),
        "round trips: {:?}",
        r.header("x-d1-round-trips")
    );
    ensure!(
        logged()? == before + 1,
        "the applicant's read is not logged once"
    );
    let wrong = nik(seed());
    let r = env.api.post(&path, None, &json!({"nik": wrong}));
    ensure!(r.status == 404, "a wrong NIK: {} {}", r.status, r.text);
    // A miss takes a second round trip: it is counted against the address
    // and the number.
    ensure!(
        r.header("x-d1-round-trips") == Some("2"),
        "a miss's round trips: {:?}",
        r.header("x-d1-round-trips")
    );
    ensure!(
        logged()? == before + 1,
        "a wrong NIK's lookup was logged as a read"
    );
    // Once the misses are used up, the right NIK's lookup (made in the same
    // batch as the limits) is refused like a wrong one and leaves no
    // access-log row. A phone of its own, so no other test's address is
    // limited.
    let phone = crate::public::Phone::new(env);
    for attempt in 1..=5 {
        let r = phone.post("/lacak", &[("nomor", &number), ("nik", &wrong)]);
        ensure!(r.status == 404, "wrong NIK {attempt}: {}", r.status);
    }
    let right = phone.post("/lacak", &[("nomor", &number), ("nik", &applicant_nik)]);
    ensure!(
        right.status == 429 && right.text.contains("Terlalu banyak percobaan"),
        "the right NIK after the limit: {} {}",
        right.status,
        right.text
    );
    ensure!(
        logged()? == before + 1,
        "a refused lookup was logged as a read"
    );
    Ok(())
}

pub(crate) fn admin_page(env: &Env, query: &str) -> Result<String, String> {
    let b = Browser::new(env);
    let cookie = b.sign_in("admin", DEMO_PASSWORD)?;
    let r = b.get(&format!("/staff/admin/access?{query}"), Some(&cookie));
    ensure!(
        r.status == 200,
        "access log {query}: {} {}",
        r.status,
        r.text
    );
    Ok(r.text)
}

/// The `<tr>` lines of the access-log table.
pub(crate) fn rows(page: &str) -> Vec<&str> {
    page.split("<tr data-outcome=\"").skip(1).collect()
}

fn the_tracking_page_never_puts_the_nik_in_the_url(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let applicant_nik = nik(seed());
    let number = apply(&phone, &filled_form(&applicant_nik, "Sri Lestari"))?;
    let confirmation = phone.get(&format!("/ajukan/selesai/{number}"));
    ensure!(
        confirmation.status == 200 && !confirmation.text.contains(&applicant_nik),
        "the confirmation page carries the NIK: {}",
        confirmation.status
    );
    let form = phone.get(&format!("/lacak?nomor={number}"));
    ensure!(
        form.status == 200
            && form
                .text
                .contains("<form method=\"post\" action=\"/lacak\"")
            && form.text.contains(&format!("value=\"{number}\"")),
        "the tracking form does not post: {}",
        form.text
    );
    // Asked the old way, the NIK in the address: no status, nothing echoed.
    let old = phone.get(&format!("/lacak?nomor={number}&nik={applicant_nik}"));
    ensure!(
        old.status == 200
            && !old.text.contains("id=\"status\"")
            && !old.text.contains("sedang diperiksa petugas Dinas")
            && !old.text.contains(&applicant_nik),
        "a GET with ?nik= reveals the status or echoes the NIK: {} {}",
        old.status,
        old.text
    );
    let r = phone.post("/lacak", &[("nomor", &number), ("nik", &applicant_nik)]);
    ensure!(
        r.status == 200
            && r.text.contains("id=\"status\"")
            && r.text
                .contains("Permohonan terdaftar, sedang diperiksa petugas Dinas")
            && r.text.contains("Siapa yang melihat data Anda")
            && !r.text.contains(&applicant_nik),
        "tracking by POST: {} {}",
        r.status,
        r.text
    );
    Ok(())
}

fn complaint_tracking_never_puts_the_phone_in_the_url(env: &Env) -> TestResult {
    let s = seed();
    let local = format!("0812{:08}", 70_000_000 + s % 10_000_000);
    let created = env.api.post(
        "/api/v1/complaints",
        None,
        &json!({"kind": "complaint", "name": "Sri Lestari", "phone": local,
                "text": "Kurir belum datang menjemput berkas saya."}),
    );
    ensure!(created.status == 201, "complain: {}", created.text);
    let ticket = created.body["ticket"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let b = Browser::new(env);
    let old = b.get(&format!("/pengaduan/lacak?tiket={ticket}&hp={local}"), None);
    ensure!(
        old.status == 200
            && old
                .text
                .contains("<form method=\"post\" action=\"/pengaduan/lacak\"")
            && !old.text.contains("id=\"status\"")
            && !old.text.contains(&local),
        "a GET with ?hp= reveals the status or echoes the phone: {}",
        old.text
    );
    let page = b.post(
        "/pengaduan/lacak",
        None,
        &format!("tiket={ticket}&hp={local}"),
    );
    ensure!(
        page.status == 200 && page.text.contains("id=\"status\"") && !page.text.contains(&local),
        "tracking by POST: {} {}",
        page.status,
        page.text
    );
    let api_old = env
        .api
        .get(&format!("/api/v1/complaints/{ticket}?phone={local}"), None);
    ensure!(
        api_old.status == 401,
        "the API still answers a phone in the URL: {} {}",
        api_old.status,
        api_old.text
    );
    let api = env.api.post(
        &format!("/api/v1/complaints/{ticket}/status"),
        None,
        &json!({"phone": local}),
    );
    ensure!(
        api.status == 200 && api.body["ticket"] == ticket.as_str(),
        "POST status: {} {}",
        api.status,
        api.text
    );
    Ok(())
}

fn the_status_api_takes_the_nik_in_the_body_and_the_query_form_is_deprecated(
    env: &Env,
) -> TestResult {
    let (number, applicant_nik) = env.api.submitted()?;
    let path = format!("/api/v1/applications/{number}/status");
    let r = env.api.post(&path, None, &json!({"nik": applicant_nik}));
    ensure!(
        r.status == 200
            && r.body["status"] == "submitted"
            && r.body["registration_number"] == number.as_str(),
        "POST status: {} {}",
        r.status,
        r.text
    );
    ensure!(
        !r.text.contains(&applicant_nik),
        "the answer echoes the NIK"
    );
    let old = env.api.get(
        &format!("/api/v1/applications/{number}?nik={applicant_nik}"),
        None,
    );
    ensure!(
        old.status == 200 && old.body == r.body,
        "the deprecated GET answers differently: {} {}",
        old.status,
        old.text
    );
    ensure!(
        old.header("deprecation") == Some("true")
            && old.header("sunset").is_some_and(|s| s.ends_with("GMT"))
            && old.header("link").is_some_and(|l| l.contains(&path)),
        "no Deprecation/Sunset/Link: {:?}",
        old.headers
    );
    ensure!(
        r.header("deprecation").is_none(),
        "the new form is marked deprecated"
    );
    let wrong = env.api.post(&path, None, &json!({"nik": nik(seed() + 1)}));
    ensure!(
        wrong.status == 404 && wrong.error_code() == "not_found",
        "wrong NIK: {} {}",
        wrong.status,
        wrong.text
    );
    let missing = env.api.post(&path, None, &json!({}));
    ensure!(
        missing.status == 422 && missing.error_field() == "nik",
        "no NIK: {} {}",
        missing.status,
        missing.text
    );
    let extra = env.api.post(
        &path,
        None,
        &json!({"nik": applicant_nik, "phone": "081234567890"}),
    );
    ensure!(
        extra.status == 400,
        "an unknown field: {} {}",
        extra.status,
        extra.text
    );
    Ok(())
}

fn a_refused_read_is_logged_as_a_refusal_not_a_read(env: &Env) -> TestResult {
    let (number, _) = env.api.submitted()?;
    let other = env.api.token("other_village_operator")?;
    let refused = env
        .api
        .get(&format!("/api/v1/applications/{number}"), Some(&other));
    ensure!(refused.status == 403, "other village: {}", refused.status);
    let events = env.api.get(
        &format!("/api/v1/applications/{number}/events"),
        Some(&other),
    );
    ensure!(
        events.status == 403,
        "other village events: {}",
        events.status
    );
    let own = env.api.read("village_operator", &number)?;
    ensure!(own.status == 200, "own village: {}", own.status);

    let page = admin_page(env, &format!("nomor={number}"))?;
    let lines = rows(&page);
    let gedong: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("Operator Desa Gedong"))
        .collect();
    ensure!(
        gedong.len() == 2 && gedong.iter().all(|l| l.starts_with("refused\"")),
        "the other village's attempts are not logged as refusals: {gedong:?}"
    );
    let sumberagung: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("Operator Desa Sumberagung"))
        .collect();
    ensure!(
        !sumberagung.is_empty() && sumberagung.iter().all(|l| l.starts_with("read\"")),
        "the own village's read: {sumberagung:?}"
    );
    Ok(())
}

fn the_administrator_reads_who_saw_or_changed_a_record_and_exports_it(env: &Env) -> TestResult {
    let (number, _) = env.api.submitted()?;
    walk_to(&env.api, &number, "awaiting_validation")?;
    let read = env.api.read("validator", &number)?;
    ensure!(read.status == 200, "validator read: {}", read.status);

    let page = admin_page(env, &format!("nomor={}", number.to_lowercase()))?;
    let lines = rows(&page);
    let validator = lines
        .iter()
        .find(|l| l.starts_with("read\"") && l.contains("Kasi Pelayanan Pencatatan Sipil"))
        .ok_or_else(|| format!("no read by the validator: {lines:?}"))?;
    ensure!(
        validator.contains("Membuka data permohonan") && validator.contains("WIB"),
        "the read line: {validator}"
    );
    ensure!(
        lines.iter().any(|l| l.starts_with("changed\"")
            && l.contains("Petugas Front Office")
            && l.contains("Terima")),
        "no change by the front office: {lines:?}"
    );
    ensure!(
        lines.iter().all(|l| l.contains(&number)),
        "the number filter let other records through"
    );
    // Newest first: the validator's read comes before the front office's step.
    let first_read = page.find("Kasi Pelayanan Pencatatan Sipil</a>");
    let step = page.find("Langkah: Terima");
    ensure!(
        first_read.is_some() && step.is_some() && first_read < step,
        "not newest first"
    );

    // The officer filter: the validator's id from the filter's own list.
    let id = page
        .split("<option value=\"")
        .skip(1)
        .find(|o| o.contains(">Kasi Pelayanan Pencatatan Sipil ("))
        .and_then(|o| o.split('"').next())
        .ok_or("the officer filter lists no validator")?
        .to_string();
    let theirs = admin_page(env, &format!("officer={id}&nomor={number}"))?;
    ensure!(
        !rows(&theirs).is_empty()
            && rows(&theirs)
                .iter()
                .all(|l| l.contains("Kasi Pelayanan Pencatatan Sipil")),
        "the officer filter: {:?}",
        rows(&theirs)
    );

    // A date range in the past has nothing; a bad date names the field.
    let past = admin_page(
        env,
        &format!("nomor={number}&from=2020-01-01&to=2020-01-31"),
    )?;
    ensure!(rows(&past).is_empty(), "a past range shows rows");
    let b = Browser::new(env);
    let cookie = b.sign_in("admin", DEMO_PASSWORD)?;
    let bad = b.get("/staff/admin/access?from=2026-13-01", Some(&cookie));
    ensure!(
        bad.status == 422 && bad.text.contains("dari tanggal"),
        "a bad date: {} {}",
        bad.status,
        bad.text
    );

    // A cursor this server did not hand out is refused, naming the page.
    let forged = b.get("/staff/admin/access?cursor=bm90LWEtY3Vyc29y", Some(&cookie));
    ensure!(
        forged.status == 422 && forged.text.contains("halaman"),
        "a forged cursor: {} {}",
        forged.status,
        forged.text
    );

    // The CSV: the same selection, guarded cells, a download.
    let csv = b.get(
        &format!("/staff/admin/access.csv?nomor={number}"),
        Some(&cookie),
    );
    ensure!(
        csv.status == 200
            && csv
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/csv"))
            && csv
                .header("content-disposition")
                .is_some_and(|d| d.contains("attachment")),
        "CSV: {} {:?}",
        csv.status,
        csv.headers
    );
    ensure!(
        csv.text.starts_with('\u{feff}') && csv.text.contains("Waktu (WIB),Petugas"),
        "CSV header: {}",
        csv.text
    );
    let data: Vec<&str> = csv.text.lines().skip(1).collect();
    ensure!(
        data.len() == rows(&page).len(),
        "the CSV has {} lines, the page {}",
        data.len(),
        rows(&page).len()
    );
    ensure!(
        data.iter()
            .any(|l| l.contains("Kasi Pelayanan Pencatatan Sipil") && l.contains(",Melihat,")),
        "CSV lines: {data:?}"
    );
    Ok(())
}

fn only_the_administrator_reads_the_access_log(env: &Env) -> TestResult {
    let b = Browser::new(env);
    for role in ["validator", "head_of_agency", "village_operator"] {
        let cookie = b.sign_in(username(role), DEMO_PASSWORD)?;
        for path in ["/staff/admin/access", "/staff/admin/access.csv"] {
            let r = b.get(path, Some(&cookie));
            ensure!(
                r.status == 403 && !r.text.contains("data-outcome"),
                "{role} {path}: {}",
                r.status
            );
        }
    }
    let anonymous = b.get("/staff/admin/access", None);
    ensure!(anonymous.status == 303, "signed out: {}", anonymous.status);
    Ok(())
}

fn a_citizen_sees_which_roles_saw_their_application_but_no_names(env: &Env) -> TestResult {
    let (number, applicant_nik) = env.api.submitted()?;
    walk_to(&env.api, &number, "awaiting_validation")?;
    ensure!(
        env.api.read("validator", &number)?.status == 200,
        "validator read"
    );
    let other = env.api.token("other_village_operator")?;
    let refused = env
        .api
        .get(&format!("/api/v1/applications/{number}"), Some(&other));
    ensure!(refused.status == 403, "other village: {}", refused.status);

    let path = format!("/api/v1/applications/{number}/access");
    let r = env.api.post(&path, None, &json!({"nik": applicant_nik}));
    ensure!(r.status == 200, "access: {} {}", r.status, r.text);
    let accesses = r.body["accesses"].as_array().cloned().unwrap_or_default();
    let has = |role: &str, outcome: &str| {
        accesses
            .iter()
            .any(|a: &Value| a["role"] == role && a["outcome"] == outcome)
    };
    ensure!(
        has("validator", "read")
            && has("village_operator", "refused")
            && has("front_office", "changed"),
        "the citizen's access list: {}",
        r.text
    );
    ensure!(
        !accesses.iter().any(|a| a["role"] == "citizen"),
        "the applicant's own lookups or submission are listed: {}",
        r.text
    );
    // (The validator's account is named like its role: not a test of names.)
    for name in [
        "Operator Desa Gedong",
        "Petugas Front Office",
        "staff_id",
        "officer",
    ] {
        ensure!(
            !r.text.contains(name),
            "the citizen sees {name}: {}",
            r.text
        );
    }
    let wrong = env.api.post(&path, None, &json!({"nik": nik(seed() + 1)}));
    ensure!(
        wrong.status == 404,
        "wrong NIK: {} {}",
        wrong.status,
        wrong.text
    );

    let phone = Phone::new(env);
    let page = phone.post("/lacak", &[("nomor", &number), ("nik", &applicant_nik)]);
    let section = page.text.split("id=\"dilihat\"").nth(1).unwrap_or_default();
    ensure!(
        page.status == 200
            && section
                .contains("Kasi Pelayanan Pencatatan Sipil (Validator): Membuka data permohonan")
            && section.contains("ditolak"),
        "the tracking page's section: {}",
        page.text
    );
    ensure!(
        !section.contains("Operator Desa Gedong") && !section.contains("Petugas Front Office"),
        "the tracking page names an officer"
    );
    Ok(())
}

/// A small PDF, uploaded by the citizen for a requirement of `application`.
fn upload_pdf(env: &Env, number: &str, applicant_nik: &str) -> Result<i64, String> {
    const BOUNDARY: &str = "----pakpos-privacy-e2e";
    let body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"item\"\r\n\r\nkk_orang_tua\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"nik\"\r\n\r\n{applicant_nik}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kk.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\n% retention test\n%%EOF\n\r\n--{BOUNDARY}--\r\n"
    );
    let r = env.api.raw_post(
        &format!("/api/v1/applications/{number}/documents"),
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        &[],
        &body,
    );
    ensure!(r.status == 201, "upload: {} {}", r.status, r.text);
    r.body["id"]
        .as_i64()
        .ok_or_else(|| format!("no id: {}", r.text))
}

/// Runs SQL on the Worker's local D1 from a second process, again when the
/// database was busy (the Worker's queue consumers write meanwhile); every
/// statement handed to it is idempotent.
fn sql(env: &Env, sql: &str) -> Result<Value, String> {
    let mut last = Value::Null;
    for _ in 0..5 {
        last = env.server.query(sql)?;
        if !last.is_null() {
            return Ok(last);
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    Err(format!("{sql}: no answer ({last})"))
}

fn count(env: &Env, query: &str) -> Result<i64, String> {
    let rows = sql(env, query)?;
    rows[0]["n"]
        .as_i64()
        .ok_or_else(|| format!("{query}: {rows}"))
}

fn tick(env: &Env) -> TestResult {
    let r = env.api.get("/__scheduled?cron=*+*+*+*+*", None);
    ensure!(r.status == 200, "cron tick: {} {}", r.status, r.text);
    Ok(())
}

fn the_retention_purge_removes_what_is_due_and_nothing_else(env: &Env) -> TestResult {
    const LONG_AGO: &str = "2020-01-01T00:00:00.000Z";
    // A cancelled application with an upload, closed long ago; an open one
    // with an upload, which keeps it.
    let (closed, closed_nik) = env.api.submitted()?;
    let gone_doc = upload_pdf(env, &closed, &closed_nik)?;
    let cancel = env.api.act(
        "front_office",
        &closed,
        &json!({"action": "cancel", "reason": "Berkas tidak lengkap untuk uji retensi"}),
    )?;
    ensure!(cancel.status == 200, "cancel: {}", cancel.text);
    let (open, open_nik) = env.api.submitted()?;
    let kept_doc = upload_pdf(env, &open, &open_nik)?;
    ensure!(env.api.read("validator", &open)?.status == 200, "read");
    let hash = format!("retention-e2e-{}", seed());
    sql(
        env,
        &format!(
            "UPDATE applications SET status_since = '{LONG_AGO}' WHERE registration_number = '{closed}';
             INSERT INTO access_log (staff_id, actor_role, registration_number, what, created_at)
                 SELECT NULL, 'validator', '{open}', 'record', '{LONG_AGO}'
                 WHERE NOT EXISTS (SELECT 1 FROM access_log
                                   WHERE registration_number = '{open}' AND created_at = '{LONG_AGO}');
             INSERT OR IGNORE INTO sessions (token_hash, staff_id, username, display_name, role,
                                             village_code, created_at, last_seen_at, expires_at)
                 SELECT '{hash}', id, username, display_name, role, NULL, '{LONG_AGO}', '{LONG_AGO}', '{LONG_AGO}'
                 FROM staff WHERE username = 'fo';
             INSERT OR IGNORE INTO idempotency_keys (key_hash, body_sha256, registration_number, response_json, created_at)
                 VALUES ('old-{hash}', 'x', '{closed}', '{{}}', '{LONG_AGO}');
             INSERT OR IGNORE INTO idempotency_keys (key_hash, body_sha256, registration_number, response_json, created_at)
                 VALUES ('new-{hash}', 'x', '{open}', '{{}}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
             INSERT OR IGNORE INTO sms_inbound (message_sid, sender_sha256, replied, received_at)
                 VALUES ('SM-old-{hash}', 'x', 1, '{LONG_AGO}');"
        ),
    )?;
    let keys = |which: &str| {
        format!("SELECT COUNT(*) AS n FROM idempotency_keys WHERE key_hash = '{which}-{hash}'")
    };
    let inbound =
        format!("SELECT COUNT(*) AS n FROM sms_inbound WHERE message_sid = 'SM-old-{hash}'");
    ensure!(
        count(env, &keys("old"))? == 1
            && count(env, &keys("new"))? == 1
            && count(env, &inbound)? == 1,
        "the keys and the inbound SMS record were not planted"
    );
    let old_rows = format!(
        "SELECT COUNT(*) AS n FROM access_log WHERE registration_number = '{open}' AND created_at < '2021'"
    );
    let new_rows = format!(
        "SELECT COUNT(*) AS n FROM access_log WHERE registration_number = '{open}' AND created_at > '2021'"
    );
    ensure!(count(env, &old_rows)? == 1, "the old row was not planted");
    let fresh = count(env, &new_rows)?;
    ensure!(fresh >= 1, "no fresh access-log row");

    // Twice: the second run finds nothing more and changes nothing.
    for run in 1..=2 {
        tick(env)?;
        ensure!(
            count(env, &old_rows)? == 0,
            "run {run}: the 2020 row is kept"
        );
        ensure!(
            count(env, &new_rows)? == fresh,
            "run {run}: a fresh access-log row went"
        );
        ensure!(
            count(
                env,
                &format!("SELECT COUNT(*) AS n FROM sessions WHERE token_hash = '{hash}'")
            )? == 0,
            "run {run}: the expired session is kept"
        );
        ensure!(
            count(
                env,
                &format!("SELECT COUNT(*) AS n FROM documents WHERE id = {gone_doc}")
            )? == 0,
            "run {run}: the closed application's upload is kept"
        );
        ensure!(
            count(
                env,
                &format!("SELECT COUNT(*) AS n FROM documents WHERE id = {kept_doc}")
            )? == 1,
            "run {run}: the open application's upload went"
        );
        ensure!(
            count(env, &keys("old"))? == 0 && count(env, &keys("new"))? == 1,
            "run {run}: an idempotency key older than a day is kept, or a fresh one went"
        );
        ensure!(
            count(env, &inbound)? == 0,
            "run {run}: an inbound SMS record older than a day is kept"
        );
    }
    // The object went too; the open one's is still served; live sessions work.
    let token = env.api.token("validator")?;
    let gone = env.api.get(&format!("/documents/{gone_doc}"), Some(&token));
    ensure!(gone.status == 404, "the purged document: {}", gone.status);
    let kept = env.api.get(&format!("/documents/{kept_doc}"), Some(&token));
    ensure!(kept.status == 200, "the kept document: {}", kept.status);
    ensure!(
        env.api.read("validator", &closed)?.status == 200,
        "the closed application itself must stay"
    );
    Ok(())
}
