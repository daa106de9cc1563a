//! What the administrator's health page reads (migrations/0022_health.sql),
//! in one batch: the unfinished outbox, the hourly message outcomes and
//! webhook refusals of the last day, sign-in failures, the last cron run,
//! and the rows of the big tables. Each statement is an index range or an
//! index step, so the page costs the same at any size; the row counts come
//! from the maintained counts or the highest row id (one step each: an
//! estimate that still counts rows the archive or the purge removed).
//!
//! SQLite sums the outcomes and writes each part of the report as JSON
//! (the shape of `HealthReport` in the OpenAPI document): the Worker only
//! joins the parts, so the report costs no row type and no serializer of
//! its own in the wasm.

use serde::Deserialize;

use super::{text, Db, StoreResult};

/// A statement's JSON parts, by alias (also the alerts' one JSON row).
#[derive(Debug, Default, Deserialize)]
pub(super) struct Parts {
    pub(super) a: Option<String>,
    b: Option<String>,
    c: Option<String>,
    d: Option<String>,
    e: Option<String>,
}

/// The report's parts as JSON text, and the database's size after the read
/// (D1's `size_after`; `None` where the runtime does not say).
pub struct Health {
    pub outbox: String,
    pub failures: String,
    pub provider_errors: String,
    pub refusals: String,
    pub sign_in_failures: String,
    pub last_cron: String,
    pub tables: String,
    pub alerts: String,
    pub backup: String,
    pub database_bytes: Option<u64>,
}

/// The statuses of a message's history that are a failure to send or
/// deliver: a retry, a final failure, a report of non-delivery.
const ERRORS: &str = "status IN ('retrying', 'failed', 'undelivered')";

/// Minutes from the timestamp `x` to ?3 (now), whole.
fn minutes(x: &str) -> String {
    format!("CAST((julianday(?3) - julianday({x})) * 1440 AS INTEGER)")
}

