//! `GET /staff/admin/access`: the access log for the administrator — who
//! read or changed which record when, reads and workflow changes in one
//! timeline, newest first, filtered by officer, registration number and
//! WIB dates, keyset-paged — and `GET /staff/admin/access.csv`, the same
//! selection as a download. The use case is `app::access_log`'s.

use askama::Template;
use worker::Request;

use super::complaints::Choice;
use super::export::csv_response;
use super::officer;
use super::{error_page, html, urlencode, wib, PageResult, Session};
use crate::app::access_log::{csv, outcome_label, role_label, timeline, LogQuery, Timeline};
use crate::app::{AppError, Ctx};
use crate::web::request::query_pairs;

pub struct Line {
    pub at: String,
    pub officer: String,
    pub officer_id: Option<i64>,
    pub role: &'static str,
    pub number: String,
    pub outcome: &'static str,
    pub outcome_code: &'static str,
    pub action: String,
}

#[derive(Template)]
#[template(path = "access_log.html", whitespace = "minimize")]
struct AccessPage {
    session: Option<Session>,
    officers: Vec<Choice>,
    number: String,
    from: String,
    to: String,
    error: Option<String>,
    lines: Vec<Line>,
    next_link: Option<String>,
    csv_link: String,
}

/// The filter's query string (without the cursor), for the next page and
/// the CSV link.
fn filter_query(q: &LogQuery<'_>) -> String {
    [
        ("officer", q.officer),
        ("nomor", q.number),
        ("from", q.from),
        ("to", q.to),
    ]
    .iter()
    .filter_map(|(k, v)| {
        v.filter(|v| !v.trim().is_empty())
            .map(|v| format!("{k}={}", urlencode(v.trim())))
    })
    .collect::<Vec<_>>()
    .join("&")
}

fn page_of(
    session: Session,
    q: &LogQuery<'_>,
    t: Option<Timeline>,
    error: Option<String>,
) -> AccessPage {
    let filter = filter_query(q);
    let (lines, next_link, officers, from, to) = match t {
        Some(t) => (
            t.entries
                .into_iter()
                .map(|e| Line {
                    at: wib(e.at),
                    officer: e.officer_name.unwrap_or_else(|| "—".into()),
                    officer_id: e.officer_id,
                    role: e.role_label,
                    number: e.registration_number,
                    outcome: outcome_label(e.outcome),
                    outcome_code: e.outcome,
                    action: e.action_label,
                })
                .collect(),
            t.next_cursor.map(|c| {
                let sep = if filter.is_empty() { "" } else { "&" };
                format!("/staff/admin/access?{filter}{sep}cursor={}", urlencode(&c))
            }),
            t.officers
                .iter()
                .map(|o| Choice {
                    value: o.id.to_string(),
                    label: format!("{} ({})", o.display_name, role_label(&o.role)),
                    selected: q.officer.map(str::trim) == Some(o.id.to_string().as_str()),
                })
                .collect(),
            t.range.from.to_string(),
            t.range.to.to_string(),
        ),
        None => (
            Vec::new(),
            None,
            Vec::new(),
            q.from.unwrap_or_default().to_string(),
            q.to.unwrap_or_default().to_string(),
        ),
    };
    AccessPage {
        session: Some(session),
        officers,
        number: q.number.unwrap_or_default().trim().to_string(),
        from,
        to,
        error,
        lines,
        next_link,
        csv_link: format!("/staff/admin/access.csv?{filter}"),
    }
}

fn log_query(pairs: &[(String, String)]) -> LogQuery<'_> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    LogQuery {
        officer: get("officer"),
        number: get("nomor"),
        from: get("from"),
        to: get("to"),
        cursor: get("cursor"),
    }
}

/// `GET /staff/admin/access?officer=&nomor=&from=&to=&cursor=`.
pub async fn page(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    let pairs = query_pairs(&req)?;
    let q = log_query(&pairs);
    match timeline(ctx, &session.staff, &q).await {
        Ok(t) => html(200, &page_of(session, &q, Some(t), None)),
        Err(AppError::InvalidField(f)) => {
            let message = format!(
                "Periksa saringan — {}: {}.",
                field_label(&f.field),
                f.message
            );
            html(422, &page_of(session, &q, None, Some(message)))
        }
        Err(e) if e.is_internal() => Err(e),
        Err(e) => error_page(&e, Some(session)),
    }
}

fn field_label(field: &str) -> &str {
    match field {
        "officer" => "petugas",
        "number" => "nomor pendaftaran",
        "from" => "dari tanggal",
        "to" => "sampai tanggal",
        "cursor" => "halaman",
        other => other,
    }
}

/// `GET /staff/admin/access.csv?…`: the same filter, every page, as CSV.
pub async fn download(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    let pairs = query_pairs(&req)?;
    match csv(ctx, &session.staff, &log_query(&pairs)).await {
        Ok(file) => csv_response(&file.filename, file.body),
        Err(e) if e.is_internal() => Err(e),
        Err(e) => error_page(&e, Some(session)),
    }
}
