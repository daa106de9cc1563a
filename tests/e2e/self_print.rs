//! Cetak mandiri: a self-print application walked to `completed` by the
//! citizen's own downloads, behind the link from the SMS, the NIK and a
//! one-time code; the code's five tries and ten minutes; an expired link
//! renewed; and staff never see the code.

use std::time::Duration;

use serde_json::{json, Value};

use crate::api::{application, nik};
use crate::dispatch::wait_for;
use crate::ui::Browser;
use crate::workflow::{products, seed, step, walk_to};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        a_self_print_application_is_completed_by_the_citizens_downloads,
        a_burst_of_parallel_wrong_codes_gets_no_more_than_five_comparisons,
    ]
}

/// Tests that set times back in the database: alone.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![
        a_download_code_dies_after_five_wrong_tries_and_after_ten_minutes,
        an_expired_link_is_renewed_with_the_nik_and_the_old_one_stops_working,
    ]
}

/// A self-print application released for download: its number, the
/// applicant's NIK and phone.
fn released(env: &Env) -> Result<(String, String, String), String> {
    let s = seed();
    let r = env.api.submit(&application(s, "self_print"));
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    walk_to(&env.api, &number, "ready_to_print")?;
    let done = step(
        &env.api,
        "production",
        &number,
        json!({"action": "mark_printed"}),
    )?;
    ensure!(
        done["status"] == "ready_for_download",
        "after mark_printed: {done}"
    );
    Ok((number, nik(s), format!("+628123{s:07}")))
}

/// The SMS bodies the gateway stand-in got for `phone`, oldest first.
pub(crate) fn texts_to(env: &Env, phone: &str) -> Result<Vec<String>, String> {
    let r = env.standins.get("/_records", None);
    ensure!(r.status == 200, "records: {}", r.text);
    Ok(r.body["sms"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["to"] == phone)
        .filter_map(|m| m["body"].as_str().map(String::from))
        .collect())
}

/// Waits for the newest SMS to `phone` containing `marker`; the text after it
/// up to the next space or `.`.
fn wait_sms(env: &Env, phone: &str, marker: &str, skip: usize) -> Result<String, String> {
    wait_for(
        &format!("an SMS with {marker}"),
        Duration::from_secs(20),
        || {
            let found = texts_to(env, phone)?
                .into_iter()
                .filter(|t| t.contains(marker))
                .nth(skip);
            Ok(found.and_then(|t| {
                let rest = &t[t.find(marker)? + marker.len()..];
                Some(
                    rest.split([' ', '.'])
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                )
            }))
        },
    )
}

fn link_token(env: &Env, phone: &str, skip: usize) -> Result<String, String> {
    wait_sms(env, phone, "/cetak/", skip)
}

fn code(env: &Env, phone: &str, number: &str, skip: usize) -> Result<String, String> {
    wait_sms(env, phone, &format!("kode unduh dokumen {number}: "), skip)
}

/// The download session cookie's value from a `Set-Cookie`.
fn session(set_cookie: Option<&str>) -> Option<String> {
    let c = set_cookie?;
    let value = c.strip_prefix("__Host-pakpos-unduh=")?;
    Some(value.split(';').next().unwrap_or_default().to_string())
}

