//! Resubmitting a cancelled application (issue 10, "Paper that never gets
//! lost"): in one step, prefilled from the old application, linked both
//! ways, at most once, only by the same applicant (and a village operator
//! only for their own village), with the papers still at the agency carried
//! over. The API, the citizen's path from the tracking page, and the
//! operator's from the record page.

use std::sync::Barrier;

use serde_json::{json, Value};

use crate::api::{application, nik, username, Api, Resp, DEMO_PASSWORD, OTHER_VILLAGE};
use crate::public::Phone;
use crate::ui::{csrf, Browser};
use crate::workflow::{seed, step, walk_to};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        a_cancelled_application_is_resubmitted_once_and_linked_both_ways,
        two_resubmissions_at_once_make_one_application,
        a_resubmission_by_another_applicant_is_refused_like_an_unknown_number,
        an_application_not_cancelled_cannot_be_resubmitted,
        papers_waiting_at_the_counter_are_carried_over_in_the_same_batch,
        another_villages_operator_cannot_resubmit,
        a_citizen_resubmits_from_the_tracking_page_with_the_form_prefilled,
        a_wrong_nik_gets_no_resubmission_form_and_no_data,
        the_operator_resubmits_from_the_record_page_with_the_form_prefilled,
    ]
}

/// Counts rows in the database file from a second process: alone.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![a_refused_resubmission_writes_nothing]
}

/// A citizen's application, cancelled by the front office at `submitted`:
/// the submission body (its NIK is the applicant's) and the number.
fn cancelled(api: &Api) -> Result<(Value, String), String> {
    let body = application(seed(), "pos");
    let r = api.submit(&body);
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let reason = "Nama ibu pada formulir tidak sesuai KK";
    step(
        api,
        "front_office",
        &number,
        json!({"action": "cancel", "reason": reason}),
    )?;
    Ok((body, number))
}

/// A citizen's application cancelled in production, its papers going back
/// as `how` says (`counter`: they wait at the Loket Pengambilan; `pos`: by
/// post).
fn cancelled_in_production(api: &Api, how: &str) -> Result<(Value, String), String> {
    let body = application(seed(), "pos");
    let r = api.submit(&body);
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    let number = number_of(&r);
    walk_to(api, &number, "in_production")?;
    step(
        api,
        "production",
        &number,
        json!({"action": "cancel", "reason": "Data SIAK ganda", "papers_return": how}),
    )?;
    Ok((body, number))
}

/// Where an application's papers are, as the staff record says.
fn papers_in_record(api: &Api, number: &str) -> Result<Value, String> {
    let r = api.read("admin", number)?;
    ensure!(r.status == 200, "read {number}: {} {}", r.status, r.text);
    Ok(r.body["papers"].clone())
}

/// The same application again, naming the cancelled one.
fn resubmission(old_body: &Value, old: &str) -> Value {
    let mut body = old_body.clone();
    body["resubmitted_from"] = json!(old);
    // Its own phone number: each gets only a few SMS a day.
    body["applicant"]["phone"] = json!(format!("08129{:07}", seed()));
    body
}

fn number_of(r: &Resp) -> String {
    r.body["registration_number"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn a_cancelled_application_is_resubmitted_once_and_linked_both_ways(env: &Env) -> TestResult {
    let api = &env.api;
    let (body, old) = cancelled(api)?;
    let r = api.submit(&resubmission(&body, &old));
    ensure!(
        r.status == 201
            && r.body["resubmitted_from"] == old.as_str()
            && r.body["papers_carried_over"] == false,
        "resubmit: {} {}",
        r.status,
        r.text
    );
    let new = number_of(&r);
    let old_record = api.read("front_office", &old)?;
    let new_record = api.read("front_office", &new)?;
    ensure!(
        old_record.body["resubmitted_as"] == new.as_str()
            && old_record.body["resubmitted_from"].is_null(),
        "the old record: {}",
        old_record.text
    );
    ensure!(
        new_record.body["resubmitted_from"] == old.as_str()
            && new_record.body["resubmitted_as"].is_null()
            && new_record.body["status"] == "submitted",
        "the new record: {}",
        new_record.text
    );
    // Once only: the same request again, and another with the number typed
    // differently.
    for typed in [old.clone(), old.to_lowercase().replace('-', " ")] {
        let again = api.submit(&resubmission(&body, &typed));
        ensure!(
            again.status == 409
                && again.error_code() == "already_resubmitted"
                && again.text.contains("sudah pernah diajukan ulang")
                && !again.text.contains(&new),
            "resubmitted twice ({typed}): {} {}",
            again.status,
            again.text
        );
    }
    // A first submission says it is none.
    let first = api.submit(&application(seed(), "pickup"));
    ensure!(
        first.status == 201
            && first.body["resubmitted_from"].is_null()
            && first.body["papers_carried_over"] == false,
        "first submission: {} {}",
        first.status,
        first.text
    );
    Ok(())
}

/// Sent together, both pass the first check; the unique index lets one
/// through and the other is the same 409, never a 500.
fn two_resubmissions_at_once_make_one_application(env: &Env) -> TestResult {
    let api = &env.api;
    let (body, old) = cancelled(api)?;
    let start = Barrier::new(4);
    let answers: Vec<(u16, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let request = resubmission(&body, &old);
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    let r = api.submit(&request);
                    (r.status, r.error_code().to_string())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or((0, "panicked".into())))
            .collect()
    });
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let refused = answers
        .iter()
        .filter(|(s, code)| *s == 409 && code == "already_resubmitted")
        .count();
    ensure!(
        created == 1 && refused == 3,
        "four resubmissions at once: {answers:?}"
    );
    Ok(())
}

