//! Abuse limits for the public endpoints: a fixed-window counter per
//! (bucket, key) in D1, counted and checked in one statement.

use chrono::Duration;

use super::{AppError, Ctx};
use crate::platform::timestamp;
use crate::store::limits as store;

/// A limit: at most `max` hits per `window_seconds` per key.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub bucket: &'static str,
    pub max: i64,
    pub window_seconds: i64,
}

pub const SUBMIT: Limit = Limit {
    bucket: "submit",
    max: 20,
    window_seconds: 3600,
};
pub const TRACK: Limit = Limit {
    bucket: "track",
    max: 60,
    window_seconds: 600,
};
/// Tracking with a wrong NIK: few tries, so NIKs cannot be guessed.
pub const TRACK_MISS: Limit = Limit {
    bucket: "track_miss",
    max: 5,
    window_seconds: 900,
};
pub const COMPLAIN: Limit = Limit {
    bucket: "complain",
    max: 10,
    window_seconds: 3600,
};

/// Counts one hit for `key` and refuses (429) once the window's limit is
/// passed. One round trip.
pub async fn hit(ctx: &Ctx, limit: Limit, key: &str) -> Result<(), AppError> {
    let now = ctx.now_text();
    let cutoff = timestamp(ctx.now - Duration::seconds(limit.window_seconds));
    let row = store::hit(&ctx.db, limit.bucket, key, &now, &cutoff).await?;
    let Some(row) = row else { return Ok(()) };
    if row.hits > limit.max {
        let started = chrono::DateTime::parse_from_rfc3339(&row.window_started)
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or(ctx.now);
        let minutes = (started + Duration::seconds(limit.window_seconds) - ctx.now)
            .num_minutes()
            .max(1);
        return Err(AppError::TooManyAttempts(minutes));
    }
    Ok(())
}
/// Citizens' document uploads (API and page), per client address.
pub const UPLOAD: Limit = Limit {
    bucket: "upload",
    max: 60,
    window_seconds: 3600,
};
