//! The abuse limits as an attacker meets them: guessing a citizen's NIK
//! (from one address, from many, from one IPv6 network, or with no address
//! at all), flooding one phone number with our SMS, and staff resends.
//!
//! Every test sends its own client addresses (`CF-Connecting-IP`, as
//! Cloudflare would), so their counters are theirs alone.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api::{application, fresh_address, nik, Api, Resp};
use crate::workflow::seed;
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        after_five_wrong_niks_the_right_nik_is_refused_too,
        rotating_addresses_cannot_guess_the_nik_of_one_number,
        addresses_in_one_ipv6_64_share_a_limit,
        requests_without_a_client_address_are_limited_too,
        after_five_wrong_phones_the_right_complaint_phone_is_refused_too,
        one_phone_number_cannot_be_sent_more_than_n_sms_a_day,
        a_village_operator_is_not_held_to_the_citizens_sms_cap,
    ]
}

/// Tests that switch the SMS gateway stand-in (it is shared) run alone.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![staff_cannot_resend_one_applications_sms_more_than_three_times_a_day]
}

/// A NIK that is valid but not this applicant's.
fn wrong_nik() -> String {
    nik(seed() + 5000)
}

fn track(api: &Api, number: &str, nik: &str) -> Resp {
    api.post(
        &format!("/api/v1/applications/{number}/status"),
        None,
        &json!({ "nik": nik }),
    )
}

/// A citizen's upload with `nik` (a small PDF, for the requirement the
/// application lists).
fn upload(api: &Api, number: &str, nik: &str) -> Resp {
    let boundary = "pakpos-limits-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"item\"\r\n\r\nkk_orang_tua\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"nik\"\r\n\r\n{nik}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kk.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%limits test\n\r\n--{boundary}--\r\n"
    );
    api.raw_post(
        &format!("/api/v1/applications/{number}/documents"),
        &format!("multipart/form-data; boundary={boundary}"),
        &[],
        &body,
    )
}

fn misses(api: &Api, number: &str, count: usize) -> TestResult {
    for attempt in 1..=count {
        let r = track(api, number, &wrong_nik());
        ensure!(
            r.status == 404,
            "wrong NIK {attempt}: {} {}",
            r.status,
            r.text
        );
    }
    Ok(())
}

fn refused(r: &Resp, what: &str) -> TestResult {
    ensure!(
        r.status == 429 && r.error_code() == "too_many_attempts",
        "{what}: {} {}",
        r.status,
        r.text
    );
    Ok(())
}

fn after_five_wrong_niks_the_right_nik_is_refused_too(env: &Env) -> TestResult {
    let (number, right) = env.api.submitted()?;
    let guesser = Api::at(&env.api.base, &fresh_address());
    misses(&guesser, &number, 5)?;
    // The answer no longer depends on the NIK: right or wrong, 429.
    refused(&track(&guesser, &number, &right), "tracking, right NIK")?;
    refused(
        &track(&guesser, &number, &wrong_nik()),
        "tracking, wrong NIK",
    )?;
    refused(&upload(&guesser, &number, &right), "upload, right NIK")?;
    // The citizen at another address is not affected.
    let citizen = track(&env.api, &number, &right);
    ensure!(
        citizen.status == 200,
        "the citizen elsewhere: {} {}",
        citizen.status,
        citizen.text
    );
    Ok(())
}

fn rotating_addresses_cannot_guess_the_nik_of_one_number(env: &Env) -> TestResult {
    let (number, right) = env.api.submitted()?;
    // A new address per guess: env.api gives every request its own.
    misses(&env.api, &number, 10)?;
    let r = track(&env.api, &number, &right);
    refused(&r, "the right NIK from yet another address")?;
    let message = r.body["error"]["message"].as_str().unwrap_or_default();
    ensure!(
        message.contains("nomor ini") && message.contains("coba lagi dalam"),
        "plain Indonesian, with the wait: {message}"
    );
    refused(&upload(&env.api, &number, &right), "upload, right NIK")?;
    Ok(())
}

fn addresses_in_one_ipv6_64_share_a_limit(env: &Env) -> TestResult {
    let (number, right) = env.api.submitted()?;
    let n = seed();
    let network = format!("2001:db8:64:{:x}", n & 0xffff);
    for host in 1..=5 {
        let api = Api::at(&env.api.base, &format!("{network}:{host:x}::{host:x}"));
        misses(&api, &number, 1)?;
    }
    let same_network = Api::at(&env.api.base, &format!("{network}:ffff:ffff:ffff:ffff"));
    refused(
        &track(&same_network, &number, &right),
        "another host of the same /64",
    )?;
    let other_network = Api::at(&env.api.base, &format!("2001:db8:65:{:x}::1", n & 0xffff));
    let r = track(&other_network, &number, &right);
    ensure!(r.status == 200, "another /64: {} {}", r.status, r.text);
    Ok(())
}

fn requests_without_a_client_address_are_limited_too(env: &Env) -> TestResult {
    let (number, right) = env.api.submitted()?;
    // Only this test sends requests without an address: they share one key.
    let agent = crate::ui::no_redirect_agent();
    let bare = |nik: &str| {
        Api::exchange(|| {
            agent
                .post(format!(
                    "{}/api/v1/applications/{number}/status",
                    env.api.base
                ))
                .header("Content-Type", "application/json")
                .send(json!({ "nik": nik }).to_string())
        })
    };
    for attempt in 1..=5 {
        let r = bare(&wrong_nik());
        ensure!(
            r.status == 404,
            "wrong NIK {attempt} without an address: {} {}",
            r.status,
            r.text
        );
    }
    refused(&bare(&right), "no address, right NIK")?;
    Ok(())
}