/// Another applicant's NIK, a number nobody has and a mistyped one: the
/// first two answer alike, so a guesser learns nothing.
fn a_resubmission_by_another_applicant_is_refused_like_an_unknown_number(env: &Env) -> TestResult {
    let api = &env.api;
    let (body, old) = cancelled(api)?;
    let mut other = resubmission(&body, &old);
    other["applicant"]["nik"] = json!(nik(seed() + 5000));
    let wrong_nik = api.submit(&other);
    let unknown = api.submit(&resubmission(&body, "FFFF-FFFF7"));
    for (what, r) in [("another NIK", &wrong_nik), ("an unknown number", &unknown)] {
        ensure!(
            r.status == 422
                && r.error_field() == "resubmitted_from"
                && r.body["error"]["message"]
                    == "resubmitted_from: permohonan lama tidak ditemukan atau belum dibatalkan",
            "{what}: {} {}",
            r.status,
            r.text
        );
    }
    let last = if old.ends_with('X') { 'Y' } else { 'X' };
    let typo = api.submit(&resubmission(&body, &format!("{}{last}", &old[..9])));
    ensure!(
        typo.status == 422 && typo.error_field() == "resubmitted_from",
        "a mistyped number: {} {}",
        typo.status,
        typo.text
    );
    // Nothing was linked: the right applicant still can.
    let record = api.read("front_office", &old)?;
    ensure!(
        record.body["resubmitted_as"].is_null(),
        "a refused resubmission linked: {}",
        record.text
    );
    let ok = api.submit(&resubmission(&body, &old));
    ensure!(ok.status == 201, "then: {} {}", ok.status, ok.text);
    Ok(())
}

fn an_application_not_cancelled_cannot_be_resubmitted(env: &Env) -> TestResult {
    let api = &env.api;
    let body = application(seed(), "pickup");
    let r = api.submit(&body);
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    let old = number_of(&r);
    for status in ["submitted", "awaiting_validation"] {
        walk_to(api, &old, status)?;
        let again = api.submit(&resubmission(&body, &old));
        ensure!(
            again.status == 422
                && again.error_field() == "resubmitted_from"
                && again.text.contains("belum dibatalkan"),
            "{status}: {} {}",
            again.status,
            again.text
        );
    }
    let record = api.read("front_office", &old)?;
    ensure!(
        record.body["resubmitted_as"].is_null(),
        "linked: {}",
        record.text
    );
    Ok(())
}

/// The other village's operator, for a citizen now living in their village
/// (so the new application alone would be theirs), may not resubmit the
/// first village's application.
fn another_villages_operator_cannot_resubmit(env: &Env) -> TestResult {
    let api = &env.api;
    let (body, old) = cancelled(api)?;
    let mut moved = resubmission(&body, &old);
    moved["applicant"]["village_code"] = json!(OTHER_VILLAGE);
    let token = api.token("other_village_operator")?;
    let r = api.post("/api/v1/applications", Some(&token), &moved);
    ensure!(
        r.status == 403 && r.error_code() == "forbidden",
        "other village: {} {}",
        r.status,
        r.text
    );
    // The village's own operator may.
    let own = api.token("village_operator")?;
    let r = api.post(
        "/api/v1/applications",
        Some(&own),
        &resubmission(&body, &old),
    );
    ensure!(
        r.status == 201 && r.body["channel"] == "village",
        "own village: {} {}",
        r.status,
        r.text
    );
    Ok(())
}

