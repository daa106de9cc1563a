//! The subject of the requested documents (usually a newborn): its fields,
//! which services need which of them, and how each is checked — one place, so
//! submission and production's corrections apply the same rules.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::field_error::FieldError;
use crate::domain::ids::{FamilyCardNumber, Nik};
use crate::domain::services::Service;

use super::person::{parse_birth_date, parse_person_name, MAX_NAME};

/// The person the documents are about (for a newborn: the child).
#[derive(Debug, Default, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SubjectInput {
    pub name: Option<String>,
    pub sex: Option<String>,
    pub birth_date: Option<String>,
    pub birth_place: Option<String>,
    pub mother_name: Option<String>,
    pub father_name: Option<String>,
    pub family_card_number: Option<String>,
    pub nik: Option<String>,
}

/// The subject's data, validated; stored as JSON in the application row and
/// corrected field by field by production.
pub type Subject = SubjectInput;

fn parse_sex(field: &str, value: &str) -> Result<String, FieldError> {
    match value.trim() {
        "male" | "female" => Ok(value.trim().to_string()),
        _ => Err(FieldError::new(
            field,
            "jenis kelamin harus 'male' (laki-laki) atau 'female' (perempuan)",
        )),
    }
}

/// The subject fields, the services that require each, and how each is
/// checked. One place, so submission and correction apply the same rules.
pub const SUBJECT_FIELDS: [&str; 8] = [
    "name",
    "sex",
    "birth_date",
    "birth_place",
    "mother_name",
    "father_name",
    "family_card_number",
    "nik",
];

fn field_required_by(field: &str, service: Service) -> bool {
    match service {
        Service::BirthCertificate => {
            matches!(
                field,
                "name"
                    | "sex"
                    | "birth_date"
                    | "birth_place"
                    | "mother_name"
                    | "family_card_number"
            )
        }
        Service::FamilyCard => matches!(field, "name" | "family_card_number"),
        Service::ChildIdCard => {
            matches!(field, "name" | "sex" | "birth_date" | "family_card_number")
        }
    }
}

/// Checks and normalises one subject field's value.
pub fn parse_subject_field(
    field: &str,
    value: &str,
    today: NaiveDate,
) -> Result<String, FieldError> {
    let path = format!("subject.{field}");
    match field {
        "name" | "mother_name" | "father_name" => parse_person_name(&path, value),
        "sex" => parse_sex(&path, value),
        "birth_date" => {
            parse_birth_date(&path, value, today).map(|d| d.format("%Y-%m-%d").to_string())
        }
        "birth_place" => {
            let place = value.split_whitespace().collect::<Vec<_>>().join(" ");
            if place.is_empty()
                || place.chars().count() > MAX_NAME
                || place.chars().any(char::is_control)
            {
                Err(FieldError::new(
                    path,
                    format!("wajib diisi, paling banyak {MAX_NAME} karakter"),
                ))
            } else {
                Ok(place)
            }
        }
        "family_card_number" => FamilyCardNumber::parse(value)
            .map(|k| k.as_str().to_string())
            .map_err(|e| FieldError::from_id(&path, e)),
        "nik" => Nik::parse(value)
            .map(|n| n.as_str().to_string())
            .map_err(|e| FieldError::from_id(&path, e)),
        _ => Err(FieldError::new(path, "kolom tidak dikenal")),
    }
}

pub(super) fn subject_get<'a>(subject: &'a Subject, field: &str) -> Option<&'a Option<String>> {
    Some(match field {
        "name" => &subject.name,
        "sex" => &subject.sex,
        "birth_date" => &subject.birth_date,
        "birth_place" => &subject.birth_place,
        "mother_name" => &subject.mother_name,
        "father_name" => &subject.father_name,
        "family_card_number" => &subject.family_card_number,
        "nik" => &subject.nik,
        _ => return None,
    })
}

fn subject_get_mut<'a>(subject: &'a mut Subject, field: &str) -> Option<&'a mut Option<String>> {
    Some(match field {
        "name" => &mut subject.name,
        "sex" => &mut subject.sex,
        "birth_date" => &mut subject.birth_date,
        "birth_place" => &mut subject.birth_place,
        "mother_name" => &mut subject.mother_name,
        "father_name" => &mut subject.father_name,
        "family_card_number" => &mut subject.family_card_number,
        "nik" => &mut subject.nik,
        _ => return None,
    })
}

/// Validates the subject for the requested services: every field a service
/// needs is present, every present field is well-formed.
pub fn parse_subject(
    input: &SubjectInput,
    services: &[Service],
    today: NaiveDate,
) -> Result<Subject, FieldError> {
    let mut subject = Subject::default();
    for field in SUBJECT_FIELDS {
        let raw = subject_get(input, field)
            .and_then(|v| v.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        match raw {
            Some(value) => {
                let parsed = parse_subject_field(field, value, today)?;
                if let Some(slot) = subject_get_mut(&mut subject, field) {
                    *slot = Some(parsed);
                }
            }
            None if services.iter().any(|s| field_required_by(field, *s)) => {
                return Err(FieldError::new(
                    format!("subject.{field}"),
                    "wajib diisi untuk layanan yang dipilih",
                ));
            }
            None => {}
        }
    }
    Ok(subject)
}

/// Writes a corrected subject field into the subject.
pub fn set_subject_field(subject: &mut Subject, field: &str, value: Option<String>) {
    if let Some(slot) = subject_get_mut(subject, field) {
        *slot = value;
    }
}
