//! `Idempotency-Key` on `POST /api/v1/applications`: a double tap, a retry
//! after a lost answer or a form sent again when the signal returns makes
//! one application, never two. Counted where it shows: each application
//! sends its applicant one registration SMS.

use std::time::Duration;

use serde_json::Value;

use crate::api::{application, Resp};
use crate::dispatch::wait_for;
use crate::self_print::texts_to;
use crate::workflow::seed;
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        the_same_key_and_body_get_the_first_answer_and_make_one_application,
        the_same_key_sent_four_times_at_once_makes_one_application,
        the_same_key_with_another_body_is_refused_and_writes_nothing,
        a_malformed_key_is_refused_naming_the_header,
    ]
}

fn submit(env: &Env, key: &str, body: &Value) -> Resp {
    env.api.raw_post(
        "/api/v1/applications",
        "application/json",
        &[("Idempotency-Key", key)],
        &body.to_string(),
    )
}

/// A fresh application (its own phone number) and a key nobody used.
fn fresh() -> (Value, String, String) {
    let s = seed();
    (
        application(s, "pickup"),
        format!("+628123{s:07}"),
        format!("e2e-key-{s}-{}", s.wrapping_mul(2_654_435_761)),
    )
}

/// How many registration SMS the gateway took for `phone`.
fn registration_sms(env: &Env, phone: &str) -> Result<usize, String> {
    Ok(texts_to(env, phone)?
        .iter()
        .filter(|b| b.contains("terdaftar"))
        .count())
}

/// Waits for the first registration SMS to `phone`, then lets any second
/// one arrive too; returns how many came.
fn settled_registrations(env: &Env, phone: &str) -> Result<usize, String> {
    wait_for("the registration SMS", Duration::from_secs(20), || {
        Ok((registration_sms(env, phone)? > 0).then_some(()))
    })?;
    std::thread::sleep(Duration::from_secs(2));
    registration_sms(env, phone)
}

fn the_same_key_and_body_get_the_first_answer_and_make_one_application(env: &Env) -> TestResult {
    let (body, phone, key) = fresh();
    let first = submit(env, &key, &body);
    ensure!(
        first.status == 201,
        "first: {} {}",
        first.status,
        first.text
    );
    ensure!(
        first.header("idempotent-replayed").is_none(),
        "a first answer is no repeat"
    );
    let again = submit(env, &key, &body);
    ensure!(
        again.status == 201 && again.text == first.text,
        "again: {} {} (first {})",
        again.status,
        again.text,
        first.text
    );
    ensure!(
        again.header("idempotent-replayed") == Some("true"),
        "the repeat is marked"
    );
    let sent = settled_registrations(env, &phone)?;
    ensure!(sent == 1, "{sent} applications registered");
    // Without the key the same body is a new application.
    let other = env.api.submit(&body);
    ensure!(
        other.status == 201
            && other.body["registration_number"] != first.body["registration_number"],
        "no key: {} {}",
        other.status,
        other.text
    );
    Ok(())
}

fn the_same_key_sent_four_times_at_once_makes_one_application(env: &Env) -> TestResult {
    let (body, phone, key) = fresh();
    let answers: Vec<Resp> = std::thread::scope(|s| {
        let sent: Vec<_> = (0..4)
            .map(|_| s.spawn(|| submit(env, &key, &body)))
            .collect();
        sent.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    ensure!(answers.len() == 4, "{} answers", answers.len());
    for a in &answers {
        ensure!(a.status == 201, "{} {}", a.status, a.text);
    }
    let numbers: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|a| a.body["registration_number"].to_string())
        .collect();
    ensure!(numbers.len() == 1, "numbers: {numbers:?}");
    let sent = settled_registrations(env, &phone)?;
    ensure!(sent == 1, "{sent} applications registered");
    Ok(())
}

fn the_same_key_with_another_body_is_refused_and_writes_nothing(env: &Env) -> TestResult {
    let (body, _, key) = fresh();
    let first = submit(env, &key, &body);
    ensure!(
        first.status == 201,
        "first: {} {}",
        first.status,
        first.text
    );
    let (other, other_phone, _) = fresh();
    let r = submit(env, &key, &other);
    ensure!(
        r.status == 422 && r.body["error"]["field"] == "Idempotency-Key",
        "another body: {} {}",
        r.status,
        r.text
    );
    std::thread::sleep(Duration::from_secs(2));
    ensure!(
        registration_sms(env, &other_phone)? == 0,
        "the refused body registered an application"
    );
    Ok(())
}

fn a_malformed_key_is_refused_naming_the_header(env: &Env) -> TestResult {
    let (body, _, _) = fresh();
    for key in ["dua kata", &"k".repeat(256)] {
        let r = submit(env, key, &body);
        ensure!(
            r.status == 422 && r.body["error"]["field"] == "Idempotency-Key",
            "{key:?}: {} {}",
            r.status,
            r.text
        );
    }
    Ok(())
}
