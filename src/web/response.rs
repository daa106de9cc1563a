//! Building responses: JSON for the API, HTML pages with the security
//! headers every page carries, redirects after a POST, and errors.

use askama::DynTemplate;
use serde::Serialize;
use worker::{Headers, Response};

use crate::app::AppError;

/// What a handler answers.
pub type WebResult = Result<Response, AppError>;

/// Every page's security headers, as `Name: value` lines (set in one call,
/// `platform::set_headers`). No inline script anywhere: the CSP says so.
macro_rules! secure_headers {
    () => {
        "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; \
         img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
         object-src 'none'\n\
         X-Content-Type-Options: nosniff\n\
         X-Frame-Options: DENY\n\
         Strict-Transport-Security: max-age=31536000; includeSubDomains\n\
         Referrer-Policy: same-origin\n\
         Cache-Control: no-store"
    };
}
const SECURE: &str = secure_headers!();
const PAGE: &str = concat!(
    secure_headers!(),
    "\nContent-Type: text/html; charset=utf-8"
);
const JSON: &str = "Content-Type: application/json; charset=utf-8\n\
                    Cache-Control: no-store\n\
                    X-Content-Type-Options: nosniff";

fn set(headers: &Headers, name: &str, value: &str) -> Result<(), AppError> {
    headers
        .set(name, value)
        .map_err(|e| AppError::internal("header", e))
}

fn set_all(headers: &Headers, block: &'static str) -> Result<(), AppError> {
    crate::platform::set_headers(headers, block).map_err(|e| AppError::internal("header", e))
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
    let response = Response::ok(text)
        .map_err(|e| AppError::internal("response", e))?
        .with_status(status);
    set_all(response.headers(), JSON)?;
    Ok(response)
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
    set_all(headers, SECURE)
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
    let response = Response::ok(body)
        .map_err(|e| AppError::internal("response", e))?
        .with_status(status);
    set_all(response.headers(), PAGE)?;
    Ok(response)
}

/// 303 See Other: after a POST, the browser GETs the result.
pub fn redirect(location: &str) -> WebResult {
    redirect_with_cookie(location, None)
}

pub fn redirect_with_cookie(location: &str, cookie: Option<&str>) -> WebResult {
    let response = Response::empty()
        .map_err(|e| AppError::internal("response", e))?
        .with_status(303);
    let headers = response.headers();
    secure(headers)?;
    set(headers, "Location", location)?;
    if let Some(c) = cookie {
        set(headers, "Set-Cookie", c)?;
    }
    Ok(response)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A block as `platform::set_headers` reads it: lines split at `\n`,
    /// each at its first `": "`.
    fn pairs(block: &str) -> Vec<(&str, &str)> {
        block
            .split('\n')
            .map(|line| line.split_once(": ").unwrap_or((line, "")))
            .collect()
    }

    #[test]
    fn each_header_block_is_one_clean_header_per_line() {
        for block in [SECURE, PAGE, JSON] {
            for (name, value) in pairs(block) {
                assert!(
                    !name.is_empty()
                        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                    "header name {name:?} in {block:?}"
                );
                assert!(
                    !value.is_empty() && value.trim() == value && !value.contains("  "),
                    "{name}: {value:?}"
                );
            }
        }
    }

    #[test]
    fn pages_and_json_answers_carry_the_headers_they_always_had() {
        let page = pairs(PAGE);
        assert_eq!(
            page,
            [
                (
                    "Content-Security-Policy",
                    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
                ),
                ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"),
                (
                    "Strict-Transport-Security",
                    "max-age=31536000; includeSubDomains"
                ),
                ("Referrer-Policy", "same-origin"),
                ("Cache-Control", "no-store"),
                ("Content-Type", "text/html; charset=utf-8"),
            ]
        );
        assert_eq!(pairs(SECURE), page[..6]);
        assert_eq!(
            pairs(JSON),
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
            ]
        );
    }
}
