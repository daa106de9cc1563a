//! Routing and the request/response plumbing shared by every area: JSON
//! bodies with a size limit, the caller's session, JSON errors, and the D1
//! round-trip headers. One module per area below; each handler follows the
//! same path: parse → load → `domain` decides → `store` writes → respond.

pub mod applications;
pub mod auth;
pub mod complaints;
pub mod documents;
pub mod error;
pub mod limits;
pub mod messages;
pub mod queue;
pub mod webhooks;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Env, Headers, Method, Request, Response};

use crate::domain::ids::VillageCode;
use crate::domain::roles::{Actor, Role};
use crate::platform;
use crate::store::Db;
use error::ApiError;

/// The largest JSON body any endpoint accepts.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// Everything a handler needs for one request.
pub struct Ctx {
    pub db: Db,
    pub env: Env,
    pub now: DateTime<Utc>,
}

impl Ctx {
    pub fn now_text(&self) -> String {
        platform::timestamp(self.now)
    }

    /// A `[vars]` number from wrangler.toml, or its default.
    pub fn var_u32(&self, name: &str, default: u32) -> u32 {
        self.env
            .var(name)
            .ok()
            .and_then(|v| v.to_string().parse().ok())
            .unwrap_or(default)
    }
}

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: i64,
    pub role: Role,
    pub village: Option<VillageCode>,
    pub username: String,
    pub display_name: String,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor::Staff {
            staff_id: self.id,
            role: self.role,
            village: self.village.clone(),
        }
    }
}

pub type ApiResult = Result<Response, ApiError>;

pub async fn handle(req: Request, env: Env) -> worker::Result<Response> {
    let method = req.method();
    let path = req.path();
    let d1 = match env.d1("DB") {
        Ok(d1) => d1,
        Err(e) => return error_response(&ApiError::internal("D1 binding", e)),
    };
    let ctx = Ctx {
        db: Db::new(d1),
        env,
        now: platform::now(),
    };
    let result = route(req, &ctx, &method, &path).await;
    let mut response = match result {
        Ok(r) => r,
        Err(e) => {
            if let ApiError::Internal(cause) = &e {
                worker::console_error!("{} {} failed: {}", method.as_ref(), path, cause);
            }
            error_response(&e)?
        }
    };
    let headers = response.headers_mut();
    let _ = headers.set("X-D1-Round-Trips", &ctx.db.round_trips().to_string());
    let _ = headers.set("X-D1-Statements", &ctx.db.statements().to_string());
    Ok(response)
}

async fn route(req: Request, ctx: &Ctx, method: &Method, path: &str) -> ApiResult {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    // Citizens' pages, uploads and complaints (pages and API), by prefix.
    let area = match segments.as_slice() {
        ["api", "v1", "complaints", ..] => {
            crate::http::complaints::route(req, ctx, method, &segments).await
        }
        ["api", "v1", "applications", _, "documents", ..] => {
            crate::http::documents::route(req, ctx, method, &segments).await
        }
        [] | [""] | ["ajukan", ..] | ["lacak", ..] | ["api", "v1", "villages"] => {
            crate::ui::public::route(req, ctx, method, &segments)
                .await
                .map(|p| p.or_else(|e| crate::ui::error_page(&e, None)))
        }
        ["unggah", ..] | ["documents", ..] => {
            crate::ui::uploads::route(req, ctx, method, &segments)
                .await
                .map(|p| p.or_else(|e| crate::ui::error_page(&e, None)))
        }
        ["pengaduan", ..] => crate::ui::complaints::route(req, ctx, method, &segments)
            .await
            .map(|p| p.or_else(|e| crate::ui::error_page(&e, None))),
        _ => return route_core(req, ctx, method, path, &segments).await,
    };
    area.unwrap_or_else(|| Err(ApiError::NotFound(format!("alamat {path} tidak ditemukan"))))
}

