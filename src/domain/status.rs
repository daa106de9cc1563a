//! The statuses of an application (DESIGN.md "Workflow"): the codes the API
//! and D1 use, what a citizen reads on the tracking page, what they must do
//! next, and whose work queue holds the application. Its own module because
//! both the workflow table and the SMS texts speak of statuses.

use super::coded_enum::coded_enum;
use super::roles::Role;

coded_enum! {
    /// Where an application stands. The label is what a citizen reads on the
    /// tracking page.
    #[derive(Hash, PartialOrd, Ord)]
    pub enum Status {
        Submitted = "submitted" => "Permohonan terdaftar, sedang diperiksa petugas Dinas",
        AwaitingValidation = "awaiting_validation" => "Data sudah diperiksa, menunggu persetujuan",
        AwaitingDocuments = "awaiting_documents" => "Disetujui, menunggu berkas fisik dikirim melalui PT Pos",
        InProduction = "in_production" => "Berkas diterima, dokumen sedang diproses",
        AwaitingSignatureValidation = "awaiting_signature_validation" => "Dokumen sedang diperiksa sebelum ditandatangani",
        AwaitingSignature = "awaiting_signature" => "Menunggu tanda tangan elektronik Kepala Dinas",
        ReadyToPrint = "ready_to_print" => "Sudah ditandatangani, menunggu pencetakan",
        ReadyForPickup = "ready_for_pickup" => "Dokumen selesai, dapat diambil di Loket Pengambilan",
        OutForDelivery = "out_for_delivery" => "Dokumen selesai, sedang dikirim PT Pos (COD Rp10.000)",
        ReadyForDownload = "ready_for_download" => "Dokumen selesai, silakan unduh dan cetak sendiri (cetak mandiri)",
        Completed = "completed" => "Selesai, dokumen sudah diterima",
        Cancelled = "cancelled" => "Permohonan dibatalkan",
    }
}

impl Status {
    /// What the citizen must do next, if anything.
    pub fn citizen_next_step(self) -> Option<&'static str> {
        match self {
            Status::AwaitingDocuments => Some("Kirim berkas fisik persyaratan di bawah ini ke Disdukcapil Kabupaten Wonogiri melalui PT Pos: siapkan dalam satu amplop bertuliskan nomor pendaftaran Anda. Kurir PT Pos datang menjemputnya di alamat Anda; bayar Rp10.000 kepada kurir. Bila dalam 7 hari kurir belum datang, hubungi Hot Line (0273) 321468 ext. 106."),
            Status::ReadyForPickup => Some("Ambil dokumen di Loket Pengambilan Disdukcapil Wonogiri dengan membawa KTP-el."),
            Status::OutForDelivery => Some("Siapkan Rp10.000 untuk kurir PT Pos saat dokumen diantar (COD)."),
            Status::ReadyForDownload => Some("Buka tautan di SMS dari PAK POS, masukkan NIK dan kode yang dikirim lewat SMS, lalu unduh dan cetak dokumen Anda di kertas HVS A4."),
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
            Status::AwaitingDocuments
            | Status::ReadyForPickup
            | Status::OutForDelivery
            | Status::ReadyForDownload => Some(Role::PickupCounter),
            Status::InProduction | Status::ReadyToPrint => Some(Role::Production),
            Status::AwaitingSignature => Some(Role::HeadOfAgency),
            Status::Completed | Status::Cancelled => None,
        }
    }
}
