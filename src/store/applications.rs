//! Applications, their services and checklist, events, outbox rows and the
//! access log. A step is written as one batch: the application row (guarded
//! by its version), its event and its outbox rows commit together or not at
//! all (see the trigger in migrations/0001_create_schema.sql).

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

use super::outbox::NewOutboxRow;
use super::{int, opt_int, opt_text, text, Db, StoreError, StoreResult};
use crate::domain::application::{DeliveryMethod, NewApplication, Subject};
use crate::domain::ids::{PhoneNumber, RegistrationNumber, VillageCode};
use crate::domain::roles::Actor;
use crate::domain::services::Service;
use crate::domain::workflow::{ApplicationState, Effect, FeeChange, FieldChange, Status};

#[derive(Debug, Deserialize)]
pub struct VillageRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kecamatan_code: String,
    pub kecamatan_name: String,
}

/// Params: ?1 village code.
pub async fn find_village(db: &Db, code: &VillageCode) -> StoreResult<Option<VillageRow>> {
    db.first(
        "SELECT v.code, v.name, v.kind, v.kecamatan_code, k.name AS kecamatan_name
         FROM villages v JOIN kecamatan k ON k.code = v.kecamatan_code WHERE v.code = ?1",
        &[text(code.as_str())],
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct ApplicationRow {
    pub registration_number: String,
    pub status: String,
    pub version: i64,
    pub awaiting_role: Option<String>,
    pub status_since: String,
    pub applicant_nik: String,
    pub applicant_name: String,
    pub applicant_phone: String,
    pub applicant_address: String,
    pub village_code: String,
    pub village_name: Option<String>,
    pub kecamatan_name: Option<String>,
    pub subject_json: String,
    pub delivery_method: String,
    pub delivery_address: Option<String>,
    pub channel: String,
    pub siak_reference: Option<String>,
    pub submitted_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// Comma-separated service codes.
    pub services: Option<String>,
}

const APPLICATION_COLUMNS: &str = "a.registration_number, a.status, a.version, a.awaiting_role, a.status_since,
    a.applicant_nik, a.applicant_name, a.applicant_phone, a.applicant_address, a.village_code,
    v.name AS village_name, k.name AS kecamatan_name, a.subject_json, a.delivery_method, a.delivery_address,
    a.channel, a.siak_reference, a.submitted_by, a.created_at, a.updated_at,
    (SELECT group_concat(s.service) FROM application_services s
      WHERE s.registration_number = a.registration_number) AS services";

const APPLICATION_FROM: &str = "FROM applications a
    LEFT JOIN villages v ON v.code = a.village_code
    LEFT JOIN kecamatan k ON k.code = v.kecamatan_code";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::CorruptRow(format!("{what} {value:?}"))
}

impl ApplicationRow {
    pub fn service_list(&self) -> Vec<Service> {
        self.services
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter_map(Service::parse)
            .collect()
    }

    pub fn subject(&self) -> StoreResult<Subject> {
        serde_json::from_str(&self.subject_json)
            .map_err(|e| StoreError::CorruptRow(format!("subject_json: {e}")))
    }

    pub fn status(&self) -> StoreResult<Status> {
        Status::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))
    }

    /// The part of the row the workflow decides on.
    pub fn to_state(&self) -> StoreResult<ApplicationState> {
        Ok(ApplicationState {
            registration_number: RegistrationNumber::parse(&self.registration_number)
                .map_err(|_| corrupt("registration_number", &self.registration_number))?,
            status: self.status()?,
            version: self.version,
            village_code: VillageCode::parse(&self.village_code)
                .map_err(|_| corrupt("village_code", &self.village_code))?,
            services: self.service_list(),
            phone: PhoneNumber::parse(&self.applicant_phone)
                .map_err(|_| corrupt("applicant_phone", "…"))?,
            applicant_name: self.applicant_name.clone(),
            applicant_address: self.applicant_address.clone(),
            subject: self.subject()?,
            delivery_method: DeliveryMethod::parse("delivery_method", &self.delivery_method)
                .map_err(|_| corrupt("delivery_method", &self.delivery_method))?,
            delivery_address: self.delivery_address.clone(),
            siak_reference: self.siak_reference.clone(),
        })
    }
}

/// Params: ?1 registration number.
pub async fn load(db: &Db, number: &RegistrationNumber) -> StoreResult<Option<ApplicationRow>> {
    let sql =
        format!("SELECT {APPLICATION_COLUMNS} {APPLICATION_FROM} WHERE a.registration_number = ?1");
    db.first(&sql, &[text(number.as_str())]).await
}

