//! The work queue and the filtered list: keyset pages on the queue indexes,
//! and the kecamatan and villages for the filters.

use serde::Deserialize;

use crate::store::Timestamp;

use crate::domain::application::DeliveryMethod;
use crate::domain::workflow::Status;
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

use super::super::{int, text, Batch, Db, StoreResult};

#[derive(Debug, Deserialize)]
pub struct QueueRow {
    pub registration_number: String,
    pub status: Status,
    pub status_since: Timestamp,
    pub applicant_name: String,
    pub applicant_nik: String,
    pub village_code: String,
    pub village_name: Option<String>,
    pub delivery_method: DeliveryMethod,
    pub version: i64,
    pub services: Option<String>,
}

/// Which rows a queue lists; each variant is served by one index, so a page
/// costs the same at any table size.
#[derive(Debug, PartialEq, Eq)]
pub enum QueueScope<'a> {
    /// `applications_queue`: waiting for this role.
    Role(&'a str),
    /// `applications_by_status`: one status.
    Status(&'a str),
    /// `applications_by_village`: a village's open applications.
    Village(&'a str),
    /// `applications_open`: everything open (admin).
    AllOpen,
    /// `applications_queue`: waiting for the role of the session whose
    /// token hash this is. Lets the page ride in the session check's batch
    /// (one round trip); its rows mean something only to a caller who has
    /// read that session as live and as one of the roles with a queue.
    RoleOfSession(&'a str),
}

/// The SQL of a queue page. Params: ?1 the scope's key, ?2/?3 the cursor
/// (status_since, registration_number; empty strings start at the
/// beginning), ?4 the page size + 1 (to know whether a next page exists).
/// Public so the end-to-end tests can check its query plan on real D1.
pub fn queue_sql(scope: &QueueScope<'_>) -> String {
    let filter = match scope {
        QueueScope::Role(_) => "a.awaiting_role = ?1",
        QueueScope::Status(_) => "a.status = ?1",
        QueueScope::Village(_) => "a.village_code = ?1 AND a.awaiting_role IS NOT NULL",
        QueueScope::AllOpen => "a.awaiting_role IS NOT NULL AND ?1 = ?1",
        QueueScope::RoleOfSession(_) => {
            "a.awaiting_role = (SELECT role FROM sessions WHERE token_hash = ?1)"
        }
    };
    format!(
        "SELECT a.registration_number, a.status, a.status_since, a.applicant_name, a.applicant_nik, a.village_code, \
                v.name AS village_name, a.delivery_method, a.version, \
                (SELECT group_concat(s.service) FROM application_services s \
                  WHERE s.registration_number = a.registration_number) AS services \
         FROM applications a LEFT JOIN villages v ON v.code = a.village_code \
         WHERE {filter} AND (a.status_since, a.registration_number) > (?2, ?3) \
         ORDER BY a.status_since, a.registration_number \
         LIMIT ?4"
    )
}

/// A keyset page, oldest first.
pub async fn queue_page(
    db: &Db,
    scope: &QueueScope<'_>,
    after: Option<(&str, &str)>,
    limit: u32,
) -> StoreResult<Vec<QueueRow>> {
    db.all(&queue_sql(scope), &queue_params(scope, after, limit))
        .await
}

/// The same page as a statement, for a batch.
pub fn queue_statement(
    db: &Db,
    scope: &QueueScope<'_>,
    after: Option<(&str, &str)>,
    limit: u32,
) -> StoreResult<D1PreparedStatement> {
    db.prepare(&queue_sql(scope), &queue_params(scope, after, limit))
}

fn queue_params(scope: &QueueScope<'_>, after: Option<(&str, &str)>, limit: u32) -> [JsValue; 4] {
    let key = match scope {
        QueueScope::Role(k)
        | QueueScope::Status(k)
        | QueueScope::Village(k)
        | QueueScope::RoleOfSession(k) => *k,
        QueueScope::AllOpen => "",
    };
    let (since, number) = after.unwrap_or(("", ""));
    [
        text(key),
        text(since),
        text(number),
        int(i64::from(limit) + 1),
    ]
}

/// The staff UI's list: a queue scope narrowed by filters, or a search.
pub struct ListFilter<'a> {
    pub scope: QueueScope<'a>,
    pub status: Option<&'a str>,
    pub service: Option<&'a str>,
    /// "33.12.01"
    pub kecamatan: Option<&'a str>,
    pub village: Option<&'a str>,
    pub search: Option<Search<'a>>,
}

/// A search finds applications in any status the viewer may see, through
/// its own index (NIK exact, or name prefix).
pub enum Search<'a> {
    Nik(&'a str),
    NamePrefix(&'a str),
}

/// One page of the filtered list after `after` (the last row's
/// (status_since, number), or (name, number) for a name search), oldest
/// first or, for a name search, by name. The scope's index drives the scan
/// (or the search's index); the filters narrow it.
fn list_statement(
    db: &Db,
    f: &ListFilter<'_>,
    after: Option<(&str, &str)>,
    limit: u32,
) -> StoreResult<D1PreparedStatement> {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<JsValue> = Vec::new();
    let mut param = |value: JsValue| {
        params.push(value);
        format!("?{}", params.len())
    };
    match &f.search {
        Some(Search::Nik(nik)) => clauses.push(format!("a.applicant_nik = {}", param(text(nik)))),
        Some(Search::NamePrefix(prefix)) => {
            let escaped = prefix
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            clauses.push(format!(
                "a.applicant_name LIKE {} ESCAPE '\\'",
                param(text(&format!("{escaped}%")))
            ));
        }
        None => {}
    }
    match (&f.scope, f.search.is_some()) {
        (QueueScope::Village(code), _) => {
            clauses.push(format!("a.village_code = {}", param(text(code))))
        }
        (_, true) => {}
        (QueueScope::Role(role), false) => {
            clauses.push(format!("a.awaiting_role = {}", param(text(role))))
        }
        (QueueScope::RoleOfSession(hash), false) => clauses.push(format!(
            "a.awaiting_role = (SELECT role FROM sessions WHERE token_hash = {})",
            param(text(hash))
        )),
        (QueueScope::Status(status), false) => {
            clauses.push(format!("a.status = {}", param(text(status))))
        }
        (QueueScope::AllOpen, false) => clauses.push("a.awaiting_role IS NOT NULL".into()),
    }
    if let Some(status) = f.status {
        clauses.push(format!("a.status = {}", param(text(status))));
    }
    if let Some(service) = f.service {
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM application_services s2 WHERE s2.registration_number = a.registration_number AND s2.service = {})",
            param(text(service))
        ));
    }
    if let Some(kecamatan) = f.kecamatan {
        clauses.push(format!("v.kecamatan_code = {}", param(text(kecamatan))));
    }
    if let Some(village) = f.village {
        clauses.push(format!("a.village_code = {}", param(text(village))));
    }
    // A name search pages along applications_by_name, alphabetically: a
    // page of a common prefix ("Sri", a tenth of the regency) reads its 51
    // rows, not every match sorted by time. Everything else pages by time.
    let order = match f.search {
        Some(Search::NamePrefix(_)) => "a.applicant_name COLLATE NOCASE, a.registration_number",
        _ => "a.status_since, a.registration_number",
    };
    let (at, number) = after.unwrap_or(("", ""));
    clauses.push(format!(
        "({order}) > ({}, {})",
        param(text(at)),
        param(text(number))
    ));
    let limit_param = param(int(i64::from(limit) + 1));
    let sql = format!(
        "SELECT a.registration_number, a.status, a.status_since, a.applicant_name, a.applicant_nik, a.village_code, \
                v.name AS village_name, a.delivery_method, a.version, \
                (SELECT group_concat(s.service) FROM application_services s \
                  WHERE s.registration_number = a.registration_number) AS services \
         FROM applications a LEFT JOIN villages v ON v.code = a.village_code \
         WHERE {} \
         ORDER BY {order} \
         LIMIT {limit_param}",
        clauses.join(" AND ")
    );
    db.prepare(&sql, &params)
}

