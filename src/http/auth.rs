//! Staff sign-in: `POST /api/v1/auth/login` and `/logout`, and resolving the
//! caller of every other request from its bearer token.
//!
//! Tokens are 128 random bits, sent once and stored only as SHA-256 hashes.
//! A session ends after `SESSION_IDLE_MINUTES` without use or
//! `SESSION_ABSOLUTE_HOURS` after sign-in, whichever comes first.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use serde::Deserialize;
use worker::Request;

use super::error::ApiError;
use super::{bearer_token, json, read_json, ApiResult, Ctx, Staff};
use crate::domain::ids::VillageCode;
use crate::domain::password::{PasswordRecord, ITERATIONS, MAX_PASSWORD_BYTES, ROUNDS};
use crate::domain::roles::Role;
use crate::platform::{self, derive_password, sha256_hex, timestamp};
use crate::store::staff::{self, LoginRow, NewSession};

pub const DEFAULT_IDLE_MINUTES: u32 = 30;
pub const DEFAULT_ABSOLUTE_HOURS: u32 = 12;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginInput {
    username: Option<String>,
    password: Option<String>,
}

fn idle_cutoff(ctx: &Ctx) -> String {
    let idle = ctx.var_u32("SESSION_IDLE_MINUTES", DEFAULT_IDLE_MINUTES);
    timestamp(ctx.now - Duration::minutes(i64::from(idle)))
}

/// Failed sign-ins allowed per account, and per client address (higher: a
/// whole office may share one address), in one window.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

/// A new session.
pub struct SignedIn {
    pub token: String,
    pub expires_at: String,
    pub row: LoginRow,
}

/// The client's address as Cloudflare reports it (absent locally).
pub fn client_ip(req: &Request) -> String {
    req.headers()
        .get("CF-Connecting-IP")
        .ok()
        .flatten()
        .unwrap_or_else(|| "local".into())
}

/// Checks a username and password and opens a session. Repeated failures
/// lock the account and the client address out for the rest of the window;
/// the answer never says which part was wrong.
pub async fn sign_in(
    ctx: &Ctx,
    username: &str,
    password: &str,
    ip: &str,
) -> Result<SignedIn, ApiError> {
    let username = username.trim();
    if username.is_empty() {
        return Err(ApiError::invalid("username", "nama pengguna wajib diisi"));
    }
    if password.is_empty() {
        return Err(ApiError::invalid("password", "kata sandi wajib diisi"));
    }
    let user_key = format!("u:{}", username.to_lowercase());
    let ip_key = format!("ip:{ip}");
    let keys = [user_key.as_str(), ip_key.as_str()];
    let window_cutoff = timestamp(ctx.now - Duration::minutes(FAILURE_WINDOW_MINUTES));
    let (row, attempts) = staff::find_for_login(&ctx.db, username, &keys)
        .await
        .map_err(|e| ApiError::internal("find staff", e))?;
    let limit = |key: &str| {
        if key.starts_with("u:") {
            MAX_FAILURES_PER_ACCOUNT
        } else {
            MAX_FAILURES_PER_ADDRESS
        }
    };
    if let Some(blocked) = attempts
        .iter()
        .find(|a| a.failures >= limit(&a.key) && a.window_started > window_cutoff)
    {
        let until = chrono::DateTime::parse_from_rfc3339(&blocked.window_started)
            .map(|t| t.with_timezone(&chrono::Utc) + Duration::minutes(FAILURE_WINDOW_MINUTES))
            .unwrap_or(ctx.now);
        return Err(ApiError::TooManyAttempts(
            (until - ctx.now).num_minutes().max(1),
        ));
    }
    let record = row
        .as_ref()
        .and_then(|r| PasswordRecord::parse(&r.password_hash));
    // An unknown or disabled account costs the same derivation as a real
    // one, so timing does not tell which usernames exist.
    let (salt, rounds, iterations) = match &record {
        Some(r) => (r.salt.clone(), r.rounds, r.iterations),
        None => (vec![0u8; 16], ROUNDS, ITERATIONS),
    };
    let candidate = if password.len() > MAX_PASSWORD_BYTES {
        ""
    } else {
        password
    };
    let derived = derive_password(candidate, &salt, rounds, iterations)
        .await
        .map_err(|e| ApiError::internal("derive password", e))?;
    let valid = match (&row, &record) {
        (Some(row), Some(record)) => {
            !candidate.is_empty() && record.matches(&derived) && row.disabled_at.is_none()
        }
        _ => false,
    };
    let Some(row) = row.filter(|_| valid) else {
        staff::record_failure(&ctx.db, &keys, &ctx.now_text(), &window_cutoff)
            .await
            .map_err(|e| ApiError::internal("record failure", e))?;
        return Err(ApiError::BadCredentials);
    };

    let token = URL_SAFE_NO_PAD
        .encode(platform::random_bytes::<16>().map_err(|e| ApiError::internal("token", e))?);
    let hours = ctx.var_u32("SESSION_ABSOLUTE_HOURS", DEFAULT_ABSOLUTE_HOURS);
    let expires_at = timestamp(ctx.now + Duration::hours(i64::from(hours)));
    let now = ctx.now_text();
    let session = NewSession {
        token_hash: &sha256_hex(token.as_bytes()),
        staff_id: row.id,
        username: &row.username,
        display_name: &row.display_name,
        role: &row.role,
        village_code: row.village_code.as_deref(),
        now: &now,
        expires_at: &expires_at,
        idle_cutoff: &idle_cutoff(ctx),
        throttle_key: &user_key,
    };
    staff::create_session(&ctx.db, &session)
        .await
        .map_err(|e| ApiError::internal("create session", e))?;
    Ok(SignedIn {
        token,
        expires_at,
        row,
    })
}