fn after_five_wrong_phones_the_right_complaint_phone_is_refused_too(env: &Env) -> TestResult {
    let phone = format!("+62858{:08}", seed() % 100_000_000);
    let filed = env.api.post(
        "/api/v1/complaints",
        None,
        &json!({"name": "Sri Lestari", "phone": phone, "text": "Akta kelahiran anak saya belum jadi."}),
    );
    ensure!(
        filed.status == 201,
        "complain: {} {}",
        filed.status,
        filed.text
    );
    let ticket = filed.body["ticket"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let guesser = Api::at(&env.api.base, &fresh_address());
    let lookup = |phone: &str| {
        guesser.post(
            &format!("/api/v1/complaints/{ticket}/status"),
            None,
            &json!({ "phone": phone }),
        )
    };
    for attempt in 1..=5 {
        let r = lookup(&format!("0812{:08}", seed() % 100_000_000));
        ensure!(
            r.status == 404,
            "wrong phone {attempt}: {} {}",
            r.status,
            r.text
        );
    }
    refused(&lookup(&phone), "the right phone")?;
    Ok(())
}

/// Five applications to one number are fine; the sixth is refused and
/// names the phone field.
fn one_phone_number_cannot_be_sent_more_than_n_sms_a_day(env: &Env) -> TestResult {
    let phone = format!("08125{:07}", seed() % 10_000_000);
    let with_phone = || {
        let mut body = application(seed(), "pickup");
        body["applicant"]["phone"] = Value::from(phone.clone());
        body
    };
    for n in 1..=5 {
        // Each from its own address, as a foreign page's visitors would.
        let r = env.api.submit(&with_phone());
        ensure!(r.status == 201, "application {n}: {} {}", r.status, r.text);
    }
    let sixth = env.api.submit(&with_phone());
    refused(&sixth, "the sixth application to one number")?;
    ensure!(
        sixth.error_field() == "applicant.phone"
            && sixth.body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("applicant.phone: ") && m.contains("nomor HP")),
        "names the phone field: {}",
        sixth.text
    );
    // Another number is not affected.
    let other = env.api.submit(&application(seed(), "pickup"));
    ensure!(
        other.status == 201,
        "another number: {} {}",
        other.status,
        other.text
    );
    Ok(())
}

/// A village operator may register several citizens who share a number.
fn a_village_operator_is_not_held_to_the_citizens_sms_cap(env: &Env) -> TestResult {
    let token = env.api.token("village_operator")?;
    let phone = format!("08126{:07}", seed() % 10_000_000);
    for n in 1..=6 {
        let mut body = application(seed(), "pickup");
        body["applicant"]["phone"] = Value::from(phone.clone());
        let r = env.api.post("/api/v1/applications", Some(&token), &body);
        ensure!(
            r.status == 201,
            "operator's application {n}: {} {}",
            r.status,
            r.text
        );
    }
    Ok(())
}

/// Polls `probe` until it gives a value or `limit` passes.
fn wait_for<T>(
    what: &str,
    limit: Duration,
    mut probe: impl FnMut() -> Result<Option<T>, String>,
) -> Result<T, String> {
    let start = Instant::now();
    loop {
        if let Some(v) = probe()? {
            return Ok(v);
        }
        ensure!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The SMS rows of an application, oldest first, as staff see them.
fn sms_rows(env: &Env, number: &str) -> Result<Vec<Value>, String> {
    let r = env.api.read("admin", number)?;
    ensure!(r.status == 200, "read: {} {}", r.status, r.text);
    Ok(r.body["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["channel"] == "sms")
        .collect())
}

fn staff_cannot_resend_one_applications_sms_more_than_three_times_a_day(env: &Env) -> TestResult {
    let s = seed();
    let phone = format!("+628123{s:07}");
    let control = |switches: &Value| env.standins.post("/_control", None, switches);
    let set = control(&json!({"permanent_fail_numbers": [phone]}));
    ensure!(set.status == 200, "switch: {} {}", set.status, set.text);
    let result = (|| {
        let r = env.api.submit(&application(s, "pickup"));
        ensure!(r.status == 201, "{}", r.text);
        let number = r.body["registration_number"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let token = env.api.token("front_office")?;
        for resend in 1..=4 {
            let failed = wait_for("the newest SMS to fail", Duration::from_secs(30), || {
                let rows = sms_rows(env, &number)?;
                Ok(
                    (rows.len() == resend && rows[resend - 1]["status"] == "failed")
                        .then(|| rows[resend - 1]["id"].as_i64().unwrap_or(0)),
                )
            })?;
            let r = env.api.post(
                &format!("/api/v1/messages/{failed}/resend"),
                Some(&token),
                &json!({}),
            );
            if resend <= 3 {
                ensure!(r.status == 201, "resend {resend}: {} {}", r.status, r.text);
            } else {
                refused(&r, "the fourth resend in a day")?;
                ensure!(
                    r.body["error"]["message"]
                        .as_str()
                        .is_some_and(|m| m.contains(&number)),
                    "names the application: {}",
                    r.text
                );
            }
        }
        Ok(())
    })();
    let reset = control(&crate::dispatch::quiet_switches());
    result?;
    ensure!(
        reset.status == 200,
        "reset: {} {}",
        reset.status,
        reset.text
    );
    Ok(())
}