fn actor_columns(actor: &Actor) -> (JsValue, JsValue) {
    (opt_int(actor.staff_id()), text(actor.kind().code()))
}

/// One audit event, as written.
struct EventRecord<'a> {
    number: &'a str,
    seq: i64,
    action: &'a str,
    actor: &'a Actor,
    from: Option<Status>,
    to: Status,
    reason: Option<&'a str>,
    changes: &'a [FieldChange],
    details: &'a [(&'static str, String)],
    now: &'a str,
}

fn event_insert(db: &Db, e: &EventRecord<'_>) -> StoreResult<D1PreparedStatement> {
    let (actor_id, actor_role) = actor_columns(e.actor);
    let changes_json =
        (!e.changes.is_empty()).then(|| serde_json::to_string(e.changes).unwrap_or_default());
    let details_json = (!e.details.is_empty()).then(|| {
        let map: serde_json::Map<String, serde_json::Value> = e
            .details
            .iter()
            .map(|(k, v)| ((*k).to_string(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::Value::Object(map).to_string()
    });
    db.prepare(
        "INSERT INTO events (registration_number, seq, action, actor_id, actor_role, from_status, to_status,
                             reason, changes_json, details_json, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        &[
            text(e.number),
            int(e.seq),
            text(e.action),
            actor_id,
            actor_role,
            opt_text(e.from.map(Status::code)),
            text(e.to.code()),
            opt_text(e.reason),
            opt_text(changes_json.as_deref()),
            opt_text(details_json.as_deref()),
            text(e.now),
        ],
    )
}

/// What the outbox row of an effect holds: channel, template, recipient, body.
pub struct OutboxContent {
    pub channel: &'static str,
    pub template: &'static str,
    pub recipient: String,
    pub body: String,
}

/// The outbox row of an effect, or `None` for a ledger-only effect.
pub fn outbox_content(effect: &Effect, state: &ApplicationState) -> Option<OutboxContent> {
    Some(match effect {
        Effect::Fee(_) => return None,
        Effect::Sms { template, to, body } => OutboxContent {
            channel: "sms",
            template: template.code(),
            recipient: to.as_str().to_string(),
            body: body.clone(),
        },
        Effect::Courier(request) => OutboxContent {
            channel: "courier",
            template: request.leg.code(),
            recipient: "pos_indonesia".into(),
            body: serde_json::json!({
                "registration_number": state.registration_number.as_str(),
                "leg": request.leg,
                "fee": request.fee,
                "cod_amount": request.cod_amount,
                "name": state.applicant_name,
                "phone": state.phone.as_str(),
                "address": request.address,
                "village_code": state.village_code.as_str(),
            })
            .to_string(),
        },
    })
}

/// Where an effect's rows go: the outbox (returning the new row's id, so
/// the caller can put it on a queue after commit) and, for a courier order or
/// a settled leg, the fee ledger.
fn effect_statements(
    db: &Db,
    number: &str,
    seq: i64,
    effects: &[Effect],
    state: &ApplicationState,
    at: &Stamp<'_>,
) -> StoreResult<Vec<D1PreparedStatement>> {
    let mut statements = Vec::with_capacity(effects.len() * 2);
    for (position, effect) in effects.iter().enumerate() {
        if let Some(c) = outbox_content(effect, state) {
            statements.push(db.prepare(
                "INSERT INTO outbox (registration_number, event_seq, position, channel, template, recipient, body,
                                     status, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?8)
                 RETURNING id AS outbox_id, channel AS outbox_channel",
                &[text(number), int(seq), int(position as i64), text(c.channel), text(c.template), text(&c.recipient), text(&c.body), text(at.now)],
            )?);
        }
        match effect {
            Effect::Courier(request) => statements.push(db.prepare(
                "INSERT INTO fees (registration_number, outbox_id, leg, amount, status, expected_day, created_at, updated_at)
                 SELECT ?1, id, ?2, ?3, 'expected', ?4, ?5, ?5 FROM outbox
                 WHERE registration_number = ?1 AND event_seq = ?6 AND position = ?7 AND resend_of IS NULL",
                &[text(number), text(request.leg.code()), int(i64::from(request.fee.max(request.cod_amount))), text(at.day), text(at.now), int(seq), int(position as i64)],
            )?),
            Effect::Fee(change) => {
                let (status, leg) = match change {
                    FeeChange::Collected(leg) => ("collected", leg),
                    FeeChange::Voided(leg) => ("void", leg),
                };
                statements.push(db.prepare(
                    "UPDATE fees SET status = ?1, updated_at = ?2,
                         collected_amount = CASE WHEN ?1 = 'collected' THEN amount END,
                         collected_day = CASE WHEN ?1 = 'collected' THEN ?3 END
                     WHERE registration_number = ?4 AND leg = ?5 AND status = 'expected'",
                    &[text(status), text(at.now), text(at.day), text(number), text(leg.code())],
                )?);
            }
            Effect::Sms { .. } => {}
        }
    }
    Ok(statements)
}

/// When a write happens: the UTC timestamp and the WIB date (for the ledger).
pub struct Stamp<'a> {
    pub now: &'a str,
    pub day: &'a str,
}

/// Writes a new application, its services, checklist, first event and its
/// outbox rows in one batch. Fails with `DuplicateRegistrationNumber` if the
/// random number is taken (the caller draws another).
pub async fn insert_new(
    db: &Db,
    app: &NewApplication,
    state: &ApplicationState,
    actor: &Actor,
    effects: &[Effect],
    at: &Stamp<'_>,
) -> StoreResult<Vec<NewOutboxRow>> {
    let now = at.now;
    let number = state.registration_number.as_str();
    let subject_json =
        serde_json::to_string(&app.subject).map_err(|e| StoreError::CorruptRow(e.to_string()))?;
    let awaiting = Status::Submitted.awaiting_role().map(|r| r.code());
    let mut batch = vec![db.prepare(
        "INSERT INTO applications (registration_number, status, version, awaiting_role, status_since,
             applicant_nik, applicant_name, applicant_phone, applicant_address, village_code, subject_json,
             delivery_method, delivery_address, channel, siak_reference, submitted_by, created_at, updated_at)
         VALUES (?1, 'submitted', 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13, ?3, ?3)",
        &[
            text(number),
            opt_text(awaiting),
            text(now),
            text(app.applicant.nik.as_str()),
            text(&app.applicant.name),
            text(app.applicant.phone.as_str()),
            text(&app.applicant.address),
            text(app.applicant.village_code.as_str()),
            text(&subject_json),
            text(app.delivery_method.code()),
            opt_text(app.delivery_address.as_deref()),
            text(app.channel.code()),
            opt_int(actor.staff_id()),
        ],
    )?];
    for service in &app.services {
        batch.push(db.prepare(
            "INSERT INTO application_services (registration_number, service) VALUES (?1, ?2)",
            &[text(number), text(service.code())],
        )?);
    }
    for item in crate::domain::services::required_items(&app.services) {
        batch.push(db.prepare(
            "INSERT INTO requirement_checks (registration_number, item, submitted) VALUES (?1, ?2, ?3)",
            &[text(number), text(item), int(i64::from(app.checklist.contains(item)))],
        )?);
    }
    batch.push(event_insert(
        db,
        &EventRecord {
            number,
            seq: 1,
            action: "submit",
            actor,
            from: None,
            to: Status::Submitted,
            reason: None,
            changes: &[],
            details: &[],
            now,
        },
    )?);
    batch.extend(effect_statements(db, number, 1, effects, state, at)?);
    db.batch(batch).await.map(|r| r.created_outbox())
}

