//! Staff sign-in, sessions and the public endpoints.

use serde_json::json;

use crate::api::{username, DEMO_PASSWORD};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        every_role_has_a_demo_account_that_signs_in,
        a_wrong_password_and_an_unknown_user_get_the_same_answer,
        logout_revokes_the_session,
        repeated_failed_sign_ins_lock_the_account_for_a_while,
        health_and_the_openapi_document_are_public,
    ]
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

fn repeated_failed_sign_ins_lock_the_account_for_a_while(env: &Env) -> TestResult {
    // An account that does not exist is throttled exactly like one that
    // does, so this locks nobody's real account.
    for attempt in 1..=5 {
        let r = env.api.login("penyusup", "tebak-tebakan");
        ensure!(
            r.status == 401,
            "attempt {attempt}: {} {}",
            r.status,
            r.text
        );
    }
    let locked = env.api.login("penyusup", "tebak-tebakan");
    ensure!(
        locked.status == 429 && locked.error_code() == "too_many_attempts",
        "sixth: {} {}",
        locked.status,
        locked.text
    );
    ensure!(
        locked.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("menit")),
        "says how long: {}",
        locked.text
    );
    let other = env.api.login("validator", DEMO_PASSWORD);
    ensure!(
        other.status == 200,
        "another account from the same address still signs in: {}",
        other.status
    );
    Ok(())
}
