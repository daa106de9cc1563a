//! Partners' API keys (`crate::app::api_keys`): issue, revoke, list, and
//! the one round trip that checks a key, counts it against its own hourly
//! limit and notes its use.

use serde::Deserialize;

use super::limits::Hits;
use super::{int, text, Db, StoreResult};

/// A key as the administration page lists it and a submission uses it
/// (never its hash): one row type for both keeps the Worker small, and its
/// times come ready to read, in WIB as `domain::time::format_wib` writes
/// them ("28/11/2026 14:05 WIB"), with who created or revoked the key.
#[derive(Debug, Deserialize)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub channel: String,
    pub prefix: String,
    pub hourly_limit: i64,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
}

/// The `ApiKeyRow` of the keys `$where` selects.
macro_rules! keys_where {
    ($where:literal) => {
        concat!(
            "SELECT k.id, k.name, k.channel, k.prefix, k.hourly_limit, \
                    strftime('%d/%m/%Y %H:%M WIB', k.created_at, '+7 hours') || ' oleh ' || c.username AS created, \
                    strftime('%d/%m/%Y %H:%M WIB', k.last_used_at, '+7 hours') AS last_used, \
                    strftime('%d/%m/%Y %H:%M WIB', k.revoked_at, '+7 hours') || ' oleh ' || r.username AS revoked \
             FROM api_keys k JOIN staff c ON c.id = k.created_by LEFT JOIN staff r ON r.id = k.revoked_by ",
            $where
        )
    };
}

/// Every key, newest first, with who created and revoked it. No params.
pub const LIST_SQL: &str = keys_where!("ORDER BY k.id DESC");

pub struct NewApiKey<'a> {
    pub name: &'a str,
    pub channel: &'a str,
    pub prefix: &'a str,
    pub sha256: &'a str,
    pub hourly_limit: i64,
    pub created_by: i64,
    pub now: &'a str,
}

/// Stores a new key. Params: ?1 name, ?2 channel, ?3 prefix, ?4 hash,
/// ?5 hourly limit, ?6 creator's staff id, ?7 now.
pub async fn create(db: &Db, k: &NewApiKey<'_>) -> StoreResult<()> {
    db.run(
        "INSERT INTO api_keys (name, channel, prefix, secret_sha256, hourly_limit, created_by, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            text(k.name),
            text(k.channel),
            text(k.prefix),
            text(k.sha256),
            int(k.hourly_limit),
            int(k.created_by),
            text(k.now),
        ],
    )
    .await
}

/// Revokes a key (the first revocation is kept): the key, or `None` when
/// there is no such key. Params: ?1 key id, ?2 staff id, ?3 now; read ?1.
pub async fn revoke(db: &Db, id: i64, by: i64, now: &str) -> StoreResult<Option<ApiKeyRow>> {
    let results = db
        .batch(vec![
            db.prepare(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?3), revoked_by = COALESCE(revoked_by, ?2) \
                 WHERE id = ?1",
                &[int(id), int(by), text(now)],
            )?,
            db.prepare(keys_where!("WHERE k.id = ?1"), &[int(id)])?,
        ])
        .await?;
    results.one(1)
}

/// Checks a key by its hash in one round trip: notes its use (at most once
/// per `touch_before`: a busy app does not rewrite the row per request),
/// counts one hit on its own counter (`bucket`, key `key:<id>`, a window
/// that started at or before `cutoff` is over) and reads it back. A
/// revoked or unknown key is neither noted nor counted: `None`.
/// Params: note ?1 hash, ?2 now, ?3 touch_before; count ?1 hash, ?2 now,
/// ?3 cutoff, ?4 bucket; read ?1 hash.
pub async fn use_key(
    db: &Db,
    sha256: &str,
    now: &str,
    touch_before: &str,
    bucket: &str,
    cutoff: &str,
) -> StoreResult<Option<(ApiKeyRow, Option<Hits>)>> {
    let results = db
        .batch(vec![
            db.prepare(
                "UPDATE api_keys SET last_used_at = ?2 \
                 WHERE secret_sha256 = ?1 AND revoked_at IS NULL \
                   AND (last_used_at IS NULL OR last_used_at <= ?3)",
                &[text(sha256), text(now), text(touch_before)],
            )?,
            // The same upsert as `limits::statement`, keyed by the key's id.
            db.prepare(
                "INSERT INTO rate_limits (bucket, key, hits, window_started) \
                 SELECT ?4, 'key:' || id, 1, ?2 FROM api_keys WHERE secret_sha256 = ?1 AND revoked_at IS NULL \
                 ON CONFLICT (bucket, key) DO UPDATE SET \
                     hits = CASE WHEN window_started <= ?3 THEN 1 ELSE hits + 1 END, \
                     window_started = CASE WHEN window_started <= ?3 THEN ?2 ELSE window_started END \
                 RETURNING hits, window_started",
                &[text(sha256), text(now), text(cutoff), text(bucket)],
            )?,
            db.prepare(
                keys_where!("WHERE k.secret_sha256 = ?1 AND k.revoked_at IS NULL"),
                &[text(sha256)],
            )?,
        ])
        .await?;
    let hits: Option<Hits> = results.one(1)?;
    Ok(results.one::<ApiKeyRow>(2)?.map(|key| (key, hits)))
}
