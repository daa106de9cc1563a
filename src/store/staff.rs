//! Staff accounts and sessions: what signing in, resolving a session and
//! signing out need (`crate::app::auth`). Listing and changing accounts and
//! sessions, for the administrator, is `admin`.

pub mod admin;

use serde::Deserialize;

use crate::domain::roles::Role;

use crate::store::Timestamp;

use worker::D1PreparedStatement;

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

/// The failures of one (account, address) pair.
#[derive(Debug, Deserialize)]
pub struct PairFailures {
    pub streak: i64,
    pub last_failed_at: String,
}

/// The failures of one address, all accounts together, in its window.
#[derive(Debug, Deserialize)]
pub struct AddressFailures {
    pub failures: i64,
    pub window_started: String,
}

/// What sign-in reads first: the account (case-insensitive username), the
/// failures of this (account, address) pair and of this address.
pub struct LoginLookup {
    pub account: Option<LoginRow>,
    pub pair: Option<PairFailures>,
    pub address: Option<AddressFailures>,
}

/// The sign-in throttle's keys: the lower-cased username as typed and the
/// client's abuse key.
pub struct Attempt<'a> {
    pub username: &'a str,
    pub address: &'a str,
}

impl Attempt<'_> {
    fn address_key(&self) -> String {
        format!("ip:{}", self.address)
    }
}

/// The account and the failure counters of this attempt, in one round trip.
pub async fn find_for_login(db: &Db, username: &str, at: &Attempt<'_>) -> StoreResult<LoginLookup> {
    let results = db
        .batch(vec![
            db.prepare(
                "SELECT id, username, display_name, role, village_code, password_hash, disabled_at \
                 FROM staff WHERE username = ?1",
                &[text(username)],
            )?,
            db.prepare(
                "SELECT streak, last_failed_at FROM login_failures WHERE username = ?1 AND address = ?2",
                &[text(at.username), text(at.address)],
            )?,
            db.prepare(
                "SELECT failures, window_started FROM login_attempts WHERE key = ?1",
                &[text(&at.address_key())],
            )?,
        ])
        .await?;
    Ok(LoginLookup {
        account: results.one(0)?,
        pair: results.one(1)?,
        address: results.one(2)?,
    })
}

/// When a failure is recorded: now, and the cutoffs before which a pair's
/// streak starts again, an address's window is over, and a pair's row is
/// purged.
pub struct FailureTimes<'a> {
    pub now: &'a str,
    pub streak_cutoff: &'a str,
    pub window_cutoff: &'a str,
    pub purge_cutoff: &'a str,
}

/// Counts a failed sign-in against the (account, address) pair and the
/// address, and purges pairs untouched since `purge_cutoff`. One round trip.
pub async fn record_failure(db: &Db, at: &Attempt<'_>, t: &FailureTimes<'_>) -> StoreResult<()> {
    db.batch(vec![
        db.prepare(
            "INSERT INTO login_failures (username, address, streak, total, first_failed_at, last_failed_at) \
             VALUES (?1, ?2, 1, 1, ?3, ?3) \
             ON CONFLICT (username, address) DO UPDATE SET \
                 streak = CASE WHEN last_failed_at <= ?4 THEN 1 ELSE streak + 1 END, \
                 total = total + 1, \
                 last_failed_at = ?3",
            &[text(at.username), text(at.address), text(t.now), text(t.streak_cutoff)],
        )?,
        db.prepare(
            "INSERT INTO login_attempts (key, failures, window_started) VALUES (?1, 1, ?2) \
             ON CONFLICT (key) DO UPDATE SET \
                 failures = CASE WHEN window_started <= ?3 THEN 1 ELSE failures + 1 END, \
                 window_started = CASE WHEN window_started <= ?3 THEN ?2 ELSE window_started END",
            &[text(&at.address_key()), text(t.now), text(t.window_cutoff)],
        )?,
        db.prepare(
            "DELETE FROM login_failures WHERE last_failed_at <= ?1",
            &[text(t.purge_cutoff)],
        )?,
    ])
    .await
    .map(|_| ())
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
    /// The pair whose failure streak a success ends (the failures stay
    /// listed for the administrator).
    pub attempt: Attempt<'a>,
}

/// Stores a session and, in the same round trip, sweeps the account's
/// expired ones so the table does not grow without bound.
pub async fn create_session(db: &Db, s: &NewSession<'_>) -> StoreResult<()> {
    let sweep = db.prepare(
        "DELETE FROM sessions WHERE staff_id = ?1 AND (expires_at <= ?2 OR last_seen_at <= ?3)",
        &[int(s.staff_id), text(s.now), text(s.idle_cutoff)],
    )?;
    let insert = db.prepare(
        "INSERT INTO sessions (token_hash, staff_id, username, display_name, role, village_code, created_at, \
                               last_seen_at, expires_at) \
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
        "UPDATE login_failures SET streak = 0 WHERE username = ?1 AND address = ?2",
        &[text(s.attempt.username), text(s.attempt.address)],
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

/// The times a session check compares: now, the idle cutoff (a session
/// last used before it has ended), and the touch cutoff (a session last
/// marked used before it is marked again).
pub struct SessionClock<'a> {
    pub now: &'a str,
    pub idle_cutoff: &'a str,
    pub touch_before: &'a str,
}

/// Finds a live session — idle expiry (`last_seen_at` after the idle
/// cutoff), absolute expiry (`expires_at` after now), an account still
/// enabled (disabling deletes the account's sessions, but a sign-in racing
/// it could store one after the delete) — and marks it used, in one round
/// trip.
pub async fn authenticate(
    db: &Db,
    token_hash: &str,
    clock: &SessionClock<'_>,
) -> StoreResult<Option<SessionRow>> {
    let [touch, read] = authenticate_statements(db, token_hash, clock)?;
    db.batch(vec![touch, read]).await?.one(1)
}

/// `authenticate` as its two statements, to send in one batch with what the
/// request reads next (one round trip for all): first the touch, then the
/// read, whose row is the session's. The touch writes only when the session
/// was last marked before `touch_before` (a minute ago): most requests only
/// read, and the idle timer is kept to the minute.
pub fn authenticate_statements(
    db: &Db,
    token_hash: &str,
    clock: &SessionClock<'_>,
) -> StoreResult<[D1PreparedStatement; 2]> {
    Ok([
        // ?1 now, ?2 token hash, ?3 idle cutoff, ?4 touch cutoff.
        db.prepare(
            "UPDATE sessions SET last_seen_at = ?1 \
             WHERE token_hash = ?2 AND last_seen_at > ?3 AND last_seen_at < ?4 AND expires_at > ?1",
            &[
                text(clock.now),
                text(token_hash),
                text(clock.idle_cutoff),
                text(clock.touch_before),
            ],
        )?,
        // ?1 now, ?2 token hash, ?3 idle cutoff.
        db.prepare(
            "SELECT staff_id, username, display_name, role, village_code FROM sessions \
             WHERE token_hash = ?2 AND last_seen_at > ?3 AND expires_at > ?1 \
               AND EXISTS (SELECT 1 FROM staff WHERE staff.id = sessions.staff_id AND staff.disabled_at IS NULL)",
            &[text(clock.now), text(token_hash), text(clock.idle_cutoff)],
        )?,
    ])
}

pub async fn delete_session(db: &Db, token_hash: &str) -> StoreResult<()> {
    db.run(
        "DELETE FROM sessions WHERE token_hash = ?1",
        &[text(token_hash)],
    )
    .await
}