#[derive(Debug, Deserialize)]
pub struct PlaceRow {
    pub code: String,
    pub name: String,
    pub kecamatan_code: Option<String>,
}

/// The places for the list's filters (every kecamatan and village, by
/// name) and, when asked, one page of the list (see [`list_statement`]), in
/// one round trip after `head` (statements of the caller's, e.g. the
/// session check, whose results are the batch's first). The batch is
/// returned for them.
pub async fn places_and_page(
    db: &Db,
    head: Vec<D1PreparedStatement>,
    page: Option<PageAsked<'_, '_>>,
) -> StoreResult<(Batch, Listed)> {
    let first = head.len();
    let mut batch = head;
    batch.push(db.prepare(
        "SELECT code, name, NULL AS kecamatan_code FROM kecamatan ORDER BY name",
        &[],
    )?);
    batch.push(db.prepare(
        "SELECT code, name, kecamatan_code FROM villages ORDER BY name",
        &[],
    )?);
    if let Some((f, after, limit)) = page {
        batch.push(list_statement(db, f, after, limit)?);
    }
    let results = db.batch(batch).await?;
    let listed = Listed {
        kecamatan: results.rows(first)?,
        villages: results.rows(first + 1)?,
        rows: if page.is_some() {
            results.rows(first + 2)?
        } else {
            Vec::new()
        },
    };
    Ok((results, listed))
}

/// A page of the list: its filter, the position after which it starts
/// (see [`list_statement`]) and its size.
pub type PageAsked<'f, 'a> = (&'f ListFilter<'a>, Option<(&'f str, &'f str)>, u32);

/// What [`places_and_page`] read.
pub struct Listed {
    pub kecamatan: Vec<PlaceRow>,
    pub villages: Vec<PlaceRow>,
    pub rows: Vec<QueueRow>,
}
