//! Reading an application: the full record for staff, the audit trail, what
//! a citizen may see; each read by a person is written to the access log.

use serde::Deserialize;

use crate::store::Timestamp;
use worker::D1PreparedStatement;

use super::super::{int, limits, opt_int, opt_text, text, Batch, Db, StoreResult};
use crate::domain::application::DeliveryMethod;
use crate::domain::courier::{CourierLeg, FeeStatus, ShipmentStatus};
use crate::domain::ids::RegistrationNumber;
use crate::domain::outbox::{MessageStatus, OutboxChannel};
use crate::domain::papers::Papers;
use crate::domain::workflow::{Action as WorkflowAction, Status};

use super::{ApplicationRow, APPLICATION_COLUMNS, APPLICATION_FROM};

#[derive(Debug, Deserialize)]
pub struct RequirementRow {
    pub item: String,
    pub submitted: i64,
    pub received_at: Option<Timestamp>,
}

#[derive(Debug, Deserialize)]
pub struct MessageRow {
    pub id: i64,
    pub event_seq: Option<i64>,
    pub channel: OutboxChannel,
    pub template: String,
    pub recipient: String,
    pub body: String,
    pub status: MessageStatus,
    pub attempts: i64,
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    pub resend_of: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Deserialize)]
pub struct MessageHistoryRow {
    pub outbox_id: i64,
    pub status: MessageStatus,
    pub detail: Option<String>,
    pub source: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Deserialize)]
pub struct ShipmentEventRow {
    pub shipment_id: i64,
    pub event_id: String,
    pub status: ShipmentStatus,
    pub cod_collected: Option<i64>,
    pub fee_collected: Option<i64>,
    pub occurred_at: String,
    pub received_at: Timestamp,
}

#[derive(Debug, Deserialize)]
pub struct FeeRow {
    pub id: i64,
    pub outbox_id: i64,
    pub leg: CourierLeg,
    pub amount: i64,
    pub status: FeeStatus,
    pub collected_amount: Option<i64>,
    pub expected_day: String,
    pub collected_day: Option<String>,
}

pub struct FullRecord {
    pub application: ApplicationRow,
    pub requirements: Vec<RequirementRow>,
    pub messages: Vec<MessageRow>,
    pub message_history: Vec<MessageHistoryRow>,
    pub shipments: Vec<crate::store::dispatch::ShipmentRow>,
    pub shipment_events: Vec<ShipmentEventRow>,
    pub fees: Vec<FeeRow>,
    pub links: Links,
}

/// How an application stands to resubmission: the cancelled application it
/// resubmits, the one that resubmits it (at most one: a unique index), and
/// the fields a resubmission is checked against.
#[derive(Debug, Default)]
pub struct Links {
    /// The status code.
    pub status: Option<String>,
    pub applicant_nik: String,
    pub village_code: String,
    /// Where the applicant's papers are (migrations/0013_paper_returns.sql).
    pub papers: Option<String>,
    pub resubmitted_from: Option<String>,
    pub resubmitted_as: Option<String>,
}

impl Links {
    /// From a row read as JSON: the JSON reader serves every row of this
    /// kind (a `LINKS` row, an INSERT's `RETURNING papers`), where a struct
    /// of its own would add a deserializer to the Worker.
    pub(super) fn of(row: Option<&serde_json::Value>) -> Option<Links> {
        let row = row?;
        let text = |k: &str| row[k].as_str().map(String::from);
        Some(Links {
            status: text("status"),
            applicant_nik: text("applicant_nik").unwrap_or_default(),
            village_code: text("village_code").unwrap_or_default(),
            papers: text("papers"),
            resubmitted_from: text("resubmitted_from"),
            resubmitted_as: text("resubmitted_as"),
        })
    }

    pub(super) fn in_result(results: &Batch, i: usize) -> StoreResult<Option<Links>> {
        Ok(Links::of(results.rows::<serde_json::Value>(i)?.first()))
    }
}

/// Params: ?1 registration number.
const LINKS: &str =
    "SELECT a.status, a.applicant_nik, a.village_code, a.papers, a.resubmitted_from, \
        (SELECT r.registration_number FROM applications r \
          WHERE r.resubmitted_from = a.registration_number) AS resubmitted_as \
     FROM applications a WHERE a.registration_number = ?1";

