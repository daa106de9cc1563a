//! The application endpoints: submit, read (staff or citizen), act, events.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{json as j, Value};
use subtle::ConstantTimeEq;
use worker::Request;

use super::auth::{optional_staff, require_staff};
use super::error::ApiError;
use super::limits;
use super::{json, query_param, read_json, ApiResult, Ctx, Staff};
use crate::domain::application::{
    parse_address, parse_person_name, ApplicationInput, Channel, CorrectableField, DeliveryMethod,
    FieldError, NewApplication,
};
use crate::domain::ids::{IdError, Nik, RegistrationNumber};
use crate::domain::roles::{Actor, ActorKind, Role};
use crate::domain::services::requirement_label;
use crate::domain::workflow::{
    authorize, available_actions, decide, submission_effects, Action, ApplicationState, Collector,
    Command, Status, Transition,
};
use crate::platform;
use crate::store::applications::{self as store, ApplicationRow, Reader, Stamp, StepWrite};
use crate::store::StoreError;

/// How many fresh registration numbers to try before giving up; with 31^8
/// numbers a collision is already rare, two in a row is a broken RNG.
const NUMBER_ATTEMPTS: usize = 3;

/// The registration number of an API path. A well-formed number whose check
/// symbol fails cannot exist, so it is 404 like an unknown one (the message
/// still says to check it); a malformed one is 422 `registration_number`.
pub fn parse_number(raw: &str) -> Result<RegistrationNumber, ApiError> {
    RegistrationNumber::parse(raw).map_err(|e| match e {
        IdError::RegistrationCheck => {
            ApiError::NotFound(format!("permohonan {} tidak ditemukan: {e}", raw.trim()))
        }
        _ => ApiError::invalid("registration_number", e.to_string()),
    })
}

pub fn not_found(number: &RegistrationNumber) -> ApiError {
    ApiError::NotFound(format!("permohonan {} tidak ditemukan", number.as_str()))
}

fn store_error(context: &str, e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict => ApiError::Conflict {
            code: "conflict",
            message: "permohonan ini baru saja diproses petugas lain; muat ulang untuk melihat status terbaru".into(),
        },
        other => ApiError::internal(context, other),
    }
}

fn new_number() -> Result<RegistrationNumber, ApiError> {
    let bytes =
        platform::random_bytes::<64>().map_err(|e| ApiError::internal("registration number", e))?;
    let mut it = bytes.into_iter().cycle();
    Ok(RegistrationNumber::generate(move || it.next().unwrap_or(0)))
}

/// `POST /api/v1/applications`: a citizen (no session) or a village operator
/// for their own village.
pub async fn submit(req: Request, ctx: &Ctx) -> ApiResult {
    let staff = optional_staff(&req, ctx).await?;
    if staff.is_none() {
        if let Some(ip) = abuse_key(&req) {
            limits::hit(ctx, limits::SUBMIT, &ip).await?;
        }
    }
    let input: ApplicationInput = read_json(req).await?;
    let created = create_application(ctx, staff.as_ref(), &input).await?;
    json(201, &created)
}

