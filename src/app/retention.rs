//! Retention (UU PDP: personal data is kept no longer than its purpose
//! needs), run from the cron after the relay, bounded per run and
//! idempotent — a run that finds nothing due does nothing, and one cut
//! short leaves the rest for the next minute:
//!
//! - access-log rows: 2 years (`ACCESS_LOG_RETENTION_DAYS`, default 730) —
//!   long enough for a citizen's question or a complaint about who read
//!   their data, and for a yearly audit plus its follow-up;
//! - uploaded documents (R2 object, then row) of applications completed or
//!   cancelled 30 days ago (`UPLOAD_RETENTION_DAYS`, default 30): they are
//!   copies of civil documents, needed only while the application is
//!   processed; the month covers a complaint about the result. The
//!   application and its events stay: they are the agency's record;
//! - sessions: as soon as they can no longer be used (absolute expiry, or
//!   idle past `SESSION_IDLE_MINUTES`).
//! - inbound SMS records (a MessageSid, a hash of the sender): after a day,
//!   when they no longer serve the repeat check or the hourly reply limit
//!   (`app::inbound`);
//! - rate-limit counters: two days after their window opened (the longest
//!   window is a day);
//! - the history of applications closed a year ago goes to the R2 archive
//!   (`app::archive`).

use chrono::Duration;
use worker::Env;

use super::auth::idle_cutoff;
use super::objects::BUCKET;
use super::{AppError, Ctx};
use crate::platform::timestamp;
use crate::store::access_log as store;

pub const DEFAULT_ACCESS_LOG_DAYS: u32 = 730;
pub const DEFAULT_UPLOAD_DAYS: u32 = 30;

/// At most this many rows of the log and of sessions go per run.
const ROWS_PER_RUN: u32 = 500;
/// At most this many uploads go per run (one R2 call each).
const UPLOADS_PER_RUN: u32 = 20;

/// What one run removed.
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    pub log_rows: usize,
    pub sessions: usize,
    pub uploads: usize,
    pub inbound_sms: usize,
    pub idempotency_keys: usize,
    pub rate_limits: usize,
    /// The health page's hourly counts older than [`HOURLY_DAYS`].
    pub hourly_counts: usize,
    pub archived: usize,
}

/// How long the health page's hourly counts are kept.
pub const HOURLY_DAYS: i64 = 30;

/// The cron's call: what this run removed and archived (the cron's log
/// line carries it), or why it could not.
pub async fn run(env: Env) -> Result<Purged, String> {
    let ctx = Ctx::new(env).map_err(|e| e.log_chain())?;
    purge(&ctx).await.map_err(|e| e.log_chain())
}

pub async fn purge(ctx: &Ctx) -> Result<Purged, AppError> {
    let days = |name, default| Duration::days(i64::from(ctx.var_u32(name, default)));
    let log_before =
        timestamp(ctx.now - days("ACCESS_LOG_RETENTION_DAYS", DEFAULT_ACCESS_LOG_DAYS));
    let closed_before = timestamp(ctx.now - days("UPLOAD_RETENTION_DAYS", DEFAULT_UPLOAD_DAYS));
    let (now, idle_before) = (ctx.now_text(), idle_cutoff(ctx));
    let day_before = timestamp(ctx.now - Duration::days(1));
    // The longest limit window is a day: a counter two days old counts nothing.
    let window_before = timestamp(ctx.now - Duration::days(2));
    let hour_before = super::health::hour_of(ctx.now - Duration::days(HOURLY_DAYS));
    let [log_rows, sessions, inbound_sms, idempotency_keys, rate_limits, hourly_counts] =
        store::purge_rows(
            &ctx.db,
            &store::Cutoffs {
                log_before: &log_before,
                now: &now,
                idle_before: &idle_before,
                day_before: &day_before,
                window_before: &window_before,
                hour_before: &hour_before,
            },
            ROWS_PER_RUN,
        )
        .await?;
    let uploads = purge_uploads(ctx, &closed_before).await?;
    let archived = super::archive::archive_due(ctx).await?;
    Ok(Purged {
        log_rows,
        sessions,
        uploads,
        inbound_sms,
        idempotency_keys,
        rate_limits,
        hourly_counts,
        archived,
    })
}

/// Deletes each due object from R2, then the rows of those that went: a
/// row is never left pointing nowhere, and an object whose delete failed
/// keeps its row and is tried again next run (deleting a missing object
/// succeeds, so a retry after a lost row delete is harmless).
async fn purge_uploads(ctx: &Ctx, closed_before: &str) -> Result<usize, AppError> {
    let due = store::expired_uploads(&ctx.db, closed_before, UPLOADS_PER_RUN).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let bucket = ctx
        .env
        .bucket(BUCKET)
        .map_err(|e| AppError::internal("R2 binding", e))?;
    let mut gone = Vec::with_capacity(due.len());
    for upload in due {
        match bucket.delete(upload.object_key).await {
            Ok(()) => gone.push(upload.id),
            Err(e) => crate::platform::log_event(
                crate::platform::Level::Error,
                "retention",
                &format!("R2 delete of document {}: {e}", upload.id),
            ),
        }
    }
    store::delete_uploads(&ctx.db, &gone).await?;
    Ok(gone.len())
}
