//! Staff sign-in, sessions and the public endpoints.

use serde_json::json;

use crate::api::{fresh_address, username, Api, DEMO_PASSWORD};
use crate::ui::{csrf, Browser};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        every_role_has_a_demo_account_that_signs_in,
        a_wrong_password_and_an_unknown_user_get_the_same_answer,
        logout_revokes_the_session,
        five_wrong_passwords_from_elsewhere_do_not_lock_the_officer_out,
        repeated_failures_from_one_address_are_slowed_down,
        the_administrator_sees_the_failed_sign_ins,
        health_and_the_openapi_document_are_public,
    ]
}

/// Tests that write to the database directly run alone.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![a_session_of_a_disabled_account_is_refused]
}

fn every_role_has_a_demo_account_that_signs_in(env: &Env) -> TestResult {
    for role in [
        "village_operator",
        "front_office",
        "validator",
        "pickup_counter",
        "production",
        "head_of_agency",
        "complaints_officer",
        "admin",
    ] {
        let r = env.api.login(username(role), DEMO_PASSWORD);
        ensure!(
            r.status == 200 && r.body["role"] == role,
            "{role}: {} {}",
            r.status,
            r.text
        );
        ensure!(
            r.body["token"].as_str().is_some_and(|t| t.len() >= 22),
            "{role}: a 128-bit token"
        );
        ensure!(
            r.body["expires_at"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z')),
            "{role}: expiry"
        );
        ensure!(
            !r.text.contains("pbkdf2"),
            "the hash never leaves the server"
        );
    }
    let r = env.api.login("FO", DEMO_PASSWORD);
    ensure!(
        r.status == 200,
        "usernames are case-insensitive: {}",
        r.status
    );
    Ok(())
}

fn a_wrong_password_and_an_unknown_user_get_the_same_answer(env: &Env) -> TestResult {
    let wrong = env.api.login("validator", "salah-kata-sandi");
    let unknown = env.api.login("tidak.ada", "salah-kata-sandi");
    ensure!(
        wrong.status == 401 && unknown.status == 401,
        "{} {}",
        wrong.status,
        unknown.status
    );
    ensure!(
        wrong.body == unknown.body,
        "same body: {} vs {}",
        wrong.text,
        unknown.text
    );
    ensure!(
        wrong.error_code() == "invalid_credentials",
        "{}",
        wrong.text
    );
    let missing = env.api.post(
        "/api/v1/auth/login",
        None,
        &json!({"username": "validator"}),
    );
    ensure!(
        missing.status == 422 && missing.error_field() == "password",
        "{}",
        missing.text
    );
    Ok(())
}

fn logout_revokes_the_session(env: &Env) -> TestResult {
    let api = &env.api;
    let token = api.fresh_token("front_office")?;
    ensure!(
        api.get("/api/v1/queue", Some(&token)).status == 200,
        "session works"
    );
    let out = api.post("/api/v1/auth/logout", Some(&token), &json!({}));
    ensure!(out.status == 200, "logout: {} {}", out.status, out.text);
    let after = api.get("/api/v1/queue", Some(&token));
    ensure!(
        after.status == 401 && after.error_code() == "unauthenticated",
        "revoked: {} {}",
        after.status,
        after.text
    );
    let again = api.post("/api/v1/auth/logout", Some(&token), &json!({}));
    ensure!(
        again.status == 401,
        "a dead token cannot log out: {}",
        again.status
    );
    let garbage = api.get("/api/v1/queue", Some("bukan-token"));
    ensure!(garbage.status == 401, "garbage token: {}", garbage.status);
    let anonymous = api.get("/api/v1/queue", None);
    ensure!(anonymous.status == 401, "no token: {}", anonymous.status);
    Ok(())
}

fn health_and_the_openapi_document_are_public(env: &Env) -> TestResult {
    let h = env.api.get("/health", None);
    ensure!(
        h.status == 200 && h.body == json!({"status": "ok"}),
        "{}",
        h.text
    );
    let doc = env.api.get("/api/v1/openapi.json", None);
    ensure!(
        doc.status == 200
            && doc.body["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc.status
    );
    ensure!(
        doc.body["paths"]["/api/v1/applications/{registration_number}/actions"].is_object(),
        "documents the actions endpoint"
    );
    Ok(())
}

/// A client at an address of its own.
fn client(env: &Env) -> Api {
    Api::at(&env.api.base, &fresh_address())
}

fn five_wrong_passwords_from_elsewhere_do_not_lock_the_officer_out(env: &Env) -> TestResult {
    // Five attackers, each one wrong password, in any letter case; and one
    // attacker five times (it is slowed down, see below).
    for (attempt, name) in ["admin", "ADMIN", "Admin", "aDmIn", "admin"]
        .iter()
        .enumerate()
    {
        let r = client(env).login(name, "tebak-tebakan");
        ensure!(
            r.status == 401,
            "attacker {attempt}: {} {}",
            r.status,
            r.text
        );
    }
    let persistent = client(env);
    for _ in 0..5 {
        let r = persistent.login("admin", "tebak-tebakan");
        ensure!(
            r.status == 401 || r.status == 429,
            "{} {}",
            r.status,
            r.text
        );
    }
    // The administrator at the office (an address that has not failed).
    let office = client(env).login("admin", DEMO_PASSWORD);
    ensure!(
        office.status == 200 && office.body["token"].is_string(),
        "the right password from another address: {} {}",
        office.status,
        office.text
    );
    Ok(())
}

fn repeated_failures_from_one_address_are_slowed_down(env: &Env) -> TestResult {
    let attacker = client(env);
    for attempt in 1..=3 {
        let r = attacker.login("Validator", "tebak-tebakan");
        ensure!(
            r.status == 401,
            "attempt {attempt}: {} {}",
            r.status,
            r.text
        );
    }
    // Not even checked now: the right password waits too.
    let slowed = attacker.login("validator", DEMO_PASSWORD);
    ensure!(
        slowed.status == 429 && slowed.error_code() == "too_many_attempts",
        "fourth from the same address: {} {}",
        slowed.status,
        slowed.text
    );
    ensure!(
        slowed.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("coba lagi dalam 1 menit")),
        "says how long: {}",
        slowed.text
    );
    let other_account = attacker.login("kadis", DEMO_PASSWORD);
    ensure!(
        other_account.status == 200,
        "another account from the same address: {}",
        other_account.status
    );
    let elsewhere = client(env).login("validator", DEMO_PASSWORD);
    ensure!(
        elsewhere.status == 200,
        "the same account from another address: {}",
        elsewhere.status
    );
    Ok(())
}

fn the_administrator_sees_the_failed_sign_ins(env: &Env) -> TestResult {
    let name = format!("penyusup.{}", crate::workflow::seed());
    let (first, second) = (fresh_address(), fresh_address());
    for address in [&first, &second, &second] {
        let r = Api::at(&env.api.base, address).login(&name, "tebak-tebakan");
        ensure!(r.status == 401, "{} {}", r.status, r.text);
    }
    let b = Browser::new(env);
    let admin = b.sign_in("admin", DEMO_PASSWORD)?;
    let page = b.get("/staff/admin", Some(&admin));
    ensure!(page.status == 200, "admin page: {}", page.status);
    let row = page
        .text
        .split(&format!("data-failed=\"{name}\""))
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .ok_or("no row for the failed username")?;
    ensure!(
        row.contains("<td>3</td>") && row.contains("tidak ada akun ini"),
        "three failures, no such account: {row}"
    );
    // An IPv6 address shows as its /64.
    for address in [&first, &second] {
        let network = address.trim_end_matches("::1");
        ensure!(
            row.contains(&format!("{network}::/64")),
            "{network} listed: {row}"
        );
    }
    let other = Browser::new(env);
    let officer = other.sign_in("fo", DEMO_PASSWORD)?;
    ensure!(
        other.get("/staff/admin", Some(&officer)).status == 403,
        "only the administrator sees them"
    );
    Ok(())
}

/// A session stored for an account that is disabled at the same moment (the
/// disable deleted the sessions a moment before this one was written) is
/// dead all the same.
fn a_session_of_a_disabled_account_is_refused(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let admin = b.sign_in("admin", DEMO_PASSWORD)?;
    let token = csrf(&b.get("/staff/admin", Some(&admin)).text);
    let name = format!("fo.race.{}", crate::workflow::seed());
    let created = b.post(
        "/staff/admin/staff",
        Some(&admin),
        &format!("csrf={token}&username={name}&display_name=Petugas+Balapan&role=front_office&village_code=&password=sandi-awal-2026"),
    );
    ensure!(
        created.status == 303,
        "create: {} {}",
        created.status,
        created.text
    );
    let login = env.api.login(&name, "sandi-awal-2026");
    ensure!(
        login.status == 200,
        "login: {} {}",
        login.status,
        login.text
    );
    let session = login.body["token"].as_str().unwrap_or_default().to_string();
    ensure!(
        env.api.get("/api/v1/queue", Some(&session)).status == 200,
        "the session works"
    );
    // The disable lands, but this session survives it (the race).
    env.server.query(&format!(
        "UPDATE staff SET disabled_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE username = '{name}'"
    ))?;
    let after = env.api.get("/api/v1/queue", Some(&session));
    ensure!(
        after.status == 401,
        "a disabled account's session: {} {}",
        after.status,
        after.text
    );
    Ok(())
}
