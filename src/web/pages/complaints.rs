//! Complaints and suggestions as pages: the citizens' form, confirmation and
//! tracking under `/pengaduan` (no JavaScript, no account), and the
//! complaints officer's list, detail and forms under `/staff/complaints`.
//! Both call `crate::app::complaints`, so the checks are the API's.

use askama::Template;
use worker::Request;

use super::{form, html, redirect, require, urlencode, waited, wib, Form, PageResult, Session};
use crate::app::complaints::{
    act, create, page as list_page, require_handler, staff_view, track, ActionBody, PublicView,
    SubmitBody,
};
use crate::app::{AppError, Ctx};
use crate::domain::complaints::{Channel, Kind, Status, Ticket};
use crate::web::request::{abuse_key, read_form, Body};

/// Complaints per page of the officer's list.
const PAGE_SIZE: u32 = 50;

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices<I: IntoIterator<Item = (&'static str, &'static str)>>(
    items: I,
    selected: Option<&str>,
) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: Some(value) == selected,
            value: value.into(),
            label: label.into(),
        })
        .collect()
}

fn kinds(selected: Option<&str>) -> Vec<Choice> {
    choices(Kind::ALL.iter().map(|k| (k.code(), k.label())), selected)
}

// ---- citizens ----

#[derive(Template)]
#[template(path = "complaint_form.html")]
struct PublicFormPage {
    error: Option<String>,
    field: String,
    kinds: Vec<Choice>,
    name: String,
    phone: String,
    text: String,
    registration_number: String,
}

pub async fn public_form(_req: Request, _ctx: &Ctx) -> PageResult {
    html(
        200,
        &PublicFormPage {
            error: None,
            field: String::new(),
            kinds: kinds(Some("complaint")),
            name: String::new(),
            phone: String::new(),
            text: String::new(),
            registration_number: String::new(),
        },
    )
}

async fn read_public_form(mut req: Request) -> Result<Form, AppError> {
    read_form(&mut req, Body::PublicForm).await
}

fn body_from(f: &Form) -> SubmitBody {
    SubmitBody {
        kind: f.text("kind"),
        channel: f.text("channel"),
        name: f.text("name"),
        phone: f.text("phone"),
        text: f.text("text"),
        registration_number: f.text("registration_number"),
        website: f.text("website"),
    }
}

pub async fn public_submit(req: Request, ctx: &Ctx) -> PageResult {
    let ip = abuse_key(&req);
    let f = read_public_form(req).await?;
    let body = body_from(&f);
    match create(ctx, None, ip.as_deref(), &body).await {
        Ok(created) => redirect(&format!("/pengaduan/{}", created.ticket)),
        Err(AppError::InvalidField(e)) => html(
            422,
            &PublicFormPage {
                error: Some(e.message.clone()),
                field: e.field.clone(),
                kinds: kinds(body.kind.as_deref()),
                name: body.name.unwrap_or_default(),
                phone: body.phone.unwrap_or_default(),
                text: body.text.unwrap_or_default(),
                registration_number: body.registration_number.unwrap_or_default(),
            },
        ),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "complaint_done.html")]
struct DonePage {
    ticket: String,
}

pub async fn confirmation(_req: Request, _ctx: &Ctx, raw: &str) -> PageResult {
    let ticket =
        Ticket::parse(raw).map_err(|_| AppError::NotFound("nomor tiket tidak valid".into()))?;
    html(
        200,
        &DonePage {
            ticket: ticket.as_str().to_string(),
        },
    )
}

pub struct ResponseView {
    pub at: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "complaint_track.html")]
struct TrackPage {
    ticket: String,
    phone: String,
    error: Option<String>,
    result: Option<TrackResult>,
}

struct TrackResult {
    ticket: String,
    status_label: String,
    finished: bool,
    filed_at: String,
    responses: Vec<ResponseView>,
    closed_reason: Option<String>,
}

impl From<PublicView> for TrackResult {
    fn from(v: PublicView) -> Self {
        TrackResult {
            finished: matches!(v.status.as_str(), "resolved" | "closed"),
            ticket: v.ticket,
            status_label: v.status_label.to_string(),
            filed_at: wib(&v.created_at),
            responses: v
                .responses
                .into_iter()
                .map(|r| ResponseView {
                    at: wib(&r.at),
                    text: r.text,
                })
                .collect(),
            closed_reason: v.closed_reason,
        }
    }
}

