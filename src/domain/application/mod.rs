//! A new application (*permohonan*) as the citizen or village operator sends
//! it, parsed at the edge into values that cannot be invalid: the applicant,
//! the subject of the requested documents (usually a newborn), the services,
//! the delivery method and the ticked checklist. Also the fields production may
//! correct later, with their rules, so a correction is checked exactly like
//! the original input.

mod channel;
mod correction;
mod delivery_method;
mod person;
mod subject;

use super::set::SortedSet;

use chrono::NaiveDate;
use serde::Deserialize;

use super::ids::{Nik, PhoneNumber, RegistrationNumber, VillageCode};
use super::services::{child_born, required_for, required_items, Service};

use super::field_error::Errors;
pub use super::field_error::FieldError;
pub use channel::Channel;
pub use correction::CorrectableField;
pub use delivery_method::DeliveryMethod;
pub use person::{parse_address, parse_birth_date, parse_person_name};
pub use subject::{
    check_subject, parse_subject_field, set_subject_field, Sex, Subject, SubjectField,
    SubjectInput, SUBJECT_FIELDS,
};

/// The request body of `POST /api/v1/applications`, before validation.
/// Unknown fields are refused so a typo in a field name is not silently lost.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    pub service: Option<String>,
    pub services: Option<Vec<String>>,
    pub applicant: Option<ApplicantInput>,
    pub subject: Option<SubjectInput>,
    pub delivery_method: Option<String>,
    pub delivery_address: Option<String>,
    pub channel: Option<String>,
    /// Requirement codes the submitter confirms are attached.
    pub checklist: Option<Vec<String>>,
    /// The cancelled application this one resubmits (its registration number).
    pub resubmitted_from: Option<String>,
    /// How the applicant is told of each step: `sms` (the default) or
    /// `whatsapp` (falling back to SMS where WhatsApp cannot reach them).
    pub notify_channel: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    pub nik: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub village_code: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub nik: Nik,
    pub name: String,
    pub phone: PhoneNumber,
    pub village_code: VillageCode,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub services: Vec<Service>,
    pub applicant: Applicant,
    pub subject: Subject,
    pub delivery_method: DeliveryMethod,
    pub delivery_address: Option<String>,
    pub channel: Channel,
    pub checklist: SortedSet<&'static str>,
    /// The papers this application needs (its services', for this child).
    pub requirements: Vec<&'static str>,
    /// The cancelled application this one resubmits; whether it may is the
    /// use case's to check (it must exist, be cancelled and be the same
    /// applicant's).
    pub resubmitted_from: Option<RegistrationNumber>,
    /// The applicant chose WhatsApp over SMS.
    pub whatsapp: bool,
}

fn required<'a>(field: &str, value: &'a Option<String>) -> Result<&'a str, FieldError> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(FieldError::new(field, "wajib diisi")),
    }
}

fn parse_services(input: &ApplicationInput) -> Result<Vec<Service>, FieldError> {
    let codes: Vec<&str> = match (&input.service, &input.services) {
        (Some(_), Some(_)) => {
            return Err(FieldError::new(
                "services",
                "isi 'service' atau 'services', jangan keduanya",
            ))
        }
        (Some(one), None) => vec![one.as_str()],
        (None, Some(many)) => many.iter().map(String::as_str).collect(),
        (None, None) => return Err(FieldError::new("services", "pilih minimal satu layanan")),
    };
    if codes.is_empty() {
        return Err(FieldError::new("services", "pilih minimal satu layanan"));
    }
    let mut services = Vec::with_capacity(codes.len());
    for code in codes {
        let service = Service::parse(code).ok_or_else(|| {
            FieldError::new("services", format!("layanan '{code}' tidak dikenal; pilih birth_certificate, family_card atau child_id_card"))
        })?;
        if services.contains(&service) {
            return Err(FieldError::new(
                "services",
                format!("layanan '{code}' dipilih dua kali"),
            ));
        }
        // In order as they come (no sort in the wasm for a list of three).
        let at = services.binary_search(&service).unwrap_or_else(|at| at);
        services.insert(at, service);
    }
    Ok(services)
}

/// The papers ticked at submission: each must belong to a chosen service; one
/// the child's age rules out (a photo for a newborn's KIA) is dropped, not
/// refused.
fn parse_checklist(
    input: &Option<Vec<String>>,
    services: &[Service],
    needed: &[&'static str],
) -> Result<SortedSet<&'static str>, FieldError> {
    let allowed = required_items(services);
    let mut ticked = SortedSet::new();
    for code in input.iter().flatten() {
        let item = allowed
            .iter()
            .find(|a| **a == code.as_str())
            .ok_or_else(|| {
                FieldError::new(
                    "checklist",
                    format!("berkas '{code}' bukan persyaratan layanan yang dipilih"),
                )
            })?;
        if needed.contains(item) {
            ticked.insert(*item);
        }
    }
    Ok(ticked)
}

