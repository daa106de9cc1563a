//! The workflow's actions (their codes and the officer's button labels) and
//! the commands that carry each action's data, parsed at the edge.

use crate::domain::set::SortedSet;

use crate::domain::application::{CorrectableField, DeliveryMethod, FieldError};
use crate::domain::coded_enum::coded_enum;
use crate::domain::ids::{Nik, VerificationCode};
use crate::domain::papers::PapersReturn;
use crate::domain::products::{ProductKind, StoredFile};
use crate::domain::text::{check_text, Lines};

coded_enum! {
    /// A step of the workflow. The label is the one on the officer's button.
    #[derive(Hash, PartialOrd, Ord)]
    pub enum Action {
        Submit = "submit" => "Ajukan permohonan",
        Accept = "accept" => "Terima (sudah diinput SIAK)",
        Approve = "approve" => "Setujui",
        ReceiveDocuments = "receive_documents" => "Berkas diterima",
        Correct = "correct" => "Perbaiki inputan",
        /// Step h: production attaches a product's draft exported from SIAK.
        AttachDraft = "attach_draft" => "Lampirkan draf dokumen",
        RequestSignature = "request_signature" => "Ajukan TTE",
        ValidateSignature = "validate_signature" => "Validasi pengajuan TTE",
        ReturnToProduction = "return_to_production" => "Kembalikan ke Produksi",
        Sign = "sign" => "Tandatangani (TTE)",
        MarkPrinted = "mark_printed" => "Sudah dicetak",
        HandOver = "hand_over" => "Serahkan dokumen",
        RecordDelivered = "record_delivered" => "Catat diterima pemohon (COD lunas)",
        RecordReturned = "record_returned" => "Catat gagal kirim (kembali)",
        /// Cetak mandiri: every signed file downloaded by the citizen (or
        /// the counter records it, e.g. printed for them at the counter).
        RecordDownloaded = "record_downloaded" => "Catat dokumen sudah diunduh/diterima pemohon",
        Cancel = "cancel" => "Batalkan",
        /// After a cancellation: the papers are back with the citizen
        /// (handed over at the counter, or the courier's return delivered).
        ReturnPapers = "return_papers" => "Catat berkas fisik sudah dikembalikan",
        /// DESIGN.md: the delivery method "may be changed until printing".
        ChangeDeliveryMethod = "change_delivery_method" => "Ubah metode pengambilan",
    }
}

/// An officer's reason (*alasan*), trimmed and bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(value: &str) -> Result<Reason, FieldError> {
        check_text("reason", value, Lines::Many)?;
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
        checklist: SortedSet<String>,
    },
    Correct {
        changes: Vec<(CorrectableField, String)>,
    },
    /// A product's draft PDF (already stored) and its document number.
    AttachDraft {
        product: ProductKind,
        document_number: String,
        draft: StoredFile,
    },
    RequestSignature,
    /// One product, or (`None`) every product not yet validated.
    ValidateSignature {
        product: Option<ProductKind>,
    },
    ReturnToProduction,
    /// One product (`None`: the first one not yet signed). `signed` is the
    /// provider's signed file once it exists; without it the step is only
    /// checked (before the provider is called).
    Sign {
        product: Option<ProductKind>,
        signed: Option<(VerificationCode, StoredFile)>,
    },
    /// `download_link`: for cetak mandiri, the link the SMS carries (made
    /// by the caller, who stores its token with the step).
    MarkPrinted {
        download_link: Option<String>,
    },
    HandOver {
        collector: Collector,
    },
    /// `receipt`: the courier's receipt or waybill number the entry rests on.
    RecordDelivered {
        receipt: String,
    },
    RecordReturned,
    RecordDownloaded,
    /// `papers_return`: how papers the agency holds go back (`None`: the
    /// default for the status, see `decide`); `return_cod`: what the citizen
    /// pays the courier for a return by post (0: the agency pays), from the
    /// configuration.
    Cancel {
        papers_return: Option<PapersReturn>,
        return_cod: u32,
    },
    /// Who took the papers at the counter, or the courier's receipt of
    /// their delivery.
    ReturnPapers {
        collector: Option<Collector>,
        receipt: Option<String>,
    },
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
            Command::AttachDraft { .. } => Action::AttachDraft,
            Command::RequestSignature => Action::RequestSignature,
            Command::ValidateSignature { .. } => Action::ValidateSignature,
            Command::ReturnToProduction => Action::ReturnToProduction,
            Command::Sign { .. } => Action::Sign,
            Command::MarkPrinted { .. } => Action::MarkPrinted,
            Command::HandOver { .. } => Action::HandOver,
            Command::RecordDelivered { .. } => Action::RecordDelivered,
            Command::RecordReturned => Action::RecordReturned,
            Command::RecordDownloaded => Action::RecordDownloaded,
            Command::Cancel { .. } => Action::Cancel,
            Command::ReturnPapers { .. } => Action::ReturnPapers,
            Command::ChangeDeliveryMethod { .. } => Action::ChangeDeliveryMethod,
        }
    }

    /// Whether the action needs a reason (DESIGN.md: cancel, return).
    pub fn requires_reason(action: Action) -> bool {
        matches!(action, Action::Cancel | Action::ReturnToProduction)
    }
}
