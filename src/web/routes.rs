//! The route table: every method and path the Worker answers, and the
//! handler for each, top to bottom. A path that matches no pattern is a 404;
//! a path that matches with another method is a 405 whose `Allow` header
//! lists the methods this table has for it — both come from this table,
//! never from lists kept by hand.
//!
//! `{name}` matches one non-empty path segment and is handed to the handler
//! as a `&str`. The first matching row wins, so literal segments come before
//! a parameter in the same place (`/pengaduan/lacak` before
//! `/pengaduan/{ticket}`). `Kind` says how errors are answered: JSON
//! (`/api/v1`, webhooks) or an HTML page.

use futures_util::future::LocalBoxFuture;
use worker::{Method, Request, Response};

use super::api;
use super::pages;
use crate::app::{AppError, Ctx};

/// How a route answers its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `{"error": {"code", "message"}}`.
    Json,
    /// An HTML error page in plain Indonesian.
    Page,
}

pub type Handler =
    for<'a> fn(Request, &'a Ctx, Params) -> LocalBoxFuture<'a, Result<Response, AppError>>;

pub struct Route {
    pub method: Method,
    pub pattern: &'static str,
    pub kind: Kind,
    pub handler: Handler,
}

/// A handler of `(Request, &Ctx)`, or `(Request, &Ctx, &str…)` given the
/// names of the path parameters it takes, in order.
macro_rules! handler {
    ($f:path) => {
        |req, ctx, _params| Box::pin($f(req, ctx))
    };
    ($f:path, $($param:literal),+) => {
        |req, ctx, params| Box::pin(async move { $f(req, ctx, $(params.get($param)),+).await })
    };
}

macro_rules! route {
    ($method:ident $pattern:literal, $kind:ident => $f:path $(, $param:literal)*) => {
        Route {
            method: Method::$method,
            pattern: $pattern,
            kind: Kind::$kind,
            handler: {
                // A handler that reads `{param}` from a pattern without it
                // does not compile.
                $(const { assert!(contains($pattern, concat!("{", $param, "}"))) };)*
                handler!($f $(, $param)*)
            },
        }
    };
}

/// `needle` occurs in `haystack` (usable in a const check).
const fn contains(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let mut start = 0;
    while start + n.len() <= h.len() {
        let mut i = 0;
        while i < n.len() && h[start + i] == n[i] {
            i += 1;
        }
        if i == n.len() {
            return true;
        }
        start += 1;
    }
    false
}

