//! `POST /webhooks/sms/twilio`, `POST /webhooks/sms/inbound` and
//! `POST /webhooks/courier`: the authenticated reports and messages of the
//! outside services, handed whole to `crate::app::webhooks` (and
//! `crate::app::inbound`), which check the signature (Twilio) or the secret
//! header (Biteship) before reading anything.

use serde_json::json;
use worker::{Headers, Request, Response};

use crate::app::inbound::receive;
use crate::app::webhooks::{courier_report, twilio_report, COURIER_HEADER};
use crate::app::AppError;
use crate::app::Ctx;
use crate::web::request::{header, read_body, require_json_type, Body, Target};
use crate::web::response::{json, WebResult};

/// A delivery report for one SMS. Only the path and query are taken from
/// the request: the signed URL's origin is ours (`PUBLIC_BASE_URL`), never
/// the `Host` the caller chose.
pub async fn twilio_status(mut req: Request, ctx: &Ctx) -> WebResult {
    let path_and_query = Target::of(&req).path_and_query();
    let signature = header(&req, "X-Twilio-Signature");
    let raw = read_body(&mut req, Body::Webhook).await?;
    let outcome = twilio_report(ctx, &path_and_query, signature, &raw).await?;
    json(200, &json!({ "status": outcome }))
}

/// An SMS a citizen sent us (Twilio's incoming-message webhook, signed like
/// the status reports). The reply, if any, goes through the outbox: the
/// answer is an empty TwiML `<Response/>`, which tells Twilio to send
/// nothing itself.
pub async fn twilio_inbound(mut req: Request, ctx: &Ctx) -> WebResult {
    let path_and_query = Target::of(&req).path_and_query();
    let signature = header(&req, "X-Twilio-Signature");
    let raw = read_body(&mut req, Body::Webhook).await?;
    receive(ctx, &path_and_query, signature, &raw).await?;
    let headers = Headers::new();
    headers
        .set("Content-Type", "text/xml; charset=utf-8")
        .map_err(|e| AppError::internal("header", e))?;
    Ok(
        Response::ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>")
            .map_err(|e| AppError::internal("response", e))?
            .with_headers(headers),
    )
}

/// A shipment report from Biteship, with its dashboard-set secret header.
pub async fn courier_status(mut req: Request, ctx: &Ctx) -> WebResult {
    let secret = header(&req, COURIER_HEADER);
    require_json_type(&req)?;
    let raw = read_body(&mut req, Body::Webhook).await?;
    let outcome = courier_report(ctx, secret, &raw).await?;
    json(200, &json!({ "status": outcome }))
}
