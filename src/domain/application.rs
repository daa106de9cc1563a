//! A new application (*permohonan*) as the citizen or village operator sends
//! it, parsed at the edge into values that cannot be invalid: the applicant,
//! the subject of the requested documents (usually a newborn), the services,
//! the delivery method and the ticked checklist. Also the fields production may
//! correct later, with their rules, so a correction is checked exactly like
//! the original input.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ids::{FamilyCardNumber, IdError, Nik, PhoneNumber, VillageCode};
use super::services::{required_items, Service};

/// A field that failed validation: the dotted path as the client sent it and
/// a message for the person who typed it (Indonesian).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    fn from_id(field: &str, err: IdError) -> Self {
        FieldError::new(field, err.to_string())
    }
}

/// How the finished documents reach the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    /// Collected at the Loker Pengambilan.
    Pickup,
    /// Sent by PT Pos Indonesia, cash on delivery.
    Pos,
}

impl DeliveryMethod {
    pub fn code(self) -> &'static str {
        match self {
            DeliveryMethod::Pickup => "pickup",
            DeliveryMethod::Pos => "pos",
        }
    }

    pub fn parse(field: &str, code: &str) -> Result<Self, FieldError> {
        match code {
            "pickup" => Ok(DeliveryMethod::Pickup),
            "pos" => Ok(DeliveryMethod::Pos),
            _ => Err(FieldError::new(
                field,
                "metode pengambilan harus 'pickup' atau 'pos'",
            )),
        }
    }
}

/// Where the application came in (the seed's step a).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Typed in by the village operator at the village office.
    Village,
    /// The Android app *Telunjuk Sakti*.
    Android,
    /// The public web form.
    Web,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Village => "village",
            Channel::Android => "android",
            Channel::Web => "web",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        [Channel::Village, Channel::Android, Channel::Web]
            .into_iter()
            .find(|c| c.code() == code)
    }
}

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub nik: Nik,
    pub name: String,
    pub phone: PhoneNumber,
    pub village_code: VillageCode,
    pub address: String,
}

/// The subject's data, validated; stored as JSON in the application row and
/// corrected field by field by production.
pub type Subject = SubjectInput;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub services: Vec<Service>,
    pub applicant: Applicant,
    pub subject: Subject,
    pub delivery_method: DeliveryMethod,
    pub delivery_address: Option<String>,
    pub channel: Channel,
    pub checklist: BTreeSet<&'static str>,
}

const MAX_NAME: usize = 100;
const MAX_ADDRESS: usize = 300;

fn required<'a>(field: &str, value: &'a Option<String>) -> Result<&'a str, FieldError> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(FieldError::new(field, "wajib diisi")),
    }
}

/// A person's name as written on civil documents: letters, spaces and the
/// punctuation Indonesian names use (apostrophe, dot, comma, hyphen).
pub fn parse_person_name(field: &str, value: &str) -> Result<String, FieldError> {
    let name = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(FieldError::new(field, "wajib diisi"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(FieldError::new(
            field,
            format!("paling banyak {MAX_NAME} karakter"),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '\'' | '.' | ',' | '-'))
    {
        return Err(FieldError::new(
            field,
            "hanya boleh berisi huruf, spasi, titik, koma, tanda petik dan tanda hubung",
        ));
    }
    Ok(name)
}

pub fn parse_address(field: &str, value: &str) -> Result<String, FieldError> {
    let address = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if address.chars().count() < 5 {
        return Err(FieldError::new(
            field,
            "alamat terlalu pendek; tulis jalan/dusun, RT/RW",
        ));
    }
    if address.chars().count() > MAX_ADDRESS {
        return Err(FieldError::new(
            field,
            format!("paling banyak {MAX_ADDRESS} karakter"),
        ));
    }
    if address.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "berisi karakter yang tidak diizinkan",
        ));
    }
    Ok(address)
}