/// Registers a new application for a citizen (no session) or a village
/// operator (their own village only): parse → check the village → write the
/// application, its first event and its SMS in one batch → enqueue. Shared
/// by the API, the public pages and the village operator's pages. Returns
/// the API's 201 body.
pub async fn create_application(
    ctx: &Ctx,
    staff: Option<&Staff>,
    input: &ApplicationInput,
) -> Result<Value, ApiError> {
    let actor = staff.map(Staff::actor).unwrap_or(Actor::Citizen);
    if let Some(s) = staff {
        if s.role != Role::VillageOperator {
            return Err(ApiError::Forbidden(format!(
                "peran {} tidak mengajukan permohonan",
                s.role.code()
            )));
        }
    }
    let mut app = NewApplication::parse(input, platform::today_wib())?;
    app.channel = match (&actor, app.channel) {
        (Actor::Staff { .. }, _) => Channel::Village,
        (_, Channel::Village) if input.channel.is_some() => {
            return Err(ApiError::invalid(
                "channel",
                "saluran 'village' hanya untuk operator desa",
            ));
        }
        (_, channel) => channel,
    };
    authorize(None, Action::Submit, &actor, &app.applicant.village_code)?;
    let village = store::find_village(&ctx.db, &app.applicant.village_code)
        .await
        .map_err(|e| ApiError::internal("find village", e))?
        .ok_or_else(|| {
            ApiError::invalid(
                "applicant.village_code",
                "desa/kelurahan tidak terdaftar di Kabupaten Wonogiri",
            )
        })?;

    let now = ctx.now_text();
    for _ in 0..NUMBER_ATTEMPTS {
        let state = ApplicationState {
            registration_number: new_number()?,
            status: Status::Submitted,
            version: 1,
            village_code: app.applicant.village_code.clone(),
            services: app.services.clone(),
            phone: app.applicant.phone.clone(),
            applicant_name: app.applicant.name.clone(),
            applicant_address: app.applicant.address.clone(),
            subject: app.subject.clone(),
            delivery_method: app.delivery_method,
            delivery_address: app.delivery_address.clone(),
            siak_reference: None,
        };
        let effects = submission_effects(&state);
        let day = platform::wib_date(ctx.now).to_string();
        match store::insert_new(
            &ctx.db,
            &app,
            &state,
            &actor,
            &effects,
            &Stamp {
                now: &now,
                day: &day,
            },
        )
        .await
        {
            Ok(rows) => {
                super::after_commit(ctx, &rows).await;
                return Ok(j!({
                    "registration_number": state.registration_number.as_str(),
                    "status": Status::Submitted.code(),
                    "status_label": Status::Submitted.label(),
                    "version": 1,
                    "services": app.services.iter().map(|s| s.code()).collect::<Vec<_>>(),
                    "village": {"code": village.code, "name": village.name, "kind": village.kind,
                                "kecamatan_code": village.kecamatan_code, "kecamatan": village.kecamatan_name},
                    "delivery_method": app.delivery_method.code(),
                    "channel": app.channel.code(),
                    "created_at": now,
                    "messages_queued": effects.len(),
                }));
            }
            Err(StoreError::DuplicateRegistrationNumber) => continue,
            Err(e) => return Err(ApiError::internal("insert application", e)),
        }
    }
    Err(ApiError::internal(
        "registration number",
        "no free number after retries",
    ))
}

pub fn check_village(staff: &Staff, village_code: &str) -> Result<(), ApiError> {
    match (&staff.role, &staff.village) {
        (Role::VillageOperator, Some(own)) if own.as_str() == village_code => Ok(()),
        (Role::VillageOperator, _) => Err(ApiError::Forbidden(
            "operator desa hanya dapat melihat permohonan desa/kelurahannya sendiri".into(),
        )),
        _ => Ok(()),
    }
}

