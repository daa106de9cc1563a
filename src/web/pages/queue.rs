//! The work queue (*antrian*): what waits for the officer's role, oldest
//! first, with filters, search (registration number, NIK or name) and
//! keyset paging.

use askama::Template;

use super::officer;
use worker::Request;

use super::{html, redirect, urlencode, waited, PageResult, Session};
use crate::app::queue::{staff_list, ListPage, ListQuery, Listing};
use crate::app::Ctx;
use crate::domain::ids::Nik;
use crate::domain::roles::Role;
use crate::domain::services::Service;
use crate::domain::workflow::Status;
use crate::store::applications::PlaceRow;

const PAGE_SIZE: u32 = 50;

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

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    session: Option<Session>,
    heading: String,
    rows: Vec<Row>,
    q: String,
    statuses: Vec<Choice>,
    services: Vec<Choice>,
    kecamatan: Vec<Choice>,
    villages: Vec<Choice>,
    next_link: Option<String>,
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
    req.url()
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

fn param<'a>(all: &'a [(String, String)], name: &str) -> Option<&'a str> {
    all.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

pub async fn page(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    let all = params(&req);
    let q = param(&all, "q").unwrap_or_default().to_string();
    let query = ListQuery {
        q: q.clone(),
        status: param(&all, "status").map(String::from),
        service: param(&all, "service").map(String::from),
        kecamatan: param(&all, "kecamatan").map(String::from),
        village: param(&all, "village").map(String::from),
        cursor: param(&all, "cursor").map(String::from),
    };
    let listing = match staff_list(ctx, &session.staff, &query, PAGE_SIZE).await? {
        Listing::Open(number) => {
            return redirect(&format!("/staff/applications/{}", number.as_str()))
        }
        Listing::Page(listing) => listing,
    };
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
    let next_link = next_cursor.map(|cursor| {
        let kept: String = all
            .iter()
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| format!("&{}={}", urlencode(k), urlencode(v)))
            .collect();
        format!("/staff?cursor={cursor}{kept}")
    });
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
        Role::VillageOperator => "Permohonan desa/kelurahan Anda yang masih berjalan".to_string(),
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
        next_link,
        searching: !q.is_empty(),
        session: Some(session),
    };
    html(200, &page)
}

fn place(p: &PlaceRow) -> (String, String) {
    (p.code.clone(), p.name.clone())
}