/// A decided step, ready to write.
pub struct StepWrite<'a> {
    pub transition: &'a crate::domain::workflow::Transition,
    pub actor: &'a Actor,
    pub at: Stamp<'a>,
}

/// Commits a step: the guarded update, the event and the outbox rows in one
/// batch. `StoreError::Conflict` means someone else moved the application
/// first and nothing was written. `extra` statements (a webhook's own rows)
/// join the same transaction.
pub async fn commit_step(
    db: &Db,
    w: &StepWrite<'_>,
    extra: Vec<D1PreparedStatement>,
) -> StoreResult<Vec<NewOutboxRow>> {
    let now = w.at.now;
    let t = w.transition;
    let next = &t.next;
    let number = next.registration_number.as_str();
    let from = t.from.unwrap_or(next.status);
    let old_version = next.version - 1;
    let subject_json =
        serde_json::to_string(&next.subject).map_err(|e| StoreError::CorruptRow(e.to_string()))?;
    let mut batch = vec![db.prepare(
        "UPDATE applications SET status = ?1, version = ?2, awaiting_role = ?3,
             status_since = CASE WHEN status = ?1 THEN status_since ELSE ?4 END,
             applicant_name = ?5, applicant_address = ?6, subject_json = ?7, delivery_method = ?8,
             delivery_address = ?9, siak_reference = ?10, updated_at = ?4
         WHERE registration_number = ?11 AND version = ?12",
        &[
            text(next.status.code()),
            int(next.version),
            opt_text(next.status.awaiting_role().map(|r| r.code())),
            text(now),
            text(&next.applicant_name),
            text(&next.applicant_address),
            text(&subject_json),
            text(next.delivery_method.code()),
            opt_text(next.delivery_address.as_deref()),
            opt_text(next.siak_reference.as_deref()),
            text(number),
            int(old_version),
        ],
    )?];
    batch.push(event_insert(
        db,
        &EventRecord {
            number,
            seq: next.version,
            action: t.action.code(),
            actor: w.actor,
            from: Some(from),
            to: next.status,
            reason: t.reason.as_deref(),
            changes: &t.changes,
            details: &t.details,
            now,
        },
    )?);
    batch.extend(effect_statements(
        db,
        number,
        next.version,
        &t.effects,
        next,
        &w.at,
    )?);
    if !t.received_items.is_empty() {
        batch.push(db.prepare(
            "UPDATE requirement_checks SET received_at = ?1, received_by = ?2 WHERE registration_number = ?3",
            &[text(now), opt_int(w.actor.staff_id()), text(number)],
        )?);
    }
    batch.extend(extra);
    db.batch(batch).await.map(|r| r.created_outbox())
}