/// `GET /api/v1/applications/{n}`: the full record for staff; for a citizen
/// with `?nik=` matching the applicant, only status and its history.
pub async fn read(req: Request, ctx: &Ctx, raw_number: &str) -> ApiResult {
    let number = parse_number(raw_number)?;
    let staff = optional_staff(&req, ctx).await?;
    let Some(staff) = staff else {
        let nik = query_param(&req, "nik")?.ok_or(ApiError::Unauthenticated)?;
        return read_as_citizen(ctx, abuse_key(&req).as_deref(), &number, &nik).await;
    };
    let reader = Reader {
        staff_id: Some(staff.id),
        role: staff.role.code(),
    };
    let record = store::read_full(&ctx.db, &number, &reader, &ctx.now_text())
        .await
        .map_err(|e| ApiError::internal("read application", e))?
        .ok_or_else(|| not_found(&number))?;
    check_village(&staff, &record.application.village_code)?;
    let mut body = staff_view(&record.application)?;
    let status = record
        .application
        .status()
        .map_err(|e| ApiError::internal("status", e))?;
    body["allowed_actions"] = available_actions(status, ActorKind::Staff(staff.role))
        .into_iter()
        .map(|a| j!({"action": a.code(), "label": a.label(), "requires_reason": Command::requires_reason(a)}))
        .collect();
    body["requirements"] = record
        .requirements
        .iter()
        .map(|r| {
            j!({"item": r.item, "label": requirement_label(&r.item), "submitted": r.submitted == 1,
                "received_at": r.received_at})
        })
        .collect();
    body["messages"] = record
        .messages
        .iter()
        .map(|m| {
            let history: Vec<Value> = record
                .message_history
                .iter()
                .filter(|h| h.outbox_id == m.id)
                .map(|h| j!({"status": h.status, "detail": h.detail, "source": h.source, "at": h.created_at}))
                .collect();
            j!({"id": m.id, "event_seq": m.event_seq, "channel": m.channel, "template": m.template,
                "recipient": m.recipient, "body": m.body, "status": m.status, "attempts": m.attempts,
                "provider_id": m.provider_id, "last_error": m.last_error, "resend_of": m.resend_of,
                "resent_by": m.created_by, "created_at": m.created_at, "updated_at": m.updated_at,
                "history": history})
        })
        .collect();
    body["shipments"] = record
        .shipments
        .iter()
        .map(|s| {
            let history: Vec<Value> = record
                .shipment_events
                .iter()
                .filter(|e| e.shipment_id == s.id)
                .map(|e| {
                    j!({"status": e.status, "event_id": e.event_id, "cod_collected": e.cod_collected,
                        "fee_collected": e.fee_collected, "occurred_at": e.occurred_at, "received_at": e.received_at})
                })
                .collect();
            j!({"id": s.id, "outbox_id": s.outbox_id, "leg": s.leg, "order_id": s.order_id, "waybill": s.waybill,
                "status": s.status, "cod_amount": s.cod_amount, "fee_amount": s.fee_amount,
                "created_at": s.created_at, "updated_at": s.updated_at, "history": history})
        })
        .collect();
    body["fees"] = record
        .fees
        .iter()
        .map(|f| {
            j!({"id": f.id, "outbox_id": f.outbox_id, "leg": f.leg, "amount": f.amount, "status": f.status,
                "collected_amount": f.collected_amount, "expected_day": f.expected_day, "collected_day": f.collected_day})
        })
        .collect();
    json(200, &body)
}

fn staff_view(a: &ApplicationRow) -> Result<Value, ApiError> {
    let subject = a.subject().map_err(|e| ApiError::internal("subject", e))?;
    let status = a.status().map_err(|e| ApiError::internal("status", e))?;
    let nik_masked = Nik::parse(&a.applicant_nik)
        .map(|n| n.masked())
        .unwrap_or_default();
    let delivery_address = a
        .delivery_address
        .clone()
        .unwrap_or_else(|| a.applicant_address.clone());
    Ok(j!({
        "registration_number": a.registration_number,
        "status": a.status,
        "status_label": status.label(),
        "version": a.version,
        "awaiting_role": a.awaiting_role,
        "status_since": a.status_since,
        "services": a.service_list().iter().map(|s| j!({"code": s.code(), "label": s.label()})).collect::<Vec<_>>(),
        "applicant": {
            "nik": a.applicant_nik,
            "nik_masked": nik_masked,
            "name": a.applicant_name,
            "phone": a.applicant_phone,
            "address": a.applicant_address,
            "village": {"code": a.village_code, "name": a.village_name, "kecamatan": a.kecamatan_name},
        },
        "subject": subject,
        "delivery": {"method": a.delivery_method, "address": delivery_address},
        "channel": a.channel,
        "siak_reference": a.siak_reference,
        "submitted_by": a.submitted_by,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }))
}

/// The key the per-IP abuse limits count under: the client address
/// Cloudflare reports. `None` for requests from this machine (loopback, or
/// no address at all, as in local development and its test suites, where
/// every caller shares one address); the public internet always has one.
pub fn abuse_key(req: &Request) -> Option<String> {
    let ip = req.headers().get("CF-Connecting-IP").ok().flatten()?;
    let ip = ip.trim();
    let loopback = ip.is_empty() || ip == "::1" || ip.starts_with("127.");
    (!loopback).then(|| ip.to_string())
}

async fn read_as_citizen(
    ctx: &Ctx,
    ip: Option<&str>,
    number: &RegistrationNumber,
    raw_nik: &str,
) -> ApiResult {
    json(200, &citizen_status(ctx, ip, number, raw_nik).await?)
}

