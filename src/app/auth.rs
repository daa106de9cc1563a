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
use crate::domain::ids::{RegistrationNumber, VillageCode};
use crate::domain::password::{PasswordRecord, ITERATIONS, MAX_PASSWORD_BYTES, ROUNDS};
use crate::platform::{self, derive_password, sha256_hex, timestamp};
use crate::store::applications::{self as applications_store, ApplicationRow};
use crate::store::staff::{
    self, Attempt, FailureTimes, LoginLookup, LoginRow, NewSession, SessionRow,
};
use crate::store::Batch;
use worker::D1PreparedStatement;

pub const DEFAULT_IDLE_MINUTES: u32 = 30;

pub const DEFAULT_ABSOLUTE_HOURS: u32 = 12;

/// Sessions last used before this are over (idle expiry).
pub(crate) fn idle_cutoff(ctx: &Ctx) -> String {
    let idle = ctx.var_u32("SESSION_IDLE_MINUTES", DEFAULT_IDLE_MINUTES);
    timestamp(ctx.now - Duration::minutes(i64::from(idle)))
}

/// Failures from one address for one account before each further try must
/// wait; the wait doubles per failure, from one minute up to an hour. The
/// right password from an address that has not failed is never refused, so
/// a guesser elsewhere cannot lock an officer out.
pub const FREE_FAILURES_PER_PAIR: i64 = 3;

pub const MAX_WAIT_MINUTES: i64 = 60;

/// A pair's streak starts again after a day without failures.
pub const STREAK_HOURS: i64 = 24;

/// Failed sign-ins per client address, all accounts together, in one
/// window: high, because a whole office may share one address.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;

pub const FAILURE_WINDOW_MINUTES: i64 = 15;

/// Failed attempts stay listed for the administrator this long.
pub const FAILURES_KEPT_DAYS: i64 = 30;

/// A new session.
pub struct SignedIn {
    pub token: String,
    pub expires_at: String,
    pub row: LoginRow,
}

/// How long a pair with `streak` failures waits after its last failure.
fn pair_wait(streak: i64) -> Option<Duration> {
    let over = streak - FREE_FAILURES_PER_PAIR;
    (over >= 0).then(|| Duration::minutes((1i64 << over.min(6)).min(MAX_WAIT_MINUTES)))
}

fn parse_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    crate::domain::time::parse_rfc3339(text)
}

/// Refuses (429, with the minutes to wait) an attempt from a pair or an
/// address still waiting: it is not even checked.
fn throttle(ctx: &Ctx, lookup: &LoginLookup) -> Result<(), AppError> {
    let until_pair = lookup.pair.as_ref().and_then(|p| {
        let last = parse_time(&p.last_failed_at)?;
        // A streak older than a day is over: its next failure starts at one.
        let live = last > ctx.now - Duration::hours(STREAK_HOURS);
        live.then_some(last + pair_wait(p.streak)?)
    });
    let until_address = lookup
        .address
        .as_ref()
        .filter(|a| a.failures >= MAX_FAILURES_PER_ADDRESS)
        .and_then(|a| parse_time(&a.window_started))
        .map(|t| t + Duration::minutes(FAILURE_WINDOW_MINUTES));
    match until_pair
        .max(until_address)
        .filter(|until| *until > ctx.now)
    {
        Some(until) => Err(AppError::wait_minutes(
            ((until - ctx.now).num_seconds() + 59) / 60,
        )),
        None => Ok(()),
    }
}

/// Checks a username and password and opens a session. Failures are
/// counted per (account, address) and per address; a pair or address past
/// its allowance waits before its next try is checked. The answer never
/// says which part was wrong. `ip` is the caller's abuse key.
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
    // The throttle keeps the name as typed (it may name no account), cut to
    // a sane length.
    let typed: String = username.to_ascii_lowercase().chars().take(64).collect();
    let attempt = Attempt {
        username: &typed,
        address: ip,
    };
    let lookup = staff::find_for_login(&ctx.db, username, &attempt).await?;
    throttle(ctx, &lookup)?;
    let row = lookup.account;
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
        let times = FailureTimes {
            now: &ctx.now_text(),
            streak_cutoff: &timestamp(ctx.now - Duration::hours(STREAK_HOURS)),
            window_cutoff: &timestamp(ctx.now - Duration::minutes(FAILURE_WINDOW_MINUTES)),
            purge_cutoff: &timestamp(ctx.now - Duration::days(FAILURES_KEPT_DAYS)),
        };
        staff::record_failure(&ctx.db, &attempt, &times).await?;
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
        attempt,
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
    let (now, idle, touch) = session_times(ctx);
    let clock = staff::SessionClock {
        now: &now,
        idle_cutoff: &idle,
        touch_before: &touch,
    };
    let row = staff::authenticate(&ctx.db, &sha256_hex(token.as_bytes()), &clock).await?;
    let staff = row.map(staff_of).transpose()?;
    note(ctx, staff.as_ref());
    Ok(staff)
}