#[derive(Debug, Deserialize)]
pub struct RequirementRow {
    pub item: String,
    pub submitted: i64,
    pub received_at: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct MessageRow {
    pub id: i64,
    pub event_seq: i64,
    pub channel: String,
    pub template: String,
    pub recipient: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    pub resend_of: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Deserialize)]
pub struct MessageHistoryRow {
    pub outbox_id: i64,
    pub status: String,
    pub detail: Option<String>,
    pub source: String,
    pub created_at: String,
}

#[derive(Debug, Deserialize)]
pub struct ShipmentEventRow {
    pub shipment_id: i64,
    pub event_id: String,
    pub status: String,
    pub cod_collected: Option<i64>,
    pub fee_collected: Option<i64>,
    pub occurred_at: String,
    pub received_at: String,
}

#[derive(Debug, Deserialize)]
pub struct FeeRow {
    pub id: i64,
    pub outbox_id: i64,
    pub leg: String,
    pub amount: i64,
    pub status: String,
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
}

/// Who is reading, for the access log.
pub struct Reader<'a> {
    pub staff_id: Option<i64>,
    pub role: &'a str,
}

fn access_log_insert(
    db: &Db,
    number: &str,
    reader: &Reader<'_>,
    what: &str,
    now: &str,
) -> StoreResult<D1PreparedStatement> {
    // Logged only if the record exists, so probing unknown numbers leaves no noise.
    db.prepare(
        "INSERT INTO access_log (staff_id, actor_role, registration_number, what, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM applications WHERE registration_number = ?3)",
        &[opt_int(reader.staff_id), text(reader.role), text(number), text(what), text(now)],
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
            "SELECT id, event_seq, channel, template, recipient, body, status, attempts, provider_id, last_error,
                    resend_of, created_by, created_at, updated_at
             FROM outbox WHERE registration_number = ?1 ORDER BY id",
            &[text(n)],
        )?,
        db.prepare(
            "SELECT h.outbox_id, h.status, h.detail, h.source, h.created_at
             FROM message_status_history h JOIN outbox o ON o.id = h.outbox_id
             WHERE o.registration_number = ?1 ORDER BY h.id",
            &[text(n)],
        )?,
        db.prepare(
            "SELECT id, outbox_id, registration_number, leg, order_id, waybill, status, cod_amount, fee_amount,
                    created_at, updated_at
             FROM shipments WHERE registration_number = ?1 ORDER BY id",
            &[text(n)],
        )?,
        db.prepare(
            "SELECT e.shipment_id, e.event_id, e.status, e.cod_collected, e.fee_collected, e.occurred_at, e.received_at
             FROM shipment_events e JOIN shipments s ON s.id = e.shipment_id
             WHERE s.registration_number = ?1 ORDER BY e.received_at, e.occurred_at",
            &[text(n)],
        )?,
        db.prepare(
            "SELECT id, outbox_id, leg, amount, status, collected_amount, expected_day, collected_day
             FROM fees WHERE registration_number = ?1 ORDER BY id",
            &[text(n)],
        )?,
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
    }))
}