// ------------------------------------------------------------------ pages

/// The value of a form control in a page: a text-like input's `value`, the
/// selected option of a select.
fn value_of<'a>(page: &'a str, name: &str) -> Option<&'a str> {
    let after = page.split(&format!("name=\"{name}\"")).nth(1)?;
    if page.contains(&format!(
        "<select id=\"{}\" name=\"{name}\"",
        name.replace('.', "-")
    )) {
        let select = after.split("</select>").next()?;
        let (before, _) = select.split_once(" selected>")?;
        return before.rsplit("value=\"").next()?.split('"').next();
    }
    let tag = after.split('>').next()?;
    tag.split("value=\"").nth(1)?.split('"').next()
}

/// What a browser would post from the page's first `<form>` whose action
/// is `action`: text-like and hidden inputs, checked boxes and radios, the
/// selected options.
fn posted(page: &str, action: &str) -> Vec<(String, String)> {
    let form = page
        .split(&format!("action=\"{action}\""))
        .nth(1)
        .and_then(|f| f.split("</form>").next())
        .unwrap_or_default();
    let mut fields = Vec::new();
    for tag in form.split("<input ").skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let attr = |a: &str| {
            tag.split(&format!(" {a}=\""))
                .nth(1)
                .or_else(|| tag.strip_prefix(&format!("{a}=\"")))
                .and_then(|v| v.split('"').next())
                .unwrap_or_default()
                .to_string()
        };
        let kind = attr("type");
        let checkable = kind == "checkbox" || kind == "radio";
        if !checkable || tag.contains(" checked") {
            fields.push((attr("name"), attr("value")));
        }
    }
    for select in form.split("<select ").skip(1) {
        let name = select
            .split("name=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap_or_default();
        if let Some(v) = value_of(form, name) {
            fields.push((name.to_string(), v.to_string()));
        }
    }
    fields
}

