//! The staff web UI: server-rendered pages (askama templates in
//! `templates/`) under `/staff`, with CSS and a little JavaScript from
//! static assets. Each page checks the session, the role and object access
//! on the server; every form carries a CSRF token; nothing changes on GET.
//!
//! The session is the same as the API's, carried in a `__Host-` cookie
//! (Secure, HttpOnly, SameSite=Strict) instead of a bearer header.

pub mod admin;
pub mod complaints;
pub mod dashboard;
pub mod login;
pub mod public;
pub mod queue;
pub mod record;
pub mod uploads;

use std::collections::HashMap;

use askama::Template;
use worker::{Headers, Method, Request, Response};

use crate::domain::roles::Role;
use crate::http::auth::staff_for_token;
use crate::http::error::ApiError;
use crate::http::{Ctx, Staff};
use crate::platform::sha256_hex;

pub const SESSION_COOKIE: &str = "__Host-pakpos";
/// Every page's security headers. No inline script anywhere: the CSP says so.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
/// The largest form body accepted.
const MAX_FORM_BYTES: usize = 64 * 1024;

pub type PageResult = Result<Response, ApiError>;

/// Routes `/staff/...`; `None` when the path is not the UI's.
pub async fn route(
    req: Request,
    ctx: &Ctx,
    method: &Method,
    segments: &[&str],
) -> Option<PageResult> {
    let result = match (method, segments) {
        (Method::Get, ["staff", "login"]) => login::form(req, ctx).await,
        (Method::Post, ["staff", "login"]) => login::submit(req, ctx).await,
        (Method::Post, ["staff", "logout"]) => login::logout(req, ctx).await,
        (Method::Get, ["staff"]) => queue::page(req, ctx).await,
        (Method::Get, ["staff", "submit"]) => public::operator_form(req, ctx).await,
        (Method::Post, ["staff", "submit"]) => public::operator_submit(req, ctx).await,
        (Method::Get, ["staff", "applications", number]) => record::page(req, ctx, number).await,
        (Method::Post, ["staff", "applications", number, "actions"]) => {
            record::act(req, ctx, number).await
        }
        (Method::Post, ["staff", "messages", id, "resend"]) => record::resend(req, ctx, id).await,
        (Method::Get, ["staff", "dashboard"]) => dashboard::page(req, ctx).await,
        (Method::Get, ["staff", "export.csv"]) => dashboard::export(req, ctx).await,
        (Method::Get, ["staff", "admin"]) => admin::page(req, ctx).await,
        (Method::Post, ["staff", "admin", rest @ ..]) => admin::act(req, ctx, rest).await,
        (_, ["staff", "complaints", ..]) => {
            return Some(
                complaints::route(req, ctx, method, segments)
                    .await
                    .unwrap_or_else(|| Err(ApiError::NotFound("halaman tidak ditemukan".into()))),
            )
        }
        (_, ["staff", ..]) => Err(ApiError::MethodNotAllowed(method.to_string())),
        _ => return None,
    };
    Some(result)
}

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
        matches!(
            self.staff.role,
            Role::Validator | Role::HeadOfAgency | Role::Admin
        )
    }

    pub fn is_admin(&self) -> bool {
        self.staff.role == Role::Admin
    }
}

pub fn cookies(req: &Request) -> HashMap<String, String> {
    let header = req
        .headers()
        .get("Cookie")
        .ok()
        .flatten()
        .unwrap_or_default();
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
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
    Failed(ApiError),
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
        Err(NoSession::SignIn) => {
            let back = req.url().map(|u| match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            });
            let target = if req.method() == Method::Get {
                back.unwrap_or_else(|_| "/staff".into())
            } else {
                "/staff".into()
            };
            let had_cookie = cookies(req).contains_key(SESSION_COOKIE);
            let mut location = format!("/staff/login?next={}", urlencode(&target));
            if had_cookie {
                location.push_str("&expired=1");
            }
            Err(redirect(&location))
        }
    }
}

/// A POST's form fields (repeated names keep every value), after checking
/// the CSRF token against the session.
pub async fn form(mut req: Request, session: &Session) -> Result<Form, ApiError> {
    let bytes = req
        .bytes()
        .await
        .map_err(|e| ApiError::Malformed(format!("formulir tidak terbaca: {e}")))?;
    if bytes.len() > MAX_FORM_BYTES {
        return Err(ApiError::TooLarge(MAX_FORM_BYTES));
    }
    let form = Form::parse(&bytes);
    let given = form.get("csrf").unwrap_or_default();
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        given.as_bytes(),
        session.csrf.as_bytes(),
    )) {
        return Err(ApiError::Forbidden(
            "token formulir tidak valid; muat ulang halaman lalu coba lagi".into(),
        ));
    }
    Ok(form)
}

