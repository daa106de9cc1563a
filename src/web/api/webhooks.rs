//! `POST /webhooks/sms/twilio` and `POST /webhooks/courier`: the
//! authenticated reports of the outside services, handed whole to
//! `crate::app::webhooks`, which checks the signature (Twilio) or the secret
//! header (Biteship) before reading anything.

use serde_json::json;
use worker::Request;

use crate::app::webhooks::{courier_report, twilio_report, COURIER_HEADER};
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

/// A shipment report from Biteship, with its dashboard-set secret header.
pub async fn courier_status(mut req: Request, ctx: &Ctx) -> WebResult {
    let secret = header(&req, COURIER_HEADER);
    require_json_type(&req)?;
    let raw = read_body(&mut req, Body::Webhook).await?;
    let outcome = courier_report(ctx, secret, &raw).await?;
    json(200, &json!({ "status": outcome }))
}
