//! Staff actions on dispatch: resending a failed SMS, requeueing a stuck
//! message (admin), and the daily reconciliation of courier fees.

use serde_json::json as j;
use worker::Request;

use crate::app::messages::{self, resend_sms};
use crate::app::{AppError, Ctx};
use crate::web::request::{query_param, require_staff};
use crate::web::response::{json, json_text, WebResult};

fn message_id(raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::invalid("id", "nomor pesan harus angka"))
}

/// `POST /api/v1/messages/{id}/resend`: a failed or undelivered SMS is sent
/// again as a new outbox row that records who asked for it.
pub async fn resend(req: Request, ctx: &Ctx, raw_id: &str) -> WebResult {
    let staff = require_staff(&req, ctx).await?;
    let id = message_id(raw_id)?;
    let (row, number) = resend_sms(ctx, &staff, id).await?;
    json(
        201,
        &j!({"outbox_id": row.outbox_id, "resend_of": id, "registration_number": number, "status": "pending"}),
    )
}

/// `POST /api/v1/messages/{id}/requeue` (admin).
pub async fn requeue(req: Request, ctx: &Ctx, raw_id: &str) -> WebResult {
    let staff = require_staff(&req, ctx).await?;
    let id = message_id(raw_id)?;
    json(202, &messages::requeue(ctx, &staff, id).await?)
}

/// `GET /api/v1/fees/reconciliation?from=&to=`.
pub async fn reconciliation(req: Request, ctx: &Ctx) -> WebResult {
    let staff = require_staff(&req, ctx).await?;
    let from = query_param(&req, "from")?;
    let to = query_param(&req, "to")?;
    json_text(200, messages::reconciliation(ctx, &staff, from, to).await?)
}
