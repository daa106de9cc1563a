//! Parsing a submission and a correction, field by field.

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
fn the_notification_channel_is_sms_unless_whatsapp_is_chosen() {
    let mut input = valid_input();
    assert!(!NewApplication::parse(&input, today()).unwrap().whatsapp);
    input.notify_channel = Some("sms".into());
    assert!(!NewApplication::parse(&input, today()).unwrap().whatsapp);
    input.notify_channel = Some("whatsapp".into());
    assert!(NewApplication::parse(&input, today()).unwrap().whatsapp);
    input.notify_channel = Some("telegram".into());
    let err = NewApplication::parse(&input, today()).unwrap_err();
    assert_eq!(err.field, "notify_channel");
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
fn names_addresses_and_places_refuse_control_and_direction_characters() {
    assert!(parse_address("applicant.address", "Jl. Pemuda\u{202E}5 ON").is_err());
    assert!(parse_address("applicant.address", "Jl. Pemuda\nRT 01").is_err());
    assert!(parse_person_name("applicant.name", "Sri\u{200F}").is_err());
    let place = SubjectField::BirthPlace.parse_value("Wonogiri\0", today());
    assert_eq!(place.unwrap_err().field, "subject.birth_place");
}

#[test]
fn unknown_json_fields_are_refused_when_deserialising() {
    let r: Result<ApplicationInput, _> = serde_json::from_value(serde_json::json!({"servce": "x"}));
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

#[test]
fn every_subject_field_code_is_a_json_key_of_the_subject_and_back() {
    let json = serde_json::to_value(SubjectInput::default()).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut codes = SubjectField::CODES.to_vec();
    codes.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, codes);
}

#[test]
fn the_sex_is_stored_as_its_code_and_anything_else_is_refused() {
    let sex = SubjectField::Sex;
    assert_eq!(sex.parse_value(" female ", today()).unwrap(), "female");
    assert_eq!(Sex::parse("female").map(Sex::label), Some("Perempuan"));
    let err = sex.parse_value("perempuan", today()).unwrap_err();
    assert_eq!(err.field, "subject.sex");
}

#[test]
fn a_resubmission_names_its_predecessor_in_canonical_form() {
    use crate::domain::ids::RegistrationNumber;
    let mut input = valid_input();
    assert_eq!(
        NewApplication::parse(&input, today())
            .expect("parses")
            .resubmitted_from,
        None
    );
    input.resubmitted_from = Some(" 123z 118zv ".into());
    let app = NewApplication::parse(&input, today()).expect("parses");
    assert_eq!(
        app.resubmitted_from
            .as_ref()
            .map(RegistrationNumber::as_str),
        Some("123Z-118ZV")
    );
    // A blank hidden field is a first submission, not an error.
    input.resubmitted_from = Some("  ".into());
    let app = NewApplication::parse(&input, today()).expect("parses");
    assert_eq!(app.resubmitted_from, None);
}

#[test]
fn a_malformed_or_mistyped_predecessor_is_refused_naming_resubmitted_from() {
    for raw in ["123Z-118ZW", "ABC", "123Z-118ZV-X"] {
        let mut input = valid_input();
        input.resubmitted_from = Some(raw.into());
        let err = NewApplication::parse(&input, today()).expect_err(raw);
        assert_eq!(err.field, "resubmitted_from", "{raw}");
    }
}
