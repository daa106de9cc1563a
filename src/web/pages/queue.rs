//! The work queue (*antrian*): what waits for the officer's role, oldest
//! first, with filters, search (registration number, NIK or name) and
//! keyset paging.
//!
//! A search term may be a NIK or a name, so it never travels in a URL
//! (browser history, proxies and logs keep URLs): the search box posts
//! (`POST /staff`) and so does the next page of a search. The other filters
//! are not personal data and stay in the query string, so a filtered queue
//! can still be bookmarked; `GET /staff` ignores any `q`.

use askama::Template;

use super::officer;
use worker::Request;

use super::{
    csrf_token, form, html, redirect, to_sign_in, urlencode, waited, PageResult, Session,
    SESSION_COOKIE,
};
use crate::app::queue::{staff_list, ListAnswer, ListPage, ListQuery, Listing, Viewer};
use crate::app::AppError;
use crate::app::Ctx;
use crate::domain::ids::Nik;
use crate::domain::roles::Role;
use crate::domain::services::Service;
use crate::domain::workflow::Status;
use crate::store::applications::PlaceRow;
use crate::web::request::cookies;

const PAGE_SIZE: u32 = 50;

/// The fields that narrow the queue without naming anyone: they may travel
/// in a URL (unlike the search term `q`).
const FILTERS: [&str; 5] = ["status", "service", "kecamatan", "village", "cursor"];

pub struct Row {
    pub number: String,
    pub status: String,
    pub services: String,
    pub name: String,
    pub nik: String,
    pub village: String,
    pub waited: String,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The way to the next page.
pub enum Next {
    /// Without a search: a plain link carrying only the filters.
    Link(String),
    /// With a search: a form posting these fields (the term among them), so
    /// the term stays out of the URL.
    Post(Vec<(String, String)>),
}

#[derive(Template)]
#[template(path = "queue.html", whitespace = "minimize")]
struct QueuePage {
    session: Option<Session>,
    heading: String,
    rows: Vec<Row>,
    q: String,
    statuses: Vec<Choice>,
    services: Vec<Choice>,
    kecamatan: Vec<Choice>,
    villages: Vec<Choice>,
    next: Option<Next>,
    searching: bool,
}

fn choices<I: IntoIterator<Item = (String, String)>>(
    items: I,
    selected: Option<&str>,
) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: Some(value.as_str()) == selected,
            value,
            label,
        })
        .collect()
}

fn params(req: &Request) -> Vec<(String, String)> {
    crate::web::request::Target::of(req).pairs()
}

fn param<'a>(all: &'a [(String, String)], name: &str) -> Option<&'a str> {
    all.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The filters among some fields, in a fixed order, blank ones dropped.
fn filters(all: &[(String, String)]) -> Vec<(String, String)> {
    FILTERS
        .iter()
        .filter_map(|name| param(all, name).map(|v| (name.to_string(), v.to_string())))
        .collect()
}

/// `/staff` with these fields as its query string.
fn queue_link(fields: &[(String, String)]) -> String {
    let query: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect();
    if query.is_empty() {
        "/staff".into()
    } else {
        format!("/staff?{}", query.join("&"))
    }
}

/// `GET /staff`: the queue with the filters of the query string. A `q`
/// there is ignored (and not shown): a search is posted.
///
/// One round trip for an officer's own queue: the session check, the
/// filters' places and the page in one batch (`staff_list` with the token).
pub async fn page(req: Request, ctx: &Ctx) -> PageResult {
    let fields = filters(&params(&req));
    let Some(token) = cookies(&req).remove(SESSION_COOKIE) else {
        return to_sign_in(&req);
    };
    let query = list_query(String::new(), &fields);
    match staff_list(ctx, Viewer::Token(&token), &query, PAGE_SIZE).await? {
        ListAnswer::Done(Some(staff), listing) => {
            render(ctx, session_of(staff, &token), query, &fields, listing)
        }
        ListAnswer::Again(staff) => {
            show(ctx, session_of(staff, &token), String::new(), &fields).await
        }
        // (`Done` without its officer is never a token's answer.)
        ListAnswer::NoSession | ListAnswer::Done(None, _) => to_sign_in(&req),
    }
}

fn session_of(staff: crate::app::Staff, token: &str) -> Session {
    Session {
        staff,
        csrf: csrf_token(token),
    }
}

/// `POST /staff`: a search (the term, the filters and, for a later page, a
/// cursor in the body). Without a term it is a plain filtering, answered
/// with the way to `GET /staff?…`, so that page can be bookmarked.
pub async fn search(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    let posted = form(req, &session).await?;
    let fields = filters(&posted.0);
    match posted.text("q") {
        Some(q) => show(ctx, session, q, &fields).await,
        None => redirect(&queue_link(&fields)),
    }
}

/// What an officer asked of the list: a search term (empty: none) and the
/// filters among `fields`.
fn list_query(q: String, fields: &[(String, String)]) -> ListQuery {
    ListQuery {
        q,
        status: param(fields, "status").map(String::from),
        service: param(fields, "service").map(String::from),
        kecamatan: param(fields, "kecamatan").map(String::from),
        village: param(fields, "village").map(String::from),
        cursor: param(fields, "cursor").map(String::from),
    }
}

