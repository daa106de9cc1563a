//! The citizens' pages (Indonesian, mobile first, no JavaScript needed): the
//! landing page that explains PAK POS, and the tracking page. The
//! application form is in `apply`. Pages post to the same use cases the API
//! runs (`citizen_status`, via `access_log::citizen_view`), so the server's
//! checks are the only ones that count.

use askama::Template;
use worker::Request;

use super::{html, PageResult};
use crate::app::access_log::{citizen_view, CitizenAccess};
use crate::app::read::{citizen_resubmission, CitizenStatus};
use crate::app::{AppError, Ctx};
use crate::domain::ids::RegistrationNumber;
use crate::web::request::{abuse_key, query_param, read_form, Body};

// ----------------------------------------------------------------- landing

#[derive(Template)]
#[template(path = "public_landing.html", whitespace = "minimize")]
struct LandingPage {
    /// Each service with the papers to prepare for it.
    services: Vec<(&'static str, Vec<&'static str>)>,
}

pub async fn landing(_req: Request, _ctx: &Ctx) -> PageResult {
    use crate::domain::services::Service;
    let services = Service::ALL
        .iter()
        .map(|s| {
            (
                s.label(),
                s.requirements().iter().map(|r| r.label).collect(),
            )
        })
        .collect();
    html(200, &LandingPage { services })
}

// ---------------------------------------------------------------- tracking

pub struct Step {
    pub label: String,
    pub at: String,
    pub reason: Option<String>,
}

/// One line of "who has seen my data": a role, never a name.
pub struct Seen {
    pub role: &'static str,
    pub what: String,
    pub at: String,
    pub refused: bool,
}

#[derive(Template)]
#[template(path = "public_track.html", whitespace = "minimize")]
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
    /// The papers to post, while they are awaited.
    pub papers: Vec<&'static str>,
    /// Where the physical papers are, once the agency had them.
    pub papers_location: Option<&'static str>,
    pub cancelled: bool,
    /// For a cancelled application: the NIK the citizen just typed, carried
    /// in the body of the "Ajukan ulang" form (never in a URL).
    pub resubmit_nik: Option<String>,
    pub finished: bool,
    pub steps: Vec<Step>,
    pub seen: Vec<Seen>,
}

fn track_result(v: &CitizenStatus, seen: &[CitizenAccess], nik: &str) -> TrackResult {
    TrackResult {
        resubmit_nik: (v.status == "cancelled").then(|| nik.to_string()),
        number: v.registration_number.clone(),
        status_label: v.status_label.to_string(),
        next_step: v.next_step.map(String::from),
        papers: v.papers.clone(),
        papers_location: v.papers_location_label,
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
        seen: seen
            .iter()
            .map(|s| Seen {
                role: s.role_label,
                what: s.action_label.clone(),
                at: super::wib(s.at),
                refused: s.outcome == "refused",
            })
            .collect(),
    }
}

/// `GET /lacak[?nomor=…]`: the form, with the number filled in when a link
/// carries it (the confirmation page's). A NIK never travels in a URL: one
/// in the query is ignored — not looked up, not echoed — and the form posts.
pub async fn track_form(req: Request, _ctx: &Ctx) -> PageResult {
    let number = query_param(&req, "nomor")
        .ok()
        .flatten()
        .map(|n| n.trim().to_string())
        .unwrap_or_default();
    html(
        200,
        &TrackPage {
            number,
            nik: String::new(),
            error: None,
            result: None,
        },
    )
}

/// `POST /lacak` (`nomor`, `nik`): the status, its history and who has
/// seen the application, rendered from the POST itself — a redirect would
/// have to carry the NIK somewhere.
pub async fn track(req: Request, ctx: &Ctx) -> PageResult {
    lookup(req, ctx, false).await
}

/// `POST /ajukan/ulang` (`nomor`, `nik`, from the tracking result of a
/// cancelled application): the application form prefilled from it, behind
/// the same checks and limits as tracking; a refusal is shown on the
/// tracking form, with nothing of the application.
pub async fn resubmit(req: Request, ctx: &Ctx) -> PageResult {
    lookup(req, ctx, true).await
}

/// A citizen's lookup by number and NIK, for tracking or to resubmit.
async fn lookup(mut req: Request, ctx: &Ctx, resubmit: bool) -> PageResult {
    let form = read_form(&mut req, Body::PublicForm).await?;
    let field = |name: &str| form.get(name).unwrap_or_default().trim().to_string();
    let (number, nik) = (field("nomor"), field("nik"));
    let mut page = TrackPage {
        number: number.clone(),
        nik: nik.clone(),
        error: None,
        result: None,
    };
    if number.is_empty() || nik.is_empty() {
        page.error = Some("Isi nomor pendaftaran dan NIK pemohon.".into());
        return html(422, &page);
    }
    let number = match RegistrationNumber::parse(&number) {
        Ok(n) => n,
        Err(e) => return refused(page, AppError::invalid("nomor", e.to_string())),
    };
    let ip = abuse_key(&req);
    if resubmit {
        return match citizen_resubmission(ctx, &ip, &number, &nik).await {
            Ok(old) => super::apply::resubmission_form(ctx, &old, None).await,
            Err(e) => refused(page, e),
        };
    }
    match citizen_view(ctx, &ip, &number, &nik).await {
        Ok((v, seen)) => {
            // The NIK is not echoed back into the form (only a cancelled
            // application's resubmission form carries it, hidden).
            page.nik.clear();
            page.result = Some(track_result(&v, &seen, &nik));
            html(200, &page)
        }
        Err(e) => refused(page, e),
    }
}

/// The tracking form again, saying why a lookup was refused: an unknown
/// number and a wrong NIK alike.
fn refused(mut page: TrackPage, e: AppError) -> PageResult {
    match e {
        AppError::NotFound(_) => {
            page.error = Some("Permohonan dengan nomor pendaftaran dan NIK tersebut tidak ditemukan. Periksa kembali keduanya.".into());
            html(404, &page)
        }
        AppError::Conflict { .. } => {
            page.error = Some(capitalised(&e.to_string()) + ".");
            html(409, &page)
        }
        e @ (AppError::InvalidField(_) | AppError::TooManyAttempts(_)) => {
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
        e => Err(e),
    }
}

/// The text with its first letter upper-case: ASCII only (the messages
/// are ours, in Indonesian), so the Worker carries no Unicode case tables
/// (`str::to_uppercase` and friends cost 17 KB of gzipped wasm).
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| {
            std::iter::once(c.to_ascii_uppercase())
                .chain(chars)
                .collect()
        })
        .unwrap_or_default()
}