fn encode(fields: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// The form prefilled from the old application: what was sent before, and
/// the hidden number of the application it resubmits.
fn check_prefilled(page: &str, old: &str, body: &Value) -> TestResult {
    let want = [
        ("resubmitted_from", old.to_string()),
        (
            "applicant.nik",
            body["applicant"]["nik"].as_str().unwrap_or("?").into(),
        ),
        ("applicant.name", "Sri Lestari".into()),
        (
            "applicant.address",
            body["applicant"]["address"].as_str().unwrap_or("?").into(),
        ),
        (
            "applicant.village_code",
            body["applicant"]["village_code"]
                .as_str()
                .unwrap_or("?")
                .into(),
        ),
        ("subject.name", "Bima Pratama".into()),
        ("subject.birth_date", "2026-11-01".into()),
        ("subject.birth_place", "Wonogiri".into()),
        ("subject.mother_name", "Sri Lestari".into()),
        ("subject.family_card_number", "3312010101200003".into()),
        ("subject.sex", "male".into()),
    ];
    for (name, value) in want {
        ensure!(
            value_of(page, name) == Some(value.as_str()),
            "prefilled {name}: {:?}, expected {value:?}",
            value_of(page, name)
        );
    }
    let phone = body["applicant"]["phone"].as_str().unwrap_or("?");
    ensure!(
        value_of(page, "applicant.phone") == Some(&format!("+62{}", &phone[1..])),
        "prefilled phone: {:?}",
        value_of(page, "applicant.phone")
    );
    for service in ["birth_certificate", "child_id_card"] {
        ensure!(
            page.contains(&format!("name=\"services\" value=\"{service}\"")),
            "service {service} not ticked"
        );
    }
    ensure!(
        !page.contains("name=\"services\" value=\"family_card\""),
        "a service not asked for is ticked"
    );
    let delivery = body["delivery_method"].as_str().unwrap_or("?");
    ensure!(
        page.contains(&format!(
            "name=\"delivery_method\" value=\"{delivery}\" checked"
        )),
        "delivery {delivery} not chosen"
    );
    ensure!(
        page.contains(&format!(
            "pengajuan ulang dari permohonan <strong>{old}</strong>"
        )),
        "the form does not say it resubmits {old}"
    );
    Ok(())
}

fn a_citizen_resubmits_from_the_tracking_page_with_the_form_prefilled(env: &Env) -> TestResult {
    let api = &env.api;
    let (body, old) = cancelled(api)?;
    let applicant_nik = body["applicant"]["nik"].as_str().unwrap_or_default();
    let phone = Phone::new(env);
    let tracked = phone.post("/lacak", &[("nomor", &old), ("nik", applicant_nik)]);
    ensure!(
        tracked.status == 200,
        "track: {} {}",
        tracked.status,
        tracked.text
    );
    // The button posts the number and the NIK in the body, never a URL.
    let button = posted(&tracked.text, "/ajukan/ulang");
    ensure!(
        button
            == [
                ("nomor".to_string(), old.clone()),
                ("nik".to_string(), applicant_nik.to_string())
            ],
        "the Ajukan ulang form: {button:?}"
    );
    ensure!(
        !tracked.text.contains(&format!("?nik={applicant_nik}"))
            && !tracked.text.contains(&format!("/{applicant_nik}")),
        "the NIK in a link"
    );
    let form = phone.post("/ajukan/ulang", &[("nomor", &old), ("nik", applicant_nik)]);
    ensure!(form.status == 200, "prefill: {} {}", form.status, form.text);
    check_prefilled(&form.text, &old, &body)?;
    ensure!(
        !form.text.contains("masih di Dinas"),
        "papers never sent are said to be at the agency"
    );
    // Submitted as it stands, the form creates the resubmission.
    let mut fields = posted(&form.text, "/ajukan");
    for (name, value) in &mut fields {
        if name == "applicant.phone" {
            *value = format!("08129{:07}", seed());
        }
    }
    let r = crate::ui::Browser::new(env).post("/ajukan", None, &encode(&fields));
    let location = r.header("location").unwrap_or_default().to_string();
    ensure!(
        r.status == 303 && location.starts_with("/ajukan/selesai/"),
        "submit the prefilled form: {} {location} {}",
        r.status,
        r.text
    );
    let new = location.trim_start_matches("/ajukan/selesai/").to_string();
    let record = api.read("front_office", &old)?;
    ensure!(
        record.body["resubmitted_as"] == new.as_str(),
        "not linked: {}",
        record.text
    );
    let renewed = api.read("front_office", &new)?;
    ensure!(
        renewed.body["subject"]["name"] == "Bima Pratama"
            && renewed.body["applicant"]["nik"] == applicant_nik
            && renewed.body["resubmitted_from"] == old.as_str(),
        "the resubmission: {}",
        renewed.text
    );
    // Asked again, the page says it was done, and shows no form.
    let again = phone.post("/ajukan/ulang", &[("nomor", &old), ("nik", applicant_nik)]);
    ensure!(
        again.status == 409
            && again.text.contains("sudah pernah diajukan ulang")
            && !again.text.contains("Bima Pratama"),
        "again: {} {}",
        again.status,
        again.text
    );
    Ok(())
}

fn a_wrong_nik_gets_no_resubmission_form_and_no_data(env: &Env) -> TestResult {
    let api = &env.api;
    let (_, old) = cancelled(api)?;
    let phone = Phone::new(env);
    let probe = nik(seed() + 7000);
    let wrong = phone.post("/ajukan/ulang", &[("nomor", &old), ("nik", &probe)]);
    let unknown = phone.post("/ajukan/ulang", &[("nomor", "FFFF-FFFF7"), ("nik", &probe)]);
    for (what, r) in [("wrong NIK", &wrong), ("unknown number", &unknown)] {
        ensure!(
            r.status == 404
                && r.text.contains("tidak ditemukan")
                && !r.text.contains("Bima Pratama")
                && !r.text.contains("Sri Lestari")
                && !r.text.contains("name=\"resubmitted_from\""),
            "{what}: {} {}",
            r.status,
            r.text
        );
    }
    // Counted like tracking misses: the number is locked after five.
    let mut last = 0;
    for _ in 0..5 {
        last = phone
            .post("/ajukan/ulang", &[("nomor", &old), ("nik", &probe)])
            .status;
    }
    ensure!(last == 429, "misses are not limited: {last}");
    Ok(())
}

fn the_operator_resubmits_from_the_record_page_with_the_form_prefilled(env: &Env) -> TestResult {
    let api = &env.api;
    let (body, old) = cancelled(api)?;
    let browser = Browser::new(env);
    let operator = browser.sign_in(username("village_operator"), DEMO_PASSWORD)?;
    let page = browser.get(&format!("/staff/applications/{old}"), Some(&operator));
    let link = format!("href=\"/staff/applications/{old}/ajukan-ulang\"");
    ensure!(
        page.status == 200 && page.text.contains(&link),
        "the record page has no Ajukan ulang: {} {}",
        page.status,
        page.text
    );
    // Only the village operator is offered it.
    let fo = browser.sign_in(username("front_office"), DEMO_PASSWORD)?;
    let seen = browser.get(&format!("/staff/applications/{old}"), Some(&fo));
    ensure!(
        seen.status == 200 && !seen.text.contains(&link),
        "front office offered a resubmission"
    );
    let refused = browser.get(
        &format!("/staff/applications/{old}/ajukan-ulang"),
        Some(&fo),
    );
    ensure!(refused.status == 403, "front office: {}", refused.status);

    let form = browser.get(
        &format!("/staff/applications/{old}/ajukan-ulang"),
        Some(&operator),
    );
    ensure!(form.status == 200, "prefill: {} {}", form.status, form.text);
    check_prefilled(&form.text, &old, &body)?;
    // The checklist ticked at the first submission is ticked again.
    ensure!(
        form.text
            .contains("name=\"checklist\" value=\"surat_keterangan_lahir\" checked"),
        "the checklist is not prefilled"
    );
    let mut fields = posted(&form.text, "/staff/submit");
    ensure!(
        fields
            .iter()
            .any(|(k, v)| k == "csrf" && *v == csrf(&form.text)),
        "no CSRF token in {fields:?}"
    );
    for (name, value) in &mut fields {
        if name == "applicant.phone" {
            *value = format!("08129{:07}", seed());
        }
    }
    let r = browser.post("/staff/submit", Some(&operator), &encode(&fields));
    let location = r.header("location").unwrap_or_default().to_string();
    ensure!(
        r.status == 303 && location.starts_with("/staff/applications/"),
        "operator submit: {} {location} {}",
        r.status,
        r.text
    );
    let new = location
        .trim_start_matches("/staff/applications/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    let new_page = browser.get(&format!("/staff/applications/{new}"), Some(&operator));
    ensure!(
        new_page.text.contains(&format!(
            "Pengajuan ulang dari <a class=\"mono\" href=\"/staff/applications/{old}\">{old}</a>"
        )),
        "the new record does not link back: {}",
        new_page.text
    );
    let old_page = browser.get(&format!("/staff/applications/{old}"), Some(&operator));
    ensure!(
        old_page.text.contains(&format!(
            "Diajukan ulang sebagai <a class=\"mono\" href=\"/staff/applications/{new}\">{new}</a>"
        )) && !old_page.text.contains(&link),
        "the old record: {}",
        old_page.text
    );
    // Done once: the prefill page now refuses.
    let again = browser.get(
        &format!("/staff/applications/{old}/ajukan-ulang"),
        Some(&operator),
    );
    ensure!(
        again.status == 409,
        "again: {} {}",
        again.status,
        again.text
    );
    Ok(())
}

// ------------------------------------------------- papers carried over

/// Papers kept at the counter after a cancellation in production: the new
/// application takes them over, the old one says where they went, and the
/// staff form says they need not be sent.
fn papers_waiting_at_the_counter_are_carried_over_in_the_same_batch(env: &Env) -> TestResult {
    let api = &env.api;
    let (body, old) = cancelled_in_production(api, "counter")?;
    ensure!(papers_in_record(api, &old)? == "at_counter", "set up");
    let browser = Browser::new(env);
    let operator = browser.sign_in(username("village_operator"), DEMO_PASSWORD)?;
    let form = browser.get(
        &format!("/staff/applications/{old}/ajukan-ulang"),
        Some(&operator),
    );
    ensure!(
        form.status == 200
            && form.text.contains(
                "Berkas fisik Anda masih di Dinas dan akan dipakai lagi — tidak perlu dikirim ulang."
            ),
        "the form does not say the papers are kept: {}",
        form.text
    );
    let r = api.submit(&resubmission(&body, &old));
    ensure!(
        r.status == 201 && r.body["papers_carried_over"] == true,
        "resubmit: {} {}",
        r.status,
        r.text
    );
    let new = number_of(&r);
    let (old_papers, new_papers) = (papers_in_record(api, &old)?, papers_in_record(api, &new)?);
    ensure!(
        old_papers == "carried_over" && new_papers == "at_agency",
        "papers: old {old_papers} new {new_papers}"
    );
    // Papers sent back by POS are not carried over.
    let (body, returning) = cancelled_in_production(api, "pos")?;
    let r = api.submit(&resubmission(&body, &returning));
    ensure!(
        r.status == 201 && r.body["papers_carried_over"] == false,
        "returning by POS: {} {}",
        r.status,
        r.text
    );
    let other = number_of(&r);
    ensure!(
        papers_in_record(api, &other)?.is_null()
            && papers_in_record(api, &returning)? == "returning_by_pos",
        "papers by POS moved"
    );
    Ok(())
}

fn count_applications(env: &Env) -> Result<i64, String> {
    let rows = env.server.query("SELECT count(*) AS n FROM applications")?;
    rows[0]["n"]
        .as_i64()
        .ok_or_else(|| format!("count: {rows}"))
}

/// Every refusal is made before anything is written: no application, and
/// the old one's papers stay where they were.
fn a_refused_resubmission_writes_nothing(env: &Env) -> TestResult {
    let api = &env.api;
    let (body, old) = cancelled_in_production(api, "counter")?;
    let before = count_applications(env)?;
    let mut other = resubmission(&body, &old);
    other["applicant"]["nik"] = json!(nik(seed() + 5000));
    let mut moved = resubmission(&body, &old);
    moved["applicant"]["village_code"] = json!(OTHER_VILLAGE);
    let other_operator = api.token("other_village_operator")?;
    let refusals = [
        ("another NIK", api.submit(&other), 422),
        (
            "unknown",
            api.submit(&resubmission(&body, "FFFF-FFFF7")),
            422,
        ),
        (
            "other village",
            api.post("/api/v1/applications", Some(&other_operator), &moved),
            403,
        ),
    ];
    for (what, r, status) in &refusals {
        ensure!(r.status == *status, "{what}: {} {}", r.status, r.text);
    }
    let after = count_applications(env)?;
    let papers = papers_in_record(api, &old)?;
    ensure!(
        after == before && papers == "at_counter",
        "refusals wrote: {before} → {after} applications, papers {papers}"
    );
    Ok(())
}

// -------------------------------------------- after the counter's returns

/// Through the workflow's own returns of papers: cancelled in production
/// with `papers_return: "counter"`, resubmitted, and approved without a
/// pickup or its fee (the papers are `at_agency`).
pub mod carry_over {
    use super::*;

    pub fn tests() -> Vec<crate::Test> {
        crate::tests![papers_kept_at_the_counter_after_a_cancel_in_production_need_no_new_pickup]
    }

    fn papers_kept_at_the_counter_after_a_cancel_in_production_need_no_new_pickup(
        env: &Env,
    ) -> TestResult {
        let api = &env.api;
        let body = application(seed(), "pickup");
        let r = api.submit(&body);
        ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
        let old = number_of(&r);
        walk_to(api, &old, "in_production")?;
        step(
            api,
            "production",
            &old,
            json!({"action": "cancel", "reason": "Data SIAK ganda", "papers_return": "counter"}),
        )?;
        let r = api.submit(&resubmission(&body, &old));
        ensure!(
            r.status == 201 && r.body["papers_carried_over"] == true,
            "resubmit: {} {}",
            r.status,
            r.text
        );
        let new = number_of(&r);
        let old_record = api.read("front_office", &old)?;
        ensure!(
            old_record.body["papers"] == "carried_over"
                && old_record.body["resubmitted_as"] == new.as_str(),
            "old record: {}",
            old_record.text
        );
        step(
            api,
            "front_office",
            &new,
            json!({"action": "accept", "siak_reference": "SIAK/3312/2026/0009"}),
        )?;
        step(api, "validator", &new, json!({"action": "approve"}))?;
        let record = api.read("front_office", &new)?;
        let pickups = record.body["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["channel"] == "courier" && m["template"] == "pickup_documents")
            .count();
        let fees = record.body["fees"].as_array().map_or(0, Vec::len);
        ensure!(
            record.body["papers"] == "at_agency",
            "new record: {}",
            record.body["papers"]
        );
        ensure!(
            pickups == 0 && fees == 0,
            "carried-over papers ordered a pickup ({pickups}) or a fee ({fees}): {}",
            record.text
        );
        Ok(())
    }
}
