//! Staff sign-in and sessions: checking a password, opening a session, and
//! resolving the staff member of a session token.
//!
//! Tokens are 128 random bits, sent once and stored only as SHA-256 hashes.
//! A session ends after `SESSION_IDLE_MINUTES` without use or
//! `SESSION_ABSOLUTE_HOURS` after sign-in, whichever comes first.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;

use super::{AppError, Ctx, Staff};
use crate::domain::ids::VillageCode;
use crate::domain::password::{PasswordRecord, ITERATIONS, MAX_PASSWORD_BYTES, ROUNDS};
use crate::platform::{self, derive_password, sha256_hex, timestamp};
use crate::store::staff::{self, LoginRow, NewSession};

pub const DEFAULT_IDLE_MINUTES: u32 = 30;

pub const DEFAULT_ABSOLUTE_HOURS: u32 = 12;

/// Sessions last used before this are over (idle expiry).
pub(crate) fn idle_cutoff(ctx: &Ctx) -> String {
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

/// Checks a username and password and opens a session. Repeated failures
/// lock the account and the client address out for the rest of the window;
/// the answer never says which part was wrong.
pub async fn sign_in(
    ctx: &Ctx,
    username: &str,
    password: &str,
    ip: &str,
) -> Result<SignedIn, AppError> {
    let username = username.trim();
    if username.is_empty() {
        return Err(AppError::invalid("username", "nama pengguna wajib diisi"));
    }
    if password.is_empty() {
        return Err(AppError::invalid("password", "kata sandi wajib diisi"));
    }
    let user_key = format!("u:{}", username.to_lowercase());
    let ip_key = format!("ip:{ip}");
    let keys = [user_key.as_str(), ip_key.as_str()];
    let window_cutoff = timestamp(ctx.now - Duration::minutes(FAILURE_WINDOW_MINUTES));
    let (row, attempts) = staff::find_for_login(&ctx.db, username, &keys).await?;
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
        return Err(AppError::TooManyAttempts(
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
        .map_err(|e| AppError::internal("derive password", e))?;
    let valid = match (&row, &record) {
        (Some(row), Some(record)) => {
            !candidate.is_empty() && record.matches(&derived) && row.disabled_at.is_none()
        }
        _ => false,
    };
    let Some(row) = row.filter(|_| valid) else {
        staff::record_failure(&ctx.db, &keys, &ctx.now_text(), &window_cutoff).await?;
        return Err(AppError::BadCredentials);
    };

    let token = URL_SAFE_NO_PAD
        .encode(platform::random_bytes::<16>().map_err(|e| AppError::internal("token", e))?);
    let hours = ctx.var_u32("SESSION_ABSOLUTE_HOURS", DEFAULT_ABSOLUTE_HOURS);
    let expires_at = timestamp(ctx.now + Duration::hours(i64::from(hours)));
    let now = ctx.now_text();
    let session = NewSession {
        token_hash: &sha256_hex(token.as_bytes()),
        staff_id: row.id,
        username: &row.username,
        display_name: &row.display_name,
        role: row.role.code(),
        village_code: row.village_code.as_deref(),
        now: &now,
        expires_at: &expires_at,
        idle_cutoff: &idle_cutoff(ctx),
        throttle_key: &user_key,
    };
    staff::create_session(&ctx.db, &session).await?;
    Ok(SignedIn {
        token,
        expires_at,
        row,
    })
}

/// The staff member of a live session token (marking it used), or `None`
/// for an unknown, expired or revoked one.
pub async fn staff_for_token(ctx: &Ctx, token: &str) -> Result<Option<Staff>, AppError> {
    let row = staff::authenticate(
        &ctx.db,
        &sha256_hex(token.as_bytes()),
        &ctx.now_text(),
        &idle_cutoff(ctx),
    )
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role = row.role;
    let village = match row.village_code.as_deref() {
        Some(code) => {
            Some(VillageCode::parse(code).map_err(|e| AppError::internal("session village", e))?)
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

/// Ends the session of `token` (logout). The caller has resolved it first,
/// so a dead token is a 401 like on any call.
pub async fn sign_out(ctx: &Ctx, token: &str) -> Result<(), AppError> {
    staff::delete_session(&ctx.db, &sha256_hex(token.as_bytes())).await?;
    Ok(())
}
