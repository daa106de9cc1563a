//! The PAK POS workflow: the transition table of DESIGN.md as one pure
//! function. [`rule`] *is* the table — reading its `match` reads the design —
//! and [`decide`] applies it to an application, an actor and a command,
//! returning the next state, the audit event's content and the effects (SMS,
//! courier requests) to write in the same batch. Undefined transitions are
//! error values, never panics.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::application::{
    set_subject_field, CorrectableField, DeliveryMethod, FieldError, Subject,
};
use super::ids::{Nik, PhoneNumber, RegistrationNumber, VillageCode};
use super::messages::{self, SmsTemplate, COURIER_FEE_RUPIAH};
use super::roles::{Actor, ActorKind, Role};
use super::services::{required_items, Service};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Submitted,
    AwaitingValidation,
    AwaitingDocuments,
    InProduction,
    AwaitingSignatureValidation,
    AwaitingSignature,
    ReadyToPrint,
    ReadyForPickup,
    OutForDelivery,
    Completed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Submitted,
        Status::AwaitingValidation,
        Status::AwaitingDocuments,
        Status::InProduction,
        Status::AwaitingSignatureValidation,
        Status::AwaitingSignature,
        Status::ReadyToPrint,
        Status::ReadyForPickup,
        Status::OutForDelivery,
        Status::Completed,
        Status::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::AwaitingValidation => "awaiting_validation",
            Status::AwaitingDocuments => "awaiting_documents",
            Status::InProduction => "in_production",
            Status::AwaitingSignatureValidation => "awaiting_signature_validation",
            Status::AwaitingSignature => "awaiting_signature",
            Status::ReadyToPrint => "ready_to_print",
            Status::ReadyForPickup => "ready_for_pickup",
            Status::OutForDelivery => "out_for_delivery",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    /// What a citizen reads on the tracking page.
    pub fn label(self) -> &'static str {
        match self {
            Status::Submitted => "Permohonan terdaftar, menunggu verifikasi Front Office",
            Status::AwaitingValidation => "Menunggu validasi Kasi Pelayanan Pencatatan Sipil",
            Status::AwaitingDocuments => "Disetujui, menunggu berkas fisik dikirim melalui PT Pos",
            Status::InProduction => "Berkas diterima, dokumen sedang diproses",
            Status::AwaitingSignatureValidation => "Menunggu validasi pengajuan TTE",
            Status::AwaitingSignature => "Menunggu tanda tangan elektronik (TTE) Kepala Dinas",
            Status::ReadyToPrint => "Sudah ditandatangani, menunggu pencetakan",
            Status::ReadyForPickup => "Dokumen selesai, dapat diambil di Loket Pengambilan",
            Status::OutForDelivery => "Dokumen selesai, sedang dikirim PT Pos (COD Rp10.000)",
            Status::Completed => "Selesai, dokumen sudah diterima",
            Status::Cancelled => "Permohonan dibatalkan",
        }
    }

    /// What the citizen must do next, if anything.
    pub fn citizen_next_step(self) -> Option<&'static str> {
        match self {
            Status::AwaitingDocuments => Some("Kirim berkas persyaratan asli ke Disdukcapil Wonogiri melalui PT Pos (biaya Rp10.000 dibayar ke kurir)."),
            Status::ReadyForPickup => Some("Ambil dokumen di Loket Pengambilan Disdukcapil Wonogiri dengan membawa KTP-el."),
            Status::OutForDelivery => Some("Siapkan Rp10.000 untuk kurir PT Pos saat dokumen diantar (COD)."),
            Status::Cancelled => Some("Lengkapi persyaratan sesuai alasan pembatalan, lalu ajukan permohonan baru."),
            _ => None,
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Cancelled)
    }

    /// The role whose work queue holds an application in this status; `None`
    /// once final.
    pub fn awaiting_role(self) -> Option<Role> {
        match self {
            Status::Submitted => Some(Role::FrontOffice),
            Status::AwaitingValidation | Status::AwaitingSignatureValidation => {
                Some(Role::Validator)
            }
            Status::AwaitingDocuments | Status::ReadyForPickup | Status::OutForDelivery => {
                Some(Role::PickupCounter)
            }
            Status::InProduction | Status::ReadyToPrint => Some(Role::Production),
            Status::AwaitingSignature => Some(Role::HeadOfAgency),
            Status::Completed | Status::Cancelled => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    Accept,
    Approve,
    ReceiveDocuments,
    Correct,
    RequestSignature,
    ValidateSignature,
    ReturnToProduction,
    Sign,
    MarkPrinted,
    HandOver,
    RecordDelivered,
    RecordReturned,
    Cancel,
    /// DESIGN.md: the delivery method "may be changed until printing".
    ChangeDeliveryMethod,
}

impl Action {
    pub const ALL: [Action; 15] = [
        Action::Submit,
        Action::Accept,
        Action::Approve,
        Action::ReceiveDocuments,
        Action::Correct,
        Action::RequestSignature,
        Action::ValidateSignature,
        Action::ReturnToProduction,
        Action::Sign,
        Action::MarkPrinted,
        Action::HandOver,
        Action::RecordDelivered,
        Action::RecordReturned,
        Action::Cancel,
        Action::ChangeDeliveryMethod,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Accept => "accept",
            Action::Approve => "approve",
            Action::ReceiveDocuments => "receive_documents",
            Action::Correct => "correct",
            Action::RequestSignature => "request_signature",
            Action::ValidateSignature => "validate_signature",
            Action::ReturnToProduction => "return_to_production",
            Action::Sign => "sign",
            Action::MarkPrinted => "mark_printed",
            Action::HandOver => "hand_over",
            Action::RecordDelivered => "record_delivered",
            Action::RecordReturned => "record_returned",
            Action::Cancel => "cancel",
            Action::ChangeDeliveryMethod => "change_delivery_method",
        }
    }

    pub fn parse(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The label on the officer's button.
    pub fn label(self) -> &'static str {
        match self {
            Action::Submit => "Ajukan permohonan",
            Action::Accept => "Terima (sudah diinput SIAK)",
            Action::Approve => "Setujui",
            Action::ReceiveDocuments => "Berkas diterima",
            Action::Correct => "Perbaiki inputan",
            Action::RequestSignature => "Ajukan TTE",
            Action::ValidateSignature => "Validasi pengajuan TTE",
            Action::ReturnToProduction => "Kembalikan ke Produksi",
            Action::Sign => "Tandatangani (TTE)",
            Action::MarkPrinted => "Sudah dicetak",
            Action::HandOver => "Serahkan dokumen",
            Action::RecordDelivered => "Catat diterima pemohon (COD lunas)",
            Action::RecordReturned => "Catat gagal kirim (kembali)",
            Action::Cancel => "Batalkan",
            Action::ChangeDeliveryMethod => "Ubah metode pengambilan",
        }
    }
}

