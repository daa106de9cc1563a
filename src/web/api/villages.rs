//! `GET /api/v1/villages`: public and cacheable for a day.

use worker::{Headers, Request, Response};

use crate::app::places::kecamatan_list;
use crate::app::{AppError, Ctx};
use crate::web::response::WebResult;

pub async fn list(_req: Request, ctx: &Ctx) -> WebResult {
    let body = serde_json::json!({ "kecamatan": kecamatan_list(ctx).await? });
    let text =
        serde_json::to_string(&body).map_err(|e| AppError::internal("serialise villages", e))?;
    let headers = Headers::new();
    for (k, v) in [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Cache-Control", "public, max-age=86400"),
        ("X-Content-Type-Options", "nosniff"),
        ("Access-Control-Allow-Origin", "*"),
    ] {
        headers
            .set(k, v)
            .map_err(|e| AppError::internal("header", e))?;
    }
    Ok(Response::ok(text)
        .map_err(|e| AppError::internal("response", e))?
        .with_headers(headers))
}
