//! `/api/v1/complaints…`: the public form's endpoint and tracking (by POST:
//! the phone number stays out of URLs), and the
//! complaints officer's list, logging and handling (`crate::app::complaints`).

use serde::Deserialize;
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

/// `GET /api/v1/complaints/{ticket}`: with a complaints officer's bearer
/// token, the whole complaint. The complainant tracks with
/// `POST …/{ticket}/status`: a phone number never travels in a URL.
pub async fn read(req: Request, ctx: &Ctx, raw_ticket: &str) -> WebResult {
    read_ticket(req, ctx, raw_ticket)
        .await
        .map_err(|e| unknown_if_only_the_check_fails(e, raw_ticket))
}

async fn read_ticket(req: Request, ctx: &Ctx, raw_ticket: &str) -> WebResult {
    let staff = require_staff(&req, ctx).await?;
    require_handler(&staff)?;
    let ticket = Ticket::parse(raw_ticket)?;
    let (c, events) = staff_view(ctx, &staff, &ticket).await?;
    let events: Vec<EventView> = events.iter().map(EventView::from).collect();
    json(200, &serde_json::json!({"complaint": &c, "events": events}))
}

/// The complainant's proof: the phone number they gave, in the body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhoneBody {
    #[serde(default)]
    phone: String,
}

/// `POST /api/v1/complaints/{ticket}/status` `{phone}`: status and
/// responses for the complainant, with the phone number out of the URL.
pub async fn status(req: Request, ctx: &Ctx, raw_ticket: &str) -> WebResult {
    let ip = abuse_key(&req);
    let answer = async {
        let body: PhoneBody = read_json(req).await?;
        json(200, &track(ctx, &ip, raw_ticket, &body.phone).await?)
    };
    answer
        .await
        .map_err(|e| unknown_if_only_the_check_fails(e, raw_ticket))
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