/// Reads the report's parts: ?1 `since_hour` (`YYYY-MM-DDTHH`, UTC) and ?2
/// `since` (a timestamp) start the last-24-hours windows, ?3 is now.
pub async fn read(db: &Db, since_hour: &str, since: &str, now: &str) -> StoreResult<Health> {
    let params = [text(since_hour), text(since), text(now)];
    let oldest = minutes("oldest");
    let cron_age = minutes("at");
    let statements = [
        // outbox_unfinished and outbox_awaiting_report.
        format!(
            "SELECT json_group_array(json_object('channel', channel, 'status', status, 'count', n, \
                    'oldest_at', oldest, 'oldest_minutes', {oldest})) AS a \
             FROM (SELECT channel, status, count(*) AS n, min(updated_at) AS oldest FROM outbox \
                   WHERE status IN ('pending', 'sending', 'retrying') GROUP BY channel, status \
                   UNION ALL \
                   SELECT 'sms', 'awaiting_report', count(*), min(updated_at) FROM outbox \
                   WHERE channel = 'sms' AND status IN ('accepted', 'sent')) \
             WHERE n > 0 AND ?1 = ?1 AND ?2 = ?2"
        ),
        // Failures per channel (SMS and courier always listed).
        "SELECT json_group_array(json_object('channel', c, 'failed', f, 'dead_lettered', d, 'undelivered', u)) AS a \
         FROM (SELECT c, sum(f) AS f, sum(d) AS d, sum(u) AS u \
               FROM (SELECT 'sms' AS c, 0 AS f, 0 AS d, 0 AS u \
                     UNION ALL SELECT 'courier', 0, 0, 0 \
                     UNION ALL \
                     SELECT channel, \
                            sum(CASE WHEN status = 'failed' AND source != 'dead_letter' THEN count ELSE 0 END), \
                            sum(CASE WHEN status = 'failed' AND source = 'dead_letter' THEN count ELSE 0 END), \
                            sum(CASE WHEN status = 'undelivered' THEN count ELSE 0 END) \
                     FROM message_outcomes_hourly WHERE hour >= ?1 GROUP BY channel) \
               GROUP BY c ORDER BY c = 'courier', c) \
         WHERE ?2 = ?2 AND ?3 = ?3"
            .to_string(),
        // The error rate per hour and channel.
        format!(
            "SELECT json_group_array(json_object('hour', hour, 'channel', channel, 'outcomes', n, \
                    'errors', e, 'error_percent', e * 100 / n)) AS a \
             FROM (SELECT hour, channel, sum(count) AS n, \
                          sum(CASE WHEN {ERRORS} THEN count ELSE 0 END) AS e \
                   FROM message_outcomes_hourly WHERE hour >= ?1 \
                   GROUP BY hour, channel ORDER BY hour, channel) \
             WHERE n > 0 AND ?2 = ?2 AND ?3 = ?3"
        ),
        // Refused webhooks per sender (both always listed).
        "SELECT json_group_array(json_object('sender', s, 'count', n)) AS a \
         FROM (SELECT s, sum(n) AS n \
               FROM (SELECT 'courier' AS s, 0 AS n UNION ALL SELECT 'twilio', 0 \
                     UNION ALL \
                     SELECT sender, sum(count) FROM webhook_refusals_hourly WHERE hour >= ?1 GROUP BY sender) \
               GROUP BY s ORDER BY s) \
         WHERE ?2 = ?2 AND ?3 = ?3"
            .to_string(),
        // Sign-in failures (login_failures_by_time), the last cron run, and
        // the tables: the applications and complaints counted exactly from
        // their maintained counts (0018, 0021), the others, rowid tables,
        // by their highest row id. D1 allows only a few terms in a compound
        // SELECT, hence one row of columns.
        format!(
            "SELECT (SELECT json_object('pairs', count(*), 'failures', coalesce(sum(streak), 0)) \
                     FROM login_failures WHERE last_failed_at >= ?2) AS a, \
                    coalesce((SELECT json_object('at', at, 'minutes_ago', {cron_age}, \
                                  'detail', CASE WHEN json_valid(detail) THEN json(detail) ELSE detail END) \
                              FROM ops_state WHERE key = 'cron'), 'null') AS b, \
                    json_array( \
                      json_object('name', 'applications', 'rows', coalesce((SELECT sum(count) FROM status_counts), 0), 'exact', json('true')), \
                      json_object('name', 'complaints', 'rows', coalesce((SELECT sum(count) FROM complaint_counts), 0), 'exact', json('true')), \
                      json_object('name', 'outbox', 'rows', coalesce((SELECT max(rowid) FROM outbox), 0), 'exact', json('false')), \
                      json_object('name', 'message_status_history', 'rows', coalesce((SELECT max(rowid) FROM message_status_history), 0), 'exact', json('false')), \
                      json_object('name', 'shipments', 'rows', coalesce((SELECT max(rowid) FROM shipments), 0), 'exact', json('false')), \
                      json_object('name', 'access_log', 'rows', coalesce((SELECT max(rowid) FROM access_log), 0), 'exact', json('false')), \
                      json_object('name', 'documents', 'rows', coalesce((SELECT max(rowid) FROM documents), 0), 'exact', json('false')) \
                    ) AS c, \
                    (SELECT json_object('on_call', json(on_call), 'sms_failure_percent', sms_failure_percent, \
                            'pending_minutes', pending_minutes, 'relay_silent_minutes', relay_silent_minutes, \
                            'dead_letters', dead_letters, 'webhook_refusals', webhook_refusals, \
                            'updated_at', updated_at, \
                            'conditions', json((SELECT json_group_array(json_object('condition', condition, \
                                'active_since', active_since, 'notified_at', notified_at, 'value', value, \
                                'judged_at', judged_at)) FROM alert_state))) \
                     FROM alert_settings WHERE id = 1) AS d, \
                    json_object( \
                      'last_finished', json((SELECT json_object('id', id, 'started_at', started_at, \
                            'finished_at', finished_at, 'parts', json_array_length(parts)) \
                          FROM backup_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1)), \
                      'running', json((SELECT json_object('id', id, 'started_at', started_at, 'step', step, \
                            'parts', json_array_length(parts)) \
                          FROM backup_runs WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1))) AS e \
             WHERE ?1 = ?1"
        ),
    ];
    let batch = statements
        .iter()
        .map(|sql| db.prepare(sql, &params))
        .collect::<StoreResult<Vec<_>>>()?;
    let results = db.batch(batch).await?;
    let database_bytes = results
        .last()
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|m| m.size_after)
        .map(|b| b as u64);
    let mut parts = Vec::with_capacity(statements.len());
    for i in 0..statements.len() {
        parts.push(results.rows::<Parts>(i)?.pop().unwrap_or_default());
    }
    let array = |p: &mut Parts| p.a.take().unwrap_or_else(|| "[]".into());
    let last = &mut parts[4];
    let alerts = last.d.take().unwrap_or_else(|| "null".into());
    let backup = last.e.take().unwrap_or_else(|| "null".into());
    let (sign_in_failures, last_cron, tables) = (
        last.a
            .take()
            .unwrap_or_else(|| "{\"pairs\":0,\"failures\":0}".into()),
        last.b.take().unwrap_or_else(|| "null".into()),
        last.c.take().unwrap_or_else(|| "[]".into()),
    );
    Ok(Health {
        outbox: array(&mut parts[0]),
        failures: array(&mut parts[1]),
        provider_errors: array(&mut parts[2]),
        refusals: array(&mut parts[3]),
        sign_in_failures,
        last_cron,
        tables,
        alerts,
        backup,
        database_bytes,
    })
}

/// Notes the end of a cron run: its time and its log line, and when
/// `relay_ok` (its relay had no error) the time as the relay's last good
/// run (the relay-silent alert).
pub async fn record_cron(db: &Db, at: &str, line: &str, relay_ok: bool) -> StoreResult<()> {
    db.run(
        "INSERT INTO ops_state (key, at, detail) \
         SELECT 'cron', ?1, ?2 UNION ALL SELECT 'relay', ?1, '' WHERE ?3 \
         ON CONFLICT (key) DO UPDATE SET at = excluded.at, detail = excluded.detail",
        &[text(at), text(line), super::int(i64::from(relay_ok))],
    )
    .await
}

/// Counts a webhook refused for its signature or secret (`sender`: `twilio`
/// or `courier`) in the current UTC hour.
pub async fn count_refusal(db: &Db, hour: &str, sender: &str) -> StoreResult<()> {
    db.run(
        "INSERT INTO webhook_refusals_hourly (hour, sender, count) VALUES (?1, ?2, 1) \
         ON CONFLICT (hour, sender) DO UPDATE SET count = count + 1",
        &[text(hour), text(sender)],
    )
    .await
}
