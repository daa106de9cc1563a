//! `POST /api/v1/auth/login` and `/logout`: staff sessions as bearer tokens.

use serde::Deserialize;
use worker::Request;

use crate::app::auth::{sign_in, sign_out, DEFAULT_IDLE_MINUTES};
use crate::app::{AppError, Ctx};
use crate::web::request::{abuse_key, bearer_token, read_json, require_staff};
use crate::web::response::{json, WebResult};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginInput {
    username: Option<String>,
    password: Option<String>,
}

pub async fn login(req: Request, ctx: &Ctx) -> WebResult {
    let ip = abuse_key(&req);
    let input: LoginInput = read_json(req).await?;
    let signed = sign_in(
        ctx,
        input.username.as_deref().unwrap_or_default(),
        input.password.as_deref().unwrap_or_default(),
        &ip,
    )
    .await?;
    let row = &signed.row;
    json(
        200,
        &serde_json::json!({
            "token": signed.token,
            "role": row.role,
            "expires_at": signed.expires_at,
            "idle_timeout_minutes": ctx.var_u32("SESSION_IDLE_MINUTES", DEFAULT_IDLE_MINUTES),
            "staff": {
                "id": row.id,
                "username": row.username,
                "display_name": row.display_name,
                "village_code": row.village_code,
            }
        }),
    )
}

pub async fn logout(req: Request, ctx: &Ctx) -> WebResult {
    let token = bearer_token(&req).ok_or(AppError::Unauthenticated)?;
    // Resolving first makes logout with a dead token a 401, like any call.
    require_staff(&req, ctx).await?;
    sign_out(ctx, &token).await?;
    json(200, &serde_json::json!({"status": "logged_out"}))
}
