//! The API contract, enforced on every answer the suite receives: the OpenAPI
//! document (public/api/v1/openapi.json, served as a static asset) is loaded
//! once, and each answer from a documented path is checked against it — the
//! status must be documented for that path and method, and a JSON body must
//! match the response's schema (JSON Schema 2020-12, as OpenAPI 3.1 uses).
//! A breach panics inside the test that received the answer, naming the
//! request, the status and the schema error. Paths the document does not
//! describe (pages, downloads, the stand-ins) are not checked.
//!
//! The clients read answers through `Api::response` (and the documents
//! client through its own reader); both call `Exchange::of` before reading
//! the body and `Exchange::check` after. The request's method comes from the
//! `RecordMethod` middleware on every agent, since a ureq response does not
//! carry it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;
use ureq::http;
use ureq::middleware::MiddlewareNext;
use ureq::{Body, ResponseExt, SendBody};

use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        the_document_is_a_static_json_asset_that_names_every_route,
        an_answer_the_document_does_not_describe_is_caught,
    ]
}

/// Where the document lives in the repository (and so, under the assets
/// directory, the URL it is served at).
pub const DOCUMENT: &str = "public/api/v1/openapi.json";

pub fn document_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DOCUMENT)
}

struct Contract {
    doc: Value,
    /// Compiled response schemas by their JSON pointer in the document.
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let path = document_path();
        let doc = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
            .unwrap_or_else(|e| panic!("cannot load {}: {e}", path.display()));
        Contract {
            doc,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

/// The method of the request an answer belongs to, put on the response by
/// `RecordMethod`, with the URI it was sent to.
#[derive(Clone)]
struct Sent {
    method: http::Method,
    uri: http::Uri,
}

/// A ureq middleware that remembers each request's method on its response.
pub struct RecordMethod;

impl ureq::middleware::Middleware for RecordMethod {
    fn handle(
        &self,
        request: http::Request<SendBody>,
        next: MiddlewareNext,
    ) -> Result<http::Response<Body>, ureq::Error> {
        let sent = Sent {
            method: request.method().clone(),
            uri: request.uri().clone(),
        };
        let mut response = next.handle(request)?;
        response.extensions_mut().insert(sent);
        Ok(response)
    }
}

/// What is known of an answer before its body is read.
pub struct Exchange {
    method: Option<String>,
    path: String,
    status: u16,
    content_type: String,
}

impl Exchange {
    pub fn of(response: &http::Response<Body>) -> Exchange {
        let uri = response.get_uri();
        let method = response.extensions().get::<Sent>().map(|sent| {
            // ureq follows a redirect with GET (the Worker never sends 307/308).
            if sent.uri.path() == uri.path() {
                sent.method.as_str().to_string()
            } else {
                "GET".to_string()
            }
        });
        Exchange {
            method,
            path: uri.path().to_string(),
            status: response.status().as_u16(),
            content_type: response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string(),
        }
    }

    /// Panics, failing the test that got this answer, when the document does
    /// not describe it.
    pub fn check(&self, body: &[u8]) {
        if let Err(problem) = self.verdict(body) {
            let method = self.method.as_deref().unwrap_or("?");
            let shown = String::from_utf8_lossy(&body[..body.len().min(600)]);
            panic!(
                "{method} {} answered {} in a way {DOCUMENT} does not describe: {problem}\n  body: {shown}",
                self.path, self.status
            );
        }
    }

    /// Ok when the answer is not from a documented path, or is described.
    fn verdict(&self, body: &[u8]) -> Result<(), String> {
        let c = contract();
        let Some(template) = template(&c.doc, &self.path) else {
            return Ok(());
        };
        let method = self
            .method
            .as_deref()
            .ok_or("the client's agent lacks contract::RecordMethod, so the method is unknown")?
            .to_ascii_lowercase();
        let item = &c.doc["paths"][template];
        let path_pointer = format!("/paths/{}", escape(template));
        let Some(operation) = item.get(&method) else {
            // A method the path does not take: 405, and an error body if any.
            if self.status != 405 {
                return Err(format!(
                    "{template} documents no {} operation, so only 405 is right",
                    method.to_ascii_uppercase()
                ));
            }
            if body.is_empty() {
                return Ok(());
            }
            return self.check_body(c, "/components/responses/MethodNotAllowed", body);
        };
        let responses = &operation["responses"];
        let status = self.status.to_string();
        let range = format!("{}XX", self.status / 100);
        let Some(key) = [status.as_str(), range.as_str(), "default"]
            .into_iter()
            .find(|k| responses.get(*k).is_some())
        else {
            let documented: Vec<&String> = responses
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            return Err(format!(
                "status {} is not documented for {} {template} (documented: {documented:?})",
                self.status,
                method.to_ascii_uppercase()
            ));
        };
        let pointer = format!("{path_pointer}/{method}/responses/{}", escape(key));
        self.check_body(c, &pointer, body)
    }

    /// Checks the body against the response object at `pointer` (following
    /// `$ref`s to `#/components/responses`).
    fn check_body(&self, c: &Contract, pointer: &str, body: &[u8]) -> Result<(), String> {
        let (pointer, response) = resolve(&c.doc, pointer)?;
        let media = self
            .content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let content = response.get("content").and_then(Value::as_object);
        let Some(content) = content.filter(|c| !c.is_empty()) else {
            if body.is_empty() {
                return Ok(());
            }
            return Err(format!(
                "{pointer} describes no body, but a {media:?} body came"
            ));
        };
        let Some((key, media_object)) =
            content.iter().find(|(k, _)| k.eq_ignore_ascii_case(&media))
        else {
            let documented: Vec<&String> = content.keys().collect();
            return Err(format!(
                "Content-Type {:?} is not among the documented {documented:?} ({pointer})",
                self.content_type
            ));
        };
        if !(media == "application/json" || media.ends_with("+json")) {
            return Ok(());
        }
        let instance: Value = serde_json::from_slice(body)
            .map_err(|e| format!("the body is not JSON ({e}), though it says {media}"))?;
        if media_object.get("schema").is_none() {
            return Ok(());
        }
        let schema_pointer = format!("{pointer}/content/{}/schema", escape(key));
        let validator = validator(c, &schema_pointer)?;
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .take(5)
            .map(|e| {
                format!(
                    "at {:?}: {e} (schema {})",
                    e.instance_path().as_str(),
                    e.schema_path().as_str()
                )
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the body does not match #{schema_pointer}:\n    {}",
                errors.join("\n    ")
            ))
        }
    }
}

/// The documented path template a concrete path falls under; the one with
/// the most literal segments when several match.
fn template<'a>(doc: &'a Value, path: &str) -> Option<&'a str> {
    let segments: Vec<&str> = path.split('/').collect();
    doc["paths"]
        .as_object()?
        .keys()
        .filter_map(|t| {
            let parts: Vec<&str> = t.split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (part, segment) in parts.iter().zip(&segments) {
                if part.starts_with('{') && part.ends_with('}') {
                    if segment.is_empty() {
                        return None;
                    }
                } else if part == segment {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, t.as_str()))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, t)| t)
}