/// A date `YYYY-MM-DD` that is not after `today` (births are not in the future).
pub fn parse_birth_date(
    field: &str,
    value: &str,
    today: NaiveDate,
) -> Result<NaiveDate, FieldError> {
    let date = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            "tanggal harus berformat TTTT-BB-HH, contoh 2026-11-01",
        )
    })?;
    if date > today {
        return Err(FieldError::new(
            field,
            "tanggal lahir tidak boleh di masa depan",
        ));
    }
    if date < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(date) {
        return Err(FieldError::new(field, "tanggal lahir terlalu lampau"));
    }
    Ok(date)
}

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

fn subject_get<'a>(subject: &'a Subject, field: &str) -> Option<&'a Option<String>> {
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
        services.push(service);
    }
    services.sort_unstable();
    Ok(services)
}

fn parse_checklist(
    input: &Option<Vec<String>>,
    services: &[Service],
) -> Result<BTreeSet<&'static str>, FieldError> {
    let allowed = required_items(services);
    let mut ticked = BTreeSet::new();
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
        ticked.insert(*item);
    }
    Ok(ticked)
}

impl NewApplication {
    /// Parses a submission. `today` is the current date in WIB.
    pub fn parse(input: &ApplicationInput, today: NaiveDate) -> Result<NewApplication, FieldError> {
        let services = parse_services(input)?;
        let applicant_input = input
            .applicant
            .as_ref()
            .ok_or_else(|| FieldError::new("applicant", "wajib diisi"))?;
        let applicant = Applicant {
            nik: Nik::parse(required("applicant.nik", &applicant_input.nik)?)
                .map_err(|e| FieldError::from_id("applicant.nik", e))?,
            name: parse_person_name(
                "applicant.name",
                required("applicant.name", &applicant_input.name)?,
            )?,
            phone: PhoneNumber::parse(required("applicant.phone", &applicant_input.phone)?)
                .map_err(|e| FieldError::from_id("applicant.phone", e))?,
            village_code: VillageCode::parse(required(
                "applicant.village_code",
                &applicant_input.village_code,
            )?)
            .map_err(|e| FieldError::from_id("applicant.village_code", e))?,
            address: parse_address(
                "applicant.address",
                required("applicant.address", &applicant_input.address)?,
            )?,
        };
        let subject = parse_subject(
            input.subject.as_ref().unwrap_or(&SubjectInput::default()),
            &services,
            today,
        )?;
        let delivery_method = DeliveryMethod::parse(
            "delivery_method",
            required("delivery_method", &input.delivery_method)?,
        )?;
        let delivery_address = match (&input.delivery_address, delivery_method) {
            (Some(a), _) if !a.trim().is_empty() => Some(parse_address("delivery_address", a)?),
            _ => None,
        };
        let channel = match input.channel.as_deref() {
            None => Channel::Web,
            Some(code) => Channel::parse(code).ok_or_else(|| {
                FieldError::new("channel", "saluran harus 'village', 'android' atau 'web'")
            })?,
        };
        let checklist = parse_checklist(&input.checklist, &services)?;
        Ok(NewApplication {
            services,
            applicant,
            subject,
            delivery_method,
            delivery_address,
            channel,
            checklist,
        })
    }
}

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
                let field = path.strip_prefix("subject.")?;
                SUBJECT_FIELDS
                    .into_iter()
                    .find(|f| *f == field)
                    .map(CorrectableField::Subject)
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
            CorrectableField::Subject(f) => subject_get(subject, f).cloned().flatten(),
        }
    }
}