async fn route_core(
    req: Request,
    ctx: &Ctx,
    method: &Method,
    path: &str,
    segments: &[&str],
) -> ApiResult {
    if segments.first() == Some(&"staff") {
        // The staff UI answers its errors as pages, not JSON.
        return match crate::ui::route(req, ctx, method, segments).await {
            Some(Err(e)) => {
                if let ApiError::Internal(cause) = &e {
                    worker::console_error!("{} {} failed: {}", method.as_ref(), path, cause);
                }
                crate::ui::error_page(&e, None)
            }
            Some(ok) => ok,
            None => Err(ApiError::NotFound(format!("alamat {path} tidak ditemukan"))),
        };
    }
    match (method, segments) {
        (Method::Get, ["health"]) => json(200, &serde_json::json!({"status": "ok"})),
        (Method::Post, ["api", "v1", "auth", "login"]) => auth::login(req, ctx).await,
        (Method::Post, ["api", "v1", "auth", "logout"]) => auth::logout(req, ctx).await,
        (Method::Post, ["api", "v1", "applications"]) => applications::submit(req, ctx).await,
        (Method::Get, ["api", "v1", "applications", number]) => {
            applications::read(req, ctx, number).await
        }
        (Method::Post, ["api", "v1", "applications", number, "actions"]) => {
            applications::act(req, ctx, number).await
        }
        (Method::Get, ["api", "v1", "applications", number, "events"]) => {
            applications::events(req, ctx, number).await
        }
        (Method::Get, ["api", "v1", "queue"]) => queue::list(req, ctx).await,
        (Method::Post, ["api", "v1", "messages", id, "resend"]) => {
            messages::resend(req, ctx, id).await
        }
        (Method::Post, ["api", "v1", "messages", id, "requeue"]) => {
            messages::requeue(req, ctx, id).await
        }
        (Method::Get, ["api", "v1", "fees", "reconciliation"]) => {
            messages::reconciliation(req, ctx).await
        }
        (Method::Post, ["webhooks", "sms", "twilio"]) => webhooks::twilio_status(req, ctx).await,
        (Method::Post, ["webhooks", "courier"]) => webhooks::courier_status(req, ctx).await,
        (
            _,
            ["health"]
            | ["api", "v1", "auth", "login" | "logout"]
            | ["api", "v1", "applications"]
            | ["api", "v1", "applications", _]
            | ["api", "v1", "applications", _, "actions" | "events"]
            | ["api", "v1", "queue"]
            | ["api", "v1", "messages", _, "resend" | "requeue"]
            | ["api", "v1", "fees", "reconciliation"]
            | ["webhooks", "sms", "twilio"]
            | ["webhooks", "courier"],
        ) => Err(ApiError::MethodNotAllowed(method.to_string())),
        _ => Err(ApiError::NotFound(format!("alamat {path} tidak ditemukan"))),
    }
}

/// After a write commits: put its new outbox rows on their queues. Never
/// fails the request — the rows are in D1 and the cron relay sends what
/// this misses.
pub async fn after_commit(ctx: &Ctx, rows: &[crate::store::applications::NewOutboxRow]) {
    if !rows.is_empty() {
        crate::dispatch::enqueue(&ctx.env, rows).await;
    }
}

pub fn json<T: Serialize>(status: u16, body: &T) -> ApiResult {
    let text =
        serde_json::to_string(body).map_err(|e| ApiError::internal("serialise response", e))?;
    let headers = Headers::new();
    let set = |k: &str, v: &str| {
        headers
            .set(k, v)
            .map_err(|e| ApiError::internal("header", e))
    };
    set("Content-Type", "application/json; charset=utf-8")?;
    set("Cache-Control", "no-store")?;
    set("X-Content-Type-Options", "nosniff")?;
    Ok(Response::ok(text)
        .map_err(|e| ApiError::internal("response", e))?
        .with_status(status)
        .with_headers(headers))
}

pub fn error_response(e: &ApiError) -> worker::Result<Response> {
    json(e.status(), &e.body()).or_else(|_| Response::error("internal error", 500))
}

/// Reads a JSON body: size-limited, and a type error names the field path.
pub async fn read_json<T: DeserializeOwned>(mut req: Request) -> Result<T, ApiError> {
    if let Ok(Some(len)) = req.headers().get("Content-Length") {
        if len.parse::<usize>().is_ok_and(|n| n > MAX_JSON_BYTES) {
            return Err(ApiError::TooLarge(MAX_JSON_BYTES));
        }
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|e| ApiError::Malformed(format!("isi permintaan tidak terbaca: {e}")))?;
    parse_json(&bytes)
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.len() > MAX_JSON_BYTES {
        return Err(ApiError::TooLarge(MAX_JSON_BYTES));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::Malformed(
            "isi permintaan kosong; kirim objek JSON".into(),
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." {
            ApiError::Malformed(format!("JSON tidak valid: {inner}"))
        } else {
            ApiError::Malformed(format!("{path}: {inner}"))
        }
    })
}

/// The bearer token of the request, if any.
pub fn bearer_token(req: &Request) -> Option<String> {
    let value = req.headers().get("Authorization").ok().flatten()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?
        .trim();
    (!token.is_empty()).then(|| token.to_string())
}

/// One query parameter, percent-decoded.
pub fn query_param(req: &Request, name: &str) -> Result<Option<String>, ApiError> {
    let url = req
        .url()
        .map_err(|e| ApiError::Malformed(format!("URL tidak valid: {e}")))?;
    Ok(url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        applicant: Inner,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        nik: String,
    }

    #[test]
    fn a_wrongly_typed_field_is_named_in_the_400_message() {
        let err = parse_json::<Body>(br#"{"applicant": {"nik": 3312}}"#).err();
        let message = err.map(|e| (e.status(), e.to_string())).unwrap_or_default();
        assert_eq!(message.0, 400);
        assert!(message.1.starts_with("applicant.nik:"), "{}", message.1);
    }

    #[test]
    fn an_empty_or_oversized_body_is_refused_clearly() {
        assert_eq!(
            parse_json::<Body>(b"  ").err().map(|e| e.status()),
            Some(400)
        );
        let big = vec![b' '; MAX_JSON_BYTES + 1];
        assert_eq!(
            parse_json::<Body>(&big).err().map(|e| e.status()),
            Some(413)
        );
    }
}
