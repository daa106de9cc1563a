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
use routes::{Found, Kind, ROUTES};

/// One HTTP request, start to answer. The queue messages of what it
/// committed go out through `waiter` after the answer (see
/// `crate::app::after_commit`).
pub async fn handle(req: Request, env: Env, waiter: &Context) -> worker::Result<Response> {
    let ctx = match Ctx::for_request(env) {
        Ok(ctx) => ctx,
        Err(e) => return response::error_json(&e),
    };
    let answer = answer(req, &ctx).await;
    let deferred = ctx.take_deferred();
    if !deferred.is_empty() {
        waiter.wait_until(crate::app::enqueue_deferred(ctx.env.clone(), deferred));
    }
    answer
}

async fn answer(req: Request, ctx: &Ctx) -> worker::Result<Response> {
    let method = req.method();
    let raw_method = req.inner().method();
    let path = request::Target::of(&req).path;
    // The `worker` crate reads a method it does not know (QUERY, …) as GET:
    // compare with the raw method so such a request is refused, not served.
    let known_method = raw_method.eq_ignore_ascii_case(method.as_ref());
    let found = if known_method {
        routes::find(ROUTES, &method, &path)
    } else {
        routes::unknown_method(ROUTES, &path)
    };
    let (kind, result) = match found {
        Found::Route(route, params) => (route.kind, (route.handler)(req, ctx, params).await),
        Found::WrongMethod(kind, allowed) => (
            kind,
            Err(AppError::MethodNotAllowed {
                method: raw_method.clone(),
                allowed: allowed.iter().map(|m| m.to_string()).collect(),
            }),
        ),
        Found::NotFound(kind) => (
            kind,
            Err(AppError::NotFound(format!("alamat {path} tidak ditemukan"))),
        ),
    };
    let mut response = match result {
        Ok(r) => r,
        Err(e) => {
            if e.is_internal() {
                worker::console_error!("{} {} failed: {}", method.as_ref(), path, e.log_chain());
            }
            match kind {
                Kind::Json => response::error_json(&e)?,
                Kind::Page => pages::error_page_at(&path, &e)
                    .and_then(|r| response::with_allow(r, &e))
                    .or_else(|_| response::error_json(&e))?,
            }
        }
    };
    let headers = response.headers_mut();
    let _ = headers.set("X-D1-Round-Trips", &ctx.db.round_trips().to_string());
    let _ = headers.set("X-D1-Statements", &ctx.db.statements().to_string());
    Ok(response)
}