#[derive(Debug, Deserialize)]
pub struct EventRow {
    pub seq: i64,
    pub action: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub actor_role: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: Option<String>,
    pub changes_json: Option<String>,
    pub details_json: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Deserialize)]
pub struct Ownership {
    pub village_code: String,
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
            "SELECT e.seq, e.action, e.actor_id, s.display_name AS actor_name, e.actor_role, e.from_status,
                    e.to_status, e.reason, e.changes_json, e.details_json, e.created_at
             FROM events e LEFT JOIN staff s ON s.id = e.actor_id
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
    pub status: String,
    pub delivery_method: String,
}

#[derive(Debug, Deserialize)]
pub struct StatusHistoryRow {
    pub to_status: String,
    pub action: String,
    pub reason: Option<String>,
    pub created_at: String,
}

/// What a citizen may see: status and the history of statuses. The NIK is
/// returned only for the caller to compare; it never leaves the Worker.
pub async fn read_for_citizen(
    db: &Db,
    number: &RegistrationNumber,
) -> StoreResult<Option<(CitizenRow, Vec<StatusHistoryRow>)>> {
    let n = number.as_str();
    let batch = vec![
        db.prepare("SELECT applicant_nik, status, delivery_method FROM applications WHERE registration_number = ?1", &[text(n)])?,
        db.prepare(
            "SELECT to_status, action, reason, created_at FROM events WHERE registration_number = ?1 ORDER BY seq",
            &[text(n)],
        )?,
    ];
    let results = db.batch(batch).await?;
    let Some(app) = results.one::<CitizenRow>(0)? else {
        return Ok(None);
    };
    let history = results.rows(1)?;
    Ok(Some((app, history)))
}

pub async fn log_citizen_read(db: &Db, number: &RegistrationNumber, now: &str) -> StoreResult<()> {
    let reader = Reader {
        staff_id: None,
        role: "citizen",
    };
    let stmt = access_log_insert(db, number.as_str(), &reader, "status", now)?;
    db.batch(vec![stmt]).await.map(|_| ())
}

#[derive(Debug, Deserialize)]
pub struct QueueRow {
    pub registration_number: String,
    pub status: String,
    pub status_since: String,
    pub applicant_name: String,
    pub applicant_nik: String,
    pub village_code: String,
    pub village_name: Option<String>,
    pub delivery_method: String,
    pub version: i64,
    pub services: Option<String>,
}

