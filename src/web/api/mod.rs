//! The JSON API under `/api/v1` (DESIGN.md; the OpenAPI document describes
//! every path), plus `/health` and the signed webhooks. One module per area;
//! each handler parses, calls one use case in `crate::app`, and answers JSON.

pub mod applications;
pub mod auth;
pub mod complaints;
pub mod documents;
pub mod messages;
pub mod products;
pub mod queue;
pub mod villages;
pub mod webhooks;

use worker::Request;

use crate::app::Ctx;
use crate::web::response::{json, WebResult};

/// `GET /health`.
pub async fn health(_req: Request, _ctx: &Ctx) -> WebResult {
    json(200, &serde_json::json!({"status": "ok"}))
}

/// `GET /api/v1/health/details`: the administrator's health report, the
/// JSON twin of `/staff/admin/health` for monitoring tools.
pub async fn health_details(req: Request, ctx: &Ctx) -> WebResult {
    let staff = crate::web::request::require_staff(&req, ctx).await?;
    crate::web::response::json_text(200, crate::app::health::details(ctx, &staff).await?)
}
