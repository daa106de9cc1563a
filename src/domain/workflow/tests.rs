//! Tests of the workflow table against DESIGN.md, transcribed here row by row
//! independently of `rule_for`, so a change to either shows up as a failure.

use super::*;
use crate::domain::application::{CorrectableField, DeliveryMethod, FieldError, Subject};
use crate::domain::ids::VerificationCode;
use crate::domain::ids::{Nik, PhoneNumber, RegistrationNumber, VillageCode};
use crate::domain::messages::SmsTemplate;
use crate::domain::papers::{Papers, PapersReturn};
use crate::domain::products::{ProductKind, ProductState, StoredFile};
use crate::domain::roles::{Actor, ActorKind, Role};
use crate::domain::services::{child_born, required_for, Service};
use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const CITIZEN: ActorKind = ActorKind::Citizen;
const COURIER: ActorKind = ActorKind::Courier;
const OPERATOR: ActorKind = ActorKind::Staff(Role::VillageOperator);
const FO: ActorKind = ActorKind::Staff(Role::FrontOffice);
const VALIDATOR: ActorKind = ActorKind::Staff(Role::Validator);
const COUNTER: ActorKind = ActorKind::Staff(Role::PickupCounter);
const PRODUCTION: ActorKind = ActorKind::Staff(Role::Production);
const HEAD: ActorKind = ActorKind::Staff(Role::HeadOfAgency);

/// DESIGN.md "Workflow", one line per (from, action, actor) → to. `None` as
/// `to` stands for "by delivery method"; `Some(from)` for a data-only step.
fn design_table() -> Vec<(Option<Status>, Action, ActorKind, Option<Status>)> {
    use Action as A;
    use Status as S;
    let mut rows = vec![
        (None, A::Submit, OPERATOR, Some(S::Submitted)),
        (None, A::Submit, CITIZEN, Some(S::Submitted)),
        (
            Some(S::Submitted),
            A::Accept,
            FO,
            Some(S::AwaitingValidation),
        ),
        (
            Some(S::AwaitingValidation),
            A::Approve,
            VALIDATOR,
            Some(S::AwaitingDocuments),
        ),
        (
            Some(S::AwaitingDocuments),
            A::ReceiveDocuments,
            COUNTER,
            Some(S::InProduction),
        ),
        (
            Some(S::InProduction),
            A::Correct,
            PRODUCTION,
            Some(S::InProduction),
        ),
        // Step h, per product: production attaches each draft from SIAK.
        (
            Some(S::InProduction),
            A::AttachDraft,
            PRODUCTION,
            Some(S::InProduction),
        ),
        (
            Some(S::InProduction),
            A::RequestSignature,
            PRODUCTION,
            Some(S::AwaitingSignatureValidation),
        ),
        (
            Some(S::AwaitingSignatureValidation),
            A::ValidateSignature,
            VALIDATOR,
            Some(S::AwaitingSignature),
        ),
        (
            Some(S::AwaitingSignatureValidation),
            A::ReturnToProduction,
            VALIDATOR,
            Some(S::InProduction),
        ),
        (
            Some(S::AwaitingSignatureValidation),
            A::ReturnToProduction,
            HEAD,
            Some(S::InProduction),
        ),
        (
            Some(S::AwaitingSignature),
            A::ReturnToProduction,
            VALIDATOR,
            Some(S::InProduction),
        ),
        (
            Some(S::AwaitingSignature),
            A::ReturnToProduction,
            HEAD,
            Some(S::InProduction),
        ),
        (
            Some(S::AwaitingSignature),
            A::Sign,
            HEAD,
            Some(S::ReadyToPrint),
        ),
        (Some(S::ReadyToPrint), A::MarkPrinted, PRODUCTION, None),
        (
            Some(S::ReadyForPickup),
            A::HandOver,
            COUNTER,
            Some(S::Completed),
        ),
        (
            Some(S::OutForDelivery),
            A::RecordDelivered,
            COURIER,
            Some(S::Completed),
        ),
        (
            Some(S::OutForDelivery),
            A::RecordDelivered,
            COUNTER,
            Some(S::Completed),
        ),
        (
            Some(S::OutForDelivery),
            A::RecordReturned,
            COURIER,
            Some(S::ReadyForPickup),
        ),
        (
            Some(S::OutForDelivery),
            A::RecordReturned,
            COUNTER,
            Some(S::ReadyForPickup),
        ),
        // Cetak mandiri: the citizen's downloads complete it, or the
        // counter records it.
        (
            Some(S::ReadyForDownload),
            A::RecordDownloaded,
            CITIZEN,
            Some(S::Completed),
        ),
        (
            Some(S::ReadyForDownload),
            A::RecordDownloaded,
            COUNTER,
            Some(S::Completed),
        ),
        (Some(S::Submitted), A::Cancel, FO, Some(S::Cancelled)),
        (
            Some(S::AwaitingValidation),
            A::Cancel,
            VALIDATOR,
            Some(S::Cancelled),
        ),
        (
            Some(S::AwaitingDocuments),
            A::Cancel,
            COUNTER,
            Some(S::Cancelled),
        ),
        (
            Some(S::InProduction),
            A::Cancel,
            PRODUCTION,
            Some(S::Cancelled),
        ),
        // After a cancellation, the papers the agency held go back.
        (
            Some(S::Cancelled),
            A::ReturnPapers,
            COUNTER,
            Some(S::Cancelled),
        ),
        (
            Some(S::Cancelled),
            A::ReturnPapers,
            COURIER,
            Some(S::Cancelled),
        ),
    ];
    // "The delivery method may be changed until printing."
    for s in [
        S::Submitted,
        S::AwaitingValidation,
        S::AwaitingDocuments,
        S::InProduction,
        S::AwaitingSignatureValidation,
        S::AwaitingSignature,
        S::ReadyToPrint,
    ] {
        for who in [FO, VALIDATOR, COUNTER, PRODUCTION] {
            rows.push((Some(s), A::ChangeDeliveryMethod, who, Some(s)));
        }
    }
    rows
}

