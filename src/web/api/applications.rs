//! The application endpoints: submit, read (staff or citizen), the
//! citizen's status and access log by POST, act, events.
//! Each parses the request, calls its use case in `crate::app`, and renders
//! the result as DESIGN.md's JSON.

use serde::Deserialize;
use serde_json::{json as j, Value};
use worker::{Request, Response};

use crate::app::access_log::citizen_view;
use crate::app::act::{parse_command, perform_on, ActionInput};
use crate::app::api_keys::submitting_channel;
use crate::app::auth::staff_and_application;
use crate::app::read::{citizen_status, events as read_events, parse_number, staff_record};
use crate::app::submit::{submit_once, Idempotency};
use crate::app::{limits, AppError, Ctx};
use crate::domain::application::ApplicationInput;
use crate::domain::ids::{Nik, RegistrationNumber};
use crate::domain::products::ProductState;
use crate::domain::roles::{ActorKind, Role};
use crate::domain::services::requirement_label;
use crate::domain::workflow::{available_actions, Command, Status, Transition};
use crate::store::applications::ApplicationRow;
use crate::web::request::{
    abuse_key, bearer_token, header, optional_staff, parse_json, query_param, read_body, read_json,
    require_json_type, require_staff, Body,
};
use crate::web::response::{json, json_text, WebResult};

/// `POST /api/v1/applications`: a citizen (no session), a partner with its
/// API key (`X-Api-Key`, limited per key, not per address), or a village
/// operator for their own village. A key with a staff session is refused:
/// the caller would be two callers at once.
pub async fn submit(req: Request, ctx: &Ctx) -> WebResult {
    let partner = match header(&req, API_KEY_HEADER) {
        Some(_) if bearer_token(&req).is_some() => {
            return Err(AppError::Malformed(
                "kirim kunci API (X-Api-Key) atau sesi petugas (Authorization), bukan keduanya"
                    .into(),
            ))
        }
        Some(raw) => Some(submitting_channel(ctx, &raw).await?),
        None => None,
    };
    let staff = optional_staff(&req, ctx).await?;
    if staff.is_none() && partner.is_none() {
        limits::hit(ctx, limits::SUBMIT, &abuse_key(&req)).await?;
    }
    let key = req.headers().get("Idempotency-Key").ok().flatten();
    let mut req = req;
    require_json_type(&req)?;
    let body = read_body(&mut req, Body::Json).await?;
    let input: ApplicationInput = parse_json(&body)?;
    let key = key.map(|k| Idempotency::parse(&k, &body)).transpose()?;
    let (answer, repeated) =
        submit_once(ctx, staff.as_ref(), partner, &input, key.as_ref()).await?;
    let response = json_text(201, answer)?;
    if repeated {
        response
            .headers()
            .set("Idempotent-Replayed", "true")
            .map_err(|e| AppError::internal("header", e))?;
    }
    Ok(response)
}

/// `GET /api/v1/applications/{n}`: the full record for staff. A citizen's
/// `?nik=` form still answers with the status (the Android app of DESIGN's
/// stable API calls it) for one more release, marked with `Deprecation`,
/// `Sunset` and the successor's `Link`: it puts the NIK in the URL, where
/// proxies and logs keep it. Use `POST …/status` instead.
pub async fn read(req: Request, ctx: &Ctx, raw_number: &str) -> WebResult {
    let number = parse_number(raw_number)?;
    let staff = optional_staff(&req, ctx).await?;
    let Some(staff) = staff else {
        let nik = query_param(&req, "nik")?.ok_or(AppError::Unauthenticated)?;
        let ip = abuse_key(&req);
        let answer = json(200, &citizen_status(ctx, &ip, &number, &nik).await?)?;
        return deprecated(answer, &number);
    };
    let record = staff_record(ctx, &staff, &number).await?;
    let mut body = staff_view(&record.application)?;
    body["resubmitted_from"] = j!(record.links.resubmitted_from);
    body["resubmitted_as"] = j!(record.links.resubmitted_as);
    let status = record.application.status;
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

/// The header a partner's API key comes in: apart from `Authorization`,
/// which carries staff sessions, so neither is taken for the other.
pub const API_KEY_HEADER: &str = "X-Api-Key";

/// When the `?nik=` form of the citizen's status stops answering.
pub const NIK_QUERY_SUNSET: &str = "Mon, 31 May 2027 00:00:00 GMT";

fn deprecated(mut response: Response, number: &RegistrationNumber) -> WebResult {
    let headers = response.headers_mut();
    for (name, value) in [
        ("Deprecation", "true".to_string()),
        ("Sunset", NIK_QUERY_SUNSET.to_string()),
        (
            "Link",
            format!(
                "</api/v1/applications/{}/status>; rel=\"successor-version\"",
                number.as_str()
            ),
        ),
    ] {
        headers
            .set(name, &value)
            .map_err(|e| AppError::internal("header", e))?;
    }
    Ok(response)
}

/// A citizen's proof of being the applicant: the NIK, in the body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NikBody {
    #[serde(default)]
    nik: String,
}

