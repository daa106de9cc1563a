//! The statuses of an application (DESIGN.md "Workflow"): the codes the API
//! and D1 use, what a citizen reads on the tracking page, what they must do
//! next, and whose work queue holds the application. Its own module because
//! both the workflow table and the SMS texts speak of statuses.

use serde::{Deserialize, Serialize};

use super::roles::Role;

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