fn all_actor_kinds() -> Vec<ActorKind> {
    let mut kinds = vec![CITIZEN, COURIER];
    kinds.extend(Role::ALL.into_iter().map(ActorKind::Staff));
    kinds
}

#[test]
fn every_status_action_and_actor_combination_matches_the_design_table() {
    let table = design_table();
    let mut checked = 0;
    for status in std::iter::once(None).chain(Status::ALL.into_iter().map(Some)) {
        for action in Action::ALL {
            for kind in all_actor_kinds() {
                let expected = table
                    .iter()
                    .find(|r| r.0 == status && r.1 == action && r.2 == kind);
                let got = rule_for(status, action).filter(|r| r.actors.contains(&kind));
                match (expected, got) {
                    (None, None) => {}
                    (Some(row), Some(rule)) => {
                        let target = match rule.target {
                            Target::To(s) => Some(s),
                            Target::Stay => status,
                            Target::ByDeliveryMethod => None,
                        };
                        assert_eq!(target, row.3, "{status:?} {action:?} {kind:?}");
                    }
                    (e, g) => panic!("{status:?} {action:?} {kind:?}: design {e:?}, code {g:?}"),
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 13 * 18 * 10);
}

#[test]
fn admin_and_complaints_officer_perform_no_workflow_step() {
    for status in Status::ALL {
        assert!(available_actions(status, ActorKind::Staff(Role::Admin)).is_empty());
        assert!(available_actions(status, ActorKind::Staff(Role::ComplaintsOfficer)).is_empty());
    }
}

#[test]
fn final_statuses_wait_for_no_role_and_only_the_papers_still_move() {
    for status in [Status::Completed, Status::Cancelled] {
        for kind in all_actor_kinds() {
            for action in available_actions(status, kind) {
                assert_eq!((status, action), (Status::Cancelled, Action::ReturnPapers));
                let rule = rule_for(Some(status), action).map(|r| r.target);
                assert_eq!(rule, Some(Target::Stay), "a final status stays final");
            }
        }
        assert_eq!(status.awaiting_role(), None);
    }
}

#[test]
fn every_open_status_waits_for_a_role_that_can_act_on_it() {
    for status in Status::ALL.into_iter().filter(|s| !s.is_final()) {
        let role = status.awaiting_role();
        let can_act =
            role.is_some_and(|r| !available_actions(status, ActorKind::Staff(r)).is_empty());
        assert!(can_act, "{status:?}");
    }
}

pub(super) fn sample_state(status: Status, method: DeliveryMethod) -> ApplicationState {
    ApplicationState {
        registration_number: RegistrationNumber::generate(|| 7),
        status,
        version: 3,
        village_code: village(),
        services: vec![Service::BirthCertificate, Service::ChildIdCard],
        phone: PhoneNumber::parse("081234567890").unwrap(),
        applicant_name: "Sri Lestari".into(),
        applicant_address: "Dusun Krajan RT 01 RW 02, Gedong".into(),
        subject: Subject {
            name: Some("Bima".into()),
            birth_date: Some("2026-11-01".into()),
            ..Default::default()
        },
        delivery_method: method,
        delivery_address: None,
        siak_reference: None,
        products: sample_products(status),
        papers: sample_papers(status),
    }
}

/// Where the papers are: received from `in_production` on; after a
/// cancellation, waiting at the counter.
pub(super) fn sample_papers(status: Status) -> Option<Papers> {
    use Status as S;
    match status {
        S::Submitted | S::AwaitingValidation | S::AwaitingDocuments => None,
        S::Cancelled => Some(Papers::AtCounter),
        _ => Some(Papers::AtAgency),
    }
}

/// Every product drafted; validated from `awaiting_signature` on, signed
/// from `ready_to_print` on — where the happy path has them.
pub(super) fn sample_products(status: Status) -> Vec<ProductState> {
    use Status as S;
    let validated = matches!(
        status,
        S::AwaitingSignature
            | S::ReadyToPrint
            | S::ReadyForPickup
            | S::OutForDelivery
            | S::Completed
    );
    let signed = matches!(
        status,
        S::ReadyToPrint | S::ReadyForPickup | S::OutForDelivery | S::Completed
    );
    ProductKind::of(&[Service::BirthCertificate, Service::ChildIdCard])
        .into_iter()
        .map(|kind| ProductState {
            kind,
            document_number: Some("3312-LT-01122026-0001".into()),
            draft: Some(sample_file("draft")),
            validated,
            signed: signed.then(|| VerificationCode::generate(|| 11)),
        })
        .collect()
}

fn sample_file(what: &str) -> StoredFile {
    StoredFile {
        object_key: format!("products/X/{what}"),
        sha256: "ab".repeat(32),
        size: 1234,
    }
}

fn village() -> VillageCode {
    VillageCode::parse("33.12.01.2001").unwrap()
}

fn staff(role: Role) -> Actor {
    Actor::Staff {
        staff_id: 1,
        role,
        village: None,
    }
}

/// Our public address in these tests, for the links in SMS texts.
const BASE: &str = "https://pakpos.example";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

/// A well-formed command for each action (the data a real officer would send).
fn command_for(action: Action) -> Option<Command> {
    let state = sample_state(Status::AwaitingDocuments, DeliveryMethod::Pos);
    Some(match action {
        Action::Submit => return None,
        Action::Accept => Command::Accept {
            siak_reference: "SIAK-1".into(),
        },
        Action::Approve => Command::Approve,
        Action::ReceiveDocuments => Command::ReceiveDocuments {
            checklist: required_for(
                &state.services,
                child_born(state.subject.birth_date.as_deref()),
                today(),
            )
            .into_iter()
            .map(String::from)
            .collect(),
        },
        Action::Correct => Command::Correct {
            changes: vec![(CorrectableField::Subject("name"), "Bima Sakti".into())],
        },
        Action::AttachDraft => Command::AttachDraft {
            product: ProductKind::ChildIdCard,
            document_number: "3312014502900001".into(),
            draft: sample_file("draft-2"),
        },
        Action::RequestSignature => Command::RequestSignature,
        Action::ValidateSignature => Command::ValidateSignature { product: None },
        Action::ReturnToProduction => Command::ReturnToProduction,
        Action::Sign => Command::Sign {
            product: None,
            signed: Some((VerificationCode::generate(|| 5), sample_file("signed"))),
        },
        Action::MarkPrinted => Command::MarkPrinted {
            download_link: Some("https://pakpos.example/cetak/abc".into()),
        },
        Action::HandOver => Command::HandOver {
            collector: Collector {
                name: "Sri Lestari".into(),
                nik: Nik::parse("3312014502900001").unwrap(),
            },
        },
        Action::RecordDelivered => Command::RecordDelivered {
            receipt: "P2611280001".into(),
        },
        Action::RecordReturned => Command::RecordReturned,
        Action::RecordDownloaded => Command::RecordDownloaded,
        Action::Cancel => Command::Cancel {
            papers_return: None,
            return_cod: 0,
        },
        Action::ReturnPapers => Command::ReturnPapers {
            collector: Some(Collector {
                name: "Sri Lestari".into(),
                nik: Nik::parse("3312014502900001").unwrap(),
            }),
            receipt: None,
        },
        Action::ChangeDeliveryMethod => Command::ChangeDeliveryMethod {
            method: DeliveryMethod::Pickup,
            address: None,
        },
    })
}

fn actor_of(kind: ActorKind) -> Actor {
    match kind {
        ActorKind::Citizen => Actor::Citizen,
        ActorKind::Courier => Actor::Courier,
        ActorKind::Staff(role) => staff(role),
    }
}

#[test]
fn decide_follows_the_table_and_errors_with_403_or_409_everywhere_else() {
    for status in Status::ALL {
        for action in Action::ALL.into_iter().filter(|a| *a != Action::Submit) {
            for kind in all_actor_kinds() {
                let Some(cmd) = command_for(action) else {
                    continue;
                };
                let state = sample_state(status, DeliveryMethod::Pos);
                let result = decide(
                    &state,
                    &cmd,
                    &actor_of(kind),
                    Some("alasan pengujian"),
                    None,
                    today(),
                    BASE,
                );
                let allowed =
                    rule_for(Some(status), action).is_some_and(|r| r.actors.contains(&kind));
                match result {
                    Ok(t) => {
                        assert!(allowed, "{status:?} {action:?} {kind:?} succeeded");
                        assert_eq!(t.next.version, state.version + 1);
                        assert_eq!(t.from, Some(status));
                    }
                    Err(
                        WorkflowError::RoleNotAllowed { .. }
                        | WorkflowError::NotAllowedInStatus { .. },
                    ) => {
                        assert!(!allowed, "{status:?} {action:?} {kind:?} refused");
                    }
                    Err(e) => panic!("{status:?} {action:?} {kind:?}: unexpected {e}"),
                }
            }
        }
    }
}

#[test]
fn mark_printed_goes_to_the_counter_or_the_post_by_delivery_method() {
    let cmd = Command::MarkPrinted {
        download_link: None,
    };
    let pickup = decide(
        &sample_state(Status::ReadyToPrint, DeliveryMethod::Pickup),
        &cmd,
        &staff(Role::Production),
        None,
        None,
        today(),
        BASE,
    );
    let pickup = pickup.unwrap();
    assert_eq!(pickup.next.status, Status::ReadyForPickup);
    assert!(matches!(
        &pickup.effects[..],
        [Effect::Sms {
            template: SmsTemplate::ReadyForPickup,
            ..
        }]
    ));

    let pos = decide(
        &sample_state(Status::ReadyToPrint, DeliveryMethod::Pos),
        &cmd,
        &staff(Role::Production),
        None,
        None,
        today(),
        BASE,
    );
    let pos = pos.unwrap();
    assert_eq!(pos.next.status, Status::OutForDelivery);
    let courier = pos.effects.iter().find_map(|e| match e {
        Effect::Courier(c) => Some(c.clone()),
        _ => None,
    });
    assert_eq!(
        courier.map(|c| (c.leg, c.cod_amount)),
        Some((CourierLeg::DeliverDocuments, 10_000))
    );

    // Cetak mandiri: no courier, an SMS with the download link; without a
    // link the step is refused rather than sent without one.
    let state = sample_state(Status::ReadyToPrint, DeliveryMethod::SelfPrint);
    let link = "https://pakpos.example/cetak/AbCdEf";
    let own = decide(
        &state,
        &Command::MarkPrinted {
            download_link: Some(link.into()),
        },
        &staff(Role::Production),
        None,
        None,
        today(),
        BASE,
    )
    .unwrap();
    assert_eq!(own.next.status, Status::ReadyForDownload);
    assert!(matches!(
        &own.effects[..],
        [Effect::Sms { template: SmsTemplate::ReadyForDownload, body, .. }] if body.contains(link) && body.chars().count() <= 160
    ));
    assert!(decide(
        &state,
        &cmd,
        &staff(Role::Production),
        None,
        None,
        today(),
        BASE
    )
    .is_err());
}

#[test]
fn approval_texts_the_applicant_and_requests_a_courier_pickup_for_rp_10000() {
    let t = decide(
        &sample_state(Status::AwaitingValidation, DeliveryMethod::Pickup),
        &Command::Approve,
        &staff(Role::Validator),
        None,
        None,
        today(),
        BASE,
    );
    let t = t.unwrap();
    assert_eq!(t.effects.len(), 2);
    assert!(t.effects.iter().any(|e| matches!(
        e,
        Effect::Courier(CourierRequest {
            leg: CourierLeg::PickupDocuments,
            fee: 10_000,
            ..
        })
    )));
}

#[test]
fn a_delivery_settles_the_cod_fee_and_a_return_voids_it_and_texts_the_applicant() {
    let state = sample_state(Status::OutForDelivery, DeliveryMethod::Pos);
    let cmd = Command::RecordDelivered {
        receipt: "P1".into(),
    };
    let t = decide(&state, &cmd, &Actor::Courier, None, None, today(), BASE).unwrap();
    assert_eq!(
        t.effects,
        vec![Effect::Fee(FeeChange::Collected(
            CourierLeg::DeliverDocuments
        ))]
    );
    let t = decide(
        &state,
        &Command::RecordReturned,
        &Actor::Courier,
        None,
        None,
        today(),
        BASE,
    )
    .unwrap();
    assert!(matches!(
        &t.effects[..],
        [
            Effect::Sms {
                template: SmsTemplate::DeliveryReturned,
                ..
            },
            Effect::Fee(FeeChange::Voided(CourierLeg::DeliverDocuments))
        ]
    ));
}

#[test]
fn a_cancellation_after_approval_voids_the_uncollected_pickup_fee() {
    let state = sample_state(Status::AwaitingDocuments, DeliveryMethod::Pickup);
    let t = decide(
        &state,
        &Command::Cancel {
            papers_return: None,
            return_cod: 0,
        },
        &staff(Role::PickupCounter),
        Some("berkas tidak dikirim"),
        None,
        today(),
        BASE,
    );
    let t = t.unwrap();
    assert!(t
        .effects
        .contains(&Effect::Fee(FeeChange::Voided(CourierLeg::PickupDocuments))));
    let early = decide(
        &sample_state(Status::Submitted, DeliveryMethod::Pickup),
        &Command::Cancel {
            papers_return: None,
            return_cod: 0,
        },
        &staff(Role::FrontOffice),
        Some("NIK ganda"),
        None,
        today(),
        BASE,
    );
    assert!(early.is_ok_and(|t| !t.effects.iter().any(|e| matches!(e, Effect::Fee(_)))));
}

#[test]
fn a_cancellation_needs_a_reason_and_carries_it_to_the_sms() {
    let state = sample_state(Status::Submitted, DeliveryMethod::Pickup);
    let err = decide(
        &state,
        &Command::Cancel {
            papers_return: None,
            return_cod: 0,
        },
        &staff(Role::FrontOffice),
        None,
        None,
        today(),
        BASE,
    );
    assert!(
        matches!(err, Err(WorkflowError::Field(FieldError { ref field, .. })) if field == "reason")
    );
    let t = decide(
        &state,
        &Command::Cancel {
            papers_return: None,
            return_cod: 0,
        },
        &staff(Role::FrontOffice),
        Some("KK belum diperbarui"),
        None,
        today(),
        BASE,
    );
    let t = t.unwrap();
    assert_eq!(t.next.status, Status::Cancelled);
    assert!(
        matches!(&t.effects[..], [Effect::Sms { body, .. }] if body.contains("KK belum diperbarui"))
    );
}

#[test]
fn a_correction_keeps_before_and_after_and_refuses_bad_values() {
    let state = sample_state(Status::InProduction, DeliveryMethod::Pickup);
    let cmd = Command::Correct {
        changes: vec![
            (CorrectableField::Subject("name"), "Bima Sakti".into()),
            (
                CorrectableField::ApplicantAddress,
                "Dusun Kulon RT 03 RW 01".into(),
            ),
        ],
    };
    let t = decide(
        &state,
        &cmd,
        &staff(Role::Production),
        None,
        None,
        today(),
        BASE,
    )
    .unwrap();
    assert_eq!(t.next.status, Status::InProduction);
    assert_eq!(t.next.subject.name.as_deref(), Some("Bima Sakti"));
    assert_eq!(
        t.changes[0],
        FieldChange {
            field: "subject.name".into(),
            before: Some("Bima".into()),
            after: Some("Bima Sakti".into())
        }
    );
    assert_eq!(t.changes[1].field, "applicant.address");

    let bad = Command::Correct {
        changes: vec![(CorrectableField::Subject("birth_date"), "kemarin".into())],
    };
    let err = decide(
        &state,
        &bad,
        &staff(Role::Production),
        None,
        None,
        today(),
        BASE,
    );
    assert!(
        matches!(err, Err(WorkflowError::Field(FieldError { ref field, .. })) if field == "changes.subject.birth_date")
    );
}

#[test]
fn receiving_the_papers_settles_the_pickup_fee_and_a_later_cancel_leaves_it_collected() {
    let state = sample_state(Status::AwaitingDocuments, DeliveryMethod::Pickup);
    let received = decide(
        &state,
        &command_for(Action::ReceiveDocuments).unwrap(),
        &staff(Role::PickupCounter),
        None,
        None,
        today(),
        BASE,
    )
    .unwrap();
    assert!(received.effects.contains(&Effect::Fee(FeeChange::Collected(
        CourierLeg::PickupDocuments
    ))));
    // Cancelled in production: only an uncollected fee is voided (the store
    // voids `expected` rows only), so the settled pickup fee stays.
    let cancel = decide(
        &sample_state(Status::InProduction, DeliveryMethod::Pickup),
        &Command::Cancel {
            papers_return: None,
            return_cod: 0,
        },
        &staff(Role::Production),
        Some("Berkas tidak memenuhi syarat"),
        None,
        today(),
        BASE,
    )
    .unwrap();
    assert!(cancel
        .effects
        .iter()
        .all(|e| !matches!(e, Effect::Fee(FeeChange::Collected(_)))));
}

fn cancel_with(
    state: &ApplicationState,
    how: Option<PapersReturn>,
    role: Role,
) -> Result<Transition, WorkflowError> {
    decide(
        state,
        &Command::Cancel {
            papers_return: how,
            return_cod: 0,
        },
        &staff(role),
        Some("Berkas tidak memenuhi syarat"),
        None,
        today(),
        BASE,
    )
}

#[test]
fn papers_held_by_the_agency_go_back_by_post_unless_the_citizen_collects_them() {
    let held = sample_state(Status::InProduction, DeliveryMethod::Pickup);
    let by_post = cancel_with(&held, None, Role::Production).unwrap();
    assert_eq!(by_post.next.papers, Some(Papers::ReturningByPos));
    let leg = by_post.effects.iter().find_map(|e| match e {
        Effect::Courier(r) => Some(r.clone()),
        _ => None,
    });
    assert_eq!(
        leg.map(|r| (r.leg, r.cod_amount, r.address)),
        Some((
            CourierLeg::ReturnDocuments,
            0,
            held.applicant_address.clone()
        )),
        "the agency pays the return, to the applicant's address"
    );
    // One segment has no room for it beside the reason: the SMS links to
    // the tracking page, which says where the papers are.
    let sms = by_post.effects.iter().any(
        |e| matches!(e, Effect::Sms { body, .. } if body.ends_with(&format!("{BASE}/l/{}", held.registration_number.as_str().replace('-', "")))),
    );
    assert!(
        sms,
        "the SMS links to the page that says where the papers are"
    );

    let counter = cancel_with(&held, Some(PapersReturn::Counter), Role::Production).unwrap();
    assert_eq!(counter.next.papers, Some(Papers::AtCounter));
    assert!(!counter
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Courier(_))));

    let err = cancel_with(&held, Some(PapersReturn::NotReceived), Role::Production);
    assert!(matches!(err, Err(WorkflowError::Field(f)) if f.field == "papers_return"));
}

#[test]
fn at_the_counter_papers_not_received_cancel_the_pickup_and_incomplete_ones_go_back() {
    let waiting = sample_state(Status::AwaitingDocuments, DeliveryMethod::Pos);
    let t = cancel_with(&waiting, None, Role::PickupCounter).unwrap();
    assert_eq!(t.next.papers, None, "still with the citizen");
    assert!(t
        .effects
        .contains(&Effect::CancelCourier(CourierLeg::PickupDocuments)));
    let t = cancel_with(&waiting, Some(PapersReturn::Pos), Role::PickupCounter).unwrap();
    assert_eq!(t.next.papers, Some(Papers::ReturningByPos));
    assert!(!t
        .effects
        .contains(&Effect::CancelCourier(CourierLeg::PickupDocuments)));
    // Before approval nothing was sent: there is nothing to return.
    let early = sample_state(Status::Submitted, DeliveryMethod::Pos);
    let err = cancel_with(&early, Some(PapersReturn::Counter), Role::FrontOffice);
    assert!(matches!(err, Err(WorkflowError::Field(f)) if f.field == "papers_return"));
    let t = cancel_with(&early, None, Role::FrontOffice).unwrap();
    assert!(t.effects.iter().all(|e| matches!(e, Effect::Sms { .. })));
    assert!(
        t.details.is_empty(),
        "nothing to say about papers never sent"
    );
    let t = cancel_with(&waiting, None, Role::PickupCounter).unwrap();
    assert!(t.details.iter().any(|(k, _)| *k == "papers_return"));
}

#[test]
fn a_resubmission_with_papers_held_is_approved_without_a_pickup_and_returns_them_if_cancelled() {
    let mut carried = sample_state(Status::AwaitingValidation, DeliveryMethod::Pickup);
    carried.papers = Some(Papers::AtAgency);
    let approved = decide(
        &carried,
        &Command::Approve,
        &staff(Role::Validator),
        None,
        None,
        today(),
        BASE,
    )
    .unwrap();
    assert!(
        approved
            .effects
            .iter()
            .all(|e| !matches!(e, Effect::Courier(_))),
        "no pickup, no fee"
    );
    assert!(matches!(
        &approved.effects[..],
        [Effect::Sms {
            template: SmsTemplate::ApprovedPapersHeld,
            ..
        }]
    ));
    let cancelled = cancel_with(&carried, None, Role::Validator).unwrap();
    assert_eq!(cancelled.next.papers, Some(Papers::ReturningByPos));
}

#[test]
fn papers_are_returned_once_with_who_took_them_or_the_couriers_receipt() {
    let mut cancelled = sample_state(Status::Cancelled, DeliveryMethod::Pickup);
    let by_counter = decide(
        &cancelled,
        &command_for(Action::ReturnPapers).unwrap(),
        &staff(Role::PickupCounter),
        None,
        None,
        today(),
        BASE,
    )
    .unwrap();
    assert_eq!(by_counter.next.papers, Some(Papers::Returned));
    assert_eq!(by_counter.next.status, Status::Cancelled);
    assert!(by_counter
        .details
        .iter()
        .any(|(k, v)| *k == "collector_nik" && !v.contains("3312014502900001")));
    // Twice: nothing waits any more.
    let again = decide(
        &by_counter.next,
        &command_for(Action::ReturnPapers).unwrap(),
        &staff(Role::PickupCounter),
        None,
        None,
        today(),
        BASE,
    );
    assert!(matches!(again, Err(WorkflowError::Field(f)) if f.field == "papers"));
    // The courier's delivery settles the return leg's ledger row.
    cancelled.papers = Some(Papers::ReturningByPos);
    let delivered = decide(
        &cancelled,
        &Command::ReturnPapers {
            collector: None,
            receipt: Some("P2612020001".into()),
        },
        &Actor::Courier,
        None,
        None,
        today(),
        BASE,
    )
    .unwrap();
    assert!(delivered
        .effects
        .contains(&Effect::Fee(FeeChange::Collected(
            CourierLeg::ReturnDocuments
        ))));
    let nothing = decide(
        &cancelled,
        &Command::ReturnPapers {
            collector: None,
            receipt: None,
        },
        &staff(Role::PickupCounter),
        None,
        None,
        today(),
        BASE,
    );
    assert!(matches!(nothing, Err(WorkflowError::Field(f)) if f.field == "collector"));
}

#[test]
fn documents_are_received_only_with_the_whole_checklist() {
    let state = sample_state(Status::AwaitingDocuments, DeliveryMethod::Pickup);
    let cmd = Command::ReceiveDocuments {
        checklist: ["kk_orang_tua".to_string()].into_iter().collect(),
    };
    let err = decide(
        &state,
        &cmd,
        &staff(Role::PickupCounter),
        None,
        None,
        today(),
        BASE,
    );
    assert!(
        matches!(err, Err(WorkflowError::Field(FieldError { ref message, .. })) if message.contains("surat_keterangan_lahir"))
    );
}

#[test]
fn a_stale_expected_version_is_a_conflict() {
    let state = sample_state(Status::Submitted, DeliveryMethod::Pickup);
    let cmd = Command::Accept {
        siak_reference: "S-1".into(),
    };
    let err = decide(
        &state,
        &cmd,
        &staff(Role::FrontOffice),
        None,
        Some(2),
        today(),
        BASE,
    );
    assert_eq!(
        err.err(),
        Some(WorkflowError::StaleVersion {
            expected: 2,
            current: 3
        })
    );
    assert!(decide(
        &state,
        &cmd,
        &staff(Role::FrontOffice),
        None,
        Some(3),
        today(),
        BASE
    )
    .is_ok());
}

#[test]
fn a_village_operator_submits_only_for_their_own_village() {
    let own = Actor::Staff {
        staff_id: 9,
        role: Role::VillageOperator,
        village: Some(village()),
    };
    assert!(authorize(None, Action::Submit, &own, &village()).is_ok());
    let other = VillageCode::parse("33.12.02.2001").unwrap();
    assert!(matches!(
        authorize(None, Action::Submit, &own, &other),
        Err(WorkflowError::OtherVillage { .. })
    ));
    assert!(authorize(None, Action::Submit, &Actor::Citizen, &other).is_ok());
    assert!(matches!(
        authorize(None, Action::Submit, &staff(Role::FrontOffice), &other),
        Err(WorkflowError::RoleNotAllowed { .. })
    ));
}

#[test]
fn a_wrong_role_gets_role_not_allowed_and_a_right_role_in_a_wrong_status_gets_a_conflict() {
    let state = sample_state(Status::Submitted, DeliveryMethod::Pickup);
    let e = decide(
        &state,
        &Command::Approve,
        &staff(Role::FrontOffice),
        None,
        None,
        today(),
        BASE,
    );
    assert!(matches!(e, Err(WorkflowError::RoleNotAllowed { .. })));
    let e = decide(
        &state,
        &Command::Approve,
        &staff(Role::Validator),
        None,
        None,
        today(),
        BASE,
    );
    assert!(matches!(e, Err(WorkflowError::NotAllowedInStatus { .. })));
}

/// One step of a generated run.
#[derive(Debug, Clone)]
enum Step {
    /// One of the (action, actor) pairs the table allows in the status the
    /// run is in.
    Available(proptest::sample::Index),
    /// Any action by anyone: mostly refused, which must leave no trace.
    Arbitrary { action: Action, actor: ActorKind },
}

/// A step, and whether the officer gives a reason: one time in four. A
/// cancellation needs one, and with a reason every other step four runs in
/// five ended cancelled and only one in ten completed.
fn any_step() -> impl Strategy<Value = (Step, bool)> {
    let available = any::<proptest::sample::Index>().prop_map(Step::Available);
    let arbitrary = (
        proptest::sample::select(Action::ALL.to_vec()),
        proptest::sample::select(all_actor_kinds()),
    )
        .prop_map(|(action, actor)| Step::Arbitrary { action, actor });
    (
        prop_oneof![7 => available, 1 => arbitrary],
        proptest::bool::weighted(0.25),
    )
}

/// Every (action, actor) pair the table allows in `status`.
fn moves(status: Status) -> Vec<(Action, ActorKind)> {
    all_actor_kinds()
        .into_iter()
        .flat_map(|kind| {
            available_actions(status, kind)
                .into_iter()
                .map(move |action| (action, kind))
        })
        .collect()
}

/// The action and actor a step stands for in `status`; `None` when nobody
/// may do anything there (a final status).
fn resolve(step: &Step, status: Status) -> Option<(Action, ActorKind)> {
    match step {
        Step::Available(pick) => {
            let moves = moves(status);
            (!moves.is_empty()).then(|| moves[pick.index(moves.len())])
        }
        Step::Arbitrary { action, actor } => Some((*action, *actor)),
    }
}

/// [`command_for`], except that a change of delivery method switches to the
/// other method, so runs reach both the counter and the post.
fn command_in(action: Action, state: &ApplicationState) -> Option<Command> {
    match (action, state.delivery_method) {
        (Action::ChangeDeliveryMethod, DeliveryMethod::Pickup) => {
            Some(Command::ChangeDeliveryMethod {
                method: DeliveryMethod::Pos,
                address: None,
            })
        }
        _ => command_for(action),
    }
}

/// Plays a run from a fresh submission, checking after every step that it
/// either failed cleanly (leaving the state as it was) or landed in a defined
/// status with the version one higher, and that nothing left a final status.
/// Returns every status the run was in.
fn play(pos: bool, steps: &[(Step, bool)]) -> Result<BTreeSet<Status>, TestCaseError> {
    let method = if pos {
        DeliveryMethod::Pos
    } else {
        DeliveryMethod::Pickup
    };
    let mut state = sample_state(Status::Submitted, method);
    let mut visited = BTreeSet::from([state.status]);
    for (step, with_reason) in steps {
        let Some((action, kind)) = resolve(step, state.status) else {
            continue;
        };
        let Some(cmd) = command_in(action, &state) else {
            continue;
        };
        let reason = with_reason.then_some("alasan pengujian");
        let before = state.clone();
        match decide(
            &state,
            &cmd,
            &actor_of(kind),
            reason,
            Some(state.version),
            today(),
            BASE,
        ) {
            Ok(t) => {
                prop_assert!(
                    !before.status.is_final() || t.next.status == before.status,
                    "a final status stays final"
                );
                prop_assert!(Status::ALL.contains(&t.next.status));
                prop_assert_eq!(t.next.version, before.version + 1);
                prop_assert!(rule_for(Some(before.status), action).is_some());
                prop_assert!(available_actions(before.status, kind).contains(&action));
                state = t.next;
                visited.insert(state.status);
            }
            Err(_) => prop_assert_eq!(&state, &before),
        }
    }
    Ok(visited)
}

/// No sequence of actions, by anyone, reaches an undefined state (see
/// [`play`]). Because steps are drawn from what is available in the status a
/// run is in, runs get through the whole workflow: both final statuses must
/// be reached by a fair share of runs (one in twenty), or the property above was only checked
/// near the start. `--nocapture` prints how many runs reached each status.
#[test]
fn no_sequence_of_actions_reaches_an_undefined_state() {
    // As `proptest!` would: failures are kept beside this file and replayed.
    let config = ProptestConfig {
        source_file: Some(file!()),
        ..ProptestConfig::default()
    };
    let cases = config.cases;
    let reach = std::cell::RefCell::new(BTreeMap::<Status, u32>::new());
    let runs = (any::<bool>(), proptest::collection::vec(any_step(), 0..200));
    proptest::test_runner::TestRunner::new(config)
        .run(&runs, |(pos, steps)| {
            for status in play(pos, &steps)? {
                *reach.borrow_mut().entry(status).or_default() += 1;
            }
            Ok(())
        })
        .unwrap();
    let reach = reach.into_inner();
    for (status, runs) in &reach {
        println!("{runs:>5} of {cases} runs reached {}", status.code());
    }
    for end in [Status::Completed, Status::Cancelled] {
        let runs = reach.get(&end).copied().unwrap_or(0);
        // One in twenty: signing takes a step per document (three here), each
        // a chance for a return to production, so fewer runs complete.
        assert!(
            runs >= cases / 20,
            "only {runs} of {cases} runs reached {}",
            end.code()
        );
    }
}

#[test]
fn a_reason_may_span_lines_but_holds_no_control_or_direction_character() {
    assert_eq!(
        Reason::parse("Data ibu salah.\r\nMohon diperbaiki.").map(|r| r.as_str().to_string()),
        Ok("Data ibu salah. Mohon diperbaiki.".to_string())
    );
    for bad in ["Data\0 salah", "Data \u{202E}halas", "Data \u{1b}[2J salah"] {
        assert_eq!(Reason::parse(bad).unwrap_err().field, "reason", "{bad:?}");
    }
}