pub async fn login(req: Request, ctx: &Ctx) -> ApiResult {
    let ip = client_ip(&req);
    let input: LoginInput = read_json(req).await?;
    let signed = sign_in(
        ctx,
        input.username.as_deref().unwrap_or_default(),
        input.password.as_deref().unwrap_or_default(),
        &ip,
    )
    .await?;
    let row = &signed.row;
    json(
        200,
        &serde_json::json!({
            "token": signed.token,
            "role": row.role,
            "expires_at": signed.expires_at,
            "idle_timeout_minutes": ctx.var_u32("SESSION_IDLE_MINUTES", DEFAULT_IDLE_MINUTES),
            "staff": {
                "id": row.id,
                "username": row.username,
                "display_name": row.display_name,
                "village_code": row.village_code,
            }
        }),
    )
}

pub async fn logout(req: Request, ctx: &Ctx) -> ApiResult {
    let token = bearer_token(&req).ok_or(ApiError::Unauthenticated)?;
    // Resolving first makes logout with a dead token a 401, like any call.
    require_staff(&req, ctx).await?;
    staff::delete_session(&ctx.db, &sha256_hex(token.as_bytes()))
        .await
        .map_err(|e| ApiError::internal("delete session", e))?;
    json(200, &serde_json::json!({"status": "logged_out"}))
}

/// The staff member of a live session token (marking it used), or `None`
/// for an unknown, expired or revoked one.
pub async fn staff_for_token(ctx: &Ctx, token: &str) -> Result<Option<Staff>, ApiError> {
    let row = staff::authenticate(
        &ctx.db,
        &sha256_hex(token.as_bytes()),
        &ctx.now_text(),
        &idle_cutoff(ctx),
    )
    .await
    .map_err(|e| ApiError::internal("authenticate", e))?;
    let Some(row) = row else { return Ok(None) };
    let role =
        Role::parse(&row.role).ok_or_else(|| ApiError::internal("session role", &row.role))?;
    let village = match row.village_code.as_deref() {
        Some(code) => {
            Some(VillageCode::parse(code).map_err(|e| ApiError::internal("session village", e))?)
        }
        None => None,
    };
    Ok(Some(Staff {
        id: row.staff_id,
        role,
        village,
        username: row.username,
        display_name: row.display_name,
    }))
}

/// The signed-in caller, or `None` when the request carries no token. A
/// token that is present but dead is a 401, never silently anonymous.
pub async fn optional_staff(req: &Request, ctx: &Ctx) -> Result<Option<Staff>, ApiError> {
    let Some(token) = bearer_token(req) else {
        return Ok(None);
    };
    staff_for_token(ctx, &token)
        .await?
        .ok_or(ApiError::Unauthenticated)
        .map(Some)
}

pub async fn require_staff(req: &Request, ctx: &Ctx) -> Result<Staff, ApiError> {
    optional_staff(req, ctx)
        .await?
        .ok_or(ApiError::Unauthenticated)
}
