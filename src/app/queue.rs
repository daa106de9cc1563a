//! An officer's work queue (*antrian*), oldest first,
//! keyset-paginated with an opaque cursor so every page costs one index
//! range scan whatever the table size.

use super::{paging, AppError, Ctx, Staff};
use crate::domain::ids::{Nik, RegistrationNumber};
use crate::domain::roles::Role;
use crate::domain::services::Service;
use crate::domain::workflow::Status;
use crate::store::applications::{
    places_and_page, queue_page, queue_statement, ListFilter, PlaceRow, QueueRow, QueueScope,
    Search,
};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// The position after the last row of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub status_since: String,
    pub registration_number: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        paging::encode(&self.status_since, &self.registration_number)
    }

    pub fn decode(raw: &str) -> Result<Cursor, AppError> {
        let (since, number) = paging::decode(raw)?;
        let valid_time = since.len() == 24
            && since.ends_with('Z')
            && crate::domain::time::parse_rfc3339(&since).is_some();
        if !valid_time
            || RegistrationNumber::parse(&number).map(|n| n.as_str() == number) != Ok(true)
        {
            return Err(paging::bad_cursor());
        }
        Ok(Cursor {
            status_since: since,
            registration_number: number,
        })
    }

    /// The cursor after `row`.
    fn after(row: &QueueRow) -> String {
        Cursor {
            status_since: row.status_since.text(),
            registration_number: row.registration_number.clone(),
        }
        .encode()
    }
}

pub fn parse_limit(raw: Option<&str>) -> Result<u32, AppError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                AppError::invalid("limit", format!("limit harus angka 1 sampai {MAX_LIMIT}"))
            }),
    }
}

/// One page of an officer's work queue, oldest first.
pub struct WorkQueue {
    pub rows: Vec<QueueRow>,
    pub next_cursor: Option<String>,
}

/// The caller's work queue: their role's statuses (a village operator: their
/// village's open applications; the administrator: every open one),
/// optionally one status, `limit` rows after `cursor`.
pub async fn work_queue(
    ctx: &Ctx,
    staff: &Staff,
    limit: u32,
    cursor: Option<&str>,
    status: Option<&str>,
) -> Result<WorkQueue, AppError> {
    // An empty `cursor=` is the first page, like no cursor at all.
    let cursor = cursor
        .filter(|c| !c.is_empty())
        .map(Cursor::decode)
        .transpose()?;
    let status = match status {
        None => None,
        Some(code) => Some(Status::parse(code).ok_or_else(|| {
            AppError::invalid("status", format!("status '{code}' tidak dikenal"))
        })?),
    };
    let village_code = staff
        .village
        .as_ref()
        .map(|v| v.as_str().to_string())
        .unwrap_or_default();
    let scope = scope_for(staff.role, status, &village_code)?;
    // The complaints officer has no workflow queue (complaints come later).
    let mut rows = if staff.role == Role::ComplaintsOfficer {
        Vec::new()
    } else {
        let after = cursor
            .as_ref()
            .map(|c| (c.status_since.as_str(), c.registration_number.as_str()));
        queue_page(&ctx.db, &scope, after, limit).await?
    };
    let next_cursor = paging::cut(&mut rows, limit, Cursor::after);
    Ok(WorkQueue { rows, next_cursor })
}

/// The officer of `token` and their work queue's page after `cursor`, in
/// one round trip when it can be: the page of the session's role rides in
/// the session check's batch (`QueueScope::RoleOfSession`), and is used
/// only when the session is live and [`scope_for`] gives its role the
/// queue "waiting for the role" (the complaints officer's page is empty
/// either way). The administrator, a village operator and a cursor that
/// does not decode take a second round trip, so every answer (and its
/// precedence: 401 before 422) is the two-step one's.
pub async fn staff_and_work_queue(
    ctx: &Ctx,
    token: &str,
    limit: u32,
    cursor: Option<&str>,
) -> Result<(Staff, WorkQueue), AppError> {
    let decoded = match cursor.filter(|c| !c.is_empty()).map(Cursor::decode) {
        None => Ok(None),
        Some(Ok(c)) => Ok(Some(c)),
        Some(Err(e)) => Err(e),
    };
    let Ok(cursor_at) = decoded else {
        let staff = super::auth::staff_for_token(ctx, token)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let page = work_queue(ctx, &staff, limit, cursor, None).await?;
        return Ok((staff, page));
    };
    let hash = super::auth::token_hash(token);
    let after = cursor_at
        .as_ref()
        .map(|c| (c.status_since.as_str(), c.registration_number.as_str()));
    let page = queue_statement(&ctx.db, &QueueScope::RoleOfSession(&hash), after, limit)?;
    let (staff, batch) = super::auth::staff_with(ctx, token, vec![page]).await?;
    let staff = staff.ok_or(AppError::Unauthenticated)?;
    // The page read for the session's role is this role's queue only where
    // the queue is "waiting for the role"; the complaints officer's is
    // empty either way (no status waits for that role).
    if !has_own_queue(staff.role) {
        let page = work_queue(ctx, &staff, limit, cursor, None).await?;
        return Ok((staff, page));
    }
    let mut rows: Vec<QueueRow> = batch.rows(super::auth::STAFF_WITH_FIRST)?;
    let next_cursor = paging::cut(&mut rows, limit, Cursor::after);
    Ok((staff, WorkQueue { rows, next_cursor }))
}