fn query(req: &Request) -> Vec<(String, String)> {
    req.url()
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

fn param(all: &[(String, String)], name: &str) -> Option<String> {
    all.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub async fn public_track(req: Request, ctx: &Ctx) -> PageResult {
    let all = query(&req);
    let ticket = param(&all, "tiket").unwrap_or_default();
    let phone = param(&all, "hp").unwrap_or_default();
    let mut page = TrackPage {
        ticket: ticket.clone(),
        phone: phone.clone(),
        error: None,
        result: None,
    };
    if ticket.is_empty() && phone.is_empty() {
        return html(200, &page);
    }
    if ticket.is_empty() || phone.is_empty() {
        page.error = Some(
            "Isi nomor tiket dan nomor HP yang Anda cantumkan saat mengirim pengaduan.".into(),
        );
        return html(422, &page);
    }
    match track(ctx, abuse_key(&req).as_deref(), &ticket, &phone).await {
        Ok(view) => {
            page.result = Some(view.into());
            html(200, &page)
        }
        Err(e @ (AppError::NotFound(_) | AppError::InvalidField(_))) => {
            let status = e.status();
            page.error = Some(match e {
                AppError::InvalidField(f) => f.message,
                other => other.to_string(),
            });
            html(status, &page)
        }
        Err(e) => Err(e),
    }
}

// ---- the complaints officer ----

async fn handler(req: &Request, ctx: &Ctx) -> Result<Session, PageResult> {
    let session = require(req, ctx).await?;
    require_handler(&session.staff).map_err(Err)?;
    Ok(session)
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
#[template(path = "complaint_list.html")]
struct ListPage {
    session: Option<Session>,
    rows: Vec<Row>,
    statuses: Vec<Choice>,
    channels: Vec<Choice>,
    log_channels: Vec<Choice>,
    kinds: Vec<Choice>,
    next_link: Option<String>,
}

fn channel_label(code: &str) -> String {
    Channel::parse(code).map_or_else(|| code.to_string(), |c| c.label().to_string())
}

fn status_label(code: &str) -> String {
    Status::parse(code).map_or_else(|| code.to_string(), |s| s.label().to_string())
}

pub async fn staff_list(req: Request, ctx: &Ctx) -> PageResult {
    let session = match handler(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
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
            kind: Kind::parse(&r.kind).map_or("", Kind::label).to_string(),
            channel: channel_label(&r.channel),
            name: r.name.clone(),
            status: status_label(&r.status),
            waited: waited(&r.created_at, ctx.now),
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
    let session = match handler(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
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
#[template(path = "complaint_detail.html")]
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

fn action_label(code: &str) -> &'static str {
    match code {
        "receive" => "Diterima",
        "start" => "Mulai ditangani",
        "respond" => "Ditanggapi",
        "resolve" => "Diselesaikan",
        "close" => "Ditutup",
        _ => "Tindakan",
    }
}

pub async fn staff_detail(req: Request, ctx: &Ctx, raw: &str) -> PageResult {
    let session = match handler(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let ticket =
        Ticket::parse(raw).map_err(|_| AppError::NotFound("nomor tiket tidak valid".into()))?;
    let (c, events) = staff_view(ctx, &session.staff, &ticket).await?;
    let page = DetailPage {
        ticket: c.ticket.clone(),
        kind: Kind::parse(&c.kind).map_or("", Kind::label).to_string(),
        channel: channel_label(&c.channel),
        name: c.name.clone(),
        phone: c.phone.clone().unwrap_or_else(|| "— (tanpa SMS)".into()),
        text: c.text.clone(),
        registration_number: c.registration_number.clone(),
        status_label: status_label(&c.status),
        status: c.status.clone(),
        version: c.version,
        filed_at: wib(&c.created_at),
        waited: waited(&c.created_at, ctx.now),
        events: events
            .iter()
            .map(|e| EventLine {
                at: wib(&e.created_at),
                what: action_label(&e.action).to_string(),
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
    let session = match handler(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
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