/// A JSON-pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The object at `pointer`, following `$ref`s within the document.
fn resolve<'a>(doc: &'a Value, pointer: &str) -> Result<(String, &'a Value), String> {
    let mut pointer = pointer.to_string();
    for _ in 0..8 {
        let value = doc
            .pointer(&pointer)
            .ok_or_else(|| format!("the document has nothing at #{pointer}"))?;
        match value.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                pointer = target
                    .strip_prefix('#')
                    .ok_or_else(|| format!("external $ref {target} is not supported"))?
                    .to_string();
            }
            None => return Ok((pointer, value)),
        }
    }
    Err(format!("$ref chain too long at #{pointer}"))
}

/// The compiled schema at `pointer`: its `#/components/...` references
/// resolve against the document's components, carried along inside it.
fn validator(c: &Contract, pointer: &str) -> Result<Arc<jsonschema::Validator>, String> {
    let mut cache = c.validators.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = cache.get(pointer) {
        return Ok(Arc::clone(v));
    }
    let mut schema = c
        .doc
        .pointer(pointer)
        .cloned()
        .ok_or_else(|| format!("the document has no schema at #{pointer}"))?;
    if let Value::Object(map) = &mut schema {
        map.insert("components".into(), c.doc["components"].clone());
    }
    let compiled = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| format!("the schema at #{pointer} does not compile: {e}"))?;
    let compiled = Arc::new(compiled);
    cache.insert(pointer.to_string(), Arc::clone(&compiled));
    Ok(compiled)
}

