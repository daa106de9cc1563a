//! Abuse-limit counters: a fixed window per (bucket, key).

use serde::Deserialize;

use super::{text, Db, StoreResult};

#[derive(Debug, Deserialize)]
pub struct Hits {
    pub hits: i64,
    pub window_started: String,
}

/// Counts one hit and returns the window's count, opening a new window when
/// the old one started at or before `cutoff`. One statement.
/// Params: ?1 bucket, ?2 key, ?3 now, ?4 cutoff (now − window).
pub async fn hit(
    db: &Db,
    bucket: &str,
    key: &str,
    now: &str,
    cutoff: &str,
) -> StoreResult<Option<Hits>> {
    db.first(
        "INSERT INTO rate_limits (bucket, key, hits, window_started) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (bucket, key) DO UPDATE SET
             hits = CASE WHEN window_started <= ?4 THEN 1 ELSE hits + 1 END,
             window_started = CASE WHEN window_started <= ?4 THEN ?3 ELSE window_started END
         RETURNING hits, window_started",
        &[text(bucket), text(key), text(now), text(cutoff)],
    )
    .await
}