/// An application's resubmission links and the fields a resubmission of it
/// is checked against (`app::submit`).
pub async fn links(db: &Db, number: &RegistrationNumber) -> StoreResult<Option<Links>> {
    let results = db
        .batch(vec![db.prepare(LINKS, &[text(number.as_str())])?])
        .await?;
    Links::in_result(&results, 0)
}

/// An application with its links, in one round trip: what a resubmission
/// form is prefilled from. Not access-logged here: the caller logs it.
pub async fn read_with_links(
    db: &Db,
    number: &RegistrationNumber,
) -> StoreResult<Option<(ApplicationRow, Links)>> {
    let n = number.as_str();
    let results = db
        .batch(vec![
            db.prepare(&format!("SELECT {APPLICATION_COLUMNS} {APPLICATION_FROM} WHERE a.registration_number = ?1"), &[text(n)])?,
            db.prepare(LINKS, &[text(n)])?,
        ])
        .await?;
    Ok(match (results.one(0)?, Links::in_result(&results, 1)?) {
        (Some(app), Some(links)) => Some((app, links)),
        _ => None,
    })
}

/// Who is reading, for the access log.
pub struct Reader<'a> {
    pub staff_id: Option<i64>,
    pub role: &'a str,
    /// The only village whose records this reader may see (a village
    /// operator's; `Some("")` for one without a village), or `None` for a
    /// role that sees every village: `app::read::village_scope`.
    pub scope: Option<&'a str>,
}

/// The access-log row of a read, written in the same batch as the read so a
/// record is never shown unlogged. Its outcome is `refused` when the record
/// lies outside the reader's village scope — the same rule the use case then
/// enforces (`app::read::check_village`) — so a refused attempt is logged as
/// a refusal, never as a read. Logged only if the record exists, so probing
/// unknown numbers leaves no noise.
pub(in crate::store) fn access_log_insert(
    db: &Db,
    number: &str,
    reader: &Reader<'_>,
    what: &str,
    now: &str,
) -> StoreResult<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO access_log (staff_id, actor_role, registration_number, what, created_at, outcome) \
         SELECT ?1, ?2, ?3, ?4, ?5, \
                CASE WHEN ?6 IS NULL OR village_code = ?6 THEN 'read' ELSE 'refused' END \
         FROM applications WHERE registration_number = ?3",
        &[
            opt_int(reader.staff_id),
            text(reader.role),
            text(number),
            text(what),
            text(now),
            opt_text(reader.scope),
        ],
    )
}

/// The staff view of one record, with the read logged, in one round trip.
pub async fn read_full(
    db: &Db,
    number: &RegistrationNumber,
    reader: &Reader<'_>,
    now: &str,
) -> StoreResult<Option<FullRecord>> {
    let n = number.as_str();
    let batch = vec![
        access_log_insert(db, n, reader, "record", now)?,
        db.prepare(&format!("SELECT {APPLICATION_COLUMNS} {APPLICATION_FROM} WHERE a.registration_number = ?1"), &[text(n)])?,
        db.prepare(
            "SELECT item, submitted, received_at FROM requirement_checks WHERE registration_number = ?1 ORDER BY item",
            &[text(n)],
        )?,
        db.prepare(
            // A one-time download code is the citizen's alone: staff see
            // that it went out and how it fared, never the code.
            "SELECT id, event_seq, channel, template, recipient, \
                    CASE template WHEN 'download_code' THEN '(kode unduh cetak mandiri, disembunyikan)' ELSE body END AS body, \
                    status, attempts, provider_id, last_error, \
                    resend_of, created_by, created_at, updated_at \
             FROM outbox WHERE registration_number = ?1 ORDER BY id",
            &[text(n)],
        )?,
        db.prepare(
            "SELECT h.outbox_id, h.status, h.detail, h.source, h.created_at \
             FROM message_status_history h JOIN outbox o ON o.id = h.outbox_id \
             WHERE o.registration_number = ?1 ORDER BY h.id",
            &[text(n)],
        )?,
        db.prepare(
            "SELECT id, outbox_id, registration_number, leg, order_id, waybill, status, cod_amount, fee_amount, \
                    created_at, updated_at \
             FROM shipments WHERE registration_number = ?1 ORDER BY id",
            &[text(n)],
        )?,
        db.prepare(
            "SELECT e.shipment_id, e.event_id, e.status, e.cod_collected, e.fee_collected, e.occurred_at, e.received_at \
             FROM shipment_events e JOIN shipments s ON s.id = e.shipment_id \
             WHERE s.registration_number = ?1 ORDER BY e.received_at, e.occurred_at",
            &[text(n)],
        )?,
        db.prepare(
            "SELECT id, outbox_id, leg, amount, status, collected_amount, expected_day, collected_day \
             FROM fees WHERE registration_number = ?1 ORDER BY id",
            &[text(n)],
        )?,
        db.prepare(LINKS, &[text(n)])?,
    ];
    let results = db.batch(batch).await?;
    let Some(application) = results.one::<ApplicationRow>(1)? else {
        return Ok(None);
    };
    Ok(Some(FullRecord {
        application,
        requirements: results.rows(2)?,
        messages: results.rows(3)?,
        message_history: results.rows(4)?,
        shipments: results.rows(5)?,
        shipment_events: results.rows(6)?,
        fees: results.rows(7)?,
        links: Links::in_result(&results, 8)?.unwrap_or_default(),
    }))
}

