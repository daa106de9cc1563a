//! The citizens' pages (Indonesian, mobile first, no JavaScript needed): the
//! landing page that explains PAK POS, and the tracking page. The
//! application form is in `apply`. Pages post to the same use cases the API
//! runs (`citizen_status`), so the server's checks are the only ones that
//! count.

use askama::Template;
use worker::Request;

use super::{html, PageResult};
use crate::app::read::{citizen_status, CitizenStatus};
use crate::app::{AppError, Ctx};
use crate::domain::ids::RegistrationNumber;
use crate::web::request::abuse_key;

// ----------------------------------------------------------------- landing

#[derive(Template)]
#[template(path = "public_landing.html")]
struct LandingPage {}

pub async fn landing(_req: Request, _ctx: &Ctx) -> PageResult {
    html(200, &LandingPage {})
}

// ---------------------------------------------------------------- tracking

pub struct Step {
    pub label: String,
    pub at: String,
    pub reason: Option<String>,
}

#[derive(Template)]
#[template(path = "public_track.html")]
struct TrackPage {
    number: String,
    nik: String,
    error: Option<String>,
    result: Option<TrackResult>,
}

pub struct TrackResult {
    pub number: String,
    pub status_label: String,
    pub next_step: Option<String>,
    pub cancelled: bool,
    pub finished: bool,
    pub steps: Vec<Step>,
}

fn track_result(v: &CitizenStatus) -> TrackResult {
    TrackResult {
        number: v.registration_number.clone(),
        status_label: v.status_label.to_string(),
        next_step: v.next_step.map(String::from),
        cancelled: v.status == "cancelled",
        finished: v.status == "completed",
        steps: v
            .history
            .iter()
            .map(|h| Step {
                label: h.label.to_string(),
                at: super::wib(h.at),
                reason: h.reason.clone(),
            })
            .collect(),
    }
}

fn query(req: &Request, name: &str) -> Option<String> {
    req.url()
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
}

pub async fn track(req: Request, ctx: &Ctx) -> PageResult {
    let number = query(&req, "nomor").unwrap_or_default();
    let nik = query(&req, "nik");
    let asked = nik.is_some();
    let nik = nik.unwrap_or_default();
    let mut page = TrackPage {
        number: number.clone(),
        nik: nik.clone(),
        error: None,
        result: None,
    };
    // `/lacak?nomor=…` alone (the confirmation page's link) only fills the form in.
    if !asked {
        return html(200, &page);
    }
    if number.is_empty() || nik.is_empty() {
        page.error = Some("Isi nomor pendaftaran dan NIK pemohon.".into());
        return html(422, &page);
    }
    let outcome = match RegistrationNumber::parse(&number) {
        Ok(n) => citizen_status(ctx, &abuse_key(&req), &n, &nik).await,
        Err(e) => Err(AppError::invalid("nomor", e.to_string())),
    };
    match outcome {
        Ok(v) => {
            // The NIK is not echoed back: the result page holds no personal data.
            page.nik.clear();
            page.result = Some(track_result(&v));
            html(200, &page)
        }
        Err(AppError::NotFound(_)) => {
            page.error = Some("Permohonan dengan nomor pendaftaran dan NIK tersebut tidak ditemukan. Periksa kembali keduanya.".into());
            html(404, &page)
        }
        Err(e @ (AppError::InvalidField(_) | AppError::TooManyAttempts(_))) => {
            let status = e.status();
            page.error = Some(match &e {
                AppError::InvalidField(f) if f.field == "nik" => format!("NIK: {}", f.message),
                AppError::InvalidField(f) => format!("Nomor pendaftaran: {}", f.message),
                other => format!(
                    "Terlalu banyak percobaan. {}",
                    capitalised(&other.to_string())
                ),
            });
            html(status, &page)
        }
        Err(e) => Err(e),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