/// Where a rule leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    To(Status),
    /// `mark_printed`: the counter or the post, by the delivery method.
    ByDeliveryMethod,
    /// Changes data, not status (`correct`, `change_delivery_method`).
    Stay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub actors: &'static [ActorKind],
    pub target: Target,
}

const FO: ActorKind = ActorKind::Staff(Role::FrontOffice);
const VALIDATOR: ActorKind = ActorKind::Staff(Role::Validator);
const COUNTER: ActorKind = ActorKind::Staff(Role::PickupCounter);
const PRODUCTION: ActorKind = ActorKind::Staff(Role::Production);
const HEAD: ActorKind = ActorKind::Staff(Role::HeadOfAgency);
const OPERATOR: ActorKind = ActorKind::Staff(Role::VillageOperator);

const fn rule(actors: &'static [ActorKind], target: Target) -> Option<Rule> {
    Some(Rule { actors, target })
}

/// The transition table of DESIGN.md. `None` for a status means the
/// application does not exist yet (only `submit`).
pub fn rule_for(status: Option<Status>, action: Action) -> Option<Rule> {
    use Action as A;
    use Status as S;
    use Target::{ByDeliveryMethod, Stay, To};
    let Some(status) = status else {
        return match action {
            A::Submit => rule(&[OPERATOR, ActorKind::Citizen], To(S::Submitted)),
            _ => None,
        };
    };
    match (status, action) {
        (S::Submitted, A::Accept) => rule(&[FO], To(S::AwaitingValidation)),
        (S::AwaitingValidation, A::Approve) => rule(&[VALIDATOR], To(S::AwaitingDocuments)),
        (S::AwaitingDocuments, A::ReceiveDocuments) => rule(&[COUNTER], To(S::InProduction)),
        (S::InProduction, A::Correct) => rule(&[PRODUCTION], Stay),
        (S::InProduction, A::RequestSignature) => {
            rule(&[PRODUCTION], To(S::AwaitingSignatureValidation))
        }
        (S::AwaitingSignatureValidation, A::ValidateSignature) => {
            rule(&[VALIDATOR], To(S::AwaitingSignature))
        }
        (S::AwaitingSignatureValidation | S::AwaitingSignature, A::ReturnToProduction) => {
            rule(&[VALIDATOR, HEAD], To(S::InProduction))
        }
        (S::AwaitingSignature, A::Sign) => rule(&[HEAD], To(S::ReadyToPrint)),
        (S::ReadyToPrint, A::MarkPrinted) => rule(&[PRODUCTION], ByDeliveryMethod),
        (S::ReadyForPickup, A::HandOver) => rule(&[COUNTER], To(S::Completed)),
        (S::OutForDelivery, A::RecordDelivered) => {
            rule(&[ActorKind::Courier, COUNTER], To(S::Completed))
        }
        (S::OutForDelivery, A::RecordReturned) => {
            rule(&[ActorKind::Courier, COUNTER], To(S::ReadyForPickup))
        }
        (S::Submitted, A::Cancel) => rule(&[FO], To(S::Cancelled)),
        (S::AwaitingValidation, A::Cancel) => rule(&[VALIDATOR], To(S::Cancelled)),
        (S::AwaitingDocuments, A::Cancel) => rule(&[COUNTER], To(S::Cancelled)),
        (S::InProduction, A::Cancel) => rule(&[PRODUCTION], To(S::Cancelled)),
        (
            S::Submitted
            | S::AwaitingValidation
            | S::AwaitingDocuments
            | S::InProduction
            | S::AwaitingSignatureValidation
            | S::AwaitingSignature
            | S::ReadyToPrint,
            A::ChangeDeliveryMethod,
        ) => rule(&[FO, VALIDATOR, COUNTER, PRODUCTION], Stay),
        _ => None,
    }
}

