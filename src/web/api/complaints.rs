//! `/api/v1/complaints…`: the public form's endpoint and tracking, and the
//! complaints officer's list, logging and handling (`crate::app::complaints`).

use worker::Request;

use crate::app::complaints::{
    act as take_step, create, page, require_handler, staff_view, track, ActionBody, EventView,
    SubmitBody,
};
use crate::app::{AppError, Ctx};
use crate::domain::complaints::Ticket;
use crate::web::request::{abuse_key, optional_staff, query_param, read_json, require_staff};
use crate::web::response::{json, WebResult};

/// `POST /api/v1/complaints`: public, or an officer logging one (bearer).
pub async fn submit(req: Request, ctx: &Ctx) -> WebResult {
    let staff = optional_staff(&req, ctx).await?;
    let ip = abuse_key(&req);
    let body: SubmitBody = read_json(req).await?;
    json(201, &create(ctx, staff.as_ref(), Some(&ip), &body).await?)
}

/// A ticket in an API path that is well formed but fails its check symbol
/// cannot exist: it is 404 like an unknown ticket, not 422 `ticket` (the
/// citizens' pages keep their message next to the field).
fn unknown_if_only_the_check_fails(e: AppError, raw_ticket: &str) -> AppError {
    match e {
        AppError::InvalidField(f)
            if f.field == "ticket" && Ticket::only_check_fails(raw_ticket) =>
        {
            AppError::NotFound(format!("pengaduan tidak ditemukan: {}", f.message))
        }
        other => other,
    }
}

/// `GET /api/v1/complaints/{ticket}`: with `?phone=` for the complainant;
/// with a complaints officer's bearer token, the whole complaint.
pub async fn read(req: Request, ctx: &Ctx, raw_ticket: &str) -> WebResult {
    read_ticket(req, ctx, raw_ticket)
        .await
        .map_err(|e| unknown_if_only_the_check_fails(e, raw_ticket))
}

async fn read_ticket(req: Request, ctx: &Ctx, raw_ticket: &str) -> WebResult {
    if let Some(staff) = optional_staff(&req, ctx).await? {
        require_handler(&staff)?;
        let ticket = Ticket::parse(raw_ticket)?;
        let (c, events) = staff_view(ctx, &staff, &ticket).await?;
        let events: Vec<EventView> = events.iter().map(EventView::from).collect();
        return json(200, &serde_json::json!({"complaint": &c, "events": events}));
    }
    let phone = query_param(&req, "phone")?.ok_or(AppError::Unauthenticated)?;
    json(
        200,
        &track(ctx, &abuse_key(&req), raw_ticket, &phone).await?,
    )
}

/// `GET /api/v1/complaints?status=&channel=&cursor=&limit=`: oldest first.
pub async fn list(req: Request, ctx: &Ctx) -> WebResult {
    let staff = require_staff(&req, ctx).await?;
    require_handler(&staff)?;
    let limit = match query_param(&req, "limit")? {
        None => 50,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or_else(|| AppError::invalid("limit", "limit harus 1–200"))?,
    };
    let status = query_param(&req, "status")?;
    let channel = query_param(&req, "channel")?;
    // An empty `cursor=` is the first page, as if it were absent.
    let cursor = query_param(&req, "cursor")?.filter(|c| !c.is_empty());
    let (rows, next) = page(
        ctx,
        status.as_deref().filter(|s| !s.is_empty()),
        channel.as_deref().filter(|s| !s.is_empty()),
        cursor.as_deref(),
        limit,
    )
    .await?;
    json(
        200,
        &serde_json::json!({"items": &rows, "next_cursor": next}),
    )
}

/// `POST /api/v1/complaints/{ticket}/actions`.
pub async fn act(req: Request, ctx: &Ctx, raw_ticket: &str) -> WebResult {
    act_on_ticket(req, ctx, raw_ticket)
        .await
        .map_err(|e| unknown_if_only_the_check_fails(e, raw_ticket))
}

async fn act_on_ticket(req: Request, ctx: &Ctx, raw_ticket: &str) -> WebResult {
    let staff = require_staff(&req, ctx).await?;
    require_handler(&staff)?;
    let body: ActionBody = read_json(req).await?;
    let (status, version) = take_step(ctx, &staff, raw_ticket, &body).await?;
    json(
        200,
        &serde_json::json!({"ticket": Ticket::parse(raw_ticket).map(|t| t.as_str().to_string()).unwrap_or_default(), "status": status.code(), "version": version}),
    )
}
