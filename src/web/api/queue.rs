//! `GET /api/v1/queue`: the caller's work queue, keyset-paginated with an
//! opaque cursor.

use serde_json::{json as j, Value};
use worker::Request;

use crate::app::queue::{parse_limit, work_queue, WorkQueue};
use crate::app::Ctx;
use crate::domain::ids::Nik;
use crate::domain::services::Service;
use crate::web::request::{query_param, require_staff};
use crate::web::response::{json, WebResult};

pub async fn list(req: Request, ctx: &Ctx) -> WebResult {
    let staff = require_staff(&req, ctx).await?;
    let limit = parse_limit(query_param(&req, "limit")?.as_deref())?;
    let cursor = query_param(&req, "cursor")?;
    let status = query_param(&req, "status")?;
    let WorkQueue { rows, next_cursor } =
        work_queue(ctx, &staff, limit, cursor.as_deref(), status.as_deref()).await?;
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
