//! The complaints officer's desk (`/staff/complaints`): the list with
//! filters and paging, logging a complaint from another channel, the
//! detail with its history, and the handling steps.

use askama::Template;
use worker::Request;

use super::super::{form, html, redirect, urlencode, waited, wib, PageResult, Session};
use super::{body_from, choices, kinds, param, query, Choice};
use crate::app::complaints::{
    act, create, page as list_page, require_handler, staff_view, ActionBody, SubmitBody,
};
use crate::app::{AppError, Ctx};
use crate::domain::complaints::{Channel, Status, Ticket};

/// Complaints per page of the officer's list.
const PAGE_SIZE: u32 = 50;

/// The signed-in complaints officer (or administrator) of a page; anyone
/// else is refused, and no session goes to the login page.
macro_rules! complaints_officer {
    ($req:expr, $ctx:expr) => {{
        let session = $crate::web::pages::officer!($req, $ctx);
        require_handler(&session.staff)?;
        session
    }};
}

pub struct Row {
    pub ticket: String,
    pub kind: String,
    pub channel: String,
    pub name: String,
    pub status: String,
    pub waited: String,
    pub registration_number: Option<String>,
}

#[derive(Template)]
#[template(path = "complaint_list.html", whitespace = "minimize")]
struct ListPage {
    session: Option<Session>,
    rows: Vec<Row>,
    statuses: Vec<Choice>,
    channels: Vec<Choice>,
    log_channels: Vec<Choice>,
    kinds: Vec<Choice>,
    next_link: Option<String>,
}

pub async fn staff_list(req: Request, ctx: &Ctx) -> PageResult {
    let session = complaints_officer!(&req, ctx);
    let all = query(&req);
    let status = param(&all, "status");
    let channel = param(&all, "channel");
    let cursor = param(&all, "cursor");
    let (rows, next) = list_page(
        ctx,
        status.as_deref(),
        channel.as_deref(),
        cursor.as_deref(),
        PAGE_SIZE,
    )
    .await?;
    let next_link = next.map(|c| {
        let kept: String = all
            .iter()
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| format!("&{}={}", urlencode(k), urlencode(v)))
            .collect();
        format!("/staff/complaints?cursor={c}{kept}")
    });
    let view = rows
        .iter()
        .map(|r| Row {
            ticket: r.ticket.clone(),
            kind: r.kind.label().to_string(),
            channel: r.channel.label().to_string(),
            name: r.name.clone(),
            status: r.status.label().to_string(),
            waited: waited(r.created_at, ctx.now),
            registration_number: r.registration_number.clone(),
        })
        .collect();
    let page = ListPage {
        rows: view,
        statuses: choices(
            Status::ALL.iter().map(|s| (s.code(), s.label())),
            status.as_deref(),
        ),
        channels: choices(
            Channel::ALL.iter().map(|c| (c.code(), c.label())),
            channel.as_deref(),
        ),
        log_channels: choices(
            Channel::ALL.iter().map(|c| (c.code(), c.label())),
            Some("hotline"),
        ),
        kinds: kinds(Some("complaint")),
        next_link,
        session: Some(session),
    };
    html(200, &page)
}

pub async fn staff_log(req: Request, ctx: &Ctx) -> PageResult {
    let session = complaints_officer!(&req, ctx);
    let f = form(req, &session).await?;
    let created = create(
        ctx,
        Some(&session.staff),
        None,
        &SubmitBody {
            website: None,
            ..body_from(&f)
        },
    )
    .await?;
    redirect(&format!("/staff/complaints/{}", created.ticket))
}

pub struct EventLine {
    pub at: String,
    pub what: String,
    pub who: String,
    pub response: Option<String>,
    pub reason: Option<String>,
}

#[derive(Template)]
#[template(path = "complaint_detail.html", whitespace = "minimize")]
struct DetailPage {
    session: Option<Session>,
    ticket: String,
    kind: String,
    channel: String,
    name: String,
    phone: String,
    text: String,
    registration_number: Option<String>,
    status: String,
    status_label: String,
    version: i64,
    filed_at: String,
    waited: String,
    events: Vec<EventLine>,
}

pub async fn staff_detail(req: Request, ctx: &Ctx, raw: &str) -> PageResult {
    let session = complaints_officer!(&req, ctx);
    let ticket =
        Ticket::parse(raw).map_err(|_| AppError::NotFound("nomor tiket tidak valid".into()))?;
    let (c, events) = staff_view(ctx, &session.staff, &ticket).await?;
    let page = DetailPage {
        ticket: c.ticket.clone(),
        kind: c.kind.label().to_string(),
        channel: c.channel.label().to_string(),
        name: c.name.clone(),
        phone: c.phone.clone().unwrap_or_else(|| "— (tanpa SMS)".into()),
        text: c.text.clone(),
        registration_number: c.registration_number.clone(),
        status_label: c.status.label().to_string(),
        status: c.status.code().to_string(),
        version: c.version,
        filed_at: wib(c.created_at),
        waited: waited(c.created_at, ctx.now),
        events: events
            .iter()
            .map(|e| EventLine {
                at: wib(e.created_at),
                what: e.action.label().to_string(),
                who: e.actor_name.clone().unwrap_or_else(|| {
                    if e.actor_role == "citizen" {
                        "Pelapor (formulir daring)".into()
                    } else {
                        e.actor_role.clone()
                    }
                }),
                response: e.response.clone(),
                reason: e.reason.clone(),
            })
            .collect(),
        session: Some(session),
    };
    html(200, &page)
}

pub async fn staff_act(req: Request, ctx: &Ctx, raw: &str) -> PageResult {
    let session = complaints_officer!(&req, ctx);
    let f = form(req, &session).await?;
    let body = ActionBody {
        action: f.text("action"),
        response: f.text("response"),
        reason: f.text("reason"),
        expected_version: f.text("expected_version").and_then(|v| v.parse().ok()),
    };
    act(ctx, &session.staff, raw, &body).await?;
    let ticket = Ticket::parse(raw).map_err(AppError::from)?;
    redirect(&format!("/staff/complaints/{}", ticket.as_str()))
}
