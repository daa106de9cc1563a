//! Reading the access log (UU PDP): the administrator's timeline of who read
//! or changed which record, the citizen's "who has seen my data", and the
//! retention purge of old rows, expired sessions and the uploads of closed
//! applications. Reads are rows of `access_log` (written with each read in
//! `applications::read`); changes are the workflow's `events`; both are
//! merged here into one timeline, newest first.

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{int, opt_int, opt_text, text, Db, StoreResult, Timestamp};

/// One entry of the timeline: a read (or refused read) from `access_log`,
/// or a workflow change from `events`.
#[derive(Debug, Deserialize)]
pub struct TimelineRow {
    pub at: Timestamp,
    /// The keyset tie-breaker: `a` + the log row's id, or `e` + number + seq.
    pub key: String,
    pub staff_id: Option<i64>,
    pub staff_name: Option<String>,
    pub actor_role: String,
    pub registration_number: String,
    /// `record`, `events`, `status`, `document` (reads) or `change`.
    pub kind: String,
    /// `read`, `refused` or `changed`.
    pub outcome: String,
    /// The workflow action of a change.
    pub step: Option<String>,
}

/// What the administrator's timeline is filtered by. Times are stored UTC
/// text; `after` is the (time, key) of the last row of the previous page.
pub struct TimelineFilter<'a> {
    pub staff_id: Option<i64>,
    pub number: Option<&'a str>,
    pub from: &'a str,
    pub until: &'a str,
    pub after: Option<(&'a str, &'a str)>,
    pub limit: u32,
}

/// Both sources as one relation, filtered alike. Params: ?1 from, ?2 until,
/// ?3 staff id or NULL, ?4 number or NULL.
const TIMELINE: &str = "\
    SELECT created_at AS at, printf('a%012d', id) AS key, staff_id, actor_role, registration_number, \
           what AS kind, outcome, NULL AS step \
    FROM access_log \
    WHERE created_at >= ?1 AND created_at < ?2 \
      AND (?3 IS NULL OR staff_id = ?3) AND (?4 IS NULL OR registration_number = ?4) \
    UNION ALL \
    SELECT created_at, printf('e%s%06d', registration_number, seq), actor_id, actor_role, registration_number, \
           'change', 'changed', action \
    FROM events \
    WHERE created_at >= ?1 AND created_at < ?2 \
      AND (?3 IS NULL OR actor_id = ?3) AND (?4 IS NULL OR registration_number = ?4)";

/// One page of the timeline, newest first, with one row more than `limit`
/// asked for (`app::paging::cut`). Params ?5/?6: the cursor's time and key.
pub async fn timeline(db: &Db, f: &TimelineFilter<'_>) -> StoreResult<Vec<TimelineRow>> {
    let sql = format!(
        "SELECT t.at, t.key, t.staff_id, s.display_name AS staff_name, t.actor_role, t.registration_number, \
                t.kind, t.outcome, t.step \
         FROM ({TIMELINE}) t LEFT JOIN staff s ON s.id = t.staff_id \
         WHERE ?5 IS NULL OR t.at < ?5 OR (t.at = ?5 AND t.key < ?6) \
         ORDER BY t.at DESC, t.key DESC LIMIT ?7"
    );
    db.all(
        &sql,
        &[
            text(f.from),
            text(f.until),
            opt_int(f.staff_id),
            opt_text(f.number),
            opt_text(f.after.map(|a| a.0)),
            opt_text(f.after.map(|a| a.1)),
            int(i64::from(f.limit) + 1),
        ],
    )
    .await
}

/// One entry of what a citizen is shown: a role, what happened, when.
#[derive(Debug, Deserialize)]
pub struct CitizenAccessRow {
    pub at: Timestamp,
    pub actor_role: String,
    pub kind: String,
    pub outcome: String,
    pub step: Option<String>,
}

/// Who saw or changed one application, newest first, at most `limit`
/// entries: officers' reads and refused attempts, and every workflow step
/// taken by someone other than the applicant (their own lookups and their
/// own submission are left out). No officer ids or names leave this
/// function.
pub async fn for_citizen(db: &Db, number: &str, limit: u32) -> StoreResult<Vec<CitizenAccessRow>> {
    db.all(
        "SELECT at, actor_role, kind, outcome, step FROM ( \
             SELECT created_at AS at, printf('a%012d', id) AS key, actor_role, what AS kind, outcome, NULL AS step \
             FROM access_log WHERE registration_number = ?1 AND actor_role <> 'citizen' \
             UNION ALL \
             SELECT created_at, printf('e%06d', seq), actor_role, 'change', 'changed', action \
             FROM events WHERE registration_number = ?1 AND actor_role <> 'citizen' \
         ) ORDER BY at DESC, key DESC LIMIT ?2",
        &[text(number), int(i64::from(limit))],
    )
    .await
}

/// Deletes up to `limit` access-log rows older than `before`, oldest first;
/// The cutoffs of one retention run (UTC text): rows older go.
pub struct Cutoffs<'a> {
    /// Access-log rows written before this.
    pub log_before: &'a str,
    /// Sessions past their absolute expiry at this instant…
    pub now: &'a str,
    /// …or idle since this.
    pub idle_before: &'a str,
    /// Inbound SMS records and idempotency keys written before this.
    pub day_before: &'a str,
    /// Rate-limit counters whose window opened before this.
    pub window_before: &'a str,
    /// The health page's hourly counts (`YYYY-MM-DDTHH`) before this hour.
    pub hour_before: &'a str,
}