#[derive(Debug, Deserialize)]
pub struct EventRow {
    pub seq: i64,
    pub action: WorkflowAction,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub actor_role: String,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub reason: Option<String>,
    pub changes_json: Option<String>,
    pub details_json: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Deserialize)]
pub struct Ownership {
    pub village_code: String,
    /// Its R2 archive object, where a query asks for it
    /// (`store::archive::locate`).
    pub archive_key: Option<String>,
}

/// The audit trail of one record, with the read logged, in one round trip.
/// Returns the record's village (for the operator check) and its events.
pub async fn read_events(
    db: &Db,
    number: &RegistrationNumber,
    reader: &Reader<'_>,
    now: &str,
) -> StoreResult<Option<(Ownership, Vec<EventRow>)>> {
    let n = number.as_str();
    let batch = vec![
        access_log_insert(db, n, reader, "events", now)?,
        db.prepare("SELECT village_code FROM applications WHERE registration_number = ?1", &[text(n)])?,
        db.prepare(
            "SELECT e.seq, e.action, e.actor_id, s.display_name AS actor_name, e.actor_role, e.from_status, \
                    e.to_status, e.reason, e.changes_json, e.details_json, e.created_at \
             FROM events e LEFT JOIN staff s ON s.id = e.actor_id \
             WHERE e.registration_number = ?1 ORDER BY e.seq",
            &[text(n)],
        )?,
    ];
    let results = db.batch(batch).await?;
    let Some(owner) = results.one::<Ownership>(1)? else {
        return Ok(None);
    };
    let events = results.rows(2)?;
    Ok(Some((owner, events)))
}

#[derive(Debug, Deserialize)]
pub struct CitizenRow {
    pub applicant_nik: String,
    pub status: Status,
    pub delivery_method: DeliveryMethod,
    /// Comma-separated service codes.
    pub services: Option<String>,
    /// The subject's birth date (`YYYY-MM-DD`), for the papers that depend
    /// on the child's age.
    pub birth_date: Option<String>,
    pub papers: Option<Papers>,
}

impl CitizenRow {
    pub fn service_list(&self) -> Vec<crate::domain::services::Service> {
        super::services_of(self.services.as_deref())
    }
}

#[derive(Debug, Deserialize)]
pub struct StatusHistoryRow {
    pub to_status: Status,
    pub action: WorkflowAction,
    pub reason: Option<String>,
    pub created_at: Timestamp,
}