/// Whether `role`'s queue is what waits for the role ([`scope_for`] gives
/// it `QueueScope::Role`): the one case where a page read for the session's
/// role (`QueueScope::RoleOfSession`) is that officer's queue. Both
/// one-round-trip pages ([`staff_and_work_queue`], [`staff_list`] for a
/// token) ask this.
fn has_own_queue(role: Role) -> bool {
    matches!(scope_for(role, None, ""), Ok(QueueScope::Role(_)))
}

/// Which applications make `role`'s work queue, optionally only those in
/// `status` (a village operator's: `village`'s open ones). The one place
/// this is decided: [`work_queue`] reads it, and
/// [`staff_and_work_queue`] uses its one-round-trip page only where this
/// says `QueueScope::Role`.
fn scope_for(
    role: Role,
    status: Option<Status>,
    village: &str,
) -> Result<QueueScope<'_>, AppError> {
    Ok(match (role, status) {
        (Role::VillageOperator, None) => QueueScope::Village(village),
        (Role::VillageOperator, Some(_)) => {
            return Err(AppError::invalid(
                "status",
                "filter status tidak tersedia untuk antrian desa",
            ));
        }
        (Role::Admin, Some(s)) => QueueScope::Status(s.code()),
        (Role::Admin, None) => QueueScope::AllOpen,
        (role, Some(s)) if s.awaiting_role() == Some(role) => QueueScope::Status(s.code()),
        (role, Some(s)) => {
            return Err(AppError::invalid(
                "status",
                format!("status '{}' bukan antrian {}", s.code(), role.label()),
            ));
        }
        (role, None) => QueueScope::Role(role.code()),
    })
}

/// What an officer asked of the queue page: a search term (registration
/// number, NIK or name), filters, and the page after `cursor`.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub q: String,
    pub status: Option<String>,
    pub service: Option<String>,
    pub kecamatan: Option<String>,
    pub village: Option<String>,
    pub cursor: Option<String>,
}

/// The answer to a `ListQuery`.
pub enum Listing {
    /// The term was a registration number: open its record.
    Open(RegistrationNumber),
    Page(ListPage),
}

pub struct ListPage {
    pub rows: Vec<QueueRow>,
    pub next_cursor: Option<String>,
    /// The statuses this officer's list can be filtered by.
    pub statuses: Vec<Status>,
    /// The filters in force, after checking (unknown ones are dropped).
    pub status: Option<Status>,
    pub service: Option<Service>,
    pub kecamatan_places: Vec<PlaceRow>,
    pub village_places: Vec<PlaceRow>,
}

/// The statuses a role's queue holds (all of them for the administrator and
/// a village operator).
pub fn queue_statuses(role: Role) -> Vec<Status> {
    Status::ALL
        .into_iter()
        .filter(|s| {
            role == Role::Admin || role == Role::VillageOperator || s.awaiting_role() == Some(role)
        })
        .collect()
}

