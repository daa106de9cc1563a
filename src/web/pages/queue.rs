//! The work queue (*antrian*): what waits for the officer's role, oldest
//! first, with filters, search (registration number, NIK or name) and
//! keyset paging.

use askama::Template;
use worker::Request;

use super::{html, redirect, require, urlencode, waited, PageResult, Session};
use crate::app::queue::Cursor;
use crate::app::AppError;
use crate::app::Ctx;
use crate::domain::ids::{Nik, RegistrationNumber};
use crate::domain::roles::Role;
use crate::domain::services::Service;
use crate::domain::workflow::Status;
use crate::store::applications::{list_page, places, ListFilter, PlaceRow, QueueScope, Search};

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

/// The statuses a role's queue holds (all of them for the administrator).
fn queue_statuses(role: Role) -> Vec<Status> {
    Status::ALL
        .into_iter()
        .filter(|s| {
            role == Role::Admin || role == Role::VillageOperator || s.awaiting_role() == Some(role)
        })
        .collect()
}

pub async fn page(req: Request, ctx: &Ctx) -> PageResult {
    let session = match require(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let all = params(&req);
    let q = param(&all, "q").unwrap_or_default().to_string();
    // A registration number goes straight to its record.
    if let Ok(number) = RegistrationNumber::parse(&q) {
        return redirect(&format!("/staff/applications/{}", number.as_str()));
    }
    let search = if q.is_empty() {
        None
    } else if q.chars().all(|c| c.is_ascii_digit()) {
        Some(OwnedSearch::Nik(
            Nik::parse(&q)
                .map_err(|e| AppError::invalid("q", e.to_string()))?
                .as_str()
                .to_string(),
        ))
    } else if q.chars().count() >= 2 {
        Some(OwnedSearch::Name(q.clone()))
    } else {
        return Err(AppError::invalid(
            "q",
            "ketik minimal 2 huruf nama, NIK 16 digit, atau nomor pendaftaran",
        ));
    };

    let role = session.staff.role;
    let allowed = queue_statuses(role);
    let status = param(&all, "status")
        .and_then(Status::parse)
        .filter(|s| allowed.contains(s));
    let service = param(&all, "service").and_then(Service::parse);
    let kecamatan = param(&all, "kecamatan").map(String::from);
    let village = param(&all, "village").map(String::from);
    let cursor = param(&all, "cursor").map(Cursor::decode).transpose()?;

    let own_village = session
        .staff
        .village
        .as_ref()
        .map(|v| v.as_str().to_string())
        .unwrap_or_default();
    let scope = match role {
        Role::VillageOperator => QueueScope::Village(&own_village),
        Role::Admin => QueueScope::AllOpen,
        other => QueueScope::Role(other.code()),
    };
    let filter = ListFilter {
        scope,
        status: status.map(Status::code),
        service: service.map(Service::code),
        kecamatan: kecamatan.as_deref(),
        village: village.as_deref(),
        search: search.as_ref().map(OwnedSearch::borrow),
    };
    let (kecamatan_rows, village_rows) = places(&ctx.db)
        .await
        .map_err(|e| AppError::internal("places", e))?;
    let mut rows = if role == Role::ComplaintsOfficer && search.is_none() {
        Vec::new()
    } else {
        let after = cursor
            .as_ref()
            .map(|c| (c.status_since.as_str(), c.registration_number.as_str()));
        list_page(&ctx.db, &filter, after, PAGE_SIZE)
            .await
            .map_err(|e| AppError::internal("queue", e))?
    };
    let next_link = (rows.len() > PAGE_SIZE as usize).then(|| {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| {
            let c = Cursor {
                status_since: r.status_since.clone(),
                registration_number: r.registration_number.clone(),
            };
            let kept: String = all
                .iter()
                .filter(|(k, _)| k != "cursor")
                .map(|(k, v)| format!("&{}={}", urlencode(k), urlencode(v)))
                .collect();
            format!("/staff?cursor={}{kept}", c.encode())
        })
    });
    let view: Vec<Row> = rows
        .iter()
        .map(|r| Row {
            number: r.registration_number.clone(),
            status: Status::parse(&r.status)
                .map(Status::label)
                .unwrap_or_default()
                .to_string(),
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
            waited: waited(&r.status_since, ctx.now),
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
        next_link: next_link.flatten(),
        searching: !q.is_empty(),
        session: Some(session),
    };
    html(200, &page)
}

fn place(p: &PlaceRow) -> (String, String) {
    (p.code.clone(), p.name.clone())
}

/// A search term owned by the page while the store borrows it.
enum OwnedSearch {
    Nik(String),
    Name(String),
}

impl OwnedSearch {
    fn borrow(&self) -> Search<'_> {
        match self {
            OwnedSearch::Nik(n) => Search::Nik(n),
            OwnedSearch::Name(p) => Search::NamePrefix(p),
        }
    }
}