/// A citizen's lookup in one round trip: the abuse counters of `limits`
/// (counted or read, with their allowance; their rows come back first, in
/// order, for the caller's verdict), the application and its status
/// history, and the access-log row — written only for the applicant's NIK
/// and only when no counter is over (`limits::within`), so a refused
/// lookup leaves no trace of a read. The rows of a refused lookup come back
/// too; the caller must not hand them on.
pub async fn read_for_citizen(
    db: &Db,
    number: &RegistrationNumber,
    nik: &str,
    now: &str,
    limits: &[(limits::Counter<'_>, i64)],
) -> StoreResult<CitizenLookup> {
    let n = number.as_str();
    let mut batch = limits
        .iter()
        .map(|(c, _)| limits::statement(db, now, c))
        .collect::<StoreResult<Vec<_>>>()?;
    let (within, mut within_params) = limits::within(limits, 4);
    let mut log_params = vec![text(n), text(now), text(nik)];
    log_params.append(&mut within_params);
    batch.extend([
        db.prepare(
            "SELECT applicant_nik, status, delivery_method, papers, \
                    json_extract(subject_json, '$.birth_date') AS birth_date, \
                    (SELECT group_concat(s.service) FROM application_services s \
                      WHERE s.registration_number = a.registration_number) AS services \
             FROM applications a WHERE registration_number = ?1",
            &[text(n)],
        )?,
        db.prepare(
            "SELECT to_status, action, reason, created_at FROM events WHERE registration_number = ?1 ORDER BY seq",
            &[text(n)],
        )?,
        // ?1 number, ?2 now, ?3 NIK, ?4… the limits' condition.
        db.prepare(
            &format!(
                "INSERT INTO access_log (staff_id, actor_role, registration_number, what, created_at, outcome) \
                 SELECT NULL, 'citizen', ?1, 'status', ?2, 'read' \
                 FROM applications WHERE registration_number = ?1 AND applicant_nik = ?3 AND {within}"
            ),
            &log_params,
        )?,
    ]);
    let results = db.batch(batch).await?;
    let hits = (0..limits.len())
        .map(|i| results.one(i))
        .collect::<StoreResult<Vec<_>>>()?;
    let at = limits.len();
    let found = match results.one::<CitizenRow>(at)? {
        None => None,
        Some(app) => Some((app, results.rows(at + 1)?)),
    };
    Ok(CitizenLookup { hits, found })
}

/// What [`read_for_citizen`] read: the counters' rows, then the application
/// with its status history (`None`: no such number).
pub struct CitizenLookup {
    pub hits: Vec<Option<limits::Hits>>,
    pub found: Option<(CitizenRow, Vec<StatusHistoryRow>)>,
}

pub async fn log_citizen_read(db: &Db, number: &RegistrationNumber, now: &str) -> StoreResult<()> {
    let reader = Reader {
        staff_id: None,
        role: "citizen",
        scope: None,
    };
    let stmt = access_log_insert(db, number.as_str(), &reader, "status", now)?;
    db.batch(vec![stmt]).await.map(|_| ())
}

/// An application whose papers the agency must still give back.
#[derive(Debug, Deserialize)]
pub struct PapersToReturnRow {
    pub registration_number: String,
    pub applicant_name: String,
    pub village_name: Option<String>,
    pub papers: Papers,
    /// When it was cancelled.
    pub status_since: Timestamp,
    /// The return leg's resi and where it stands, when sent by post.
    pub waybill: Option<String>,
    pub shipment_status: Option<ShipmentStatus>,
}

/// The papers not yet returned, oldest cancellation first, at most `limit`.
pub async fn papers_to_return(db: &Db, limit: u32) -> StoreResult<Vec<PapersToReturnRow>> {
    let results = db
        .batch(vec![db.prepare(
            "SELECT a.registration_number, a.applicant_name, v.name AS village_name, a.papers, a.status_since, \
                    s.waybill, s.status AS shipment_status \
             FROM applications a \
             LEFT JOIN villages v ON v.code = a.village_code \
             LEFT JOIN shipments s ON s.registration_number = a.registration_number AND s.leg = 'return_documents' \
             WHERE a.papers IN ('returning_by_pos', 'at_counter') \
             ORDER BY a.status_since, a.registration_number \
             LIMIT ?1",
            &[int(i64::from(limit))],
        )?])
        .await?;
    results.rows(0)
}
