//! Writing a new application and a workflow step: one batch each.

use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

use super::super::outbox::NewOutboxRow;
use super::super::{int, opt_int, opt_text, text, Db, StoreError, StoreResult};
use crate::domain::application::NewApplication;
use crate::domain::roles::Actor;
use crate::domain::workflow::{Action, ApplicationState, Effect, FeeChange, FieldChange, Status};

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
        // Inserted one by one: collecting into the map would sort first,
        // which brings a whole stable sort into the Worker for nothing.
        let mut map = serde_json::Map::new();
        for (k, v) in e.details.iter() {
            map.insert((*k).to_string(), serde_json::Value::String(v.clone()));
        }
        serde_json::Value::Object(map).to_string()
    });
    db.prepare(
        "INSERT INTO events (registration_number, seq, action, actor_id, actor_role, from_status, to_status, \
                             reason, changes_json, details_json, created_at) \
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

/// The courier outbox row that cancels an application's pickup order (see
/// `dispatch::consumers`): its template, beside the legs' own codes.
pub const CANCEL_PICKUP: &str = "cancel_pickup_documents";

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
        Effect::CancelCourier(leg) => OutboxContent {
            channel: "courier",
            template: CANCEL_PICKUP,
            recipient: "pos_indonesia".into(),
            body: serde_json::json!({
                "registration_number": state.registration_number.as_str(),
                "leg": leg,
            })
            .to_string(),
        },
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
/// a settled leg, the fee ledger. The SMS of an applicant who chose WhatsApp
/// is addressed `whatsapp:+62…` (the consumer sends it with its template).
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
                "INSERT INTO outbox (registration_number, event_seq, position, channel, template, recipient, body, \
                                     status, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?4 = 'sms' AND EXISTS (SELECT 1 FROM applications \
                     WHERE registration_number = ?1 AND notify_channel = 'whatsapp') THEN 'whatsapp:' ELSE '' END || ?6, \
                     ?7, 'pending', ?8, ?8) \
                 RETURNING id AS outbox_id, channel AS outbox_channel",
                &[text(number), int(seq), int(position as i64), text(c.channel), text(c.template), text(&c.recipient), text(&c.body), text(at.now)],
            )?);
        }
        match effect {
            Effect::Courier(request) => statements.push(db.prepare(
                "INSERT INTO fees (registration_number, outbox_id, leg, amount, status, expected_day, created_at, updated_at) \
                 SELECT ?1, id, ?2, ?3, 'expected', ?4, ?5, ?5 FROM outbox \
                 WHERE registration_number = ?1 AND event_seq = ?6 AND position = ?7 AND resend_of IS NULL",
                &[text(number), text(request.leg.code()), int(i64::from(request.fee.max(request.cod_amount))), text(at.day), text(at.now), int(seq), int(position as i64)],
            )?),
            Effect::Fee(change) => {
                let (status, leg) = match change {
                    FeeChange::Collected(leg) => ("collected", leg),
                    FeeChange::Voided(leg) => ("void", leg),
                };
                statements.push(db.prepare(
                    "UPDATE fees SET status = ?1, updated_at = ?2, \
                         collected_amount = CASE WHEN ?1 = 'collected' THEN amount END, \
                         collected_day = CASE WHEN ?1 = 'collected' THEN ?3 END \
                     WHERE registration_number = ?4 AND leg = ?5 AND status = 'expected'",
                    &[text(status), text(at.now), text(at.day), text(number), text(leg.code())],
                )?);
            }
            Effect::Sms { .. } | Effect::CancelCourier(_) => {}
        }
    }
    Ok(statements)
}

/// When a write happens: the UTC timestamp and the WIB date (for the ledger).
pub struct Stamp<'a> {
    pub now: &'a str,
    pub day: &'a str,
}

/// What writing a new application gave: the outbox rows to enqueue, and
/// whether the papers of the application it resubmits were carried over.
pub struct Inserted {
    pub outbox: Vec<NewOutboxRow>,
    pub papers_carried_over: bool,
}

/// A submission's `Idempotency-Key`, kept with the application it made.
pub struct KeyRecord<'a> {
    pub key_hash: &'a str,
    pub body_sha256: &'a str,
    /// The answer to give again (its `papers_carried_over` is set from the
    /// written row).
    pub response_json: &'a str,
    /// Keys written before this instant have expired.
    pub expired_before: &'a str,
}

/// The first answer given under a key still alive, and the body it was for.
#[derive(Debug, serde::Deserialize)]
pub struct KeptAnswer {
    pub body_sha256: String,
    pub response_json: String,
}

pub async fn kept_answer(
    db: &Db,
    key_hash: &str,
    expired_before: &str,
) -> StoreResult<Option<KeptAnswer>> {
    db.first(
        "SELECT body_sha256, response_json FROM idempotency_keys WHERE key_hash = ?1 AND created_at >= ?2",
        &[text(key_hash), text(expired_before)],
    )
    .await
}

