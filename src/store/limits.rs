//! Abuse-limit counters: a fixed window per (bucket, key).

use serde::Deserialize;
use worker::D1PreparedStatement;

use wasm_bindgen::JsValue;

use super::{int, text, Db, StoreResult};

#[derive(Debug, Deserialize)]
pub struct Hits {
    pub hits: i64,
    pub window_started: String,
}

/// Whether a counter is counted (one more hit) or only read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Count,
    Read,
}

/// One counter of a `tally`: its bucket and key, and `cutoff` (now − the
/// window): a window that started at or before it is over.
pub struct Counter<'a> {
    pub op: Op,
    pub bucket: &'a str,
    pub key: &'a str,
    pub cutoff: &'a str,
}

/// The statement for one counter. Counting returns the window's count,
/// opening a new window when the old one is over; reading returns the live
/// window's count, or no row.
pub fn statement(db: &Db, now: &str, c: &Counter<'_>) -> StoreResult<D1PreparedStatement> {
    match c.op {
        // Params: ?1 bucket, ?2 key, ?3 now, ?4 cutoff.
        Op::Count => db.prepare(
            "INSERT INTO rate_limits (bucket, key, hits, window_started) VALUES (?1, ?2, 1, ?3) \
             ON CONFLICT (bucket, key) DO UPDATE SET \
                 hits = CASE WHEN window_started <= ?4 THEN 1 ELSE hits + 1 END, \
                 window_started = CASE WHEN window_started <= ?4 THEN ?3 ELSE window_started END \
             RETURNING hits, window_started",
            &[text(c.bucket), text(c.key), text(now), text(c.cutoff)],
        ),
        Op::Read => db.prepare(
            "SELECT hits, window_started FROM rate_limits \
             WHERE bucket = ?1 AND key = ?2 AND window_started > ?3",
            &[text(c.bucket), text(c.key), text(c.cutoff)],
        ),
    }
}

/// A condition that holds only when no counter of `bounded` (each with its
/// allowance) is over, as `app::limits::verdict` decides it: a counted one
/// past its allowance, a read one at it. For a write that rides in the same
/// batch as the counters' own statements (after them), so it happens only
/// if the caller is let through. Its parameters are numbered from `first`.
pub fn within(bounded: &[(Counter<'_>, i64)], first: usize) -> (String, Vec<JsValue>) {
    let mut params = Vec::new();
    let clauses: Vec<String> = bounded
        .iter()
        .map(|(c, allowed)| {
            let n = first + params.len();
            params.extend([text(c.bucket), text(c.key), text(c.cutoff), int(*allowed)]);
            let over = match c.op {
                Op::Count => ">",
                Op::Read => ">=",
            };
            format!(
                "NOT EXISTS (SELECT 1 FROM rate_limits WHERE bucket = ?{} AND key = ?{} \
                 AND window_started > ?{} AND hits {over} ?{})",
                n,
                n + 1,
                n + 2,
                n + 3
            )
        })
        .collect();
    let sql = if clauses.is_empty() {
        "1".to_string()
    } else {
        clauses.join(" AND ")
    };
    (sql, params)
}

/// Counts and reads several counters in one round trip; one answer per
/// counter, in order (`None`: a read counter with no live window).
pub async fn tally(db: &Db, now: &str, counters: &[Counter<'_>]) -> StoreResult<Vec<Option<Hits>>> {
    let statements = counters
        .iter()
        .map(|c| statement(db, now, c))
        .collect::<StoreResult<Vec<_>>>()?;
    let results = db.batch(statements).await?;
    (0..counters.len()).map(|i| results.one(i)).collect()
}
