//! `GET /api/v1/queue`: the caller's work queue, keyset-paginated with an
//! opaque cursor.

use serde_json::{json as j, Value};
use worker::Request;

use crate::app::queue::{parse_limit, staff_and_work_queue, work_queue, WorkQueue};
use crate::app::Ctx;
use crate::domain::ids::Nik;
use crate::domain::services::Service;
use crate::web::request::{bearer_token, query_param, require_staff};
use crate::web::response::{json, WebResult};

pub async fn list(req: Request, ctx: &Ctx) -> WebResult {
    let token = bearer_token(&req);
    let limit = query_param(&req, "limit").and_then(|l| parse_limit(l.as_deref()));
    let cursor = query_param(&req, "cursor");
    let status = query_param(&req, "status");
    let (staff, WorkQueue { rows, next_cursor }) = match (token, limit, cursor, status) {
        // The common call, one round trip (see app::queue::staff_and_work_queue).
        (Some(token), Ok(limit), Ok(cursor), Ok(None)) => {
            staff_and_work_queue(ctx, &token, limit, cursor.as_deref()).await?
        }
        // Anything else: who is asking first (401 before any 422), then the page.
        (_, limit, cursor, status) => {
            let staff = require_staff(&req, ctx).await?;
            let (limit, cursor, status) = (limit?, cursor?, status?);
            let page = work_queue(ctx, &staff, limit, cursor.as_deref(), status.as_deref()).await?;
            (staff, page)
        }
    };
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            j!({
                "registration_number": r.registration_number,
                "status": r.status,
                "status_label": r.status.label(),
                "services": r.services.as_deref().unwrap_or_default().split(',').filter_map(Service::parse).map(Service::code).collect::<Vec<_>>(),
                "applicant_name": r.applicant_name,
                "applicant_nik_masked": Nik::parse(&r.applicant_nik).map(|n| n.masked()).unwrap_or_default(),
                "village": {"code": r.village_code, "name": r.village_name},
                "delivery_method": r.delivery_method,
                "waiting_since": r.status_since,
                "version": r.version,
            })
        })
        .collect();
    json(
        200,
        &j!({"role": staff.role.code(), "items": items, "next_cursor": next_cursor}),
    )
}