/// Form fields in order.
#[derive(Debug, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn parse(bytes: &[u8]) -> Form {
        Form(form_urlencoded::parse(bytes).into_owned().collect())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A field as `Some(text)` when present and not blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

pub fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Adds the security headers every UI response carries.
pub(crate) fn secure(headers: &Headers) -> Result<(), ApiError> {
    for (k, v) in [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        (
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ),
        ("Referrer-Policy", "same-origin"),
        ("Cache-Control", "no-store"),
    ] {
        headers
            .set(k, v)
            .map_err(|e| ApiError::internal("header", e))?;
    }
    Ok(())
}

pub fn html(status: u16, page: &impl Template) -> PageResult {
    let body = page.render().map_err(|e| ApiError::internal("render", e))?;
    let headers = Headers::new();
    secure(&headers)?;
    headers
        .set("Content-Type", "text/html; charset=utf-8")
        .map_err(|e| ApiError::internal("header", e))?;
    Ok(Response::ok(body)
        .map_err(|e| ApiError::internal("response", e))?
        .with_status(status)
        .with_headers(headers))
}

/// 303 See Other: after a POST, the browser GETs the result.
pub fn redirect(location: &str) -> PageResult {
    redirect_with_cookie(location, None)
}

pub fn redirect_with_cookie(location: &str, cookie: Option<&str>) -> PageResult {
    let headers = Headers::new();
    secure(&headers)?;
    headers
        .set("Location", location)
        .map_err(|e| ApiError::internal("header", e))?;
    if let Some(c) = cookie {
        headers
            .set("Set-Cookie", c)
            .map_err(|e| ApiError::internal("header", e))?;
    }
    Ok(Response::empty()
        .map_err(|e| ApiError::internal("response", e))?
        .with_status(303)
        .with_headers(headers))
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub session: Option<Session>,
    pub status: u16,
    pub title: String,
    pub message: String,
}

/// The page for an error: the same codes as the API, in words for people.
pub fn error_page(e: &ApiError, session: Option<Session>) -> PageResult {
    let title = match e.status() {
        401 => "Sesi berakhir",
        403 => "Tidak berwenang",
        404 => "Tidak ditemukan",
        409 => "Sudah diproses",
        422 | 400 => "Data tidak valid",
        429 => "Terlalu banyak percobaan",
        _ => "Terjadi kesalahan",
    };
    html(
        e.status(),
        &ErrorPage {
            session,
            status: e.status(),
            title: title.into(),
            message: e.to_string(),
        },
    )
}

/// Time in WIB for people: "28/11/2026 14:05 WIB".
pub fn wib(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            (t.with_timezone(&chrono::Utc) + chrono::Duration::hours(7))
                .format("%d/%m/%Y %H:%M WIB")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_string())
}

/// How long since `at`, in days and hours: "2 hari 3 jam".
pub fn waited(at: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(at) else {
        return String::new();
    };
    let minutes = (now - t.with_timezone(&chrono::Utc)).num_minutes().max(0);
    match (minutes / 1440, (minutes % 1440) / 60, minutes % 60) {
        (0, 0, m) => format!("{m} menit"),
        (0, h, _) => format!("{h} jam"),
        (d, h, _) => format!("{d} hari {h} jam"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_wib() {
        assert_eq!(wib("2026-11-28T17:30:00.000Z"), "29/11/2026 00:30 WIB");
    }

    #[test]
    fn waiting_time_reads_in_days_and_hours() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-28T17:30:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        assert_eq!(waited("2026-11-28T17:10:00.000Z", now), "20 menit");
        assert_eq!(waited("2026-11-28T12:00:00.000Z", now), "5 jam");
        assert_eq!(waited("2026-11-26T14:00:00.000Z", now), "2 hari 3 jam");
    }

    #[test]
    fn the_csrf_token_depends_on_the_session() {
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert_eq!(csrf_token("a").len(), 64);
    }

    #[test]
    fn forms_keep_repeated_fields() {
        let f = Form::parse(b"checklist=a&checklist=b&reason=+ok+&empty=");
        assert_eq!(f.all("checklist"), vec!["a", "b"]);
        assert_eq!(f.text("reason").as_deref(), Some("ok"));
        assert_eq!(f.text("empty"), None);
    }
}
