//! The fields production may correct (the `correct` action), addressed by the
//! dotted path the API uses, and checked by the rule of the original input.

use chrono::NaiveDate;

use crate::domain::field_error::FieldError;

use super::person::{parse_address, parse_person_name};
use super::subject::{parse_subject_field, Subject, SubjectField};

/// A field production may correct (`correct` action), addressed by the same
/// dotted path the API uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorrectableField {
    ApplicantName,
    ApplicantAddress,
    Subject(&'static str),
}

impl CorrectableField {
    pub fn parse(path: &str) -> Option<CorrectableField> {
        match path {
            "applicant.name" => Some(CorrectableField::ApplicantName),
            "applicant.address" => Some(CorrectableField::ApplicantAddress),
            _ => {
                let field = SubjectField::parse(path.strip_prefix("subject.")?)?;
                Some(CorrectableField::Subject(field.code()))
            }
        }
    }

    pub fn path(&self) -> String {
        match self {
            CorrectableField::ApplicantName => "applicant.name".into(),
            CorrectableField::ApplicantAddress => "applicant.address".into(),
            CorrectableField::Subject(f) => format!("subject.{f}"),
        }
    }

    /// Checks a new value with the same rule as at submission.
    pub fn parse_value(&self, value: &str, today: NaiveDate) -> Result<String, FieldError> {
        match self {
            CorrectableField::ApplicantName => parse_person_name("changes.applicant.name", value),
            CorrectableField::ApplicantAddress => parse_address("changes.applicant.address", value),
            CorrectableField::Subject(f) => parse_subject_field(f, value, today)
                .map_err(|e| FieldError::new(format!("changes.{}", e.field), e.message)),
        }
    }

    pub fn read(
        &self,
        applicant_name: &str,
        applicant_address: &str,
        subject: &Subject,
    ) -> Option<String> {
        match self {
            CorrectableField::ApplicantName => Some(applicant_name.to_string()),
            CorrectableField::ApplicantAddress => Some(applicant_address.to_string()),
            CorrectableField::Subject(f) => SubjectField::parse(f)?.get(subject).clone(),
        }
    }
}
