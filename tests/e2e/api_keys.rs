//! Partners' API keys (the Telunjuk Sakti Android app): the administrator
//! issues one on the administration page, a submission with it
//! (`X-Api-Key`) is recorded under the key's channel and limited per key,
//! not per client address, and a revoked, unknown or malformed key is
//! refused outright, never taken as a citizen's submission without a key.

use std::time::Duration;

use serde_json::{json, Value};

use crate::api::{application, fresh_address, Api, Resp, DEMO_PASSWORD};
use crate::self_print::texts_to;
use crate::ui::{csrf, Browser};
use crate::workflow::seed;
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        an_issued_key_submits_under_its_own_channel_until_it_is_revoked,
        only_the_administrator_issues_keys,
        a_key_past_its_own_limit_is_refused_while_its_address_submits_freely,
        an_address_past_its_limit_does_not_throttle_a_keys_submissions,
        a_malformed_or_unknown_key_is_refused_and_never_taken_as_anonymous,
    ]
}

/// A key issued by the administrator through the page, as a human would:
/// its secret (shown once) and its id (from its revoke form).
struct Issued {
    secret: String,
    id: String,
}

fn issue(env: &Env, name: &str, channel: &str, limit: u32) -> Result<Issued, String> {
    let b = Browser::new(env);
    let admin = b.sign_in("admin", DEMO_PASSWORD)?;
    let token = csrf(&b.get("/staff/admin", Some(&admin)).text);
    let r = b.post(
        "/staff/admin/keys",
        Some(&admin),
        &format!("csrf={token}&name={name}&channel={channel}&hourly_limit={limit}"),
    );
    ensure!(r.status == 200, "issue: {} {}", r.status, r.text);
    let secret = between(&r.text, "id=\"kunci-baru\">", "<");
    ensure!(
        secret.starts_with("pakpos_") && secret.len() == 71,
        "the page shows the new key once: {secret:?}"
    );
    let row = r
        .text
        .split(&format!(">{}</td>", &secret[..15]))
        .nth(1)
        .unwrap_or_default();
    let id = between(row, "/staff/admin/keys/", "/revoke");
    ensure!(!id.is_empty(), "the key is listed with its revoke form");
    let later = b.get("/staff/admin", Some(&admin)).text;
    ensure!(!later.contains(&secret), "the secret is never shown again");
    Ok(Issued { secret, id })
}

fn between(text: &str, start: &str, end: &str) -> String {
    text.split(start)
        .nth(1)
        .and_then(|rest| rest.split(end).next())
        .unwrap_or_default()
        .to_string()
}

/// A POST of `body` from client address `address` with these headers.
fn submit(env: &Env, address: &str, headers: &[(&str, &str)], body: &Value) -> Resp {
    let mut all = vec![("CF-Connecting-IP", address)];
    all.extend_from_slice(headers);
    env.api.raw_post(
        "/api/v1/applications",
        "application/json",
        &all,
        &body.to_string(),
    )
}

/// The administrator's page row of the key whose secret starts `prefix`.
fn key_row(env: &Env, prefix: &str) -> Result<String, String> {
    let b = Browser::new(env);
    let admin = b.sign_in("admin", DEMO_PASSWORD)?;
    let page = b.get("/staff/admin", Some(&admin)).text;
    Ok(between(&page, &format!(">{prefix}</td>"), "</tr>"))
}

fn an_issued_key_submits_under_its_own_channel_until_it_is_revoked(env: &Env) -> TestResult {
    let key = issue(env, "Telunjuk+Sakti+e2e", "android", 50)?;
    let unused = key_row(env, &key.secret[..15])?;
    ensure!(
        unused.contains("belum pernah"),
        "a new key was never used: {unused}"
    );
    let s = seed();
    let mut body = application(s, "pickup");
    body["channel"] = json!("web");
    let address = fresh_address();
    let r = submit(env, &address, &[("X-Api-Key", &key.secret)], &body);
    ensure!(r.status == 201, "with the key: {} {}", r.status, r.text);
    ensure!(
        r.body["channel"] == "android",
        "the key's channel, not the body's: {}",
        r.body["channel"]
    );
    let number = r.body["registration_number"].as_str().unwrap_or_default();
    let record = env.api.read("admin", number)?;
    ensure!(
        record.body["channel"] == "android",
        "recorded as android: {}",
        record.body["channel"]
    );
    let row = key_row(env, &key.secret[..15])?;
    ensure!(
        !row.is_empty() && !row.contains("belum pernah"),
        "the page shows when the key was last used: {row}"
    );

    let b = Browser::new(env);
    let admin = b.sign_in("admin", DEMO_PASSWORD)?;
    let token = csrf(&b.get("/staff/admin", Some(&admin)).text);
    let revoked = b.post(
        &format!("/staff/admin/keys/{}/revoke", key.id),
        Some(&admin),
        &format!("csrf={token}"),
    );
    ensure!(
        revoked.status == 303,
        "revoke: {} {}",
        revoked.status,
        revoked.text
    );
    let row = key_row(env, &key.secret[..15])?;
    ensure!(
        row.contains("Dicabut") && !row.contains("/revoke"),
        "the key stays listed, revoked: {row}"
    );

    let s = seed();
    let phone = format!("+628123{s:07}");
    let refused = submit(
        env,
        &address,
        &[("X-Api-Key", &key.secret)],
        &application(s, "pickup"),
    );
    ensure!(
        refused.status == 401 && refused.error_code() == "invalid_api_key",
        "a revoked key: {} {}",
        refused.status,
        refused.text
    );
    ensure!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("dicabut"),
        "the message says why: {}",
        refused.text
    );
    std::thread::sleep(Duration::from_secs(3));
    ensure!(
        texts_to(env, &phone)?.is_empty(),
        "a refused submission registers nothing and texts nobody"
    );
    Ok(())
}

