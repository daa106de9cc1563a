//! Complaints and suggestions as pages: the citizens' form, confirmation and
//! tracking under `/pengaduan` (no JavaScript, no account) here, and the
//! complaints officer's list, detail and forms under `/staff/complaints` in
//! `desk`. Both call `crate::app::complaints`, so the checks are the API's.

mod desk;

pub use desk::{staff_act, staff_detail, staff_list, staff_log};

use askama::Template;
use worker::Request;

use super::{html, redirect, wib, Form, PageResult};
use crate::app::complaints::{create, track, PublicView, SubmitBody};
use crate::app::{AppError, Ctx};
use crate::domain::complaints::{Channel, Kind, NewComplaint, Status, Ticket};
use crate::domain::field_error::FieldError;
use crate::web::request::{abuse_key, read_form, Body};

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(super) fn choices<I: IntoIterator<Item = (&'static str, &'static str)>>(
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

pub(super) fn kinds(selected: Option<&str>) -> Vec<Choice> {
    choices(Kind::ALL.iter().map(|k| (k.code(), k.label())), selected)
}

// ---- citizens ----

#[derive(Template)]
#[template(path = "complaint_form.html", whitespace = "minimize")]
struct PublicFormPage {
    /// Every field's error, in the form's order.
    errors: Vec<FieldError>,
    kinds: Vec<Choice>,
    name: String,
    phone: String,
    text: String,
    registration_number: String,
}

impl PublicFormPage {
    /// The message of `field`'s error, if it has one.
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// A field's name as its label says it, for the error summary.
    fn label_of(field: &str) -> &'static str {
        match field {
            "kind" => "Jenis",
            "name" => "Nama",
            "phone" => "Nomor HP",
            "registration_number" => "Nomor pendaftaran",
            _ => "Isi pengaduan atau saran",
        }
    }
}

pub async fn public_form(_req: Request, _ctx: &Ctx) -> PageResult {
    html(
        200,
        &PublicFormPage {
            errors: Vec::new(),
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

pub(super) fn body_from(f: &Form) -> SubmitBody {
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
    // Every error at once (a bot's trap answer is the use case's to give).
    let errors = if body.is_bot() {
        Vec::new()
    } else {
        NewComplaint::check(&body.input(), Channel::Website)
            .err()
            .unwrap_or_default()
    };
    if !errors.is_empty() {
        return refused(body, errors);
    }
    match create(ctx, None, Some(&ip), &body).await {
        Ok(created) => redirect(&format!("/pengaduan/{}", created.ticket)),
        Err(AppError::InvalidField(e)) => refused(body, vec![e]),
        Err(e) => Err(e),
    }
}

/// The form again with what was typed and every error.
fn refused(body: SubmitBody, errors: Vec<FieldError>) -> PageResult {
    html(
        422,
        &PublicFormPage {
            errors,
            kinds: kinds(body.kind.as_deref()),
            name: body.name.unwrap_or_default(),
            phone: body.phone.unwrap_or_default(),
            text: body.text.unwrap_or_default(),
            registration_number: body.registration_number.unwrap_or_default(),
        },
    )
}

#[derive(Template)]
#[template(path = "complaint_done.html", whitespace = "minimize")]
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
#[template(path = "complaint_track.html", whitespace = "minimize")]
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
            finished: matches!(v.status, Status::Resolved | Status::Closed),
            ticket: v.ticket,
            status_label: v.status_label.to_string(),
            filed_at: wib(v.created_at),
            responses: v
                .responses
                .into_iter()
                .map(|r| ResponseView {
                    at: wib(r.at),
                    text: r.text,
                })
                .collect(),
            closed_reason: v.closed_reason,
        }
    }
}

pub(super) fn query(req: &Request) -> Vec<(String, String)> {
    crate::web::request::Target::of(req).pairs()
}

pub(super) fn param(all: &[(String, String)], name: &str) -> Option<String> {
    all.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `GET /pengaduan/lacak[?tiket=…]`: the form, the ticket filled in when a
/// link carries it. A phone number never travels in a URL: one in the query
/// is ignored — not looked up, not echoed — and the form posts.
pub async fn public_track_form(req: Request, _ctx: &Ctx) -> PageResult {
    let all = query(&req);
    html(
        200,
        &TrackPage {
            ticket: param(&all, "tiket").unwrap_or_default(),
            phone: String::new(),
            error: None,
            result: None,
        },
    )
}

/// `POST /pengaduan/lacak` (`tiket`, `hp`): the answer rendered from the
/// POST itself, so the phone number stays out of URLs and history.
pub async fn public_track(req: Request, ctx: &Ctx) -> PageResult {
    let ip = abuse_key(&req);
    let f = read_public_form(req).await?;
    let ticket = f.text("tiket").unwrap_or_default();
    let phone = f.text("hp").unwrap_or_default();
    let mut page = TrackPage {
        ticket: ticket.clone(),
        phone: phone.clone(),
        error: None,
        result: None,
    };
    if ticket.is_empty() || phone.is_empty() {
        page.error = Some(
            "Isi nomor tiket dan nomor HP yang Anda cantumkan saat mengirim pengaduan.".into(),
        );
        return html(422, &page);
    }
    match track(ctx, &ip, &ticket, &phone).await {
        Ok(view) => {
            // The phone number is not echoed back on the answer.
            page.phone.clear();
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