/// Whether the key `key_hash`, written since `since`, came with the
/// application `number` (the phone that sent it uploads without the NIK).
pub async fn key_opens(db: &Db, key_hash: &str, number: &str, since: &str) -> StoreResult<bool> {
    let found: Option<KeptAnswer> = db
        .first(
            "SELECT body_sha256, response_json FROM idempotency_keys \
             WHERE key_hash = ?1 AND created_at >= ?2 AND registration_number = ?3",
            &[text(key_hash), text(since), text(number)],
        )
        .await?;
    Ok(found.is_some())
}

/// Writes a new application, its services, checklist, first event and its
/// outbox rows in one batch. Fails with `DuplicateRegistrationNumber` if the
/// random number is taken (the caller draws another), and with
/// `Unique("…applications.resubmitted_from")` if the application it
/// resubmits already has its resubmission.
///
/// A resubmission takes over the papers still waiting at the counter of the
/// cancelled application: the new row reads the old row's `papers` inside
/// its own INSERT (`at_agency` when they were `at_counter`) and the next
/// statement marks the old row `carried_over`, in the same transaction, so
/// a return handed out meanwhile cannot be carried over as well.
pub async fn insert_new(
    db: &Db,
    app: &NewApplication,
    state: &ApplicationState,
    actor: &Actor,
    effects: &[Effect],
    at: &Stamp<'_>,
    key: Option<&KeyRecord<'_>>,
) -> StoreResult<Inserted> {
    let now = at.now;
    let number = state.registration_number.as_str();
    let subject_json =
        serde_json::to_string(&app.subject).map_err(|e| StoreError::CorruptRow(e.to_string()))?;
    let awaiting = Status::Submitted.awaiting_role().map(|r| r.code());
    let predecessor = app.resubmitted_from.as_ref().map(|n| n.as_str());
    let mut batch = vec![db.prepare(
        "INSERT INTO applications (registration_number, status, version, awaiting_role, status_since, \
             applicant_nik, applicant_name, applicant_phone, applicant_address, village_code, subject_json, \
             delivery_method, delivery_address, channel, siak_reference, submitted_by, created_at, updated_at, \
             resubmitted_from, papers, notify_channel) \
         VALUES (?1, 'submitted', 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13, ?3, ?3, ?14, \
             (SELECT 'at_agency' FROM applications WHERE registration_number = ?14 AND papers = 'at_counter'), ?15) \
         RETURNING papers",
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
            opt_text(predecessor),
            text(if app.whatsapp { "whatsapp" } else { "sms" }),
        ],
    )?];
    if let Some(old) = predecessor {
        batch.push(db.prepare(
            "UPDATE applications SET papers = 'carried_over', updated_at = ?2 \
             WHERE registration_number = ?1 AND papers = 'at_counter'",
            &[text(old), text(now)],
        )?);
    }
    for service in &app.services {
        batch.push(db.prepare(
            "INSERT INTO application_services (registration_number, service) VALUES (?1, ?2)",
            &[text(number), text(service.code())],
        )?);
    }
    for item in app.requirements.iter().copied() {
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
    if let Some(k) = key {
        // A key older than its day is free again; a live one refuses this
        // batch by its primary key (someone sent it at the same moment).
        batch.push(db.prepare(
            "DELETE FROM idempotency_keys WHERE key_hash = ?1 AND created_at < ?2",
            &[text(k.key_hash), text(k.expired_before)],
        )?);
        // The answer as given, with whether papers were carried over (read
        // from the row this batch wrote).
        batch.push(db.prepare(
            "INSERT INTO idempotency_keys (key_hash, body_sha256, registration_number, response_json, created_at) \
             SELECT ?1, ?2, registration_number, \
                    json_set(?3, '$.papers_carried_over', json(CASE WHEN papers IS NULL THEN 'false' ELSE 'true' END)), ?4 \
             FROM applications WHERE registration_number = ?5",
            &[text(k.key_hash), text(k.body_sha256), text(k.response_json), text(now), text(number)],
        )?);
    }
    let results = db.batch(batch).await?;
    Ok(Inserted {
        outbox: results.created_outbox(),
        // The INSERT's `RETURNING papers` (the other columns default).
        papers_carried_over: super::Links::in_result(&results, 0)?
            .is_some_and(|r| r.papers.is_some()),
    })
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
    let mut batch = step_statements(db, w)?;
    batch.extend(extra);
    db.batch(batch).await.map(|r| r.created_outbox())
}