/// Who asks for the list: an officer already checked, or a session token
/// to check in the same round trip.
#[derive(Clone, Copy)]
pub enum Viewer<'a> {
    Staff(&'a Staff),
    Token(&'a str),
}

/// What [`staff_list`] came to.
pub enum ListAnswer {
    /// The list (with the officer, when the viewer was a token).
    Done(Option<Staff>, Listing),
    /// The token's session is not live.
    NoSession,
    /// The token's officer, whose list needs asking again as
    /// `Viewer::Staff`.
    Again(Staff),
}

/// The officer's list page: their queue (a village operator: their
/// village's open applications; the administrator: every open one) with
/// filters, or a search across every status by NIK or name prefix; a
/// registration number opens its record. The complaints officer has no
/// queue, only search.
///
/// For a token (`GET /staff`) it is one round trip when it can be: the
/// page of the session's role (`QueueScope::RoleOfSession`, narrowed by
/// the filters) rides in the session check's batch with the filters'
/// places, and is used only for a live session whose role [`scope_for`]
/// gives the queue "waiting for the role" and whose role works the status
/// filtered by (if any). The administrator, a village operator or a
/// status of another role come back `Again` after the trip, so every
/// answer is the two-step one's; a cursor that does not decode is refused
/// after the session is found live (a dead one signs in first, as before).
/// A token's query has no term: `GET /staff` does not search.
pub async fn staff_list(
    ctx: &Ctx,
    viewer: Viewer<'_>,
    query: &ListQuery,
    page_size: u32,
) -> Result<ListAnswer, AppError> {
    let (role, hash, q) = match viewer {
        Viewer::Staff(staff) => (Some(staff.role), String::new(), query.q.trim()),
        Viewer::Token(token) => (None, super::auth::token_hash(token), ""),
    };
    if let Ok(number) = RegistrationNumber::parse(q) {
        return Ok(ListAnswer::Done(None, Listing::Open(number)));
    }
    let search = if q.is_empty() {
        None
    } else if q.chars().all(|c| c.is_ascii_digit()) {
        let nik = Nik::parse(q).map_err(|e| AppError::invalid("q", e.to_string()))?;
        Some(OwnedSearch::Nik(nik.as_str().to_string()))
    } else if q.chars().count() >= 2 {
        Some(OwnedSearch::Name(q.to_string()))
    } else {
        return Err(AppError::invalid(
            "q",
            "ketik minimal 2 huruf nama, NIK 16 digit, atau nomor pendaftaran",
        ));
    };
    let statuses = role.map(queue_statuses).unwrap_or_default();
    // A token's role is known only after the trip: its status is checked
    // then.
    let status = query
        .status
        .as_deref()
        .and_then(Status::parse)
        .filter(|s| role.is_none() || statuses.contains(s));
    let service = query.service.as_deref().and_then(Service::parse);
    let by_name = matches!(search, Some(OwnedSearch::Name(_)));
    // A name search's position is (name, number); see `name_cursor`.
    let (after, refused) = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => (None, None),
        Some(raw) if by_name => (Some(decode_name_cursor(raw)?), None),
        Some(raw) => match Cursor::decode(raw) {
            Ok(c) => (Some((c.status_since, c.registration_number)), None),
            Err(e) if role.is_none() => (None, Some(e)),
            Err(e) => return Err(e),
        },
    };
    let own_village = match viewer {
        Viewer::Staff(staff) => staff.village.as_ref().map(|v| v.as_str().to_string()),
        Viewer::Token(_) => None,
    }
    .unwrap_or_default();
    let scope = match role {
        None => QueueScope::RoleOfSession(&hash),
        Some(Role::VillageOperator) => QueueScope::Village(&own_village),
        Some(Role::Admin) => QueueScope::AllOpen,
        Some(other) => QueueScope::Role(other.code()),
    };
    let filter = ListFilter {
        scope,
        status: status.map(Status::code),
        service: service.map(Service::code),
        kecamatan: query.kecamatan.as_deref(),
        village: query.village.as_deref(),
        search: search.as_ref().map(OwnedSearch::borrow),
    };
    let after = after.as_ref().map(|(a, n)| (a.as_str(), n.as_str()));
    let page = (role != Some(Role::ComplaintsOfficer) || search.is_some())
        .then_some((&filter, after, page_size))
        .filter(|_| refused.is_none());
    let head = match viewer {
        Viewer::Token(token) => super::auth::session_statements(ctx, token)?,
        Viewer::Staff(_) => Vec::new(),
    };
    let (batch, read) = places_and_page(&ctx.db, head, page).await?;
    let (kecamatan_places, village_places, mut rows) = (read.kecamatan, read.villages, read.rows);
    let (staff, statuses) = if role.is_some() {
        (None, statuses)
    } else {
        let Some(staff) = super::auth::staff_in(ctx, &batch)? else {
            return Ok(ListAnswer::NoSession);
        };
        if let Some(e) = refused {
            return Err(e);
        }
        let statuses = queue_statuses(staff.role);
        if !has_own_queue(staff.role) || status.is_some_and(|s| !statuses.contains(&s)) {
            return Ok(ListAnswer::Again(staff));
        }
        // The complaints officer has no queue (no status waits for that
        // role, so the page read is empty anyway).
        if staff.role == Role::ComplaintsOfficer {
            rows.clear();
        }
        (Some(staff), statuses)
    };
    let next_cursor = if by_name {
        paging::cut(&mut rows, page_size, name_cursor)
    } else {
        paging::cut(&mut rows, page_size, Cursor::after)
    };
    let page = ListPage {
        rows,
        next_cursor,
        statuses,
        status,
        service,
        kecamatan_places,
        village_places,
    };
    Ok(ListAnswer::Done(staff, Listing::Page(page)))
}

