//! Tickets, the handling table and what makes a complaint valid.

use super::*;

fn seq(bytes: &[u8]) -> impl FnMut() -> u8 + '_ {
    let mut i = 0;
    move || {
        let b = bytes[i % bytes.len()];
        i += 1;
        b
    }
}

#[test]
fn a_generated_ticket_parses_back_and_is_forgiving_of_how_it_is_typed() {
    for start in 0..=255u8 {
        let bytes: Vec<u8> = (0..6).map(|k| start.wrapping_add(k * 37)).collect();
        let t = Ticket::generate(seq(&bytes));
        assert!(
            t.as_str().starts_with("ADU-") && t.as_str().len() == 11,
            "{}",
            t.as_str()
        );
        assert_eq!(Ticket::parse(t.as_str()).ok(), Some(t.clone()));
        assert_eq!(
            Ticket::parse(&t.as_str().to_lowercase().replace('-', " ")).ok(),
            Some(t.clone())
        );
        assert_eq!(Ticket::parse(&t.as_str()[4..]).ok(), Some(t));
    }
}

#[test]
fn a_ticket_with_one_wrong_symbol_or_a_swap_is_refused() {
    let t = Ticket::generate(seq(&[3, 14, 15, 92, 65, 35]));
    let body: Vec<char> = t.as_str()[4..].chars().collect();
    for i in 0..body.len() {
        for c in crate::domain::check_symbol::ALPHABET
            .chars()
            .filter(|&c| c != body[i])
        {
            let mut wrong = body.clone();
            wrong[i] = c;
            assert!(Ticket::parse(&wrong.iter().collect::<String>()).is_err());
        }
        for j in i + 1..body.len() {
            if body[i] != body[j] {
                let mut swapped = body.clone();
                swapped.swap(i, j);
                assert!(Ticket::parse(&swapped.iter().collect::<String>()).is_err());
            }
        }
    }
}

#[test]
fn the_handling_table_moves_open_to_in_progress_to_resolved_to_closed() {
    let answer = StepInput {
        response: Some("Sudah kami cek".into()),
        reason: None,
    };
    let none = StepInput::default();
    let s = decide(Status::Open, Action::Start, &none).map(|s| s.to);
    assert_eq!(s, Ok(Status::InProgress));
    let r = decide(Status::InProgress, Action::Respond, &answer);
    assert_eq!(
        r.as_ref().map(|s| (s.to, s.notify)),
        Ok((Status::InProgress, true))
    );
    assert_eq!(
        decide(Status::InProgress, Action::Resolve, &answer).map(|s| s.to),
        Ok(Status::Resolved)
    );
    assert_eq!(
        decide(Status::Resolved, Action::Close, &none).map(|s| (s.to, s.notify)),
        Ok((Status::Closed, false))
    );
}

#[test]
fn spam_or_a_duplicate_is_closed_from_open_only_with_a_reason() {
    let none = StepInput::default();
    assert!(
        matches!(decide(Status::Open, Action::Close, &none), Err(StepError::Field(f)) if f.field == "reason")
    );
    let why = StepInput {
        response: None,
        reason: Some("duplikat ADU-1".into()),
    };
    assert_eq!(
        decide(Status::Open, Action::Close, &why).map(|s| s.to),
        Ok(Status::Closed)
    );
}

#[test]
fn nothing_moves_a_closed_complaint_and_answers_need_text() {
    let answer = StepInput {
        response: Some("ok, sudah".into()),
        reason: Some("x".into()),
    };
    for action in Action::ALL {
        assert!(matches!(
            decide(Status::Closed, action, &answer),
            Err(StepError::NotAllowed { .. })
        ));
    }
    assert!(matches!(
        decide(Status::Open, Action::Resolve, &answer),
        Err(StepError::NotAllowed { .. })
    ));
    let blank = StepInput {
        response: Some("  ".into()),
        reason: None,
    };
    assert!(
        matches!(decide(Status::InProgress, Action::Respond, &blank), Err(StepError::Field(f)) if f.field == "response")
    );
}

#[test]
fn every_status_and_action_is_either_a_defined_step_or_an_error() {
    let input = StepInput {
        response: Some("tanggapan".into()),
        reason: Some("alasan".into()),
    };
    for from in Status::ALL {
        for action in Action::ALL {
            if let Ok(step) = decide(from, action, &input) {
                assert_eq!(step.from, from);
                assert_eq!(
                    step.notify,
                    matches!(action, Action::Respond | Action::Resolve)
                );
            }
        }
    }
}

