//! Reading an application: the full record for staff (access-logged,
//! village-checked), the audit trail, and what a citizen may see.

use serde::Serialize;
use subtle::ConstantTimeEq;

use super::{limits, AppError, Ctx, Staff};
use crate::domain::ids::{IdError, Nik, RegistrationNumber};
use crate::domain::roles::Role;
use crate::domain::services::{child_born, requirements_for};
use crate::domain::workflow::{Action, Status};
use crate::store::applications::{self as store, EventRow, FullRecord, Reader};
use crate::store::documents::{self, DocumentRow};
use crate::store::Timestamp;

/// The registration number of a path. A well-formed number whose check
/// symbol fails cannot exist, so it is 404 like an unknown one (the message
/// still says to check it); a malformed one is 422 `registration_number`.
pub fn parse_number(raw: &str) -> Result<RegistrationNumber, AppError> {
    RegistrationNumber::parse(raw).map_err(|e| match e {
        IdError::RegistrationCheck => {
            AppError::NotFound(format!("permohonan {} tidak ditemukan: {e}", raw.trim()))
        }
        _ => AppError::invalid("registration_number", e.to_string()),
    })
}

pub fn not_found(number: &RegistrationNumber) -> AppError {
    AppError::NotFound(format!("permohonan {} tidak ditemukan", number.as_str()))
}

/// The only village whose records `staff` may see: a village operator's own
/// (`Some("")` when the account has none, which matches no record), or
/// `None` for the roles that see every village. The access log's outcome
/// (`store::applications::Reader::scope`) and `check_village` both follow it.
pub fn village_scope(staff: &Staff) -> Option<&str> {
    match (&staff.role, &staff.village) {
        (Role::VillageOperator, Some(own)) => Some(own.as_str()),
        (Role::VillageOperator, None) => Some(""),
        _ => None,
    }
}