fn a_self_print_application_is_completed_by_the_citizens_downloads(env: &Env) -> TestResult {
    let (number, applicant_nik, phone) = released(env)?;
    let token = link_token(env, &phone, 0)?;
    let b = Browser::new(env);
    let page = b.get(&format!("/cetak/{token}"), None);
    ensure!(
        page.status == 200 && page.text.contains("name=\"nik\""),
        "link page: {} {}",
        page.status,
        page.text
    );
    // Without the code, nothing to download.
    let r = b.get(&format!("/cetak/{token}/dokumen/child_id_card"), None);
    ensure!(
        r.status == 403 && !r.text.starts_with("%PDF"),
        "a download without the code: {}",
        r.status
    );
    let r = b.post(
        &format!("/cetak/{token}"),
        None,
        &format!("nik={}", nik(seed())),
    );
    ensure!(
        r.status == 422 && r.text.contains("NIK tidak sesuai"),
        "a wrong NIK: {} {}",
        r.status,
        r.text
    );
    let r = b.post(
        &format!("/cetak/{token}"),
        None,
        &format!("nik={applicant_nik}"),
    );
    ensure!(
        r.status == 200 && r.text.contains("name=\"kode\""),
        "the right NIK: {} {}",
        r.status,
        r.text
    );
    let otp = code(env, &phone, &number, 0)?;
    ensure!(otp.len() == 6, "code {otp:?}");
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    let r = b.post(
        &format!("/cetak/{token}/kode"),
        None,
        &format!("kode={wrong}"),
    );
    ensure!(
        r.status == 422 && r.text.contains("sisa 4 kali"),
        "a wrong code: {} {}",
        r.status,
        r.text
    );
    let r = b.post(
        &format!("/cetak/{token}/kode"),
        None,
        &format!("kode={otp}"),
    );
    ensure!(r.status == 303, "the right code: {} {}", r.status, r.text);
    let cookie = session(r.header("set-cookie")).ok_or("no download session cookie")?;
    let sent_cookie = format!("__Host-pakpos-unduh={cookie}");
    let list = b.get_with(
        &format!("/cetak/{token}/dokumen"),
        &[("Cookie", &sent_cookie)],
    );
    ensure!(
        list.status == 200 && list.text.matches("<svg").count() == 3,
        "the document list: {} {}",
        list.status,
        list.text
    );
    // Staff see that a code went out, never the code.
    let record = env.api.read("production", &number)?;
    ensure!(
        !record.text.contains(&otp),
        "the code is on the staff record"
    );
    let all = products(&env.api, &number)?;
    for (i, p) in all.iter().enumerate() {
        let product = p["product"].as_str().unwrap_or_default();
        let pdf = b.get_with(
            &format!("/cetak/{token}/dokumen/{product}"),
            &[("Cookie", &sent_cookie)],
        );
        ensure!(
            pdf.status == 200 && pdf.text.starts_with("%PDF-"),
            "download {product}: {} {}",
            pdf.status,
            pdf.text.chars().take(80).collect::<String>()
        );
        let status = env.api.read("production", &number)?.body["status"].clone();
        let last = i + 1 == all.len();
        ensure!(
            status
                == if last {
                    "completed"
                } else {
                    "ready_for_download"
                },
            "after {} of {} downloads: {status}",
            i + 1,
            all.len()
        );
    }
    let events = env.api.events("production", &number)?;
    let last: &Value = events.last().unwrap_or(&Value::Null);
    ensure!(
        last["action"] == "record_downloaded" && last["actor"]["role"] == "citizen",
        "the last event: {last}"
    );
    Ok(())
}

fn a_download_code_dies_after_five_wrong_tries_and_after_ten_minutes(env: &Env) -> TestResult {
    let (number, applicant_nik, phone) = released(env)?;
    let token = link_token(env, &phone, 0)?;
    let b = Browser::new(env);
    let r = b.post(
        &format!("/cetak/{token}"),
        None,
        &format!("nik={applicant_nik}"),
    );
    ensure!(r.status == 200, "nik: {} {}", r.status, r.text);
    let otp = code(env, &phone, &number, 0)?;
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let r = b.post(
            &format!("/cetak/{token}/kode"),
            None,
            &format!("kode={wrong}"),
        );
        ensure!(r.status == 422, "a wrong code: {} {}", r.status, r.text);
    }
    let r = b.post(
        &format!("/cetak/{token}/kode"),
        None,
        &format!("kode={otp}"),
    );
    ensure!(
        r.status == 422 && r.text.contains("minta kode baru") && r.header("set-cookie").is_none(),
        "the right code after five wrong ones: {} {}",
        r.status,
        r.text
    );
    // A new code works; once ten minutes old, it does not.
    let r = b.post(
        &format!("/cetak/{token}"),
        None,
        &format!("nik={applicant_nik}"),
    );
    ensure!(r.status == 200, "a second code: {} {}", r.status, r.text);
    let second = code(env, &phone, &number, 1)?;
    env.server.query(
        "UPDATE download_codes SET expires_at = '2000-01-01T00:00:00.000Z' WHERE used_at IS NULL",
    )?;
    let r = b.post(
        &format!("/cetak/{token}/kode"),
        None,
        &format!("kode={second}"),
    );
    ensure!(
        r.status == 422 && r.text.contains("kedaluwarsa"),
        "an expired code: {} {}",
        r.status,
        r.text
    );
    Ok(())
}