/// What a citizen may see of an application, given its number and the
/// applicant's NIK: status, the next step and the status history — nothing
/// personal. Every lookup counts against the caller's `TRACK` limit and every
/// miss (unknown number or wrong NIK, which answer alike) against
/// `TRACK_MISS`, so NIKs cannot be guessed number by number. Shared by the
/// API and the tracking page.
pub async fn citizen_status(
    ctx: &Ctx,
    ip: Option<&str>,
    number: &RegistrationNumber,
    raw_nik: &str,
) -> Result<Value, ApiError> {
    if let Some(ip) = ip {
        limits::hit(ctx, limits::TRACK, ip).await?;
    }
    let nik = Nik::parse(raw_nik).map_err(|e| ApiError::invalid("nik", e.to_string()))?;
    let found = store::read_for_citizen(&ctx.db, number)
        .await
        .map_err(|e| ApiError::internal("read status", e))?;
    // A wrong NIK answers exactly like an unknown number: the pair is the key.
    let matched = found
        .filter(|(app, _)| bool::from(app.applicant_nik.as_bytes().ct_eq(nik.as_str().as_bytes())));
    let Some((app, history)) = matched else {
        if let Some(ip) = ip {
            limits::hit(ctx, limits::TRACK_MISS, ip).await?;
        }
        return Err(not_found(number));
    };
    store::log_citizen_read(&ctx.db, number, &ctx.now_text())
        .await
        .map_err(|e| ApiError::internal("access log", e))?;
    let status =
        Status::parse(&app.status).ok_or_else(|| ApiError::internal("status", &app.status))?;
    let history: Vec<Value> = history
        .iter()
        .map(|h| {
            let label = Status::parse(&h.to_status).map(Status::label);
            // Only a cancellation's reason is for the citizen (it is in their SMS too).
            let reason = (h.action == "cancel").then_some(h.reason.clone()).flatten();
            j!({"status": h.to_status, "label": label, "at": h.created_at, "reason": reason})
        })
        .collect();
    Ok(j!({
        "registration_number": number.as_str(),
        "status": status.code(),
        "status_label": status.label(),
        "next_step": status.citizen_next_step(),
        "delivery_method": app.delivery_method,
        "history": history,
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    pub action: Option<String>,
    pub reason: Option<String>,
    pub expected_version: Option<i64>,
    pub siak_reference: Option<String>,
    /// Field path → new value, for `correct`.
    pub changes: Option<serde_json::Map<String, Value>>,
    /// Requirement codes present, for `receive_documents`.
    pub checklist: Option<Vec<String>>,
    /// Who collects, for `hand_over`.
    pub collector: Option<CollectorInput>,
    /// The courier's receipt or waybill number, for `record_delivered`.
    pub receipt_number: Option<String>,
    pub delivery_method: Option<String>,
    pub delivery_address: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectorInput {
    pub name: Option<String>,
    pub nik: Option<String>,
}

fn required_text<'a>(field: &str, value: &'a Option<String>) -> Result<&'a str, FieldError> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| FieldError::new(field, "wajib diisi untuk aksi ini"))
}

/// A short reference typed by an officer (SIAK, receipt): printable, bounded.
fn reference(field: &str, value: &Option<String>) -> Result<String, FieldError> {
    let v = required_text(field, value)?;
    if v.chars().count() > 64
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-/._ ".contains(c))
    {
        return Err(FieldError::new(
            field,
            "paling banyak 64 karakter: huruf, angka, - / . _",
        ));
    }
    Ok(v.to_string())
}

/// Turns the request body into the domain's command for `action`.
pub fn parse_command(input: &ActionInput) -> Result<Command, FieldError> {
    let code = required_text("action", &input.action)?;
    let action = Action::parse(code)
        .filter(|a| *a != Action::Submit)
        .ok_or_else(|| {
            let known: Vec<&str> = Action::ALL
                .iter()
                .filter(|a| **a != Action::Submit)
                .map(|a| a.code())
                .collect();
            FieldError::new(
                "action",
                format!(
                    "aksi '{code}' tidak dikenal; pilih salah satu: {}",
                    known.join(", ")
                ),
            )
        })?;
    Ok(match action {
        Action::Accept => Command::Accept {
            siak_reference: reference("siak_reference", &input.siak_reference)?,
        },
        Action::Approve => Command::Approve,
        Action::ReceiveDocuments => {
            let list = input
                .checklist
                .as_ref()
                .ok_or_else(|| FieldError::new("checklist", "centang berkas yang diterima"))?;
            Command::ReceiveDocuments {
                checklist: list
                    .iter()
                    .map(|s| s.trim().to_string())
                    .collect::<BTreeSet<_>>(),
            }
        }
        Action::Correct => {
            let map = input
                .changes
                .as_ref()
                .filter(|m| !m.is_empty())
                .ok_or_else(|| FieldError::new("changes", "isi kolom yang diperbaiki"))?;
            let mut changes = Vec::with_capacity(map.len());
            for (path, value) in map {
                let field = CorrectableField::parse(path).ok_or_else(|| {
                    FieldError::new(
                        format!("changes.{path}"),
                        "kolom ini tidak dapat diperbaiki",
                    )
                })?;
                let value = value.as_str().ok_or_else(|| {
                    FieldError::new(format!("changes.{path}"), "nilai harus teks")
                })?;
                changes.push((field, value.to_string()));
            }
            Command::Correct { changes }
        }
        Action::RequestSignature => Command::RequestSignature,
        Action::ValidateSignature => Command::ValidateSignature,
        Action::ReturnToProduction => Command::ReturnToProduction,
        Action::Sign => Command::Sign,
        Action::MarkPrinted => Command::MarkPrinted,
        Action::HandOver => {
            let c = input
                .collector
                .as_ref()
                .ok_or_else(|| FieldError::new("collector", "identitas pengambil wajib diisi"))?;
            let name =
                parse_person_name("collector.name", required_text("collector.name", &c.name)?)?;
            let nik = Nik::parse(required_text("collector.nik", &c.nik)?)
                .map_err(|e| FieldError::new("collector.nik", e.to_string()))?;
            Command::HandOver {
                collector: Collector { name, nik },
            }
        }
        Action::RecordDelivered => Command::RecordDelivered {
            receipt: reference("receipt_number", &input.receipt_number)?,
        },
        Action::RecordReturned => Command::RecordReturned,
        Action::Cancel => Command::Cancel,
        Action::ChangeDeliveryMethod => {
            let method = DeliveryMethod::parse(
                "delivery_method",
                required_text("delivery_method", &input.delivery_method)?,
            )?;
            let address = match (&input.delivery_address, method) {
                (Some(a), DeliveryMethod::Pos) if !a.trim().is_empty() => {
                    Some(parse_address("delivery_address", a)?)
                }
                _ => None,
            };
            Command::ChangeDeliveryMethod { method, address }
        }
        Action::Submit => {
            return Err(FieldError::new(
                "action",
                "gunakan POST /api/v1/applications",
            ))
        }
    })
}

/// One workflow step by an officer, from the API or the staff UI: parse →
/// load → decide → commit (one batch) → enqueue the new outbox rows.
/// Returns the transition and when it happened.
pub async fn perform(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
    input: &ActionInput,
) -> Result<(Transition, String), ApiError> {
    let command = parse_command(input)?;
    let row = store::load(&ctx.db, number)
        .await
        .map_err(|e| ApiError::internal("load", e))?
        .ok_or_else(|| not_found(number))?;
    check_village(staff, &row.village_code)?;
    let state = row.to_state().map_err(|e| ApiError::internal("row", e))?;
    let actor = staff.actor();
    let transition = decide(
        &state,
        &command,
        &actor,
        input.reason.as_deref(),
        input.expected_version,
        platform::today_wib(),
    )?;
    let now = ctx.now_text();
    let day = platform::wib_date(ctx.now).to_string();
    let step = StepWrite {
        transition: &transition,
        actor: &actor,
        at: Stamp {
            now: &now,
            day: &day,
        },
    };
    let rows = store::commit_step(&ctx.db, &step, Vec::new())
        .await
        .map_err(|e| store_error("commit step", e))?;
    super::after_commit(ctx, &rows).await;
    Ok((transition, now))
}

/// `POST /api/v1/applications/{n}/actions`.
pub async fn act(req: Request, ctx: &Ctx, raw_number: &str) -> ApiResult {
    let number = parse_number(raw_number)?;
    let staff = require_staff(&req, ctx).await?;
    let input: ActionInput = read_json(req).await?;
    let (transition, now) = perform(ctx, &staff, &number, &input).await?;
    let next = &transition.next;
    json(
        200,
        &j!({
            "registration_number": next.registration_number.as_str(),
            "status": next.status.code(),
            "status_label": next.status.label(),
            "version": next.version,
            "awaiting_role": next.status.awaiting_role().map(Role::code),
            "event": {
                "seq": next.version,
                "action": transition.action.code(),
                "from": transition.from.map(Status::code),
                "to": next.status.code(),
                "reason": transition.reason,
                "changes": transition.changes,
                "at": now,
            },
            "messages_queued": transition.effects.len(),
        }),
    )
}

/// `GET /api/v1/applications/{n}/events`: the audit trail (staff).
pub async fn events(req: Request, ctx: &Ctx, raw_number: &str) -> ApiResult {
    let number = parse_number(raw_number)?;
    let staff = require_staff(&req, ctx).await?;
    let reader = Reader {
        staff_id: Some(staff.id),
        role: staff.role.code(),
    };
    let (owner, events) = store::read_events(&ctx.db, &number, &reader, &ctx.now_text())
        .await
        .map_err(|e| ApiError::internal("read events", e))?
        .ok_or_else(|| not_found(&number))?;
    check_village(&staff, &owner.village_code)?;
    let list: Vec<Value> = events
        .iter()
        .map(|e| {
            let changes: Value = e
                .changes_json
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok())
                .unwrap_or(j!([]));
            let details: Value = e
                .details_json
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or(j!({}));
            j!({
                "seq": e.seq,
                "action": e.action,
                "actor": {"id": e.actor_id, "name": e.actor_name, "role": e.actor_role},
                "from": e.from_status,
                "to": e.to_status,
                "reason": e.reason,
                "changes": changes,
                "details": details,
                "at": e.created_at,
            })
        })
        .collect();
    json(
        200,
        &j!({"registration_number": number.as_str(), "events": list}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(v: Value) -> ActionInput {
        serde_json::from_value(v).unwrap_or_default()
    }

    #[test]
    fn an_unknown_action_names_the_action_field_and_lists_the_known_ones() {
        let err = parse_command(&input(j!({"action": "approve_all"}))).err();
        let err = err.unwrap_or_else(|| FieldError::new("", ""));
        assert_eq!(err.field, "action");
        assert!(err.message.contains("receive_documents"));
    }

    #[test]
    fn accept_needs_a_siak_reference() {
        let err = parse_command(&input(j!({"action": "accept"})))
            .err()
            .map(|e| e.field);
        assert_eq!(err.as_deref(), Some("siak_reference"));
        let ok = parse_command(&input(
            j!({"action": "accept", "siak_reference": "SIAK/2026/001"}),
        ));
        assert!(matches!(ok, Ok(Command::Accept { .. })));
    }

    #[test]
    fn a_correction_of_the_applicant_nik_is_refused_naming_the_path() {
        let err = parse_command(&input(
            j!({"action": "correct", "changes": {"applicant.nik": "3312014502900001"}}),
        ))
        .err();
        assert_eq!(
            err.map(|e| e.field).as_deref(),
            Some("changes.applicant.nik")
        );
    }

    #[test]
    fn hand_over_checks_the_collectors_nik() {
        let err = parse_command(&input(
            j!({"action": "hand_over", "collector": {"name": "Sri", "nik": "123"}}),
        ))
        .err();
        assert_eq!(err.map(|e| e.field).as_deref(), Some("collector.nik"));
    }

    #[test]
    fn submit_is_not_an_action_on_an_existing_application() {
        assert!(parse_command(&input(j!({"action": "submit"}))).is_err());
    }
}
