//! [`decide`]: one step on an application — who may take it ([`authorize`]
//! against the table), whether the data is right, and what it changes: the
//! next state, the audit event's content and the effects.

use chrono::NaiveDate;

use crate::domain::application::{set_subject_field, CorrectableField, DeliveryMethod, FieldError};
use crate::domain::ids::VillageCode;
use crate::domain::messages::{self, SmsTemplate, COURIER_FEE_RUPIAH};
use crate::domain::roles::{Actor, Role};
use crate::domain::services::{child_born, required_for};

use super::audit::{AuditDetail, FieldChange, NewSignature, Transition};
use super::effects::sms;
use super::table::ever_allowed;
use super::{
    rule_for, Action, ApplicationState, Command, CourierLeg, CourierRequest, Effect, FeeChange,
    Reason, Status, Target,
};
use crate::domain::papers::{Papers, PapersReturn};
use crate::domain::products::ProductKind;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// The actor's role never performs this action (HTTP 403).
    #[error("peran {role} tidak berwenang melakukan '{action}'")]
    RoleNotAllowed {
        role: &'static str,
        action: &'static str,
    },
    /// The action exists for this actor but not in this status (HTTP 409).
    #[error("aksi '{action}' tidak dapat dilakukan pada status '{status}'")]
    NotAllowedInStatus {
        action: &'static str,
        status: &'static str,
    },
    /// A village operator acting outside their own village (HTTP 403).
    #[error("operator desa hanya dapat melayani desa/kelurahan {own}")]
    OtherVillage { own: String },
    /// Someone else moved the application first (HTTP 409).
    #[error(
        "permohonan sudah diubah petugas lain (versi {current}, bukan {expected}); muat ulang"
    )]
    StaleVersion { expected: i64, current: i64 },
    /// Bad or missing data for the action (HTTP 422).
    #[error(transparent)]
    Field(#[from] FieldError),
}

/// Checks that the actor may take `action` from `status` (or submit, with
/// `status == None`), returning where it leads.
pub fn authorize(
    status: Option<Status>,
    action: Action,
    actor: &Actor,
    village: &VillageCode,
) -> Result<Target, WorkflowError> {
    let kind = actor.kind();
    let rule = rule_for(status, action).filter(|r| r.actors.contains(&kind));
    let Some(rule) = rule else {
        if !ever_allowed(action, kind) || rule_for(status, action).is_some() {
            return Err(WorkflowError::RoleNotAllowed {
                role: kind.code(),
                action: action.code(),
            });
        }
        return Err(WorkflowError::NotAllowedInStatus {
            action: action.code(),
            status: status.map(Status::code).unwrap_or("-"),
        });
    };
    if let Actor::Staff {
        role: Role::VillageOperator,
        village: own,
        ..
    } = actor
    {
        if own.as_ref() != Some(village) {
            return Err(WorkflowError::OtherVillage {
                own: own
                    .as_ref()
                    .map(|v| v.as_str().to_string())
                    .unwrap_or_default(),
            });
        }
    }
    Ok(rule.target)
}

