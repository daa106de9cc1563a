//! The HTML pages: the staff UI under `/staff` and the citizens' pages
//! (public form, tracking, uploads, complaints), server-rendered with
//! askama templates (`templates/`), CSS and a little JavaScript from static
//! assets. Each page checks the session, the role and object access on the
//! server; every staff form carries a CSRF token; nothing changes on GET.
//!
//! The staff session is the same as the API's, carried in a `__Host-` cookie
//! (Secure, HttpOnly, SameSite=Strict) instead of a bearer header.

pub mod access_log;
pub mod admin;
pub mod apply;
pub mod archive;
pub mod chrome;
pub mod complaints;
pub mod dashboard;
pub mod export;
pub mod health;
pub mod links;
pub mod login;
pub mod products;
pub mod public;
pub mod queue;
pub mod record;
pub mod returns;
pub mod self_print;
pub mod uploads;
pub mod verify;
pub mod village;

use askama::Template;
use worker::{Method, Request};

pub use super::request::{cookies, urlencode, Form};
use super::request::{read_form, Body};
pub use super::response::{html, redirect, redirect_with_cookie, WebResult as PageResult};
use crate::app::auth::staff_for_token;
use crate::app::{AppError, Ctx, Staff};
use crate::domain::roles::Role;
use crate::platform::sha256_hex;
use crate::store::Timestamp;

pub const SESSION_COOKIE: &str = "__Host-pakpos";

/// The signed-in officer of a page, or return early with the way to the
/// login page (see `require`).
macro_rules! officer {
    ($req:expr, $ctx:expr) => {
        match $crate::web::pages::require($req, $ctx).await {
            Ok(session) => session,
            Err(page) => return page,
        }
    };
}
pub(crate) use officer;

/// A signed-in officer, with the CSRF token of their session.
pub struct Session {
    pub staff: Staff,
    pub csrf: String,
}

impl Session {
    pub fn role_label(&self) -> &'static str {
        self.staff.role.label()
    }

    pub fn can_see_dashboard(&self) -> bool {
        crate::app::reports::may_read(self.staff.role)
    }

    pub fn can_see_returns(&self) -> bool {
        crate::app::returns::may_see(self.staff.role)
    }

    pub fn is_admin(&self) -> bool {
        self.staff.role == Role::Admin
    }

    /// The staff header's menu and sign-out, rendered once here rather than
    /// inlined into every page that extends `base.html`.
    pub fn menu(&self) -> String {
        StaffMenu { s: self }.render().unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "staff_menu.html", whitespace = "minimize")]
struct StaffMenu<'a> {
    s: &'a Session,
}

/// The CSRF token of a session: derived from the session secret, so it
/// needs no storage and cannot be guessed without the cookie.
pub fn csrf_token(session_token: &str) -> String {
    sha256_hex(format!("csrf:{session_token}").as_bytes())
}

/// Why a page could not resolve its officer.
pub enum NoSession {
    /// Not signed in, or the session ended: back to the login page.
    SignIn,
    Failed(AppError),
}

pub async fn session(req: &Request, ctx: &Ctx) -> Result<Session, NoSession> {
    let Some(token) = cookies(req).remove(SESSION_COOKIE) else {
        return Err(NoSession::SignIn);
    };
    match staff_for_token(ctx, &token).await {
        Ok(Some(staff)) => Ok(Session {
            staff,
            csrf: csrf_token(&token),
        }),
        Ok(None) => Err(NoSession::SignIn),
        Err(e) => Err(NoSession::Failed(e)),
    }
}

/// Resolves the officer of a page, or answers with the way to the login
/// page that comes back here afterwards (an idle timeout keeps your page).
pub async fn require(req: &Request, ctx: &Ctx) -> Result<Session, PageResult> {
    match session(req, ctx).await {
        Ok(s) => Ok(s),
        Err(NoSession::Failed(e)) => Err(Err(e)),
        Err(NoSession::SignIn) => Err(to_sign_in(req)),
    }
}