pub static ROUTES: &[Route] = &[
    // ---- The JSON API (DESIGN.md). Its OpenAPI document is a static asset,
    // public/api/v1/openapi.json, served before the Worker is asked.
    route!(Get "/health", Json => api::health),
    route!(Get "/api/v1/health/details", Json => api::health_details),
    route!(Post "/api/v1/auth/login", Json => api::auth::login),
    route!(Post "/api/v1/auth/logout", Json => api::auth::logout),
    route!(Post "/api/v1/applications", Json => api::applications::submit),
    route!(Get "/api/v1/applications/{number}", Json => api::applications::read, "number"),
    route!(Post "/api/v1/applications/{number}/status", Json => api::applications::status, "number"),
    route!(Post "/api/v1/applications/{number}/access", Json => api::applications::access, "number"),
    route!(Post "/api/v1/applications/{number}/actions", Json => api::applications::act, "number"),
    route!(Get "/api/v1/applications/{number}/events", Json => api::applications::events, "number"),
    route!(Post "/api/v1/applications/{number}/documents", Json => api::documents::upload, "number"),
    route!(Get "/api/v1/applications/{number}/documents", Json => api::documents::list, "number"),
    route!(Post "/api/v1/applications/{number}/products/{product}/draft", Json => api::products::attach_draft, "number", "product"),
    route!(Get "/api/v1/applications/{number}/products/{product}/draft", Json => api::products::draft, "number", "product"),
    route!(Get "/api/v1/applications/{number}/products/{product}/signed", Json => api::products::signed, "number", "product"),
    route!(Get "/api/v1/verifications/{code}", Json => api::products::verification, "code"),
    route!(Get "/api/v1/queue", Json => api::queue::list),
    route!(Post "/api/v1/messages/{id}/resend", Json => api::messages::resend, "id"),
    route!(Post "/api/v1/messages/{id}/requeue", Json => api::messages::requeue, "id"),
    route!(Get "/api/v1/fees/reconciliation", Json => api::messages::reconciliation),
    route!(Get "/api/v1/villages", Json => api::villages::list),
    route!(Post "/api/v1/complaints", Json => api::complaints::submit),
    route!(Get "/api/v1/complaints", Json => api::complaints::list),
    route!(Get "/api/v1/complaints/{ticket}", Json => api::complaints::read, "ticket"),
    route!(Post "/api/v1/complaints/{ticket}/status", Json => api::complaints::status, "ticket"),
    route!(Post "/api/v1/complaints/{ticket}/actions", Json => api::complaints::act, "ticket"),
    // ---- Signed reports from the SMS gateway and the courier
    route!(Post "/webhooks/sms/twilio", Json => api::webhooks::twilio_status),
    route!(Post "/webhooks/sms/inbound", Json => api::webhooks::twilio_inbound),
    route!(Post "/webhooks/courier", Json => api::webhooks::courier_status),
    // ---- Citizens' pages
    route!(Get "/", Page => pages::public::landing),
    route!(Get "/ajukan", Page => pages::apply::form_page),
    route!(Post "/ajukan", Page => pages::apply::submit),
    route!(Post "/ajukan/ulang", Page => pages::public::resubmit),
    route!(Get "/ajukan/selesai/{number}", Page => pages::apply::confirmation, "number"),
    route!(Get "/lacak", Page => pages::public::track_form),
    // The short links in SMS texts (`domain::messages::link`)
    route!(Get "/l/{number}", Page => pages::links::track, "number"),
    route!(Get "/u/{number}", Page => pages::links::upload, "number"),
    route!(Post "/lacak", Page => pages::public::track),
    route!(Get "/unggah/{number}", Page => pages::uploads::page, "number"),
    route!(Post "/unggah/{number}", Page => pages::uploads::submit, "number"),
    route!(Get "/pengaduan", Page => pages::complaints::public_form),
    route!(Post "/pengaduan", Page => pages::complaints::public_submit),
    route!(Get "/pengaduan/lacak", Page => pages::complaints::public_track_form),
    route!(Post "/pengaduan/lacak", Page => pages::complaints::public_track),
    route!(Get "/pengaduan/{ticket}", Page => pages::complaints::confirmation, "ticket"),
    route!(Get "/cetak/{token}", Page => pages::self_print::page, "token"),
    route!(Post "/cetak/{token}", Page => pages::self_print::send_code, "token"),
    route!(Post "/cetak/{token}/kode", Page => pages::self_print::verify_code, "token"),
    route!(Post "/cetak/{token}/baru", Page => pages::self_print::renew, "token"),
    route!(Get "/cetak/{token}/dokumen", Page => pages::self_print::documents, "token"),
    route!(Get "/cetak/{token}/dokumen/{product}", Page => pages::self_print::download, "token", "product"),
    route!(Get "/verifikasi", Page => pages::verify::form),
    route!(Get "/verifikasi/{code}", Page => pages::verify::page, "code"),
    // ---- A requirement document, for staff only (404 for anyone else)
    route!(Get "/documents/{id}", Page => pages::uploads::download, "id"),
    // ---- The staff UI
    route!(Get "/staff/login", Page => pages::login::form),
    route!(Post "/staff/login", Page => pages::login::submit),
    route!(Post "/staff/logout", Page => pages::login::logout),
    route!(Get "/staff", Page => pages::queue::page),
    route!(Post "/staff", Page => pages::queue::search),
    route!(Get "/staff/submit", Page => pages::apply::operator_form),
    route!(Post "/staff/submit", Page => pages::apply::operator_submit),
    route!(Get "/staff/applications/{number}", Page => pages::record::page, "number"),
    route!(Post "/staff/applications/{number}/actions", Page => pages::record::act, "number"),
    route!(Post "/staff/applications/{number}/products/{product}/draft", Page => pages::products::attach_draft, "number", "product"),
    route!(Get "/staff/applications/{number}/products/{product}/draft", Page => pages::products::draft, "number", "product"),
    route!(Get "/staff/applications/{number}/products/{product}/signed", Page => pages::products::signed, "number", "product"),
    route!(Get "/staff/applications/{number}/surat-pengantar", Page => pages::products::cover_letter, "number"),
    route!(Get "/staff/applications/{number}/tanda-terima", Page => pages::village::receipt, "number"),
    route!(Get "/staff/applications/{number}/ajukan-ulang", Page => pages::apply::operator_resubmission_form, "number"),
    route!(Post "/staff/messages/{id}/resend", Page => pages::record::resend, "id"),
    route!(Get "/staff/complaints", Page => pages::complaints::staff_list),
    route!(Post "/staff/complaints", Page => pages::complaints::staff_log),
    route!(Get "/staff/complaints/{ticket}", Page => pages::complaints::staff_detail, "ticket"),
    route!(Post "/staff/complaints/{ticket}/actions", Page => pages::complaints::staff_act, "ticket"),
    route!(Get "/staff/dashboard", Page => pages::dashboard::page),
    route!(Get "/staff/berkas-kembali", Page => pages::returns::page),
    route!(Get "/staff/export.csv", Page => pages::export::download),
    route!(Get "/staff/laporan-desa", Page => pages::village::report),
    route!(Get "/staff/admin", Page => pages::admin::page),
    route!(Get "/staff/admin/access", Page => pages::access_log::page),
    route!(Get "/staff/admin/health", Page => pages::health::page),
    route!(Post "/staff/admin/health/alerts", Page => pages::health::page),
    route!(Get "/staff/admin/access.csv", Page => pages::access_log::download),
    route!(Post "/staff/admin/staff", Page => pages::admin::act),
    route!(Post "/staff/admin/staff/{id}/update", Page => pages::admin::act),
    route!(Post "/staff/admin/staff/{id}/disable", Page => pages::admin::act),
    route!(Post "/staff/admin/staff/{id}/enable", Page => pages::admin::act),
    route!(Post "/staff/admin/staff/{id}/password", Page => pages::admin::act),
    route!(Post "/staff/admin/sessions/{hash}/revoke", Page => pages::admin::act),
    route!(Post "/staff/admin/keys", Page => pages::admin::act),
    route!(Post "/staff/admin/keys/{id}/revoke", Page => pages::admin::act),
];

