//! Staff accounts and sessions: what signing in, resolving a session and
//! signing out need (`crate::app::auth`). Listing and changing accounts and
//! sessions, for the administrator, is `admin`.

pub mod admin;

use serde::Deserialize;

use crate::domain::roles::Role;

use crate::store::Timestamp;

use super::{int, opt_text, text, Db, StoreResult};

#[derive(Debug, Deserialize)]
pub struct LoginRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub village_code: Option<String>,
    pub password_hash: String,
    pub disabled_at: Option<Timestamp>,
}

#[derive(Debug, Deserialize)]
pub struct AttemptRow {
    pub key: String,
    pub failures: i64,
    pub window_started: String,
}

/// The account (case-insensitive username) and the failed-attempt counters
/// of its throttle keys, in one round trip.
pub async fn find_for_login(
    db: &Db,
    username: &str,
    keys: &[&str],
) -> StoreResult<(Option<LoginRow>, Vec<AttemptRow>)> {
    let results = db
        .batch(vec![
            db.prepare(
                "SELECT id, username, display_name, role, village_code, password_hash, disabled_at
                 FROM staff WHERE username = ?1",
                &[text(username)],
            )?,
            db.prepare(
                "SELECT key, failures, window_started FROM login_attempts WHERE key IN (?1, ?2)",
                &[
                    text(keys.first().copied().unwrap_or("")),
                    text(keys.get(1).copied().unwrap_or("")),
                ],
            )?,
        ])
        .await?;
    let mut staff: Vec<LoginRow> = results
        .first()
        .map(super::rows)
        .transpose()?
        .unwrap_or_default();
    let attempts = results
        .get(1)
        .map(super::rows)
        .transpose()?
        .unwrap_or_default();
    Ok((staff.pop(), attempts))
}

/// Counts a failed sign-in against each key; a window older than
/// `window_cutoff` starts again at one.
pub async fn record_failure(
    db: &Db,
    keys: &[&str],
    now: &str,
    window_cutoff: &str,
) -> StoreResult<()> {
    let statements = keys
        .iter()
        .map(|key| {
            db.prepare(
                "INSERT INTO login_attempts (key, failures, window_started) VALUES (?1, 1, ?2)
                 ON CONFLICT (key) DO UPDATE SET
                     failures = CASE WHEN window_started <= ?3 THEN 1 ELSE failures + 1 END,
                     window_started = CASE WHEN window_started <= ?3 THEN ?2 ELSE window_started END",
                &[text(key), text(now), text(window_cutoff)],
            )
        })
        .collect::<StoreResult<Vec<_>>>()?;
    db.batch(statements).await.map(|_| ())
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub staff_id: i64,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub village_code: Option<&'a str>,
    pub now: &'a str,
    pub expires_at: &'a str,
    /// Sessions of this account idle since before this are removed.
    pub idle_cutoff: &'a str,
    /// The account's failed-attempt counter, cleared by a success.
    pub throttle_key: &'a str,
}

/// Stores a session and, in the same round trip, sweeps the account's
/// expired ones so the table does not grow without bound.
pub async fn create_session(db: &Db, s: &NewSession<'_>) -> StoreResult<()> {
    let sweep = db.prepare(
        "DELETE FROM sessions WHERE staff_id = ?1 AND (expires_at <= ?2 OR last_seen_at <= ?3)",
        &[int(s.staff_id), text(s.now), text(s.idle_cutoff)],
    )?;
    let insert = db.prepare(
        "INSERT INTO sessions (token_hash, staff_id, username, display_name, role, village_code, created_at,
                               last_seen_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
        &[
            text(s.token_hash),
            int(s.staff_id),
            text(s.username),
            text(s.display_name),
            text(s.role),
            opt_text(s.village_code),
            text(s.now),
            text(s.expires_at),
        ],
    )?;
    let clear = db.prepare(
        "DELETE FROM login_attempts WHERE key = ?1",
        &[text(s.throttle_key)],
    )?;
    db.batch(vec![sweep, insert, clear]).await.map(|_| ())
}

#[derive(Debug, Deserialize)]
pub struct SessionRow {
    pub staff_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub village_code: Option<String>,
}

/// Finds a live session and marks it used, in one statement: idle expiry
/// (`last_seen_at` after ?3) and absolute expiry (`expires_at` after ?1).
/// Params: ?1 now, ?2 token hash, ?3 idle cutoff.
pub async fn authenticate(
    db: &Db,
    token_hash: &str,
    now: &str,
    idle_cutoff: &str,
) -> StoreResult<Option<SessionRow>> {
    db.first(
        "UPDATE sessions SET last_seen_at = ?1
         WHERE token_hash = ?2 AND last_seen_at > ?3 AND expires_at > ?1
         RETURNING staff_id, username, display_name, role, village_code",
        &[text(now), text(token_hash), text(idle_cutoff)],
    )
    .await
}

pub async fn delete_session(db: &Db, token_hash: &str) -> StoreResult<()> {
    db.run(
        "DELETE FROM sessions WHERE token_hash = ?1",
        &[text(token_hash)],
    )
    .await
}
