//! Staff accounts and sessions.

use serde::Deserialize;

use super::{int, opt_text, text, Db, StoreResult};

#[derive(Debug, Deserialize)]
pub struct LoginRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub village_code: Option<String>,
    pub password_hash: String,
    pub disabled_at: Option<String>,
}

/// Params: ?1 username (case-insensitive by the column's collation).
pub async fn find_for_login(db: &Db, username: &str) -> StoreResult<Option<LoginRow>> {
    db.first(
        "SELECT id, username, display_name, role, village_code, password_hash, disabled_at
         FROM staff WHERE username = ?1",
        &[text(username)],
    )
    .await
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub staff_id: i64,
    pub role: &'a str,
    pub village_code: Option<&'a str>,
    pub now: &'a str,
    pub expires_at: &'a str,
    /// Sessions of this account idle since before this are removed.
    pub idle_cutoff: &'a str,
}

/// Stores a session and, in the same round trip, sweeps the account's
/// expired ones so the table does not grow without bound.
pub async fn create_session(db: &Db, s: &NewSession<'_>) -> StoreResult<()> {
    let sweep = db.prepare(
        "DELETE FROM sessions WHERE staff_id = ?1 AND (expires_at <= ?2 OR last_seen_at <= ?3)",
        &[int(s.staff_id), text(s.now), text(s.idle_cutoff)],
    )?;
    let insert = db.prepare(
        "INSERT INTO sessions (token_hash, staff_id, role, village_code, created_at, last_seen_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
        &[text(s.token_hash), int(s.staff_id), text(s.role), opt_text(s.village_code), text(s.now), text(s.expires_at)],
    )?;
    db.batch(vec![sweep, insert]).await.map(|_| ())
}

#[derive(Debug, Deserialize)]
pub struct SessionRow {
    pub staff_id: i64,
    pub role: String,
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
         RETURNING staff_id, role, village_code",
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