pub fn check_village(staff: &Staff, village_code: &str) -> Result<(), AppError> {
    match village_scope(staff) {
        Some(own) if own != village_code || own.is_empty() => Err(AppError::Forbidden(
            "operator desa hanya dapat melihat permohonan desa/kelurahannya sendiri".into(),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn reader(staff: &Staff) -> Reader<'_> {
    Reader {
        staff_id: Some(staff.id),
        role: staff.role.code(),
        scope: village_scope(staff),
    }
}

/// What a citizen may see of an application (API and tracking page).
#[derive(Debug, Serialize)]
pub struct CitizenStatus {
    pub registration_number: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub next_step: Option<&'static str>,
    pub delivery_method: &'static str,
    /// While the papers are awaited: exactly which to post, for the
    /// services chosen (empty otherwise).
    pub papers: Vec<&'static str>,
    /// Where the applicant's physical papers are once the agency had them
    /// (`domain::papers::Papers` code), else `None`.
    pub papers_location: Option<&'static str>,
    pub papers_location_label: Option<&'static str>,
    pub history: Vec<CitizenStep>,
}

#[derive(Debug, Serialize)]
pub struct CitizenStep {
    pub status: &'static str,
    pub label: &'static str,
    pub at: Timestamp,
    /// Only a cancellation's reason (it is in the citizen's SMS too).
    pub reason: Option<String>,
}

/// What a citizen may see of an application, given its number and the
/// applicant's NIK: status, the next step and the status history — nothing
/// personal. Every lookup counts against the caller's `TRACK` limit; every
/// miss (unknown number or wrong NIK, which answer alike) counts against
/// the caller's address (`TRACK_MISS`) and the number (`NUMBER_MISS`), and
/// once either is used up the lookup is refused before what it read is
/// looked at, and its access-log row is not written: a right NIK is then
/// refused like a wrong one, so the answer tells a guesser nothing. The
/// limits and the read are one round trip; only a miss takes a second. Shared
/// by the API and the tracking page; `ip` is the caller's abuse key.
pub async fn citizen_status(
    ctx: &Ctx,
    ip: &str,
    number: &RegistrationNumber,
    raw_nik: &str,
) -> Result<CitizenStatus, AppError> {
    let nik = Nik::parse(raw_nik).map_err(|e| AppError::invalid("nik", e.to_string()))?;
    // The limits, the read and its access-log row (the applicant's NIK only,
    // and only if the limits let the lookup through) in one round trip; the
    // verdict comes before anything read is looked at.
    let number_key = limits::number_key(number);
    let checks = citizen_checks(ip, &number_key);
    let cutoffs = limits::cutoffs(ctx, &checks);
    let lookup = store::read_for_citizen(
        &ctx.db,
        number,
        nik.as_str(),
        &ctx.now_text(),
        &limits::bounded(ctx, &checks, &cutoffs),
    )
    .await?;
    limits::verdicts(ctx, &checks, lookup.hits)?;
    // A wrong NIK answers exactly like an unknown number: the pair is the key.
    let matched = lookup
        .found
        .filter(|(app, _)| same_nik(&app.applicant_nik, &nik));
    let Some((app, history)) = matched else {
        return Err(citizen_miss(ctx, ip, number).await);
    };
    let status = app.status;
    Ok(CitizenStatus {
        registration_number: number.as_str().to_string(),
        status: status.code(),
        status_label: status.label(),
        next_step: status.citizen_next_step(),
        delivery_method: app.delivery_method.code(),
        papers: if status == crate::domain::workflow::Status::AwaitingDocuments {
            requirements_for(
                &app.service_list(),
                child_born(app.birth_date.as_deref()),
                crate::platform::today_wib(),
            )
            .iter()
            .map(|r| r.label)
            .collect()
        } else {
            Vec::new()
        },
        papers_location: app.papers.map(|p| p.code()),
        papers_location_label: app.papers.map(|p| p.label()),
        history: history
            .into_iter()
            .map(|h| CitizenStep {
                label: if h.action == Action::ReturnPapers {
                    "Berkas fisik persyaratan sudah dikembalikan"
                } else {
                    h.to_status.label()
                },
                // Only a cancellation's reason is for the citizen (it is in their SMS too).
                reason: (h.action == Action::Cancel).then_some(h.reason).flatten(),
                status: h.to_status.code(),
                at: h.created_at,
            })
            .collect(),
    })
}

/// The NIK of a citizen's lookup, once the caller's `TRACK` limit has
/// counted it and neither miss limit is used up (see `citizen_status`).
async fn citizen_guard(
    ctx: &Ctx,
    ip: &str,
    number: &RegistrationNumber,
    raw_nik: &str,
) -> Result<Nik, AppError> {
    let nik = Nik::parse(raw_nik).map_err(|e| AppError::invalid("nik", e.to_string()))?;
    let number_key = limits::number_key(number);
    limits::guard(ctx, &citizen_checks(ip, &number_key)).await?;
    Ok(nik)
}

/// A citizen's lookup counts against the caller's `TRACK` limit and is not
/// made once either miss limit is used up.
fn citizen_checks<'a>(ip: &'a str, number_key: &'a str) -> [limits::Check<'a>; 3] {
    [
        limits::count(limits::TRACK, ip),
        limits::read(limits::TRACK_MISS, ip),
        limits::read(limits::NUMBER_MISS, number_key),
    ]
}

/// Counts a citizen's miss against the address and the number; the answer
/// is the unknown number's.
async fn citizen_miss(ctx: &Ctx, ip: &str, number: &RegistrationNumber) -> AppError {
    let recorded = limits::record(
        ctx,
        &[
            limits::count(limits::TRACK_MISS, ip),
            limits::count(limits::NUMBER_MISS, &limits::number_key(number)),
        ],
    )
    .await;
    recorded.err().unwrap_or_else(|| not_found(number))
}

/// The stored NIK is the one given, compared in constant time.
fn same_nik(stored: &str, nik: &Nik) -> bool {
    bool::from(stored.as_bytes().ct_eq(nik.as_str().as_bytes()))
}

/// A cancelled application, as a resubmission form is prefilled from it.
pub struct Resubmittable {
    pub application: store::ApplicationRow,
    /// Papers ticked as attached at the first submission (staff only).
    pub checklist: Vec<String>,
    /// Its papers wait at the counter: the resubmission takes them over.
    pub papers_at_agency: bool,
}

/// 409: the application named has its resubmission already (a resubmission
/// form asked for, or a second one submitted).
pub fn already_resubmitted() -> AppError {
    AppError::Conflict {
        code: "already_resubmitted",
        message: "permohonan ini sudah pernah diajukan ulang".into(),
    }
}

/// Only a cancelled application without a resubmission can be resubmitted.
fn resubmittable(
    application: store::ApplicationRow,
    links: &store::Links,
    checklist: Vec<String>,
) -> Result<Resubmittable, AppError> {
    if application.status != Status::Cancelled {
        return Err(AppError::Conflict {
            code: "action_not_allowed",
            message: "hanya permohonan yang dibatalkan yang dapat diajukan ulang".into(),
        });
    }
    if links.resubmitted_as.is_some() {
        return Err(already_resubmitted());
    }
    Ok(Resubmittable {
        application,
        checklist,
        papers_at_agency: links.papers.as_deref() == Some("at_counter"),
    })
}

/// A village operator's resubmission of their village's cancelled
/// application: read (and access-logged) as the record page reads it.
pub async fn staff_resubmission(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
) -> Result<Resubmittable, AppError> {
    if staff.role != Role::VillageOperator {
        return Err(AppError::Forbidden(
            "hanya operator desa/kelurahan yang mengajukan ulang permohonan".into(),
        ));
    }
    let record = staff_record(ctx, staff, number).await?;
    let ticked = record
        .requirements
        .iter()
        .filter(|r| r.submitted == 1)
        .map(|r| r.item.clone())
        .collect();
    resubmittable(record.application, &record.links, ticked)
}

/// A citizen's resubmission, given the number and the applicant's NIK,
/// behind the tracking page's checks and limits: a wrong NIK answers like
/// an unknown number.
pub async fn citizen_resubmission(
    ctx: &Ctx,
    ip: &str,
    number: &RegistrationNumber,
    raw_nik: &str,
) -> Result<Resubmittable, AppError> {
    let nik = citizen_guard(ctx, ip, number, raw_nik).await?;
    let found = store::read_with_links(&ctx.db, number).await?;
    let Some((application, links)) = found.filter(|(a, _)| same_nik(&a.applicant_nik, &nik)) else {
        return Err(citizen_miss(ctx, ip, number).await);
    };
    store::log_citizen_read(&ctx.db, number, &ctx.now_text()).await?;
    resubmittable(application, &links, Vec::new())
}

/// The whole record of an application for an officer who may see it. The
/// attempt is written to the access log in the same batch as the read: as a
/// read, or as a refusal when the record is outside the officer's village.
pub async fn staff_record(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
) -> Result<FullRecord, AppError> {
    let record = store::read_full(&ctx.db, number, &reader(staff), &ctx.now_text())
        .await?
        .ok_or_else(|| not_found(number))?;
    check_village(staff, &record.application.village_code)?;
    Ok(record)
}

/// The audit trail of an application, for an officer who may see it,
/// access-logged like `staff_record`.
pub async fn events(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
) -> Result<Vec<EventRow>, AppError> {
    let (owner, events) = store::read_events(&ctx.db, number, &reader(staff), &ctx.now_text())
        .await?
        .ok_or_else(|| not_found(number))?;
    check_village(staff, &owner.village_code)?;
    Ok(events)
}

/// Everything the staff record page shows: the record, its audit trail and
/// its uploaded documents, for an officer who may see it.
pub struct StaffPage {
    pub record: FullRecord,
    pub events: Vec<EventRow>,
    pub documents: Vec<DocumentRow>,
    /// Other open applications of the same applicant NIK and subject name
    /// sharing a service: likely duplicates.
    pub duplicates: Vec<String>,
}

pub async fn staff_page(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
) -> Result<StaffPage, AppError> {
    let record = staff_record(ctx, staff, number).await?;
    let events = events(ctx, staff, number).await?;
    let a = &record.application;
    let subject_name = a.subject()?.name.unwrap_or_default();
    let (documents, duplicates) = documents::list_with_duplicates(
        &ctx.db,
        &a.registration_number,
        &a.applicant_nik,
        &subject_name,
    )
    .await?;
    Ok(StaffPage {
        record,
        events,
        documents,
        duplicates,
    })
}