/// Writes a corrected subject field into the subject.
pub fn set_subject_field(subject: &mut Subject, field: &str, value: Option<String>) {
    if let Some(slot) = subject_get_mut(subject, field) {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    fn valid_input() -> ApplicationInput {
        serde_json::from_value(serde_json::json!({
            "services": ["birth_certificate", "family_card", "child_id_card"],
            "applicant": {
                "nik": "3312014502900001", "name": "Sri Lestari", "phone": "0812-3456-7890",
                "village_code": "33.12.01.2001", "address": "Dusun Krajan RT 01 RW 02"
            },
            "subject": {
                "name": "Bima Pratama", "sex": "male", "birth_date": "2026-11-01",
                "birth_place": "Wonogiri", "mother_name": "Sri Lestari",
                "family_card_number": "3312010101200003"
            },
            "delivery_method": "pos",
            "checklist": ["surat_keterangan_lahir", "kk_lama"]
        }))
        .expect("the sample input matches ApplicationInput")
    }

    #[test]
    fn a_complete_newborn_bundle_parses_with_the_phone_in_e164() {
        let app = NewApplication::parse(&valid_input(), today()).expect("should parse");
        assert_eq!(app.services.len(), 3);
        assert_eq!(app.applicant.phone.as_str(), "+6281234567890");
        assert_eq!(app.delivery_method, DeliveryMethod::Pos);
        assert_eq!(app.channel, Channel::Web);
        assert!(app.checklist.contains("kk_lama"));
    }

    #[test]
    fn a_bad_nik_is_refused_naming_the_applicant_nik_field() {
        let mut input = valid_input();
        if let Some(a) = input.applicant.as_mut() {
            a.nik = Some("12345".into());
        }
        let err = NewApplication::parse(&input, today()).unwrap_err();
        assert_eq!(err.field, "applicant.nik");
    }

    #[test]
    fn a_birth_certificate_without_a_birth_date_names_subject_birth_date() {
        let mut input = valid_input();
        if let Some(s) = input.subject.as_mut() {
            s.birth_date = None;
        }
        let err = NewApplication::parse(&input, today()).unwrap_err();
        assert_eq!(err.field, "subject.birth_date");
    }

    #[test]
    fn a_family_card_alone_does_not_need_a_birth_date() {
        let mut input = valid_input();
        input.services = Some(vec!["family_card".into()]);
        input.checklist = None;
        if let Some(s) = input.subject.as_mut() {
            s.birth_date = None;
            s.sex = None;
        }
        assert!(NewApplication::parse(&input, today()).is_ok());
    }

    #[test]
    fn a_birth_date_in_the_future_is_refused() {
        let err = parse_birth_date("subject.birth_date", "2026-12-01", today()).unwrap_err();
        assert!(err.message.contains("masa depan"), "{err}");
    }

    #[test]
    fn an_unknown_service_and_a_duplicate_service_are_refused() {
        let mut input = valid_input();
        input.services = Some(vec!["ktp".into()]);
        assert_eq!(
            NewApplication::parse(&input, today()).unwrap_err().field,
            "services"
        );
        input.services = Some(vec!["family_card".into(), "family_card".into()]);
        assert_eq!(
            NewApplication::parse(&input, today()).unwrap_err().field,
            "services"
        );
    }

    #[test]
    fn a_checklist_item_of_another_service_is_refused() {
        let mut input = valid_input();
        input.services = Some(vec!["family_card".into()]);
        input.checklist = Some(vec!["pas_foto_anak".into()]);
        assert_eq!(
            NewApplication::parse(&input, today()).unwrap_err().field,
            "checklist"
        );
    }

    #[test]
    fn a_name_with_digits_is_refused() {
        assert!(parse_person_name("applicant.name", "Sri 123").is_err());
        assert_eq!(
            parse_person_name("x", "  Ni   Made  O'Neil ").ok(),
            Some("Ni Made O'Neil".into())
        );
    }

    #[test]
    fn unknown_json_fields_are_refused_when_deserialising() {
        let r: Result<ApplicationInput, _> =
            serde_json::from_value(serde_json::json!({"servce": "x"}));
        assert!(r.is_err());
    }

    #[test]
    fn correctable_fields_parse_by_path_and_reject_the_nik_of_the_applicant() {
        assert_eq!(
            CorrectableField::parse("subject.name"),
            Some(CorrectableField::Subject("name"))
        );
        assert_eq!(CorrectableField::parse("applicant.nik"), None);
        assert_eq!(CorrectableField::parse("subject.unknown"), None);
        let f = CorrectableField::Subject("birth_date");
        assert!(f.parse_value("2026-13-01", today()).is_err());
        assert_eq!(
            f.parse_value("2026-11-02", today()).ok(),
            Some("2026-11-02".into())
        );
    }
}
