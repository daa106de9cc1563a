//! Complaints and their events: every statement of the complaints area.
//! A step writes the guarded update, its event and (for an answer) the SMS
//! outbox row in one batch, like an application step.

use serde::Deserialize;

use crate::store::Timestamp;
use worker::D1PreparedStatement;

use super::outbox::NewOutboxRow;
use super::{int, opt_int, opt_text, text, Db, StoreError, StoreResult};
use crate::domain::complaints::{Channel, EventAction, Kind, NewComplaint, Status, Step, Ticket};

/// A complaint as stored; also what officers get from the API (field for field).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct ComplaintRow {
    pub ticket: String,
    pub kind: Kind,
    pub channel: Channel,
    pub name: String,
    pub phone: Option<String>,
    pub text: String,
    pub registration_number: Option<String>,
    pub status: Status,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub answered_at: Option<Timestamp>,
}

const COLUMNS: &str =
    "ticket, kind, channel, name, phone, text, registration_number, status, version, \
                       created_at, updated_at, answered_at";

#[derive(Debug, Clone, Deserialize)]
pub struct ComplaintEventRow {
    pub seq: i64,
    pub action: EventAction,
    pub actor_role: String,
    pub actor_name: Option<String>,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub response: Option<String>,
    pub reason: Option<String>,
    pub created_at: Timestamp,
}

/// Whether an application exists. Params: ?1 registration number.
pub async fn application_exists(db: &Db, number: &str) -> StoreResult<bool> {
    let row: Option<super::N> = db
        .first(
            "SELECT 1 AS n FROM applications WHERE registration_number = ?1",
            &[text(number)],
        )
        .await?;
    Ok(row.is_some())
}

/// Writes a new complaint and its first event. A taken ticket comes back as
/// `StoreError::Unique` (the caller draws another).
pub async fn insert(
    db: &Db,
    ticket: &Ticket,
    c: &NewComplaint,
    logged_by: Option<(i64, &str)>,
    now: &str,
) -> StoreResult<()> {
    let t = ticket.as_str();
    let staff_id = logged_by.map(|(id, _)| id);
    let role = logged_by.map_or("citizen", |(_, role)| role);
    db.batch(vec![
        db.prepare(
            "INSERT INTO complaints (ticket, kind, channel, name, phone, text, registration_number, status, version, \
                 logged_by, created_at, updated_at, answered_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', 1, ?8, ?9, ?9, NULL)",
            &[
                text(t),
                text(c.kind.code()),
                text(c.channel.code()),
                text(&c.name),
                opt_text(c.phone.as_ref().map(|p| p.as_str())),
                text(&c.text),
                opt_text(c.registration_number.as_ref().map(|n| n.as_str())),
                opt_int(staff_id),
                text(now),
            ],
        )?,
        db.prepare(
            "INSERT INTO complaint_events (ticket, seq, action, actor_id, actor_role, from_status, to_status, \
                 response, reason, created_at) \
             VALUES (?1, 1, 'receive', ?2, ?3, NULL, 'open', NULL, NULL, ?4)",
            &[text(t), opt_int(staff_id), text(role), text(now)],
        )?,
    ])
    .await
    .map(|_| ())
}

/// One complaint. Params: ?1 ticket.
pub async fn load(db: &Db, ticket: &Ticket) -> StoreResult<Option<ComplaintRow>> {
    db.first(
        &format!("SELECT {COLUMNS} FROM complaints WHERE ticket = ?1"),
        &[text(ticket.as_str())],
    )
    .await
}

/// A complaint and its timeline, in one round trip.
pub async fn load_with_events(
    db: &Db,
    ticket: &Ticket,
) -> StoreResult<Option<(ComplaintRow, Vec<ComplaintEventRow>)>> {
    let t = ticket.as_str();
    let results = db
        .batch(vec![
            db.prepare(&format!("SELECT {COLUMNS} FROM complaints WHERE ticket = ?1"), &[text(t)])?,
            db.prepare(
                "SELECT e.seq, e.action, e.actor_role, s.display_name AS actor_name, e.from_status, e.to_status, \
                        e.response, e.reason, e.created_at \
                 FROM complaint_events e LEFT JOIN staff s ON s.id = e.actor_id \
                 WHERE e.ticket = ?1 ORDER BY e.seq",
                &[text(t)],
            )?,
        ])
        .await?;
    let Some(complaint) = results.one::<ComplaintRow>(0)? else {
        return Ok(None);
    };
    let events = results.rows(1)?;
    Ok(Some((complaint, events)))
}

/// A decided step to write.
pub struct StepWrite<'a> {
    pub ticket: &'a Ticket,
    pub action: &'static str,
    pub step: &'a Step,
    pub old_version: i64,
    pub staff_id: i64,
    pub role: &'a str,
    /// The SMS to the complainant: (recipient, body).
    pub sms: Option<(&'a str, &'a str)>,
    pub now: &'a str,
}