/// Every route the Worker serves, as the document must name it.
const ROUTES: [&str; 23] = [
    "/health",
    "/api/v1/openapi.json",
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/applications",
    "/api/v1/applications/{registration_number}",
    "/api/v1/applications/{registration_number}/actions",
    "/api/v1/applications/{registration_number}/events",
    "/api/v1/applications/{registration_number}/status",
    "/api/v1/applications/{registration_number}/access",
    "/api/v1/queue",
    "/api/v1/messages/{id}/resend",
    "/api/v1/messages/{id}/requeue",
    "/api/v1/fees/reconciliation",
    "/webhooks/sms/twilio",
    "/webhooks/sms/inbound",
    "/webhooks/courier",
    "/api/v1/villages",
    "/api/v1/applications/{registration_number}/documents",
    "/api/v1/complaints",
    "/api/v1/complaints/{ticket}",
    "/api/v1/complaints/{ticket}/actions",
    "/api/v1/complaints/{ticket}/status",
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
    ensure!(
        r.text == file,
        "the served document differs from {DOCUMENT}"
    );
    let doc = &r.body;
    ensure!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.1"),
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

/// The checker itself: an answer outside the document is refused, naming
/// the request, the status and the schema error.
fn an_answer_the_document_does_not_describe_is_caught(_env: &Env) -> TestResult {
    let exchange = |method: &str, path: &str, status: u16| Exchange {
        method: Some(method.into()),
        path: path.into(),
        status,
        content_type: "application/json; charset=utf-8".into(),
    };
    let error = br#"{"error":{"code":"not_found","message":"tidak ditemukan"}}"#;
    let described = [
        (exchange("GET", "/health", 200), &br#"{"status":"ok"}"#[..]),
        (
            exchange("GET", "/api/v1/queue", 401),
            &br#"{"error":{"code":"unauthenticated","message":"masuk dulu"}}"#[..],
        ),
        (exchange("GET", "/staff/anything", 299), &b"<html>"[..]),
        (
            exchange("GET", "/api/v1/applications", 405),
            &br#"{"error":{"code":"method_not_allowed","message":"metode GET tidak didukung"}}"#[..],
        ),
    ];
    for (e, body) in described {
        ensure!(
            e.verdict(body).is_ok(),
            "{} {}: {:?}",
            e.path,
            e.status,
            e.verdict(body)
        );
    }
    let breaches = [
        (
            exchange("GET", "/health", 200),
            &br#"{"status":"fine"}"#[..],
            "/status",
        ),
        (
            exchange("GET", "/health", 418),
            &br#"{"status":"ok"}"#[..],
            "status 418 is not documented",
        ),
        (
            exchange("GET", "/api/v1/queue", 401),
            &br#"{"error":{"message":"x"}}"#[..],
            "code",
        ),
        (
            exchange("GET", "/api/v1/applications", 404),
            &error[..],
            "only 405 is right",
        ),
        (
            exchange("GET", "/health", 200),
            &b"not json"[..],
            "not JSON",
        ),
    ];
    for (e, body, needle) in breaches {
        let verdict = e.verdict(body);
        ensure!(
            verdict.as_ref().is_err_and(|m| m.contains(needle)),
            "{} {} should be refused naming {needle:?}: {verdict:?}",
            e.path,
            e.status
        );
    }
    Ok(())
}