fn only_the_administrator_issues_keys(env: &Env) -> TestResult {
    let name = format!("kunci-fo-{}", seed());
    for user in ["fo", "kadis", "desa.sumberagung"] {
        let b = Browser::new(env);
        let cookie = b.sign_in(user, DEMO_PASSWORD)?;
        let token = csrf(&b.get("/staff", Some(&cookie)).text);
        ensure!(!token.is_empty(), "{user} has a CSRF token");
        let r = b.post(
            "/staff/admin/keys",
            Some(&cookie),
            &format!("csrf={token}&name={name}&channel=android&hourly_limit=10"),
        );
        ensure!(r.status == 403, "{user}: {} {}", r.status, r.text);
        ensure!(!r.text.contains("pakpos_"), "{user} was shown no key");
    }
    let b = Browser::new(env);
    let admin = b.sign_in("admin", DEMO_PASSWORD)?;
    ensure!(
        !b.get("/staff/admin", Some(&admin)).text.contains(&name),
        "no key was made"
    );
    Ok(())
}

fn a_key_past_its_own_limit_is_refused_while_its_address_submits_freely(env: &Env) -> TestResult {
    let key = issue(env, "Mitra+terbatas", "web", 2)?;
    let address = fresh_address();
    let with_key = [("X-Api-Key", key.secret.as_str())];
    // Every attempt counts, as on the per-address limit: two empty bodies.
    for i in 0..2 {
        let r = submit(env, &address, &with_key, &json!({}));
        ensure!(r.status == 422, "attempt {i}: {} {}", r.status, r.text);
    }
    let over = submit(env, &address, &with_key, &application(seed(), "pickup"));
    ensure!(
        over.status == 429 && over.error_code() == "too_many_attempts",
        "the key's third in an hour: {} {}",
        over.status,
        over.text
    );
    let without = submit(env, &address, &[], &application(seed(), "pickup"));
    ensure!(
        without.status == 201 && without.body["channel"] == "web",
        "the same address without the key: {} {}",
        without.status,
        without.text
    );
    let other = issue(env, "Mitra+lain", "web", 2)?;
    let r = submit(
        env,
        &address,
        &[("X-Api-Key", &other.secret)],
        &application(seed(), "pickup"),
    );
    ensure!(
        r.status == 201,
        "another key from the same address: {} {}",
        r.status,
        r.text
    );
    Ok(())
}

fn an_address_past_its_limit_does_not_throttle_a_keys_submissions(env: &Env) -> TestResult {
    let key = issue(env, "Telunjuk+Sakti+NAT", "android", 100)?;
    // Many villages behind one carrier-NAT address.
    let address = fresh_address();
    let client = Api::at(&env.api.base, &address);
    let mut refused = None;
    for _ in 0..30 {
        let r = client.post("/api/v1/applications", None, &json!({}));
        if r.status == 429 {
            refused = Some(r);
            break;
        }
    }
    ensure!(
        refused.is_some(),
        "the address reaches its per-address limit"
    );
    for _ in 0..3 {
        let r = submit(
            env,
            &address,
            &[("X-Api-Key", &key.secret)],
            &application(seed(), "pickup"),
        );
        ensure!(
            r.status == 201,
            "with the key from that address: {} {}",
            r.status,
            r.text
        );
    }
    let still = submit(env, &address, &[], &application(seed(), "pickup"));
    ensure!(
        still.status == 429,
        "and keyed submissions did not reset it: {} {}",
        still.status,
        still.text
    );
    Ok(())
}

fn a_malformed_or_unknown_key_is_refused_and_never_taken_as_anonymous(env: &Env) -> TestResult {
    let unknown = format!("pakpos_{}", "0123456789abcdef".repeat(4));
    for (key, says) in [
        ("kunci-acak", "bentuk kunci API salah"),
        (&unknown.to_uppercase(), "bentuk kunci API salah"),
        (unknown.as_str(), "tidak dikenal"),
    ] {
        let s = seed();
        let phone = format!("+628123{s:07}");
        let r = submit(
            env,
            &fresh_address(),
            &[("X-Api-Key", key)],
            &application(s, "pickup"),
        );
        ensure!(
            r.status == 401 && r.error_code() == "invalid_api_key",
            "{key:?}: {} {}",
            r.status,
            r.text
        );
        ensure!(
            r.text.contains(says),
            "{key:?}: the message says why: {}",
            r.text
        );
        ensure!(texts_to(env, &phone)?.is_empty(), "{key:?} registered");
    }
    let key = issue(env, "Mitra+ganda", "android", 10)?;
    let operator = env.api.token("village_operator")?;
    let bearer = format!("Bearer {operator}");
    let both = submit(
        env,
        &fresh_address(),
        &[("X-Api-Key", &key.secret), ("Authorization", &bearer)],
        &application(seed(), "pickup"),
    );
    ensure!(
        both.status == 400,
        "a key with a staff session is two callers at once: {} {}",
        both.status,
        both.text
    );
    Ok(())
}