/// The actions an actor may take on an application in this status: what the
/// staff UI shows as buttons.
pub fn available_actions(status: Status, actor: ActorKind) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| rule_for(Some(status), *a).is_some_and(|r| r.actors.contains(&actor)))
        .collect()
}

/// Whether this actor kind performs `action` in any status at all.
fn ever_allowed(action: Action, actor: ActorKind) -> bool {
    std::iter::once(None)
        .chain(Status::ALL.into_iter().map(Some))
        .any(|s| rule_for(s, action).is_some_and(|r| r.actors.contains(&actor)))
}

/// An officer's reason (*alasan*), trimmed and bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(value: &str) -> Result<Reason, FieldError> {
        let text = value.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() < 3 {
            return Err(FieldError::new(
                "reason",
                "alasan wajib diisi (minimal 3 karakter)",
            ));
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                "reason",
                format!("alasan paling banyak {} karakter", Self::MAX_CHARS),
            ));
        }
        Ok(Reason(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The identity of whoever collects the documents at the counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collector {
    pub name: String,
    pub nik: Nik,
}

/// An action with the data it carries, parsed at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Accept {
        siak_reference: String,
    },
    Approve,
    /// The requirement codes the counter confirms physically present.
    ReceiveDocuments {
        checklist: BTreeSet<String>,
    },
    Correct {
        changes: Vec<(CorrectableField, String)>,
    },
    RequestSignature,
    ValidateSignature,
    ReturnToProduction,
    Sign,
    MarkPrinted,
    HandOver {
        collector: Collector,
    },
    /// `receipt`: the courier's receipt or waybill number the entry rests on.
    RecordDelivered {
        receipt: String,
    },
    RecordReturned,
    Cancel,
    ChangeDeliveryMethod {
        method: DeliveryMethod,
        address: Option<String>,
    },
}

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Command::Accept { .. } => Action::Accept,
            Command::Approve => Action::Approve,
            Command::ReceiveDocuments { .. } => Action::ReceiveDocuments,
            Command::Correct { .. } => Action::Correct,
            Command::RequestSignature => Action::RequestSignature,
            Command::ValidateSignature => Action::ValidateSignature,
            Command::ReturnToProduction => Action::ReturnToProduction,
            Command::Sign => Action::Sign,
            Command::MarkPrinted => Action::MarkPrinted,
            Command::HandOver { .. } => Action::HandOver,
            Command::RecordDelivered { .. } => Action::RecordDelivered,
            Command::RecordReturned => Action::RecordReturned,
            Command::Cancel => Action::Cancel,
            Command::ChangeDeliveryMethod { .. } => Action::ChangeDeliveryMethod,
        }
    }

    /// Whether the action needs a reason (DESIGN.md: cancel, return).
    pub fn requires_reason(action: Action) -> bool {
        matches!(action, Action::Cancel | Action::ReturnToProduction)
    }
}

