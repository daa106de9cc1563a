//! The edge: the one route table (`routes`), request parsing (`request`),
//! responses (`response`), the JSON API (`api`) and the HTML pages
//! (`pages`). Handlers parse what arrived, call one use case in
//! `crate::app`, and render its typed result; they never call each other
//! and never speak SQL. Errors are answered once, here: JSON for the API and
//! webhooks, a page for the UI, with internal causes logged, never sent.

pub mod api;
pub mod pages;
pub mod qr;
pub mod request;
pub mod response;
pub mod routes;

use worker::{Context, Env, Request, Response};

use crate::app::{AppError, Ctx};
use crate::domain::log;
use routes::{Found, Kind, ROUTES};

/// One HTTP request, start to answer, with its one log line (see
/// `crate::domain::log`) and its id in `X-Request-Id`. The queue messages of
/// what it committed go out through `waiter` after the answer (see
/// `crate::app::after_commit`).
pub async fn handle(req: Request, env: Env, waiter: &Context) -> worker::Result<web_sys::Response> {
    let started = js_sys::Date::now();
    let cf_ray = req.headers().get("cf-ray").ok().flatten();
    let id = log::request_id(cf_ray.as_deref(), || {
        crate::platform::random_bytes::<8>().unwrap_or_default()
    });
    let method = req.inner().method();
    let ctx = match Ctx::for_request(env) {
        Ok(ctx) => ctx,
        Err(e) => return to_runtime(&response::error_json(&e)?, &id, 0, 0),
    };
    let (answer, route, error) = answer(req, &method, &ctx).await;
    let deferred = ctx.take_deferred();
    if !deferred.is_empty() {
        waiter.wait_until(crate::app::enqueue_deferred(ctx.env.clone(), deferred));
    }
    let response = answer?;
    let line = request_line(
        &id,
        &method,
        Served {
            route,
            status: response.status_code(),
            ms: (js_sys::Date::now() - started).max(0.0) as u64,
            round_trips: ctx.db.round_trips(),
            statements: ctx.db.statements(),
            caller: ctx.caller(),
            error: error.as_ref(),
        },
    );
    if response.status_code() >= 500 {
        worker::console_error!("{line}");
    } else {
        worker::console_log!("{line}");
    }
    to_runtime(&response, &id, ctx.db.round_trips(), ctx.db.statements())
}

/// The runtime's response, with the request's id and D1 counts as headers.
fn to_runtime(
    response: &Response,
    id: &str,
    trips: u32,
    statements: u32,
) -> worker::Result<web_sys::Response> {
    crate::platform::answer(response, id, trips, statements).map_err(worker::Error::RustError)
}

/// What a request came to, for its log line.
struct Served<'a> {
    route: &'a str,
    status: u16,
    ms: u64,
    round_trips: u32,
    statements: u32,
    caller: Option<&'a str>,
    error: Option<&'a AppError>,
}

/// The log line of a request: its route's pattern, never its path, query
/// or body; an internal error's causes redacted.
fn request_line(id: &str, method: &str, served: Served<'_>) -> String {
    log::json(&log::RequestLine {
        kind: "request",
        id,
        method,
        route: served.route,
        status: served.status,
        ms: served.ms,
        d1_round_trips: served.round_trips,
        d1_statements: served.statements,
        role: served.caller,
        error_code: served.error.map(AppError::code),
        error: served
            .error
            .filter(|e| e.is_internal())
            .map(|e| log::redact(&e.log_chain())),
    })
}

/// The answer, the pattern of the route that made it, and the error it
/// answers (if it is one).
async fn answer(
    req: Request,
    raw_method: &str,
    ctx: &Ctx,
) -> (worker::Result<Response>, &'static str, Option<AppError>) {
    let method = req.method();
    let path = request::Target::of(&req).path;
    // The `worker` crate reads a method it does not know (QUERY, …) as GET:
    // compare with the raw method so such a request is refused, not served.
    let known_method = raw_method.eq_ignore_ascii_case(method.as_ref());
    let found = if known_method {
        routes::find(ROUTES, &method, &path)
    } else {
        routes::unknown_method(ROUTES, &path)
    };
    let (kind, pattern, result) = match found {
        Found::Route(route, params) => (
            route.kind,
            route.pattern,
            (route.handler)(req, ctx, params).await,
        ),
        Found::WrongMethod(kind, allowed) => (
            kind,
            "(method not allowed)",
            Err(AppError::MethodNotAllowed {
                method: raw_method.to_string(),
                allowed: allowed.iter().map(|m| m.to_string()).collect(),
            }),
        ),
        Found::NotFound(kind) => (
            kind,
            "(unknown)",
            Err(AppError::NotFound(format!("alamat {path} tidak ditemukan"))),
        ),
    };
    match result {
        Ok(r) => (Ok(r), pattern, None),
        Err(e) => {
            let answer = match kind {
                Kind::Json => response::error_json(&e),
                Kind::Page => pages::error_page_at(&path, &e)
                    .and_then(|r| response::with_allow(r, &e))
                    .or_else(|_| response::error_json(&e)),
            };
            (answer, pattern, Some(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use worker::Method;

    #[test]
    fn the_log_line_of_a_request_carrying_personal_data_holds_none_of_it() {
        // A status check whose number is in the path, with the NIK, a phone
        // and a name where a careless client or a failing library put them.
        let number = "RWP7-W5RX5";
        let (nik, phone, name) = ("3312010101200003", "081234567890", "Sri Lestari");
        let path = format!("/api/v1/applications/{number}/status");
        let Found::Route(route, _) = routes::find(ROUTES, &Method::Post, &path) else {
            panic!("no route for {path}");
        };
        let error = AppError::internal(
            "read status",
            format!("invalid type: string \"{name}\", expected a NIK: {nik} (phone {phone})"),
        );
        let line = request_line(
            "8c1b2e3f4a5d6e7f-SIN",
            "POST",
            Served {
                route: route.pattern,
                status: 500,
                ms: 12,
                round_trips: 1,
                statements: 5,
                caller: None,
                error: Some(&error),
            },
        );
        for personal in [number, nik, phone, name, "Sri"] {
            assert!(!line.contains(personal), "{personal} in {line}");
        }
        let parsed: serde_json::Value = serde_json::from_str(&line).expect("one JSON object");
        assert_eq!(parsed["kind"], "request");
        assert_eq!(parsed["route"], "/api/v1/applications/{number}/status");
        assert_eq!(parsed["status"], 500);
        assert_eq!(parsed["d1_round_trips"], 1);
        assert_eq!(parsed["error_code"], "internal_error");
        assert!(
            parsed["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("read status: invalid type")),
            "{line}"
        );
    }
}