/// Each try is taken before the typed code is compared, in one guarded
/// statement: fifteen wrong codes sent at once get five comparisons, the
/// rest are told the code is spent, and the right code is refused after.
fn a_burst_of_parallel_wrong_codes_gets_no_more_than_five_comparisons(env: &Env) -> TestResult {
    let (number, applicant_nik, phone) = released(env)?;
    let token = link_token(env, &phone, 0)?;
    let r = Browser::new(env).post(
        &format!("/cetak/{token}"),
        None,
        &format!("nik={applicant_nik}"),
    );
    ensure!(r.status == 200, "nik: {} {}", r.status, r.text);
    let otp = code(env, &phone, &number, 0)?;
    let answers: Vec<(u16, String)> = std::thread::scope(|s| {
        let sent: Vec<_> = (0..15)
            .map(|i| {
                let wrong = format!(
                    "{:06}",
                    (otp.parse::<u32>().unwrap_or(0) + 1 + i) % 1_000_000
                );
                let token = &token;
                s.spawn(move || {
                    let r = Browser::new(env).post(
                        &format!("/cetak/{token}/kode"),
                        None,
                        &format!("kode={wrong}"),
                    );
                    (r.status, r.text)
                })
            })
            .collect();
        sent.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    ensure!(
        answers.len() == 15 && answers.iter().all(|(s, _)| *s == 422),
        "{answers:?}"
    );
    let compared = answers
        .iter()
        .filter(|(_, t)| t.contains("kali percobaan"))
        .count();
    ensure!(
        compared <= 4,
        "{compared} answers counted down tries left (at most 4 before the fifth)"
    );
    let r = Browser::new(env).post(
        &format!("/cetak/{token}/kode"),
        None,
        &format!("kode={otp}"),
    );
    ensure!(
        r.status == 422 && r.text.contains("minta kode baru") && r.header("set-cookie").is_none(),
        "the right code after the burst: {} {}",
        r.status,
        r.text
    );
    Ok(())
}

fn an_expired_link_is_renewed_with_the_nik_and_the_old_one_stops_working(env: &Env) -> TestResult {
    let (number, applicant_nik, phone) = released(env)?;
    let token = link_token(env, &phone, 0)?;
    env.server.query(&format!(
        "UPDATE download_links SET expires_at = '2000-01-01T00:00:00.000Z' WHERE registration_number = '{number}'"
    ))?;
    let b = Browser::new(env);
    let page = b.get(&format!("/cetak/{token}"), None);
    ensure!(
        page.status == 200 && page.text.contains("sudah tidak berlaku"),
        "an expired link: {} {}",
        page.status,
        page.text
    );
    let r = b.post(
        &format!("/cetak/{token}"),
        None,
        &format!("nik={applicant_nik}"),
    );
    ensure!(
        r.status == 409,
        "a code for an expired link: {} {}",
        r.status,
        r.text
    );
    let r = b.post(
        &format!("/cetak/{token}/baru"),
        None,
        &format!("nik={applicant_nik}"),
    );
    ensure!(
        r.status == 200 && r.text.contains("Tautan baru sudah dikirim"),
        "renewal: {} {}",
        r.status,
        r.text
    );
    let fresh = link_token(env, &phone, 1)?;
    ensure!(fresh != token, "the same link again");
    let page = b.get(&format!("/cetak/{fresh}"), None);
    ensure!(
        page.status == 200 && page.text.contains("name=\"nik\""),
        "the new link: {} {}",
        page.status,
        page.text
    );
    let unknown = b.get("/cetak/AAAAAAAAAAAAAAAAAAAAAA", None);
    ensure!(unknown.status == 404, "an unknown link: {}", unknown.status);
    Ok(())
}