/// The part of an application the workflow reads and may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationState {
    pub registration_number: RegistrationNumber,
    pub status: Status,
    pub version: i64,
    pub village_code: VillageCode,
    pub services: Vec<Service>,
    pub phone: PhoneNumber,
    pub applicant_name: String,
    pub applicant_address: String,
    pub subject: Subject,
    pub delivery_method: DeliveryMethod,
    pub delivery_address: Option<String>,
    pub siak_reference: Option<String>,
}

impl ApplicationState {
    /// Where the courier delivers: the chosen postal address, or the
    /// applicant's own (seed step m: "sesuai dengan alamat pemohon").
    pub fn postal_address(&self) -> &str {
        self.delivery_address
            .as_deref()
            .unwrap_or(&self.applicant_address)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CourierLeg {
    /// Fetch the applicant's physical documents for Disdukcapil (step f).
    PickupDocuments,
    /// Bring the finished documents to the applicant, cash on delivery (m).
    DeliverDocuments,
}

impl CourierLeg {
    pub fn code(self) -> &'static str {
        match self {
            CourierLeg::PickupDocuments => "pickup_documents",
            CourierLeg::DeliverDocuments => "deliver_documents",
        }
    }

    pub fn parse(code: &str) -> Option<CourierLeg> {
        [CourierLeg::PickupDocuments, CourierLeg::DeliverDocuments]
            .into_iter()
            .find(|l| l.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CourierRequest {
    pub leg: CourierLeg,
    /// Fee in rupiah paid to the courier by the applicant.
    pub fee: u32,
    /// Amount the courier collects on delivery (0 for a pickup, whose fee the
    /// applicant pays when handing over the documents).
    pub cod_amount: u32,
    pub address: String,
}

/// A change to the fee ledger that a step settles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeChange {
    /// The courier collected the fee of this leg (COD paid).
    Collected(CourierLeg),
    /// The leg's fee will not be collected (the delivery came back).
    Voided(CourierLeg),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Sms {
        template: SmsTemplate,
        to: PhoneNumber,
        body: String,
    },
    /// A courier order; its fee enters the ledger as expected.
    Courier(CourierRequest),
    Fee(FeeChange),
}

/// What a successful step changes: the new state, and the content of its one
/// audit event and its outbox rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub action: Action,
    pub from: Option<Status>,
    pub next: ApplicationState,
    pub reason: Option<String>,
    pub changes: Vec<FieldChange>,
    /// Extra facts for the audit trail (SIAK reference, collector, receipt).
    pub details: Vec<(&'static str, String)>,
    /// Requirement codes confirmed by `receive_documents`.
    pub received_items: Vec<String>,
    pub effects: Vec<Effect>,
}

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

fn sms(state: &ApplicationState, template: SmsTemplate) -> Effect {
    Effect::Sms {
        template,
        to: state.phone.clone(),
        body: messages::text(template, &state.registration_number),
    }
}

/// The effects of a new submission (step c).
pub fn submission_effects(state: &ApplicationState) -> Vec<Effect> {
    vec![sms(state, SmsTemplate::RegistrationReceived)]
}

/// Decides one step on an existing application. `today` (WIB) bounds dates in
/// corrections.
pub fn decide(
    state: &ApplicationState,
    command: &Command,
    actor: &Actor,
    reason: Option<&str>,
    expected_version: Option<i64>,
    today: NaiveDate,
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
        effects: Vec::new(),
    };

    match command {
        Command::Accept { siak_reference } => {
            t.next.siak_reference = Some(siak_reference.clone());
            t.details.push(("siak_reference", siak_reference.clone()));
        }
        Command::Approve => {
            t.effects
                .push(sms(state, SmsTemplate::ApprovedSendDocuments));
            t.effects.push(Effect::Courier(CourierRequest {
                leg: CourierLeg::PickupDocuments,
                fee: COURIER_FEE_RUPIAH,
                cod_amount: 0,
                address: state.applicant_address.clone(),
            }));
        }
        Command::ReceiveDocuments { checklist } => {
            let required = required_items(&state.services);
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
            t.effects.push(sms(state, SmsTemplate::DocumentsReceived));
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
        Command::MarkPrinted => {
            if t.next.status == Status::OutForDelivery {
                t.effects.push(sms(state, SmsTemplate::OutForDelivery));
                t.effects.push(Effect::Courier(CourierRequest {
                    leg: CourierLeg::DeliverDocuments,
                    fee: COURIER_FEE_RUPIAH,
                    cod_amount: COURIER_FEE_RUPIAH,
                    address: state.postal_address().to_string(),
                }));
            } else {
                t.effects.push(sms(state, SmsTemplate::ReadyForPickup));
            }
        }
        Command::HandOver { collector } => {
            t.details.push(("collector_name", collector.name.clone()));
            t.details.push(("collector_nik", collector.nik.masked()));
        }
        Command::RecordDelivered { receipt } => {
            t.details.push(("receipt", receipt.clone()));
            t.effects.push(Effect::Fee(FeeChange::Collected(
                CourierLeg::DeliverDocuments,
            )));
        }
        Command::RecordReturned => {
            t.effects.push(sms(state, SmsTemplate::DeliveryReturned));
            t.effects
                .push(Effect::Fee(FeeChange::Voided(CourierLeg::DeliverDocuments)));
        }
        Command::Cancel => {
            // A pickup fee the courier has not collected is no longer owed.
            if matches!(
                state.status,
                Status::AwaitingDocuments | Status::InProduction
            ) {
                t.effects
                    .push(Effect::Fee(FeeChange::Voided(CourierLeg::PickupDocuments)));
            }
            let reason = reason.as_ref().map(Reason::as_str).unwrap_or_default();
            t.effects.push(Effect::Sms {
                template: SmsTemplate::Cancelled,
                to: state.phone.clone(),
                body: messages::cancelled_text(&state.registration_number, state.status, reason),
            });
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
        Command::RequestSignature
        | Command::ValidateSignature
        | Command::ReturnToProduction
        | Command::Sign => {}
    }
    Ok(t)
}

fn address_suffix(address: &Option<String>) -> String {
    address
        .as_ref()
        .map(|a| format!(": {a}"))
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "workflow_tests.rs"]
mod tests;