/// The values of a route's `{name}` segments, in the order of the pattern.
#[derive(Debug, Default)]
pub struct Params(Vec<(&'static str, String)>);

impl Params {
    /// The value of `{name}`; empty when the pattern has no such segment
    /// (a route-table mistake that the tests below catch).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

/// What the table says about one request.
pub enum Found<'r> {
    Route(&'r Route, Params),
    /// The path exists, but not for this method: the methods it has.
    WrongMethod(Kind, Vec<Method>),
    NotFound(Kind),
}

/// Matches `path` against `pattern`; the parameters when it matches.
fn matches(pattern: &'static str, path: &str) -> Option<Params> {
    let mut params = Vec::new();
    let mut wanted = segments(pattern);
    let mut given = segments(path);
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(Params(params)),
            (Some(w), Some(g)) => {
                if let Some(name) = w.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
                    if g.is_empty() {
                        return None;
                    }
                    params.push((name, g.to_string()));
                } else if w != g {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// The segments of a path; a trailing slash is ignored (`/staff/` is `/staff`).
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_end_matches('/').split('/').skip(1)
}

/// How an unknown path answers: JSON under the API and webhooks, a page elsewhere.
fn kind_of(path: &str) -> Kind {
    if path.starts_with("/api/") || path.starts_with("/webhooks/") || path == "/health" {
        Kind::Json
    } else {
        Kind::Page
    }
}

/// What the table says about a request whose method it does not know at
/// all (the `worker` crate reads an unknown method such as `QUERY` as GET,
/// so the edge checks the raw method and asks this instead of `find`), and
/// about any request `find` has no route for: the path's methods, or 404.
pub fn unknown_method(table: &[Route], path: &str) -> Found<'static> {
    let mut allowed: Vec<Method> = Vec::new();
    let mut kind = None;
    for route in table {
        if matches(route.pattern, path).is_some() {
            kind.get_or_insert(route.kind);
            if !allowed.contains(&route.method) {
                allowed.push(route.method.clone());
            }
        }
    }
    match kind {
        Some(kind) => Found::WrongMethod(kind, allowed),
        None => Found::NotFound(kind_of(path)),
    }
}

/// The first row of the table with this method whose pattern matches.
pub fn find<'r>(table: &'r [Route], method: &Method, path: &str) -> Found<'r> {
    for route in table.iter().filter(|r| r.method == *method) {
        if let Some(params) = matches(route.pattern, path) {
            return Found::Route(route, params);
        }
    }
    unknown_method(table, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(method: Method, path: &str) -> String {
        match find(ROUTES, &method, path) {
            Found::Route(r, p) => format!("{} {:?}", r.pattern, p.0),
            Found::WrongMethod(k, m) => format!("405 {k:?} {m:?}"),
            Found::NotFound(k) => format!("404 {k:?}"),
        }
    }

    #[test]
    fn a_path_with_a_parameter_hands_its_value_to_the_handler() {
        assert_eq!(
            found(Method::Get, "/api/v1/applications/ABCD-EFGH2"),
            "/api/v1/applications/{number} [(\"number\", \"ABCD-EFGH2\")]"
        );
        assert_eq!(
            found(Method::Post, "/staff/admin/staff/7/disable"),
            "/staff/admin/staff/{id}/disable [(\"id\", \"7\")]"
        );
    }

    #[test]
    fn a_literal_segment_wins_over_a_parameter_and_a_trailing_slash_is_ignored() {
        assert_eq!(
            found(Method::Get, "/pengaduan/lacak"),
            "/pengaduan/lacak []"
        );
        assert_eq!(found(Method::Get, "/staff/"), "/staff []");
        assert_eq!(found(Method::Get, "/"), "/ []");
    }

    #[test]
    fn a_known_path_with_another_method_lists_the_allowed_methods() {
        assert_eq!(
            found(Method::Get, "/api/v1/applications"),
            "405 Json [Post]"
        );
        assert_eq!(found(Method::Delete, "/ajukan"), "405 Page [Get, Post]");
        assert_eq!(
            found(Method::Put, "/api/v1/applications/X/documents"),
            "405 Json [Post, Get]"
        );
        assert_eq!(found(Method::Get, "/staff/logout"), "405 Page [Post]");
    }

    #[test]
    fn an_unknown_method_is_405_on_a_known_path_and_404_elsewhere() {
        let text = |f: Found<'_>| match f {
            Found::Route(r, _) => r.pattern.to_string(),
            Found::WrongMethod(k, m) => format!("405 {k:?} {m:?}"),
            Found::NotFound(k) => format!("404 {k:?}"),
        };
        assert_eq!(
            text(unknown_method(ROUTES, "/api/v1/queue")),
            "405 Json [Get]"
        );
        assert_eq!(text(unknown_method(ROUTES, "/api/v1/nothing")), "404 Json");
    }

    #[test]
    fn an_unknown_path_is_404_as_json_under_the_api_and_as_a_page_elsewhere() {
        assert_eq!(found(Method::Get, "/api/v1/nothing-here"), "404 Json");
        assert_eq!(found(Method::Get, "/staff/nothing-here"), "404 Page");
        assert_eq!(
            found(Method::Get, "/api/v1/applications//actions"),
            "404 Json"
        );
    }

    #[test]
    fn the_const_check_finds_a_parameter_only_where_it_is() {
        assert!(contains(
            "/api/v1/applications/{number}/actions",
            "{number}"
        ));
        assert!(!contains("/api/v1/applications/{number}/actions", "{id}"));
        assert!(!contains("/x", "{number}"));
    }

    #[test]
    fn pattern_parameters_have_known_names() {
        for route in ROUTES {
            let names: Vec<&str> = route
                .pattern
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|n| n.strip_suffix('}')))
                .collect();
            for name in &names {
                assert!(
                    ["number", "id", "ticket", "hash", "product", "code", "token"].contains(name),
                    "{}",
                    route.pattern
                );
            }
        }
    }

    #[test]
    fn no_two_routes_share_a_method_and_pattern() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    !(a.method == b.method && a.pattern == b.pattern),
                    "{:?} {}",
                    a.method,
                    a.pattern
                );
            }
        }
    }
}