/// `POST /api/v1/applications/{n}/status` `{nik}`: what a citizen may see
/// (status, next step, history of statuses), with the NIK out of the URL.
pub async fn status(req: Request, ctx: &Ctx, raw_number: &str) -> WebResult {
    let number = parse_number(raw_number)?;
    let ip = abuse_key(&req);
    let body: NikBody = read_json(req).await?;
    json(200, &citizen_status(ctx, &ip, &number, &body.nik).await?)
}

/// `POST /api/v1/applications/{n}/access` `{nik}`: who has seen or changed
/// the citizen's own application — roles and times, no officer names —
/// behind the same check and limits as the status.
pub async fn access(req: Request, ctx: &Ctx, raw_number: &str) -> WebResult {
    let number = parse_number(raw_number)?;
    let ip = abuse_key(&req);
    let body: NikBody = read_json(req).await?;
    let (_, accesses) = citizen_view(ctx, &ip, &number, &body.nik).await?;
    json(
        200,
        &j!({"registration_number": number.as_str(), "accesses": accesses}),
    )
}

fn staff_view(a: &ApplicationRow) -> Result<Value, AppError> {
    let subject = a.subject().map_err(|e| AppError::internal("subject", e))?;
    let status = a.status;
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
        "papers": a.papers,
        "submitted_by": a.submitted_by,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "products": products_json(&a.products().map_err(|e| AppError::internal("products", e))?),
    }))
}

/// Each product: its number, draft, validation and current signature, with
/// where to download its files.
pub fn products_json(products: &[ProductState]) -> Vec<Value> {
    products
        .iter()
        .map(|p| {
            let base = format!("products/{}", p.kind.code());
            j!({
                "product": p.kind.code(),
                "label": p.kind.label(),
                "document_number": p.document_number,
                "draft": p.draft.as_ref().map(|d| j!({"sha256": d.sha256, "size": d.size, "url": format!("{base}/draft")})),
                "validated": p.validated,
                "signature": p.signed.as_ref().map(|c| j!({
                    "verification_code": c.as_str(),
                    "verification_url": format!("/verifikasi/{c}"),
                    "url": format!("{base}/signed"),
                })),
            })
        })
        .collect()
}

/// `POST /api/v1/applications/{n}/actions`.
/// Two round trips: the session and the application in one batch, then the
/// step's write.
pub async fn act(req: Request, ctx: &Ctx, raw_number: &str) -> WebResult {
    let number = parse_number(raw_number)?;
    let token = bearer_token(&req).ok_or(AppError::Unauthenticated)?;
    let (staff, row) = staff_and_application(ctx, &token, &number).await?;
    let staff = staff.ok_or(AppError::Unauthenticated)?;
    let input: ActionInput = read_json(req).await?;
    let command = parse_command(&input)?;
    let (transition, now) = perform_on(ctx, &staff, &number, row, command, &input).await?;
    step_json(&transition, &now)
}

/// The answer to a workflow step: the new state and its event.
pub fn step_json(transition: &Transition, now: &str) -> WebResult {
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
            "products": products_json(&next.products),
        }),
    )
}

/// `GET /api/v1/applications/{n}/events`: the audit trail (staff).
pub async fn events(req: Request, ctx: &Ctx, raw_number: &str) -> WebResult {
    let number = parse_number(raw_number)?;
    let staff = require_staff(&req, ctx).await?;
    let events = read_events(ctx, &staff, &number).await?;
    let list: Vec<Value> = events
        .iter()
        .map(|e| {
            let changes: Value = e
                .changes_json
                .as_deref()
                .and_then(|c| serde_json::from_slice(c.as_bytes()).ok())
                .unwrap_or(j!([]));
            let details: Value = e
                .details_json
                .as_deref()
                .and_then(|d| serde_json::from_slice(d.as_bytes()).ok())
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