/// The position after `row` in a name search, which pages alphabetically.
/// It holds a name, so it only ever travels in a form's body (the search is
/// a POST), never in a link.
fn name_cursor(row: &QueueRow) -> String {
    paging::encode(&row.applicant_name, &row.registration_number)
}

fn decode_name_cursor(raw: &str) -> Result<(String, String), AppError> {
    let (name, number) = paging::decode(raw)?;
    if RegistrationNumber::parse(&number).map(|n| n.as_str() == number) != Ok(true) {
        return Err(paging::bad_cursor());
    }
    Ok((name, number))
}

/// A search term owned here while the store borrows it.
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

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    #[test]
    fn a_cursor_round_trips_and_a_tampered_one_is_refused_naming_cursor() {
        let c = Cursor {
            status_since: "2026-11-28T01:02:03.456Z".into(),
            registration_number: "FFFF-FFFF7".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()).ok(), Some(c));
        let forged = URL_SAFE_NO_PAD.encode("x' OR 1=1 --|FFFF-FFFF7");
        assert_eq!(
            Cursor::decode(&forged)
                .err()
                .and_then(|e| e.field().map(String::from))
                .as_deref(),
            Some("cursor")
        );
        assert!(Cursor::decode("%%%").is_err());
    }

    #[test]
    fn a_name_search_cursor_carries_any_name_and_only_a_real_number() {
        let raw = paging::encode("Sri | Lestari", "FFFF-FFFF7");
        assert_eq!(
            decode_name_cursor(&raw).ok(),
            Some(("Sri | Lestari".into(), "FFFF-FFFF7".into()))
        );
        for bad in [
            paging::encode("Sri", "FFFF-FFFF8"),
            paging::encode("Sri", "' OR 1=1"),
            "%%%".into(),
        ] {
            assert!(decode_name_cursor(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_role_has_one_queue_and_refuses_a_status_it_does_not_work() {
        for role in Role::ALL {
            let expected = match role {
                Role::VillageOperator => QueueScope::Village("3312010001"),
                Role::Admin => QueueScope::AllOpen,
                other => QueueScope::Role(other.code()),
            };
            assert_eq!(scope_for(role, None, "3312010001").ok(), Some(expected));
        }
        // A status is a filter inside the role's own queue (any for the
        // administrator, none for a village operator).
        let submitted = Some(Status::Submitted);
        assert_eq!(
            scope_for(Role::FrontOffice, submitted, "").ok(),
            Some(QueueScope::Status("submitted"))
        );
        assert_eq!(
            scope_for(Role::Admin, Some(Status::InProduction), "").ok(),
            Some(QueueScope::Status("in_production"))
        );
        for (role, status) in [
            (Role::Validator, Status::Submitted),
            (Role::VillageOperator, Status::Submitted),
            (Role::ComplaintsOfficer, Status::Submitted),
        ] {
            let refused = scope_for(role, Some(status), "3312010001").err();
            assert_eq!(refused.as_ref().and_then(|e| e.field()), Some("status"));
        }
    }

    #[test]
    fn the_limit_is_bounded() {
        assert_eq!(parse_limit(None).ok(), Some(DEFAULT_LIMIT));
        assert_eq!(parse_limit(Some("200")).ok(), Some(200));
        assert!(parse_limit(Some("0")).is_err());
        assert!(parse_limit(Some("201")).is_err());
        assert!(parse_limit(Some("lima")).is_err());
    }
}