/// Notes a live session's role for the request's log line.
fn note(ctx: &Ctx, staff: Option<&Staff>) {
    if let Some(staff) = staff {
        ctx.note_caller(staff.role.code());
    }
}

/// The officer of `token` and the application `number`, read in one round
/// trip (the session is checked and touched in the same batch): a workflow
/// step then needs only its write. The application is read whoever asks;
/// the caller hands it on only to a live session.
pub async fn staff_and_application(
    ctx: &Ctx,
    token: &str,
    number: &RegistrationNumber,
) -> Result<(Option<Staff>, Option<ApplicationRow>), AppError> {
    let load = applications_store::load_statement(&ctx.db, number)?;
    let (staff, batch) = staff_with(ctx, token, vec![load]).await?;
    Ok((staff, batch.one(STAFF_WITH_FIRST)?))
}

/// The position in [`staff_with`]'s batch of the first statement the
/// caller added.
pub const STAFF_WITH_FIRST: usize = 2;

/// The officer of `token` and the results of `reads`, in one round trip:
/// the session is checked and touched, then `reads` run in the same batch
/// whoever asks. Their results are in the batch from [`STAFF_WITH_FIRST`]
/// on; the caller hands them on only to a live session.
pub async fn staff_with(
    ctx: &Ctx,
    token: &str,
    reads: Vec<D1PreparedStatement>,
) -> Result<(Option<Staff>, Batch), AppError> {
    let mut statements = session_statements(ctx, token)?;
    statements.extend(reads);
    let batch = ctx.db.batch(statements).await?;
    Ok((staff_in(ctx, &batch)?, batch))
}

/// The session check of `token` as statements that lead a batch (touch,
/// then read): the caller's own statements follow from
/// [`STAFF_WITH_FIRST`], and [`staff_in`] reads the officer from its
/// results.
pub fn session_statements(ctx: &Ctx, token: &str) -> Result<Vec<D1PreparedStatement>, AppError> {
    let (now, idle, touch) = session_times(ctx);
    let clock = staff::SessionClock {
        now: &now,
        idle_cutoff: &idle,
        touch_before: &touch,
    };
    Ok(staff::authenticate_statements(&ctx.db, &token_hash(token), &clock)?.into())
}

/// The officer of a batch led by [`session_statements`], if the session is
/// live.
pub fn staff_in(ctx: &Ctx, batch: &Batch) -> Result<Option<Staff>, AppError> {
    let staff = batch.one::<SessionRow>(1)?.map(staff_of).transpose()?;
    note(ctx, staff.as_ref());
    Ok(staff)
}

/// What the sessions table keeps of a token: its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// How often a session in use is marked used: once a minute at most, so
/// most requests only read it.
const TOUCH_SECONDS: i64 = 60;

/// Now, the idle cutoff and the touch cutoff of a session check.
fn session_times(ctx: &Ctx) -> (String, String, String) {
    (
        ctx.now_text(),
        idle_cutoff(ctx),
        timestamp(ctx.now - Duration::seconds(TOUCH_SECONDS)),
    )
}

fn staff_of(row: SessionRow) -> Result<Staff, AppError> {
    let village = match row.village_code.as_deref() {
        Some(code) => {
            Some(VillageCode::parse(code).map_err(|e| AppError::internal("session village", e))?)
        }
        None => None,
    };
    Ok(Staff {
        id: row.staff_id,
        role: row.role,
        village,
        username: row.username,
        display_name: row.display_name,
    })
}

/// Ends the session of `token` (logout). The caller has resolved it first,
/// so a dead token is a 401 like on any call.
pub async fn sign_out(ctx: &Ctx, token: &str) -> Result<(), AppError> {
    staff::delete_session(&ctx.db, &sha256_hex(token.as_bytes())).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_starts_after_the_free_failures_and_doubles_up_to_an_hour() {
        let waits: Vec<Option<i64>> = (1..=12)
            .map(|streak| pair_wait(streak).map(|d| d.num_minutes()))
            .collect();
        assert_eq!(
            waits,
            [
                None,
                None,
                Some(1),
                Some(2),
                Some(4),
                Some(8),
                Some(16),
                Some(32),
                Some(60),
                Some(60),
                Some(60),
                Some(60)
            ]
        );
    }
}