/// Commits several steps of one application, each decided on the state the
/// one before it leaves, in one batch (one transaction): all of them or,
/// on a conflict, none.
pub async fn commit_steps(db: &Db, steps: &[StepWrite<'_>]) -> StoreResult<Vec<NewOutboxRow>> {
    let mut batch = Vec::new();
    for w in steps {
        batch.extend(step_statements(db, w)?);
    }
    db.batch(batch).await.map(|r| r.created_outbox())
}

/// A step's statements: the update guarded by the version the step was
/// decided on, its event (whose sequence number refuses a second writer of
/// the same version), its outbox and ledger rows, its products.
fn step_statements(db: &Db, w: &StepWrite<'_>) -> StoreResult<Vec<D1PreparedStatement>> {
    let now = w.at.now;
    let t = w.transition;
    let next = &t.next;
    let number = next.registration_number.as_str();
    let from = t.from.unwrap_or(next.status);
    let old_version = next.version - 1;
    let subject_json =
        serde_json::to_string(&next.subject).map_err(|e| StoreError::CorruptRow(e.to_string()))?;
    // SQLite rewrites an index whenever the SET names one of its columns,
    // changed or not: only a correction can change the name, so only it
    // names `applicant_name` (indexed by `applications_by_name`).
    let name = if t.action == Action::Correct {
        "applicant_name = ?5,"
    } else {
        ""
    };
    let mut batch = vec![db.prepare(
        &format!(
            "UPDATE applications SET status = ?1, version = ?2, awaiting_role = ?3, \
             status_since = CASE WHEN status = ?1 THEN status_since ELSE ?4 END, \
             {name} applicant_address = ?6, subject_json = ?7, delivery_method = ?8, \
             delivery_address = ?9, siak_reference = ?10, updated_at = ?4, papers = ?13 \
         WHERE registration_number = ?11 AND version = ?12"
        ),
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
            opt_text(next.papers.map(|p| p.code())),
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
    batch.extend(product_statements(db, w)?);
    if !t.received_items.is_empty() {
        batch.push(db.prepare(
            "UPDATE requirement_checks SET received_at = ?1, received_by = ?2 WHERE registration_number = ?3",
            &[text(now), opt_int(w.actor.staff_id()), text(number)],
        )?);
    }
    Ok(batch)
}

/// The product rows a step changes (every product, when the step is about
/// products), the signature it adds (replacing the product's previous one),
/// and, on cancellation, the revocation of every signature still in force.
fn product_statements(db: &Db, w: &StepWrite<'_>) -> StoreResult<Vec<D1PreparedStatement>> {
    let t = w.transition;
    let number = t.next.registration_number.as_str();
    let now = w.at.now;
    let mut out = Vec::new();
    if matches!(
        t.action,
        Action::AttachDraft | Action::ValidateSignature | Action::Sign | Action::ReturnToProduction
    ) {
        for p in &t.next.products {
            out.push(db.prepare(
                "INSERT INTO products (registration_number, kind, document_number, draft_key, \
                     draft_sha256, draft_size, validated, signed_code, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (registration_number, kind) DO UPDATE SET \
                     document_number = excluded.document_number, draft_key = excluded.draft_key, \
                     draft_sha256 = excluded.draft_sha256, draft_size = excluded.draft_size, \
                     validated = excluded.validated, signed_code = excluded.signed_code, \
                     updated_at = excluded.updated_at",
                &[
                    text(number),
                    text(p.kind.code()),
                    opt_text(p.document_number.as_deref()),
                    opt_text(p.draft.as_ref().map(|d| d.object_key.as_str())),
                    opt_text(p.draft.as_ref().map(|d| d.sha256.as_str())),
                    opt_int(p.draft.as_ref().map(|d| d.size as i64)),
                    int(i64::from(p.validated)),
                    opt_text(p.signed.as_ref().map(|c| c.as_str())),
                    text(now),
                ],
            )?);
        }
    }
    if let Some(s) = &t.signature {
        out.push(db.prepare(
            "UPDATE signatures SET replaced_at = ?1, replaced_by = ?2 \
             WHERE registration_number = ?3 AND kind = ?4 AND replaced_at IS NULL AND revoked_at IS NULL",
            &[text(now), text(s.code.as_str()), text(number), text(s.product.code())],
        )?);
        out.push(db.prepare(
            "INSERT INTO signatures (code, registration_number, kind, document_number, object_key, \
                 sha256, size, signed_at, signed_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            &[
                text(s.code.as_str()),
                text(number),
                text(s.product.code()),
                text(&s.document_number),
                text(&s.file.object_key),
                text(&s.file.sha256),
                int(s.file.size as i64),
                text(now),
                opt_int(w.actor.staff_id()),
            ],
        )?);
    }
    if t.action == Action::Cancel {
        out.push(db.prepare(
            "UPDATE signatures SET revoked_at = ?1 \
             WHERE registration_number = ?2 AND replaced_at IS NULL AND revoked_at IS NULL",
            &[text(now), text(number)],
        )?);
    }
    Ok(out)
}
