//! Reading an application: the full record for staff (access-logged,
//! village-checked), the audit trail, and what a citizen may see.

use serde::Serialize;
use subtle::ConstantTimeEq;

use super::{limits, AppError, Ctx, Staff};
use crate::domain::ids::{IdError, Nik, RegistrationNumber};
use crate::domain::roles::Role;
use crate::domain::services::{child_born, requirements_for};
use crate::domain::workflow::Action;
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

fn reader(staff: &Staff) -> Reader<'_> {
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
/// once either is used up the lookup is not even made: a right NIK is then
/// refused like a wrong one, so the answer tells a guesser nothing. Shared
/// by the API and the tracking page; `ip` is the caller's abuse key.
pub async fn citizen_status(
    ctx: &Ctx,
    ip: &str,
    number: &RegistrationNumber,
    raw_nik: &str,
) -> Result<CitizenStatus, AppError> {
    let nik = Nik::parse(raw_nik).map_err(|e| AppError::invalid("nik", e.to_string()))?;
    let number_key = limits::number_key(number);
    limits::guard(
        ctx,
        &[
            limits::count(limits::TRACK, ip),
            limits::read(limits::TRACK_MISS, ip),
            limits::read(limits::NUMBER_MISS, &number_key),
        ],
    )
    .await?;
    let found = store::read_for_citizen(&ctx.db, number).await?;
    // A wrong NIK answers exactly like an unknown number: the pair is the key.
    let matched = found
        .filter(|(app, _)| bool::from(app.applicant_nik.as_bytes().ct_eq(nik.as_str().as_bytes())));
    let Some((app, history)) = matched else {
        limits::record(
            ctx,
            &[
                limits::count(limits::TRACK_MISS, ip),
                limits::count(limits::NUMBER_MISS, &number_key),
            ],
        )
        .await?;
        return Err(not_found(number));
    };
    store::log_citizen_read(&ctx.db, number, &ctx.now_text()).await?;
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
}

pub async fn staff_page(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
) -> Result<StaffPage, AppError> {
    let record = staff_record(ctx, staff, number).await?;
    let events = events(ctx, staff, number).await?;
    let documents = documents::list(&ctx.db, &record.application.registration_number).await?;
    Ok(StaffPage {
        record,
        events,
        documents,
    })
}
