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
use crate::store::staff::{self, NewSession};

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

pub async fn login(req: Request, ctx: &Ctx) -> ApiResult {
    let input: LoginInput = read_json(req).await?;
    let username = input.username.as_deref().map(str::trim).unwrap_or_default();
    if username.is_empty() {
        return Err(ApiError::invalid("username", "nama pengguna wajib diisi"));
    }
    let password = input.password.unwrap_or_default();
    if password.is_empty() {
        return Err(ApiError::invalid("password", "kata sandi wajib diisi"));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::BadCredentials);
    }
    let row = staff::find_for_login(&ctx.db, username)
        .await
        .map_err(|e| ApiError::internal("find staff", e))?;
    let record = row
        .as_ref()
        .and_then(|r| PasswordRecord::parse(&r.password_hash));
    // An unknown or disabled account costs the same derivation as a real
    // one, so timing does not tell which usernames exist.
    let (salt, rounds, iterations) = match &record {
        Some(r) => (r.salt.clone(), r.rounds, r.iterations),
        None => (vec![0u8; 16], ROUNDS, ITERATIONS),
    };
    let derived = derive_password(&password, &salt, rounds, iterations)
        .await
        .map_err(|e| ApiError::internal("derive password", e))?;
    let (Some(row), Some(record)) = (row, record) else {
        return Err(ApiError::BadCredentials);
    };
    if !record.matches(&derived) || row.disabled_at.is_some() {
        return Err(ApiError::BadCredentials);
    }

    let token = URL_SAFE_NO_PAD
        .encode(platform::random_bytes::<16>().map_err(|e| ApiError::internal("token", e))?);
    let hours = ctx.var_u32("SESSION_ABSOLUTE_HOURS", DEFAULT_ABSOLUTE_HOURS);
    let expires_at = timestamp(ctx.now + Duration::hours(i64::from(hours)));
    let now = ctx.now_text();
    let session = NewSession {
        token_hash: &sha256_hex(token.as_bytes()),
        staff_id: row.id,
        role: &row.role,
        village_code: row.village_code.as_deref(),
        now: &now,
        expires_at: &expires_at,
        idle_cutoff: &idle_cutoff(ctx),
    };
    staff::create_session(&ctx.db, &session)
        .await
        .map_err(|e| ApiError::internal("create session", e))?;
    json(
        200,
        &serde_json::json!({
            "token": token,
            "role": row.role,
            "expires_at": expires_at,
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

/// The signed-in caller, or `None` when the request carries no token. A
/// token that is present but dead is a 401, never silently anonymous.
pub async fn optional_staff(req: &Request, ctx: &Ctx) -> Result<Option<Staff>, ApiError> {
    let Some(token) = bearer_token(req) else {
        return Ok(None);
    };
    let row = staff::authenticate(
        &ctx.db,
        &sha256_hex(token.as_bytes()),
        &ctx.now_text(),
        &idle_cutoff(ctx),
    )
    .await
    .map_err(|e| ApiError::internal("authenticate", e))?
    .ok_or(ApiError::Unauthenticated)?;
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
    }))
}

pub async fn require_staff(req: &Request, ctx: &Ctx) -> Result<Staff, ApiError> {
    optional_staff(req, ctx)
        .await?
        .ok_or(ApiError::Unauthenticated)
}