/// The queue page for a search term (empty: none) and filters.
async fn show(ctx: &Ctx, session: Session, q: String, fields: &[(String, String)]) -> PageResult {
    let query = list_query(q, fields);
    match staff_list(ctx, Viewer::Staff(&session.staff), &query, PAGE_SIZE).await? {
        ListAnswer::Done(_, listing) => render(ctx, session, query, fields, listing),
        // (An officer's list is always done.)
        _ => Err(AppError::internal("queue", "list")),
    }
}

/// The page of a listing (or the record a registration number opens).
fn render(
    ctx: &Ctx,
    session: Session,
    query: ListQuery,
    fields: &[(String, String)],
    listing: Listing,
) -> PageResult {
    let listing = match listing {
        Listing::Open(number) => {
            return redirect(&format!("/staff/applications/{}", number.as_str()))
        }
        Listing::Page(listing) => listing,
    };
    let q = query.q;
    let ListPage {
        rows,
        next_cursor,
        statuses: allowed,
        status,
        service,
        kecamatan_places: kecamatan_rows,
        village_places: village_rows,
    } = listing;
    let kecamatan = query.kecamatan;
    let village = query.village;
    let role = session.staff.role;
    let next = next_cursor.map(|cursor| next_page(&q, fields, cursor));
    let view: Vec<Row> = rows
        .iter()
        .map(|r| Row {
            number: r.registration_number.clone(),
            status: r.status.label().to_string(),
            services: r
                .services
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .filter_map(Service::parse)
                .map(Service::label)
                .collect::<Vec<_>>()
                .join(", "),
            name: r.applicant_name.clone(),
            nik: Nik::parse(&r.applicant_nik)
                .map(|n| n.masked())
                .unwrap_or_default(),
            village: r
                .village_name
                .clone()
                .unwrap_or_else(|| r.village_code.clone()),
            waited: waited(r.status_since, ctx.now),
        })
        .collect();
    let heading = match role {
        Role::VillageOperator => "Semua permohonan desa/kelurahan Anda".to_string(),
        Role::Admin => "Semua permohonan yang masih berjalan".to_string(),
        Role::ComplaintsOfficer => "Cari permohonan".to_string(),
        other => format!("Antrian {}", other.label()),
    };
    let page = QueuePage {
        heading,
        rows: view,
        q: q.clone(),
        statuses: choices(
            allowed
                .iter()
                .map(|s| (s.code().to_string(), s.label().to_string())),
            status.map(Status::code),
        ),
        services: choices(
            Service::ALL
                .iter()
                .map(|s| (s.code().to_string(), s.label().to_string())),
            service.map(Service::code),
        ),
        kecamatan: choices(kecamatan_rows.iter().map(place), kecamatan.as_deref()),
        villages: choices(
            village_rows
                .iter()
                .filter(|v| {
                    kecamatan.is_none() || v.kecamatan_code.as_deref() == kecamatan.as_deref()
                })
                .map(place),
            village.as_deref(),
        ),
        next,
        searching: !q.is_empty(),
        session: Some(session),
    };
    html(200, &page)
}

/// The next page: the same term and filters after `cursor`.
fn next_page(q: &str, fields: &[(String, String)], cursor: String) -> Next {
    let mut kept: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| k != "cursor")
        .cloned()
        .collect();
    kept.push(("cursor".into(), cursor));
    if q.is_empty() {
        Next::Link(queue_link(&kept))
    } else {
        kept.insert(0, ("q".into(), q.to_string()));
        Next::Post(kept)
    }
}

fn place(p: &PlaceRow) -> (String, String) {
    (p.code.clone(), p.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn only_the_filters_are_kept_never_the_term() {
        let given = pairs(&[
            ("q", "3312014502900001"),
            ("village", "3312010001"),
            ("status", " "),
            ("csrf", "x"),
            ("service", "family_card"),
        ]);
        assert_eq!(
            filters(&given),
            pairs(&[("service", "family_card"), ("village", "3312010001")])
        );
    }

    #[test]
    fn the_next_page_of_a_search_is_posted_and_of_a_queue_linked() {
        let fields = pairs(&[("status", "submitted"), ("cursor", "old")]);
        match next_page("", &fields, "new".into()) {
            Next::Link(link) => assert_eq!(link, "/staff?status=submitted&cursor=new"),
            Next::Post(_) => panic!("a queue without a search pages by link"),
        }
        match next_page("Sri Rahayu", &fields, "new".into()) {
            Next::Post(posted) => assert_eq!(
                posted,
                pairs(&[
                    ("q", "Sri Rahayu"),
                    ("status", "submitted"),
                    ("cursor", "new")
                ])
            ),
            Next::Link(link) => panic!("a search must not page by link: {link}"),
        }
    }

    #[test]
    fn an_empty_filtering_links_to_the_bare_queue() {
        assert_eq!(queue_link(&[]), "/staff");
    }
}