/// Decides one step on an existing application. `today` (WIB) bounds dates in
/// corrections; `base` is our public address, for the links in SMS texts.
pub fn decide(
    state: &ApplicationState,
    command: &Command,
    actor: &Actor,
    reason: Option<&str>,
    expected_version: Option<i64>,
    today: NaiveDate,
    base: &str,
) -> Result<Transition, WorkflowError> {
    let action = command.action();
    let target = authorize(Some(state.status), action, actor, &state.village_code)?;
    if let Some(expected) = expected_version {
        if expected != state.version {
            return Err(WorkflowError::StaleVersion {
                expected,
                current: state.version,
            });
        }
    }
    let reason = match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Some(Reason::parse(r)?),
        None if Command::requires_reason(action) => {
            return Err(FieldError::new("reason", "alasan wajib diisi untuk aksi ini").into());
        }
        None => None,
    };

    let mut next = state.clone();
    next.version = state.version + 1;
    next.status = match target {
        Target::To(s) => s,
        Target::Stay => state.status,
        Target::ByDeliveryMethod => match state.delivery_method {
            DeliveryMethod::Pickup => Status::ReadyForPickup,
            DeliveryMethod::Pos => Status::OutForDelivery,
            DeliveryMethod::SelfPrint => Status::ReadyForDownload,
        },
    };
    let mut t = Transition {
        action,
        from: Some(state.status),
        next,
        reason: reason.as_ref().map(|r| r.as_str().to_string()),
        changes: Vec::new(),
        details: Vec::new(),
        received_items: Vec::new(),
        signature: None,
        effects: Vec::new(),
    };

    match command {
        Command::Accept { siak_reference } => {
            t.next.siak_reference = Some(siak_reference.clone());
            t.details
                .push((AuditDetail::SiakReference.code(), siak_reference.clone()));
        }
        Command::Approve if state.papers == Some(Papers::AtAgency) => {
            // Carried over from the cancelled application: nothing to post,
            // no courier, no fee.
            t.effects
                .push(sms(state, SmsTemplate::ApprovedPapersHeld, base));
        }
        Command::Approve => {
            // The papers to post are listed on the tracking page it links to.
            t.effects
                .push(sms(state, SmsTemplate::ApprovedSendDocuments, base));
            t.effects.push(Effect::Courier(CourierRequest {
                leg: CourierLeg::PickupDocuments,
                fee: COURIER_FEE_RUPIAH,
                cod_amount: 0,
                address: state.applicant_address.clone(),
            }));
        }
        Command::ReceiveDocuments { checklist } => {
            let required = required_for(&state.services, born(state), today);
            let missing: Vec<&str> = required
                .iter()
                .copied()
                .filter(|c| !checklist.contains(*c))
                .collect();
            if !missing.is_empty() {
                return Err(FieldError::new(
                    "checklist",
                    format!("berkas belum lengkap: {}", missing.join(", ")),
                )
                .into());
            }
            if let Some(extra) = checklist.iter().find(|c| !required.contains(&c.as_str())) {
                return Err(FieldError::new(
                    "checklist",
                    format!("berkas '{extra}' bukan persyaratan permohonan ini"),
                )
                .into());
            }
            t.received_items = required.iter().map(|c| c.to_string()).collect();
            t.next.papers = Some(Papers::AtAgency);
            t.effects
                .push(sms(state, SmsTemplate::DocumentsReceived, base));
            // The papers arrived: the courier did the pickup, its fee is
            // settled (if its own report has not done so already).
            t.effects.push(Effect::Fee(FeeChange::Collected(
                CourierLeg::PickupDocuments,
            )));
        }
        Command::Correct { changes } => {
            if changes.is_empty() {
                return Err(FieldError::new("changes", "tidak ada perubahan").into());
            }
            for (field, value) in changes {
                let after = field.parse_value(value, today)?;
                let before = field.read(
                    &t.next.applicant_name,
                    &t.next.applicant_address,
                    &t.next.subject,
                );
                if before.as_deref() == Some(after.as_str()) {
                    continue;
                }
                match field {
                    CorrectableField::ApplicantName => t.next.applicant_name = after.clone(),
                    CorrectableField::ApplicantAddress => t.next.applicant_address = after.clone(),
                    CorrectableField::Subject(f) => {
                        set_subject_field(&mut t.next.subject, f, Some(after.clone()))
                    }
                }
                t.changes.push(FieldChange {
                    field: field.path(),
                    before,
                    after: Some(after),
                });
            }
            if t.changes.is_empty() {
                return Err(FieldError::new("changes", "nilai baru sama dengan nilai lama").into());
            }
        }
        Command::MarkPrinted { download_link } => {
            if t.next.status == Status::ReadyForDownload {
                let link = download_link.as_deref().ok_or_else(|| {
                    FieldError::new(
                        "delivery_method",
                        "tautan unduhan cetak mandiri belum dibuat",
                    )
                })?;
                t.effects.push(Effect::Sms {
                    template: SmsTemplate::ReadyForDownload,
                    to: state.phone.clone(),
                    body: messages::download_ready_text(&state.registration_number, link),
                });
            } else if t.next.status == Status::OutForDelivery {
                t.effects
                    .push(sms(state, SmsTemplate::OutForDelivery, base));
                t.effects.push(Effect::Courier(CourierRequest {
                    leg: CourierLeg::DeliverDocuments,
                    fee: COURIER_FEE_RUPIAH,
                    cod_amount: COURIER_FEE_RUPIAH,
                    address: state.postal_address().to_string(),
                }));
            } else {
                t.effects
                    .push(sms(state, SmsTemplate::ReadyForPickup, base));
            }
        }
        Command::HandOver { collector } => {
            t.details
                .push((AuditDetail::CollectorName.code(), collector.name.clone()));
            t.details
                .push((AuditDetail::CollectorNik.code(), collector.nik.masked()));
        }
        Command::RecordDelivered { receipt } => {
            t.details
                .push((AuditDetail::Receipt.code(), receipt.clone()));
            t.effects.push(Effect::Fee(FeeChange::Collected(
                CourierLeg::DeliverDocuments,
            )));
        }
        Command::RecordDownloaded => {}
        Command::RecordReturned => {
            t.effects
                .push(sms(state, SmsTemplate::DeliveryReturned, base));
            t.effects
                .push(Effect::Fee(FeeChange::Voided(CourierLeg::DeliverDocuments)));
        }
        Command::Cancel {
            papers_return,
            return_cod,
        } => {
            // A pickup fee the courier has not collected is no longer owed.
            if matches!(
                state.status,
                Status::AwaitingDocuments | Status::InProduction
            ) {
                t.effects
                    .push(Effect::Fee(FeeChange::Voided(CourierLeg::PickupDocuments)));
            }
            let how = papers_return_for(state, *papers_return)?;
            match how {
                PapersReturn::Pos => {
                    t.next.papers = Some(Papers::ReturningByPos);
                    t.effects.push(Effect::Courier(CourierRequest {
                        leg: CourierLeg::ReturnDocuments,
                        fee: *return_cod,
                        cod_amount: *return_cod,
                        address: state.postal_address().to_string(),
                    }));
                }
                PapersReturn::Counter => t.next.papers = Some(Papers::AtCounter),
                // Still with the citizen, or on the way: stop the pickup.
                PapersReturn::NotReceived if state.status == Status::AwaitingDocuments => {
                    t.effects
                        .push(Effect::CancelCourier(CourierLeg::PickupDocuments));
                }
                PapersReturn::NotReceived => {}
            }
            // Said only where the papers could have reached the agency.
            if how != PapersReturn::NotReceived || state.status == Status::AwaitingDocuments {
                t.details
                    .push((AuditDetail::PapersReturn.code(), how.label().into()));
            }
            let reason = reason.as_ref().map(Reason::as_str).unwrap_or_default();
            t.effects.push(Effect::Sms {
                template: SmsTemplate::Cancelled,
                to: state.phone.clone(),
                body: messages::cancelled_text(&state.registration_number, reason, base),
            });
        }
        Command::ReturnPapers { collector, receipt } => {
            if !state.papers.is_some_and(Papers::to_return) {
                return Err(FieldError::new(
                    "papers",
                    "tidak ada berkas fisik yang menunggu dikembalikan",
                )
                .into());
            }
            match (collector, receipt) {
                (Some(c), _) => {
                    t.details
                        .push((AuditDetail::CollectorName.code(), c.name.clone()));
                    t.details
                        .push((AuditDetail::CollectorNik.code(), c.nik.masked()));
                }
                (None, Some(r)) => t.details.push((AuditDetail::Receipt.code(), r.clone())),
                (None, None) => {
                    return Err(FieldError::new(
                        "collector",
                        "isi identitas penerima berkas (atau nomor resi pengembalian)",
                    )
                    .into())
                }
            }
            // The return by post is settled: delivered (its COD, if any,
            // collected), or brought back and handed over at the counter.
            if state.papers == Some(Papers::ReturningByPos) {
                t.effects
                    .push(Effect::Fee(if receipt.is_some() && collector.is_none() {
                        FeeChange::Collected(CourierLeg::ReturnDocuments)
                    } else {
                        FeeChange::Voided(CourierLeg::ReturnDocuments)
                    }));
            }
            t.next.papers = Some(Papers::Returned);
        }
        Command::ChangeDeliveryMethod { method, address } => {
            let before = format!(
                "{}{}",
                state.delivery_method.code(),
                address_suffix(&state.delivery_address)
            );
            let after = format!("{}{}", method.code(), address_suffix(address));
            if before == after {
                return Err(
                    FieldError::new("delivery_method", "metode pengambilan tidak berubah").into(),
                );
            }
            t.next.delivery_method = *method;
            t.next.delivery_address = address.clone();
            t.changes.push(FieldChange {
                field: "delivery_method".into(),
                before: Some(before),
                after: Some(after),
            });
        }
        Command::AttachDraft {
            product,
            document_number,
            draft,
        } => {
            let p = t
                .next
                .product_mut(*product)
                .ok_or_else(|| not_a_product(*product))?;
            p.document_number = Some(document_number.clone());
            p.draft = Some(draft.clone());
            // A new draft must be validated and signed again.
            p.validated = false;
            p.signed = None;
            t.details
                .push((AuditDetail::Product.code(), product.label().into()));
            t.details
                .push((AuditDetail::DocumentNumber.code(), document_number.clone()));
            t.details
                .push((AuditDetail::FileSha256.code(), draft.sha256.clone()));
        }
        Command::RequestSignature => {
            let missing: Vec<&str> = state
                .products
                .iter()
                .filter(|p| !p.has_draft())
                .map(|p| p.kind.label())
                .collect();
            if !missing.is_empty() {
                return Err(FieldError::new(
                    "products",
                    format!(
                        "lampirkan dulu nomor dan draf PDF dari SIAK untuk: {}",
                        missing.join(", ")
                    ),
                )
                .into());
            }
        }
        Command::ValidateSignature { product } => {
            let targets: Vec<_> = match product {
                Some(kind) => vec![*kind],
                None => state
                    .products
                    .iter()
                    .filter(|p| !p.validated)
                    .map(|p| p.kind)
                    .collect(),
            };
            if targets.is_empty() {
                return Err(FieldError::new("product", "semua dokumen sudah divalidasi").into());
            }
            let mut labels = Vec::with_capacity(targets.len());
            for kind in &targets {
                let p = t
                    .next
                    .product_mut(*kind)
                    .ok_or_else(|| not_a_product(*kind))?;
                if p.validated {
                    return Err(FieldError::new(
                        "product",
                        format!("{} sudah divalidasi", kind.label()),
                    )
                    .into());
                }
                p.validated = true;
                labels.push(kind.label());
            }
            t.details
                .push((AuditDetail::Product.code(), labels.join(", ")));
            if !t.next.products.iter().all(|p| p.validated) {
                t.next.status = state.status;
            }
        }
        Command::ReturnToProduction => {
            for p in &mut t.next.products {
                p.validated = false;
                p.signed = None;
            }
        }
        Command::Sign { product, signed } => {
            let kind = match product {
                Some(kind) => *kind,
                None => state
                    .products
                    .iter()
                    .find(|p| p.signed.is_none())
                    .map(|p| p.kind)
                    .ok_or_else(|| {
                        FieldError::new("product", "semua dokumen sudah ditandatangani")
                    })?,
            };
            let p = t
                .next
                .product_mut(kind)
                .ok_or_else(|| not_a_product(kind))?;
            if p.signed.is_some() {
                return Err(FieldError::new(
                    "product",
                    format!("{} sudah ditandatangani", kind.label()),
                )
                .into());
            }
            let (Some(document_number), true) = (p.document_number.clone(), p.validated) else {
                return Err(FieldError::new(
                    "product",
                    format!("{} belum divalidasi untuk TTE", kind.label()),
                )
                .into());
            };
            t.details
                .push((AuditDetail::Product.code(), kind.label().into()));
            if let Some((code, file)) = signed {
                p.signed = Some(code.clone());
                t.details
                    .push((AuditDetail::VerificationCode.code(), code.to_string()));
                t.details
                    .push((AuditDetail::FileSha256.code(), file.sha256.clone()));
                t.signature = Some(NewSignature {
                    product: kind,
                    code: code.clone(),
                    document_number,
                    file: file.clone(),
                });
            }
            // Checked before the provider is called as if this one were signed.
            if !t
                .next
                .products
                .iter()
                .all(|q| q.signed.is_some() || q.kind == kind)
            {
                t.next.status = state.status;
            }
        }
    }
    Ok(t)
}

