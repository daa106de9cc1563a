//! The workflow's actions (their codes and the officer's button labels) and
//! the commands that carry each action's data, parsed at the edge.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::domain::application::{CorrectableField, DeliveryMethod, FieldError};
use crate::domain::ids::Nik;

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
