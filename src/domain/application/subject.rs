//! The subject of the requested documents (usually a newborn): its fields,
//! which services need which of them, and how each is checked — one place, so
//! submission and production's corrections apply the same rules.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::coded_enum::coded_enum;
use crate::domain::field_error::FieldError;
use crate::domain::ids::{FamilyCardNumber, Nik};
use crate::domain::services::Service;
use crate::domain::text::{check_text, Lines};

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

coded_enum! {
    /// The subject's sex, as civil documents record it.
    #[derive(Hash)]
    pub enum Sex {
        Male = "male" => "Laki-laki",
        Female = "female" => "Perempuan",
    }
}

coded_enum! {
    /// A field of the subject, in the order forms show them. The code is the
    /// JSON key (and the path after `subject.`); the label is what officers
    /// read beside it on the record page.
    #[derive(Hash, PartialOrd, Ord)]
    pub enum SubjectField {
        Name = "name" => "Nama",
        Sex = "sex" => "Jenis kelamin",
        BirthDate = "birth_date" => "Tanggal lahir",
        BirthPlace = "birth_place" => "Tempat lahir",
        MotherName = "mother_name" => "Nama ibu",
        FatherName = "father_name" => "Nama ayah",
        FamilyCardNumber = "family_card_number" => "Nomor KK",
        Nik = "nik" => "NIK",
    }
}

/// The subject fields' codes, in form order.
pub const SUBJECT_FIELDS: [&str; 8] = SubjectField::CODES;

impl SubjectField {
    /// Whether `service` cannot be produced without this field.
    pub fn required_by(self, service: Service) -> bool {
        use SubjectField as F;
        match service {
            Service::BirthCertificate => matches!(
                self,
                F::Name
                    | F::Sex
                    | F::BirthDate
                    | F::BirthPlace
                    | F::MotherName
                    | F::FamilyCardNumber
            ),
            Service::FamilyCard => matches!(self, F::Name | F::FamilyCardNumber),
            Service::ChildIdCard => {
                matches!(self, F::Name | F::Sex | F::BirthDate | F::FamilyCardNumber)
            }
        }
    }

    /// Whether the form asks for this field for `service`: the fields it
    /// needs, and those that help when known (asked as optional).
    pub fn asked_by(self, service: Service) -> bool {
        use SubjectField as F;
        self.required_by(service)
            || matches!(
                (service, self),
                (Service::BirthCertificate, F::FatherName | F::Nik)
                    | (Service::FamilyCard, F::Nik)
                    | (
                        Service::ChildIdCard,
                        F::Nik | F::BirthPlace | F::MotherName | F::FatherName
                    )
            )
    }

    /// Checks and normalises a value of this field; errors name
    /// `subject.<field>`.
    pub fn parse_value(self, value: &str, today: NaiveDate) -> Result<String, FieldError> {
        let path = format!("subject.{}", self.code());
        match self {
            SubjectField::Name | SubjectField::MotherName | SubjectField::FatherName => {
                parse_person_name(&path, value)
            }
            SubjectField::Sex => Sex::parse(value.trim())
                .map(|sex| sex.code().to_string())
                .ok_or_else(|| {
                    FieldError::new(
                        path,
                        "jenis kelamin harus 'male' (laki-laki) atau 'female' (perempuan)",
                    )
                }),
            SubjectField::BirthDate => parse_birth_date(&path, value, today).map(|d| d.to_string()),
            SubjectField::BirthPlace => {
                check_text(&path, value, Lines::One)?;
                let place = value.split_whitespace().collect::<Vec<_>>().join(" ");
                if place.is_empty() || place.chars().count() > MAX_NAME {
                    Err(FieldError::new(
                        path,
                        format!("wajib diisi, paling banyak {MAX_NAME} karakter"),
                    ))
                } else {
                    Ok(place)
                }
            }
            SubjectField::FamilyCardNumber => FamilyCardNumber::parse(value)
                .map(|k| k.as_str().to_string())
                .map_err(|e| FieldError::from_id(&path, e)),
            SubjectField::Nik => Nik::parse(value)
                .map(|n| n.as_str().to_string())
                .map_err(|e| FieldError::from_id(&path, e)),
        }
    }

    /// This field's value in `subject`.
    pub fn get(self, subject: &Subject) -> &Option<String> {
        match self {
            SubjectField::Name => &subject.name,
            SubjectField::Sex => &subject.sex,
            SubjectField::BirthDate => &subject.birth_date,
            SubjectField::BirthPlace => &subject.birth_place,
            SubjectField::MotherName => &subject.mother_name,
            SubjectField::FatherName => &subject.father_name,
            SubjectField::FamilyCardNumber => &subject.family_card_number,
            SubjectField::Nik => &subject.nik,
        }
    }

    fn get_mut(self, subject: &mut Subject) -> &mut Option<String> {
        match self {
            SubjectField::Name => &mut subject.name,
            SubjectField::Sex => &mut subject.sex,
            SubjectField::BirthDate => &mut subject.birth_date,
            SubjectField::BirthPlace => &mut subject.birth_place,
            SubjectField::MotherName => &mut subject.mother_name,
            SubjectField::FatherName => &mut subject.father_name,
            SubjectField::FamilyCardNumber => &mut subject.family_card_number,
            SubjectField::Nik => &mut subject.nik,
        }
    }
}

/// Checks and normalises one subject field's value, by the field's code.
pub fn parse_subject_field(
    field: &str,
    value: &str,
    today: NaiveDate,
) -> Result<String, FieldError> {
    match SubjectField::parse(field) {
        Some(f) => f.parse_value(value, today),
        None => Err(FieldError::new(
            format!("subject.{field}"),
            "kolom tidak dikenal",
        )),
    }
}

/// Validates the subject for the requested services: every field a service
/// needs is present, every present field is well-formed. The well-formed
/// fields, and every error in field order.
pub fn check_subject(
    input: &SubjectInput,
    services: &[Service],
    today: NaiveDate,
) -> (Subject, Vec<FieldError>) {
    let mut subject = Subject::default();
    let mut errors = Vec::new();
    for field in SubjectField::ALL {
        let raw = field
            .get(input)
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        match raw {
            Some(value) => match field.parse_value(value, today) {
                Ok(v) => *field.get_mut(&mut subject) = Some(v),
                Err(e) => errors.push(e),
            },
            None if services.iter().any(|s| field.required_by(*s)) => {
                errors.push(FieldError::new(
                    format!("subject.{}", field.code()),
                    "wajib diisi untuk layanan yang dipilih",
                ));
            }
            None => {}
        }
    }
    (subject, errors)
}

/// Writes a corrected subject field into the subject; an unknown field code
/// changes nothing.
pub fn set_subject_field(subject: &mut Subject, field: &str, value: Option<String>) {
    if let Some(f) = SubjectField::parse(field) {
        *f.get_mut(subject) = value;
    }
}