/// How the papers go back on cancellation. Papers the agency holds (received
/// at the counter, or carried over) always go back: by post unless the
/// officer says the citizen collects them. At step g the counter may hold
/// papers that arrived incomplete (it says how they go back); otherwise
/// nothing arrived and the courier's pickup is cancelled.
fn papers_return_for(
    state: &ApplicationState,
    asked: Option<PapersReturn>,
) -> Result<PapersReturn, WorkflowError> {
    let held = state.papers == Some(Papers::AtAgency) || state.status == Status::InProduction;
    match asked {
        Some(PapersReturn::NotReceived) if held => Err(FieldError::new(
            "papers_return",
            "berkas fisik sudah diterima Dinas: pilih dikirim kembali lewat PT Pos atau diambil di Loket Pengambilan",
        )
        .into()),
        Some(PapersReturn::Pos | PapersReturn::Counter)
            if !held && state.status != Status::AwaitingDocuments =>
        {
            Err(FieldError::new(
                "papers_return",
                "berkas fisik belum dikirim pada tahap ini; tidak ada yang dikembalikan",
            )
            .into())
        }
        Some(how) => Ok(how),
        None if held => Ok(PapersReturn::Pos),
        None => Ok(PapersReturn::NotReceived),
    }
}

/// The child's birth date, for the papers that depend on age.
fn born(state: &ApplicationState) -> Option<NaiveDate> {
    child_born(state.subject.birth_date.as_deref())
}

/// The product asked for is not one this application yields.
fn not_a_product(kind: ProductKind) -> WorkflowError {
    FieldError::new(
        "product",
        format!("{} bukan dokumen dari layanan permohonan ini", kind.label()),
    )
    .into()
}

fn address_suffix(address: &Option<String>) -> String {
    address
        .as_ref()
        .map(|a| format!(": {a}"))
        .unwrap_or_default()
}
