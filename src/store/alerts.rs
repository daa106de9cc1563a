//! The alerts' tables (migrations/0023_alerts.sql): one read of the
//! settings, every condition's reading and the last states; one batch that
//! records this run's decisions with the SMS they send; the settings form's
//! write. Every reading is an index range over the hourly tables of the
//! last two hours or one index step, so the cron's judgement costs the same
//! at any size.

use super::health::Parts;
use super::outbox::NewOutboxRow;
use super::{int, opt_text, text, Db, StoreResult};

/// Reads the settings, this run's readings and the last states as one JSON
/// object (SQLite writes it, so the Worker needs no row type of its own):
/// `on_call` (the JSON array's text), the thresholds by their column names,
/// `readings` by their conditions' codes, and `states`, an array of
/// `[condition, active_since, notified_at, stamp]`. ?1 the window's first
/// hour (`YYYY-MM-DDTHH`, UTC), ?2 now, ?3 1 when this run's relay ran
/// without an error.
pub async fn read(
    db: &Db,
    since_hour: &str,
    now: &str,
    relay_ok: bool,
) -> StoreResult<Option<String>> {
    let row: Option<Parts> = db
        .first(
            "SELECT json_object('on_call', s.on_call, 'sms_failure_percent', s.sms_failure_percent, \
                    'pending_minutes', s.pending_minutes, 'relay_silent_minutes', s.relay_silent_minutes, \
                    'dead_letters', s.dead_letters, 'webhook_refusals', s.webhook_refusals, \
                    'readings', json_object('sms_failure_rate', coalesce((SELECT CASE WHEN sum(count) >= 10 \
                             THEN sum(CASE WHEN status IN ('retrying', 'failed', 'undelivered') THEN count ELSE 0 END) \
                                  * 100 / sum(count) ELSE 0 END \
                          FROM message_outcomes_hourly \
                          WHERE hour >= ?1 AND channel = 'sms' AND source != 'staff'), 0), \
                    'pending_age', coalesce((SELECT CAST((julianday(?2) - julianday(min(updated_at))) * 1440 AS INTEGER) \
                          FROM outbox WHERE status IN ('pending', 'sending', 'retrying')), 0), \
                    'relay_silent', CASE WHEN ?3 THEN 0 ELSE \
                        coalesce((SELECT CAST((julianday(?2) - julianday(at)) * 1440 AS INTEGER) \
                                  FROM ops_state WHERE key = 'relay'), 0) END, \
                    'dead_letters', coalesce((SELECT sum(count) FROM message_outcomes_hourly \
                          WHERE hour >= ?1 AND source = 'dead_letter'), 0), \
                    'webhook_forgeries', coalesce((SELECT sum(count) FROM webhook_refusals_hourly WHERE hour >= ?1), 0)), \
                    'states', json((SELECT json_group_array(json_array(condition, active_since, notified_at, stamp)) \
                                    FROM alert_state))) AS a \
             FROM alert_settings s WHERE s.id = 1",
            &[text(since_hour), text(now), int(i64::from(relay_ok))],
        )
        .await?;
    Ok(row.and_then(|p| p.a))
}

/// One condition's new state, and the SMS it sends (`template`, `body`).
pub struct Change<'a> {
    pub condition: &'a str,
    pub active_since: Option<&'a str>,
    pub notified_at: Option<&'a str>,
    pub value: i64,
    /// The stamp this run read (`None`: the condition had no row).
    pub old_stamp: Option<&'a str>,
    pub sms: Option<(&'a str, String)>,
}

/// Records every change under this run's `stamp`, each only if no other
/// run changed that condition since this one read it, and writes each SMS
/// (one outbox row per on-call number in `on_call`, a JSON array) only
/// where the change landed. One batch: all of it or none.
pub async fn record(
    db: &Db,
    changes: &[Change<'_>],
    on_call: &str,
    now: &str,
    stamp: &str,
) -> StoreResult<Vec<NewOutboxRow>> {
    let mut batch = Vec::with_capacity(changes.len() * 2);
    for c in changes {
        batch.push(db.prepare(
            "INSERT INTO alert_state (condition, active_since, notified_at, value, judged_at, stamp) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (condition) DO UPDATE SET active_since = excluded.active_since, \
                 notified_at = excluded.notified_at, value = excluded.value, \
                 judged_at = excluded.judged_at, stamp = excluded.stamp \
             WHERE alert_state.stamp IS ?7",
            &[
                text(c.condition),
                opt_text(c.active_since),
                opt_text(c.notified_at),
                int(c.value),
                text(now),
                text(stamp),
                opt_text(c.old_stamp),
            ],
        )?);
        if let Some((template, body)) = &c.sms {
            batch.push(db.prepare(
                "INSERT INTO outbox (registration_number, event_seq, position, channel, template, recipient, \
                     body, created_at, updated_at) \
                 SELECT NULL, NULL, 0, 'sms', ?1, j.value, ?2, ?3, ?3 FROM json_each(?4) j \
                 WHERE EXISTS (SELECT 1 FROM alert_state WHERE condition = ?5 AND stamp = ?6) \
                 RETURNING id AS outbox_id, channel AS outbox_channel",
                &[text(template), text(body), text(now), text(on_call), text(c.condition), text(stamp)],
            )?);
        }
    }
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db.batch(batch).await?.created_outbox())
}

/// The administrator's settings (`on_call`: a JSON array of E.164 numbers).
pub struct NewSettings<'a> {
    pub on_call: &'a str,
    pub thresholds: [i64; 5],
    pub staff_id: i64,
    pub now: &'a str,
}

pub async fn save(db: &Db, s: &NewSettings<'_>) -> StoreResult<()> {
    let [sms, pending, relay, dead, webhooks] = s.thresholds;
    db.run(
        "UPDATE alert_settings SET on_call = ?1, sms_failure_percent = ?2, pending_minutes = ?3, \
             relay_silent_minutes = ?4, dead_letters = ?5, webhook_refusals = ?6, updated_by = ?7, \
             updated_at = ?8 \
         WHERE id = 1",
        &[
            text(s.on_call),
            int(sms),
            int(pending),
            int(relay),
            int(dead),
            int(webhooks),
            int(s.staff_id),
            text(s.now),
        ],
    )
    .await
}