/// The guarded update, the event and the SMS row in one batch.
/// `StoreError::Conflict` when someone else moved the complaint first.
pub async fn commit_step(db: &Db, w: &StepWrite<'_>) -> StoreResult<Vec<NewOutboxRow>> {
    let t = w.ticket.as_str();
    let seq = w.old_version + 1;
    let mut batch: Vec<D1PreparedStatement> = vec![
        db.prepare(
            "UPDATE complaints SET status = ?1, version = ?2, updated_at = ?3, \
                 answered_at = CASE WHEN ?4 = 1 THEN COALESCE(answered_at, ?3) ELSE answered_at END \
             WHERE ticket = ?5 AND version = ?6",
            &[text(w.step.to.code()), int(seq), text(w.now), int(i64::from(w.step.response.is_some())), text(t), int(w.old_version)],
        )?,
        db.prepare(
            "INSERT INTO complaint_events (ticket, seq, action, actor_id, actor_role, from_status, to_status, \
                 response, reason, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            &[
                text(t),
                int(seq),
                text(w.action),
                int(w.staff_id),
                text(w.role),
                text(w.step.from.code()),
                text(w.step.to.code()),
                opt_text(w.step.response.as_deref()),
                opt_text(w.step.reason.as_deref()),
                text(w.now),
            ],
        )?,
    ];
    if let Some((recipient, body)) = w.sms {
        batch.push(db.prepare(
            "INSERT INTO outbox (registration_number, event_seq, position, channel, template, recipient, body, \
                 complaint_ticket, created_by, created_at, updated_at) \
             VALUES (NULL, NULL, 0, 'sms', 'complaint_answered', ?1, ?2, ?3, ?4, ?5, ?5) \
             RETURNING id AS outbox_id, channel AS outbox_channel",
            &[text(recipient), text(body), text(t), int(w.staff_id), text(w.now)],
        )?);
    }
    let results = db.batch(batch).await.map_err(|e| match e {
        StoreError::Unique(m) if m.contains("complaint_events") => StoreError::Conflict,
        other => other,
    })?;
    Ok(results.created_outbox())
}

/// Filters of the officer's list.
#[derive(Debug, Default)]
pub struct ListFilter<'a> {
    pub status: Option<&'a str>,
    pub channel: Option<&'a str>,
}

/// Oldest first, keyset on (created_at, ticket).
/// Params: ?1 status or NULL, ?2 channel or NULL, ?3/?4 the cursor or NULL, ?5 limit.
pub async fn list(
    db: &Db,
    f: &ListFilter<'_>,
    after: Option<(&str, &str)>,
    limit: u32,
) -> StoreResult<Vec<ComplaintRow>> {
    db.all(
        &format!(
            "SELECT {COLUMNS} FROM complaints \
             WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR channel = ?2) \
               AND (?3 IS NULL OR (created_at, ticket) > (?3, ?4)) \
             ORDER BY created_at, ticket LIMIT ?5"
        ),
        &[
            opt_text(f.status),
            opt_text(f.channel),
            opt_text(after.map(|a| a.0)),
            opt_text(after.map(|a| a.1)),
            int(i64::from(limit)),
        ],
    )
    .await
}

/// Dashboard figures: complaints per status and the oldest still open.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub open: i64,
    pub in_progress: i64,
    pub resolved: i64,
    pub oldest_open_at: Option<Timestamp>,
}

impl Counts {
    /// From [`COUNTS_SQL`]'s rows (the dashboard's one row shape).
    pub fn from_rows(rows: &[super::Tally]) -> Counts {
        let count = |status: &str| rows.iter().find(|r| r.key == status).map_or(0, |r| r.count);
        Counts {
            open: count("open"),
            in_progress: count("in_progress"),
            resolved: count("resolved"),
            oldest_open_at: rows
                .iter()
                .find_map(|r| r.at.as_deref())
                .and_then(Timestamp::parse),
        }
    }
}

/// No params; a row per status (`key`, `count`), the first (`open`) with
/// the oldest unfinished complaint (`at`). Used in the dashboard's batch:
/// the maintained counts (migrations/0021_open_counts.sql) and the oldest
/// unfinished complaint, one step into complaints_by_status per status,
/// never a scan of the history.
pub const COUNTS_SQL: &str = "SELECT s.key, \
        COALESCE((SELECT count FROM complaint_counts c WHERE c.status = s.key), 0) AS count, \
        CASE WHEN s.key = 'open' THEN (SELECT min(t) FROM ( \
            SELECT (SELECT created_at FROM complaints WHERE status = 'open' ORDER BY created_at LIMIT 1) AS t \
            UNION ALL \
            SELECT (SELECT created_at FROM complaints WHERE status = 'in_progress' ORDER BY created_at LIMIT 1))) \
        END AS at \
        FROM (SELECT 'open' AS key UNION ALL SELECT 'in_progress' UNION ALL SELECT 'resolved') s";