/// Which rows a queue lists; each variant is served by one index, so a page
/// costs the same at any table size.
pub enum QueueScope<'a> {
    /// `applications_queue`: waiting for this role.
    Role(&'a str),
    /// `applications_by_status`: one status.
    Status(&'a str),
    /// `applications_by_village`: a village's open applications.
    Village(&'a str),
    /// `applications_open`: everything open (admin).
    AllOpen,
}

/// The SQL of a queue page. Params: ?1 the scope's key, ?2/?3 the cursor
/// (status_since, registration_number; empty strings start at the
/// beginning), ?4 the page size + 1 (to know whether a next page exists).
/// Public so the end-to-end tests can check its query plan on real D1.
pub fn queue_sql(scope: &QueueScope<'_>) -> String {
    let filter = match scope {
        QueueScope::Role(_) => "a.awaiting_role = ?1",
        QueueScope::Status(_) => "a.status = ?1",
        QueueScope::Village(_) => "a.village_code = ?1 AND a.awaiting_role IS NOT NULL",
        QueueScope::AllOpen => "a.awaiting_role IS NOT NULL AND ?1 = ?1",
    };
    format!(
        "SELECT a.registration_number, a.status, a.status_since, a.applicant_name, a.applicant_nik, a.village_code,
                v.name AS village_name, a.delivery_method, a.version,
                (SELECT group_concat(s.service) FROM application_services s
                  WHERE s.registration_number = a.registration_number) AS services
         FROM applications a LEFT JOIN villages v ON v.code = a.village_code
         WHERE {filter} AND (a.status_since, a.registration_number) > (?2, ?3)
         ORDER BY a.status_since, a.registration_number
         LIMIT ?4"
    )
}

/// A keyset page, oldest first.
pub async fn queue_page(
    db: &Db,
    scope: &QueueScope<'_>,
    after: Option<(&str, &str)>,
    limit: u32,
) -> StoreResult<Vec<QueueRow>> {
    let key = match scope {
        QueueScope::Role(k) | QueueScope::Status(k) | QueueScope::Village(k) => *k,
        QueueScope::AllOpen => "",
    };
    let (since, number) = after.unwrap_or(("", ""));
    db.all(
        &queue_sql(scope),
        &[
            text(key),
            text(since),
            text(number),
            int(i64::from(limit) + 1),
        ],
    )
    .await
}

/// The staff UI's list: a queue scope narrowed by filters, or a search.
pub struct ListFilter<'a> {
    pub scope: QueueScope<'a>,
    pub status: Option<&'a str>,
    pub service: Option<&'a str>,
    /// "33.12.01"
    pub kecamatan: Option<&'a str>,
    pub village: Option<&'a str>,
    pub search: Option<Search<'a>>,
}

/// A search finds applications in any status the viewer may see, through
/// its own index (NIK exact, or name prefix).
pub enum Search<'a> {
    Nik(&'a str),
    NamePrefix(&'a str),
}

/// One page of the filtered list, oldest first. The scope's index drives
/// the scan (or the search's index); the filters narrow it.
pub async fn list_page(
    db: &Db,
    f: &ListFilter<'_>,
    after: Option<(&str, &str)>,
    limit: u32,
) -> StoreResult<Vec<QueueRow>> {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<JsValue> = Vec::new();
    let mut param = |value: JsValue| {
        params.push(value);
        format!("?{}", params.len())
    };
    match &f.search {
        Some(Search::Nik(nik)) => clauses.push(format!("a.applicant_nik = {}", param(text(nik)))),
        Some(Search::NamePrefix(prefix)) => {
            let escaped = prefix
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            clauses.push(format!(
                "a.applicant_name LIKE {} ESCAPE '\\'",
                param(text(&format!("{escaped}%")))
            ));
        }
        None => {}
    }
    match (&f.scope, f.search.is_some()) {
        (QueueScope::Village(code), _) => {
            clauses.push(format!("a.village_code = {}", param(text(code))))
        }
        (_, true) => {}
        (QueueScope::Role(role), false) => {
            clauses.push(format!("a.awaiting_role = {}", param(text(role))))
        }
        (QueueScope::Status(status), false) => {
            clauses.push(format!("a.status = {}", param(text(status))))
        }
        (QueueScope::AllOpen, false) => clauses.push("a.awaiting_role IS NOT NULL".into()),
    }
    if let Some(status) = f.status {
        clauses.push(format!("a.status = {}", param(text(status))));
    }
    if let Some(service) = f.service {
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM application_services s2 WHERE s2.registration_number = a.registration_number AND s2.service = {})",
            param(text(service))
        ));
    }
    if let Some(kecamatan) = f.kecamatan {
        clauses.push(format!("v.kecamatan_code = {}", param(text(kecamatan))));
    }
    if let Some(village) = f.village {
        clauses.push(format!("a.village_code = {}", param(text(village))));
    }
    let (since, number) = after.unwrap_or(("", ""));
    clauses.push(format!(
        "(a.status_since, a.registration_number) > ({}, {})",
        param(text(since)),
        param(text(number))
    ));
    let limit_param = param(int(i64::from(limit) + 1));
    let sql = format!(
        "SELECT a.registration_number, a.status, a.status_since, a.applicant_name, a.applicant_nik, a.village_code,
                v.name AS village_name, a.delivery_method, a.version,
                (SELECT group_concat(s.service) FROM application_services s
                  WHERE s.registration_number = a.registration_number) AS services
         FROM applications a LEFT JOIN villages v ON v.code = a.village_code
         WHERE {}
         ORDER BY a.status_since, a.registration_number
         LIMIT {limit_param}",
        clauses.join(" AND ")
    );
    db.all(&sql, &params).await
}

#[derive(Debug, Deserialize)]
pub struct PlaceRow {
    pub code: String,
    pub name: String,
    pub kecamatan_code: Option<String>,
}

/// The kecamatan and villages of Wonogiri, for the filters.
pub async fn places(db: &Db) -> StoreResult<(Vec<PlaceRow>, Vec<PlaceRow>)> {
    let results = db
        .batch(vec![
            db.prepare(
                "SELECT code, name, NULL AS kecamatan_code FROM kecamatan ORDER BY name",
                &[],
            )?,
            db.prepare(
                "SELECT code, name, kecamatan_code FROM villages ORDER BY name",
                &[],
            )?,
        ])
        .await?;
    Ok((results.rows(0)?, results.rows(1)?))
}