impl NewApplication {
    /// Parses a submission, stopping at nothing: every field's error, in
    /// the form's order (services, applicant, subject, delivery, checklist).
    /// `today` is the current date in WIB.
    pub fn check(
        input: &ApplicationInput,
        today: NaiveDate,
    ) -> Result<NewApplication, Vec<FieldError>> {
        let mut errors = Errors::default();
        let services = errors.take(parse_services(input));
        let none = ApplicantInput::default();
        let a = input.applicant.as_ref().unwrap_or(&none);
        let nik = errors.take(
            required("applicant.nik", &a.nik)
                .and_then(|v| Nik::parse(v).map_err(|e| FieldError::from_id("applicant.nik", e))),
        );
        let name = errors.take(
            required("applicant.name", &a.name)
                .and_then(|v| parse_person_name("applicant.name", v)),
        );
        let phone = errors.take(required("applicant.phone", &a.phone).and_then(|v| {
            PhoneNumber::parse(v).map_err(|e| FieldError::from_id("applicant.phone", e))
        }));
        let whatsapp = errors.take(match input.notify_channel.as_deref().map(str::trim) {
            None | Some("" | "sms") => Ok(false),
            Some("whatsapp") => Ok(true),
            Some(_) => Err(FieldError::new(
                "notify_channel",
                "pemberitahuan harus 'sms' atau 'whatsapp'",
            )),
        });
        let address = errors.take(
            required("applicant.address", &a.address)
                .and_then(|v| parse_address("applicant.address", v)),
        );
        let village_code = errors.take(
            required("applicant.village_code", &a.village_code).and_then(|v| {
                VillageCode::parse(v).map_err(|e| FieldError::from_id("applicant.village_code", e))
            }),
        );
        let chosen = services.as_deref().unwrap_or_default();
        let (subject, subject_errors) = check_subject(
            input.subject.as_ref().unwrap_or(&SubjectInput::default()),
            chosen,
            today,
        );
        errors.0.extend(subject_errors);
        let delivery_method = errors.take(
            required("delivery_method", &input.delivery_method)
                .and_then(|v| DeliveryMethod::parse("delivery_method", v)),
        );
        let delivery_address = match &input.delivery_address {
            Some(a) if !a.trim().is_empty() => errors.take(parse_address("delivery_address", a)),
            _ => None,
        };
        let channel = match input.channel.as_deref() {
            None => Some(Channel::Web),
            Some(code) => errors.take(Channel::parse(code).ok_or_else(|| {
                FieldError::new("channel", "saluran harus 'village', 'android' atau 'web'")
            })),
        };
        let requirements = required_for(chosen, child_born(subject.birth_date.as_deref()), today);
        let checklist = errors.take(parse_checklist(&input.checklist, chosen, &requirements));
        let resubmitted_from = match input.resubmitted_from.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => errors
                .take(
                    RegistrationNumber::parse(raw)
                        .map_err(|e| FieldError::from_id("resubmitted_from", e)),
                )
                .map(Some),
            _ => Some(None),
        };
        match (
            services,
            nik,
            name,
            phone,
            address,
            village_code,
            delivery_method,
            channel,
            checklist,
            resubmitted_from,
        ) {
            (
                Some(services),
                Some(nik),
                Some(name),
                Some(phone),
                Some(address),
                Some(village_code),
                Some(delivery_method),
                Some(channel),
                Some(checklist),
                Some(resubmitted_from),
            ) if errors.0.is_empty() => Ok(NewApplication {
                services,
                applicant: Applicant {
                    nik,
                    name,
                    phone,
                    village_code,
                    address,
                },
                subject,
                delivery_method,
                delivery_address,
                channel,
                checklist,
                requirements,
                resubmitted_from,
                whatsapp: whatsapp.unwrap_or_default(),
            }),
            _ => Err(errors.0),
        }
    }

    /// Parses a submission; the first error in form order (the API answers
    /// one field; the pages show them all with [`NewApplication::check`]).
    pub fn parse(input: &ApplicationInput, today: NaiveDate) -> Result<NewApplication, FieldError> {
        Self::check(input, today).map_err(|errors| {
            errors
                .into_iter()
                .next()
                .unwrap_or_else(|| FieldError::new("applicant", "wajib diisi"))
        })
    }
}

#[cfg(test)]
mod tests;
