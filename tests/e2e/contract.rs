//! The API contract: the OpenAPI document (public/api/v1/openapi.json) is a
//! static asset, served by the assets layer at /api/v1/openapi.json, and
//! names every route the Worker serves.

use std::path::PathBuf;

use serde_json::Value;

use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![the_document_is_a_static_json_asset_that_names_every_route]
}

/// Where the document lives in the repository (and so, under the assets
/// directory, the URL it is served at).
pub const DOCUMENT: &str = "public/api/v1/openapi.json";

pub fn document_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DOCUMENT)
}

/// Every route the Worker serves, as the document must name it.
const ROUTES: [&str; 19] = [
    "/health",
    "/api/v1/openapi.json",
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/applications",
    "/api/v1/applications/{registration_number}",
    "/api/v1/applications/{registration_number}/actions",
    "/api/v1/applications/{registration_number}/events",
    "/api/v1/queue",
    "/api/v1/messages/{id}/resend",
    "/api/v1/messages/{id}/requeue",
    "/api/v1/fees/reconciliation",
    "/webhooks/sms/twilio",
    "/webhooks/courier",
    "/api/v1/villages",
    "/api/v1/applications/{registration_number}/documents",
    "/api/v1/complaints",
    "/api/v1/complaints/{ticket}",
    "/api/v1/complaints/{ticket}/actions",
];

fn the_document_is_a_static_json_asset_that_names_every_route(env: &Env) -> TestResult {
    let r = env.api.get("/api/v1/openapi.json", None);
    ensure!(r.status == 200, "GET openapi.json: {}", r.status);
    let content_type = r.header("content-type").unwrap_or("");
    ensure!(
        content_type.starts_with("application/json"),
        "served as {content_type:?}"
    );
    // The assets layer, not the Worker, answers it: no D1 bookkeeping.
    ensure!(
        r.header("x-d1-round-trips").is_none(),
        "the Worker served the document"
    );
    let file = std::fs::read_to_string(document_path()).map_err(|e| e.to_string())?;
    ensure!(r.text == file, "the served document differs from {DOCUMENT}");
    let doc = &r.body;
    ensure!(
        doc["openapi"].as_str().unwrap_or_default().starts_with("3.1"),
        "OpenAPI 3.1: {}",
        doc["openapi"]
    );
    for path in ROUTES {
        ensure!(doc["paths"].get(path).is_some(), "missing {path}");
    }
    // Other methods get 405 from the assets layer, saying which are allowed.
    let r = env.api.post("/api/v1/openapi.json", None, &Value::Null);
    ensure!(r.status == 405, "POST openapi.json: {}", r.status);
    ensure!(
        r.header("allow") == Some("GET, HEAD"),
        "Allow: {:?}",
        r.header("allow")
    );
    Ok(())
}
