//! Building responses: JSON for the API, HTML pages with the security
//! headers every page carries, redirects after a POST, and errors.

use askama::DynTemplate;
use serde::Serialize;
use worker::{Headers, Response};

use crate::app::AppError;

/// What a handler answers.
pub type WebResult = Result<Response, AppError>;

/// Every page's security headers. No inline script anywhere: the CSP says so.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

fn set(headers: &Headers, name: &str, value: &str) -> Result<(), AppError> {
    headers
        .set(name, value)
        .map_err(|e| AppError::internal("header", e))
}

pub fn json<T: Serialize>(status: u16, body: &T) -> WebResult {
    let text =
        serde_json::to_string(body).map_err(|e| AppError::internal("serialise response", e))?;
    json_text(status, text)
}

/// A JSON answer already serialised (e.g. one kept for an idempotency key).
/// Never inlined: one copy, not one per answer type.
#[inline(never)]
pub fn json_text(status: u16, text: String) -> WebResult {
    let headers = Headers::new();
    set(&headers, "Content-Type", "application/json; charset=utf-8")?;
    set(&headers, "Cache-Control", "no-store")?;
    set(&headers, "X-Content-Type-Options", "nosniff")?;
    Ok(Response::ok(text)
        .map_err(|e| AppError::internal("response", e))?
        .with_status(status)
        .with_headers(headers))
}

/// An error as the API's JSON, with `Allow` on a 405.
pub fn error_json(e: &AppError) -> worker::Result<Response> {
    json(e.status(), &e.body())
        .and_then(|r| with_allow(r, e))
        .or_else(|_| Response::error("internal error", 500))
}

/// Adds the `Allow` header a 405 must carry.
pub fn with_allow(response: Response, e: &AppError) -> WebResult {
    if let Some(allow) = e.allow() {
        set(response.headers(), "Allow", &allow)?;
    }
    Ok(response)
}

/// Adds the security headers every UI response carries.
pub fn secure(headers: &Headers) -> Result<(), AppError> {
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
        set(headers, k, v)?;
    }
    Ok(())
}

/// A page: `dyn`, so this is one function for every page type (each
/// page's own rendering is reached through its vtable).
pub fn html(status: u16, page: &dyn DynTemplate) -> WebResult {
    html_text(
        status,
        page.dyn_render()
            .map_err(|e| AppError::internal("render", e))?,
    )
}

/// The response of a rendered page: one copy of this code, not one per
/// page type.
#[inline(never)]
fn html_text(status: u16, body: String) -> WebResult {
    let headers = Headers::new();
    secure(&headers)?;
    set(&headers, "Content-Type", "text/html; charset=utf-8")?;
    Ok(Response::ok(body)
        .map_err(|e| AppError::internal("response", e))?
        .with_status(status)
        .with_headers(headers))
}

/// 303 See Other: after a POST, the browser GETs the result.
pub fn redirect(location: &str) -> WebResult {
    redirect_with_cookie(location, None)
}

pub fn redirect_with_cookie(location: &str, cookie: Option<&str>) -> WebResult {
    let headers = Headers::new();
    secure(&headers)?;
    set(&headers, "Location", location)?;
    if let Some(c) = cookie {
        set(&headers, "Set-Cookie", c)?;
    }
    Ok(Response::empty()
        .map_err(|e| AppError::internal("response", e))?
        .with_status(303)
        .with_headers(headers))
}

/// A PDF handed to its reader: never cached by a shared cache, never
/// sniffed into something else.
pub fn pdf_response(name: &str, body: worker::ResponseBody) -> WebResult {
    file_response(name, "application/pdf", body)
}

/// A file to save (`name`), never cached: it holds personal data.
pub fn file_response(name: &str, content_type: &str, body: worker::ResponseBody) -> WebResult {
    let mut response = Response::from_body(body).map_err(|e| AppError::internal("body", e))?;
    let headers = response.headers_mut();
    for (k, v) in [
        ("Content-Type", content_type.to_string()),
        (
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ),
        ("Cache-Control", "private, no-store".into()),
        ("X-Content-Type-Options", "nosniff".into()),
    ] {
        headers
            .set(k, &v)
            .map_err(|e| AppError::internal("header", e))?;
    }
    Ok(response)
}