fn input(text: &str) -> ComplaintInput {
    ComplaintInput {
        name: Some("Sri".into()),
        text: Some(text.into()),
        ..Default::default()
    }
}

#[test]
fn a_complaint_needs_a_name_and_a_text_of_10_to_2000_characters() {
    assert!(NewComplaint::parse(&input("Akta belum jadi sebulan"), Channel::Website).is_ok());
    assert_eq!(
        NewComplaint::parse(&input("pendek"), Channel::Website)
            .unwrap_err()
            .field,
        "text"
    );
    assert_eq!(
        NewComplaint::parse(&input(&"a".repeat(2001)), Channel::Website)
            .unwrap_err()
            .field,
        "text"
    );
    let mut no_name = input("Akta belum jadi sebulan");
    no_name.name = Some(" ".into());
    assert_eq!(
        NewComplaint::parse(&no_name, Channel::Website)
            .unwrap_err()
            .field,
        "name"
    );
}

#[test]
fn phone_channel_and_registration_number_are_checked_when_given() {
    let mut i = input("Akta belum jadi sebulan");
    i.phone = Some("12345".into());
    assert_eq!(
        NewComplaint::parse(&i, Channel::Website).unwrap_err().field,
        "phone"
    );
    i.phone = Some("0812 3456 7890".into());
    i.channel = Some("fax".into());
    assert_eq!(
        NewComplaint::parse(&i, Channel::Website).unwrap_err().field,
        "channel"
    );
    i.channel = Some("hotline".into());
    i.registration_number = Some("ABCD-EFGH1".into());
    assert_eq!(
        NewComplaint::parse(&i, Channel::Website).unwrap_err().field,
        "registration_number"
    );
    i.registration_number = None;
    let ok = NewComplaint::parse(&i, Channel::Website).unwrap();
    assert_eq!(ok.channel, Channel::Hotline);
    assert!(ok.phone.is_some());
}

#[test]
fn the_answered_sms_fits_one_gsm7_segment() {
    let t = Ticket::generate(seq(&[1, 2, 3, 4, 5, 6]));
    let sms = answered_sms(&t, "https://pakpos.disdukcapil.wonogirikab.go.id");
    assert!(sms.chars().count() <= 160, "{} chars", sms.chars().count());
    assert!(sms.is_ascii());
    assert!(sms.contains(t.as_str()));
    assert!(sms.contains(".go.id/pengaduan/lacak "), "{sms}");
}

#[test]
fn every_channel_of_the_procedure_has_a_code_and_an_indonesian_label() {
    assert_eq!(Channel::ALL.len(), 7);
    for c in Channel::ALL {
        assert_eq!(Channel::parse(c.code()), Some(c));
        assert!(!c.label().is_empty());
    }
}

#[test]
fn each_action_is_recorded_under_its_own_code_after_the_receipt() {
    for action in Action::ALL {
        assert_eq!(EventAction::from(action).code(), action.code());
    }
    assert_eq!(EventAction::ALL[0], EventAction::Receive);
    assert_eq!(EventAction::ALL.len(), Action::ALL.len() + 1);
}

#[test]
fn the_example_ticket_is_valid_and_a_typo_in_it_is_only_a_check_failure() {
    assert!(Ticket::parse("ADU-7K3QX9Y").is_ok());
    assert!(Ticket::only_check_fails("ADU-7K3QX9M"));
    assert!(!Ticket::only_check_fails("ADU-7K3QX9Y"), "valid");
    assert!(
        !Ticket::only_check_fails("ADU-7K3"),
        "malformed, not a typo"
    );
}

#[test]
fn a_complaint_name_with_a_nul_byte_or_markup_and_a_text_with_an_override_are_refused() {
    for name in ["Sri\0", "<b>Sri</b>", "Sri <script>", "Sri\u{202E}itsaL"] {
        let mut bad = input("Akta belum jadi sebulan");
        bad.name = Some(name.into());
        let err = NewComplaint::parse(&bad, Channel::Website).unwrap_err();
        assert_eq!(err.field, "name", "{name:?}");
    }
    let multi_line = input("Akta belum jadi.\r\nSudah sebulan menunggu.");
    assert!(NewComplaint::parse(&multi_line, Channel::Website).is_ok());
    for text in [
        "Akta belum jadi\0 sebulan",
        "Akta belum jadi \u{2066}sebulan",
    ] {
        let err = NewComplaint::parse(&input(text), Channel::Website).unwrap_err();
        assert_eq!(err.field, "text", "{text:?}");
    }
}