/// The way to the login page for a request without a live session, coming
/// back to this page afterwards (a GET's; a POST's comes back to `/staff`).
pub fn to_sign_in(req: &Request) -> PageResult {
    let target = if req.method() == Method::Get {
        crate::web::request::Target::of(req).path_and_query()
    } else {
        "/staff".into()
    };
    let had_cookie = cookies(req).contains_key(SESSION_COOKIE);
    let mut location = format!("/staff/login?next={}", urlencode(&target));
    if had_cookie {
        location.push_str("&expired=1");
    }
    redirect(&location)
}

/// A POST's form fields (repeated names keep every value), after checking
/// the CSRF token against the session.
pub async fn form(mut req: Request, session: &Session) -> Result<Form, AppError> {
    let form = read_form(&mut req, Body::StaffForm).await?;
    let given = form.get("csrf").unwrap_or_default();
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        given.as_bytes(),
        session.csrf.as_bytes(),
    )) {
        return Err(AppError::Forbidden(
            "token formulir tidak valid; muat ulang halaman lalu coba lagi".into(),
        ));
    }
    Ok(form)
}

#[derive(Template)]
#[template(path = "error.html", whitespace = "minimize")]
pub struct ErrorPage {
    pub session: Option<Session>,
    pub status: u16,
    pub title: String,
    pub message: String,
}

/// The error page of a citizen's address (anything outside `/staff`): the
/// citizens' layout and way back, never the staff's.
#[derive(Template)]
#[template(path = "public_error.html", whitespace = "minimize")]
struct PublicErrorPage {
    title: &'static str,
    message: String,
}

/// The page for an error at `path`: the citizens' page outside `/staff`,
/// the staff page inside it.
pub fn error_page_at(path: &str, e: &AppError) -> PageResult {
    if path == "/staff" || path.starts_with("/staff/") {
        return error_page(e, None);
    }
    html(
        e.status(),
        &PublicErrorPage {
            title: error_title(e),
            message: e.to_string(),
        },
    )
}

fn error_title(e: &AppError) -> &'static str {
    match e.status() {
        401 => "Sesi berakhir",
        403 => "Tidak berwenang",
        404 => "Tidak ditemukan",
        409 => "Sudah diproses",
        422 | 400 => "Data tidak valid",
        429 => "Terlalu banyak percobaan",
        502 => "Layanan luar tidak menjawab",
        _ => "Terjadi kesalahan",
    }
}

/// The page for an error: the same codes as the API, in words for people.
pub fn error_page(e: &AppError, session: Option<Session>) -> PageResult {
    html(
        e.status(),
        &ErrorPage {
            session,
            status: e.status(),
            title: error_title(e).into(),
            message: e.to_string(),
        },
    )
}

/// Time in WIB for people: "28/11/2026 14:05 WIB".
pub fn wib(at: Timestamp) -> String {
    crate::domain::time::format_wib(at.at())
}

/// How long since `at`, in days and hours: "2 hari 3 jam".
pub fn waited(at: Timestamp, now: chrono::DateTime<chrono::Utc>) -> String {
    let minutes = (now - at.at()).num_minutes().max(0);
    match (minutes / 1440, (minutes % 1440) / 60, minutes % 60) {
        (0, 0, m) => format!("{m} menit"),
        (0, h, _) => format!("{h} jam"),
        (d, h, _) => format!("{d} hari {h} jam"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn times_are_shown_in_wib() {
        assert_eq!(
            wib(stamp("2026-11-28T17:30:00.000Z")),
            "29/11/2026 00:30 WIB"
        );
    }

    #[test]
    fn waiting_time_reads_in_days_and_hours() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-28T17:30:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        assert_eq!(waited(stamp("2026-11-28T17:10:00.000Z"), now), "20 menit");
        assert_eq!(waited(stamp("2026-11-28T12:00:00.000Z"), now), "5 jam");
        assert_eq!(
            waited(stamp("2026-11-26T14:00:00.000Z"), now),
            "2 hari 3 jam"
        );
    }

    #[test]
    fn the_csrf_token_depends_on_the_session() {
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert_eq!(csrf_token("a").len(), 64);
    }
}