/// Deletes, in one round trip, at most `limit` each of: access-log rows,
/// unusable sessions, inbound SMS records, idempotency keys and rate-limit
/// counters past their cutoff; how many of each went, in that order.
pub async fn purge_rows(db: &Db, c: &Cutoffs<'_>, limit: u32) -> StoreResult<[usize; 6]> {
    let limit = int(i64::from(limit));
    let batch = db
        .batch(vec![
            db.prepare(
                "DELETE FROM access_log WHERE id IN \
                     (SELECT id FROM access_log WHERE created_at < ?1 ORDER BY created_at, id LIMIT ?2) \
                 RETURNING 1 AS gone",
                &[text(c.log_before), limit.clone()],
            )?,
            db.prepare(
                "DELETE FROM sessions WHERE token_hash IN \
                     (SELECT token_hash FROM sessions WHERE expires_at <= ?1 OR last_seen_at <= ?2 LIMIT ?3) \
                 RETURNING 1 AS gone",
                &[text(c.now), text(c.idle_before), limit.clone()],
            )?,
            // An inbound record serves the repeat check and the hourly
            // reply limit (`app::inbound`); a key answers for 24 hours.
            db.prepare(
                "DELETE FROM sms_inbound WHERE message_sid IN \
                     (SELECT message_sid FROM sms_inbound WHERE received_at < ?1 ORDER BY received_at LIMIT ?2) \
                 RETURNING 1 AS gone",
                &[text(c.day_before), limit.clone()],
            )?,
            db.prepare(
                "DELETE FROM idempotency_keys WHERE key_hash IN \
                     (SELECT key_hash FROM idempotency_keys WHERE created_at < ?1 ORDER BY created_at LIMIT ?2) \
                 RETURNING 1 AS gone",
                &[text(c.day_before), limit.clone()],
            )?,
            db.prepare(
                "DELETE FROM rate_limits WHERE (bucket, key) IN \
                     (SELECT bucket, key FROM rate_limits WHERE window_started < ?1 ORDER BY window_started LIMIT ?2) \
                 RETURNING 1 AS gone",
                &[text(c.window_before), limit.clone()],
            )?,
            // The health page's hourly counts: a range of each primary key.
            db.prepare(
                "DELETE FROM message_outcomes_hourly WHERE (hour, channel, status, source) IN \
                     (SELECT hour, channel, status, source \
                          FROM message_outcomes_hourly WHERE hour < ?1 ORDER BY hour LIMIT ?2) \
                 RETURNING 1 AS gone",
                &[text(c.hour_before), limit.clone()],
            )?,
            db.prepare(
                "DELETE FROM webhook_refusals_hourly WHERE (hour, sender) IN \
                     (SELECT hour, sender FROM webhook_refusals_hourly WHERE hour < ?1 ORDER BY hour LIMIT ?2) \
                 RETURNING 1 AS gone",
                &[text(c.hour_before), limit],
            )?,
        ])
        .await?;
    let mut gone = [0; 6];
    for (i, n) in gone.iter_mut().take(5).enumerate() {
        *n = batch.rows::<IgnoredAny>(i)?.len();
    }
    gone[5] = batch.rows::<IgnoredAny>(5)?.len() + batch.rows::<IgnoredAny>(6)?.len();
    Ok(gone)
}

/// An uploaded document due for deletion.
#[derive(Debug, Deserialize)]
pub struct ExpiredUpload {
    pub id: i64,
    pub object_key: String,
}

/// Up to `limit` uploads of applications completed or cancelled before
/// `closed_before`, oldest first.
pub async fn expired_uploads(
    db: &Db,
    closed_before: &str,
    limit: u32,
) -> StoreResult<Vec<ExpiredUpload>> {
    db.all(
        "SELECT d.id, d.object_key FROM applications a \
         JOIN documents d ON d.registration_number = a.registration_number \
         WHERE a.status IN ('completed', 'cancelled') AND a.status_since < ?1 \
         ORDER BY d.id LIMIT ?2",
        &[text(closed_before), int(i64::from(limit))],
    )
    .await
}

/// Deletes the rows of documents whose objects are already gone from R2.
pub async fn delete_uploads(db: &Db, ids: &[i64]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    db.run(
        "DELETE FROM documents WHERE id IN (SELECT value FROM json_each(?1))",
        &[text(&list)],
    )
    .await
}

/// An account, for the timeline's officer filter.
#[derive(Debug, Deserialize)]
pub struct OfficerRow {
    pub id: i64,
    pub display_name: String,
    pub role: String,
}

/// Every account (disabled ones too: their reads stay in the log), by name.
pub async fn officers(db: &Db) -> StoreResult<Vec<OfficerRow>> {
    db.all(
        "SELECT id, display_name, role FROM staff ORDER BY display_name COLLATE NOCASE, id LIMIT 1000",
        &[],
    )
    .await
}
