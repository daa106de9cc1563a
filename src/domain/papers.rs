//! Where an applicant's physical papers (*berkas fisik persyaratan*) are,
//! and how they go back after a cancellation: the citizen's own KK, buku
//! nikah or surat keterangan lahir must never be lost in the agency.

use super::coded_enum::coded_enum;
use super::field_error::FieldError;

coded_enum! {
    /// Where the papers are, once they left the citizen. No value (NULL in
    /// D1) means with the citizen: not sent yet, or the pickup was cancelled.
    #[derive(Hash)]
    pub enum Papers {
        /// Received at the counter (step g), or carried over from a
        /// cancelled application this one resubmits.
        AtAgency = "at_agency" => "di Dinas",
        /// Cancelled: a courier leg of its own takes them back.
        ReturningByPos = "returning_by_pos" => "dikirim kembali lewat PT Pos",
        /// Cancelled: they wait at the Loket Pengambilan for the citizen.
        AtCounter = "at_counter" => "menunggu diambil di Loket Pengambilan",
        /// Back with the citizen.
        Returned = "returned" => "sudah dikembalikan kepada pemohon",
        /// Used again by the resubmission.
        CarriedOver = "carried_over" => "dipakai untuk permohonan ulang",
    }
}

impl Papers {
    /// Whether the agency still holds papers it must give back.
    pub const fn to_return(self) -> bool {
        matches!(self, Papers::ReturningByPos | Papers::AtCounter)
    }
}

coded_enum! {
    /// On cancellation: how the papers go back (the `papers_return` field).
    #[derive(Hash)]
    pub enum PapersReturn {
        /// By PT Pos to the applicant's postal address, paid by the agency
        /// unless `RETURN_COD_RUPIAH` is set.
        Pos = "pos" => "Dikirim kembali lewat PT Pos",
        /// The citizen collects them at the Loket Pengambilan.
        Counter = "counter" => "Diambil pemohon di Loket Pengambilan",
        /// Step g only: the papers never arrived (the courier's pickup is
        /// cancelled instead).
        NotReceived = "not_received" => "Berkas fisik belum diterima",
    }
}

impl PapersReturn {
    pub fn parse_field(field: &str, code: &str) -> Result<PapersReturn, FieldError> {
        PapersReturn::parse(code.trim()).ok_or_else(|| {
            FieldError::new(
                field,
                format!(
                    "pilih salah satu: {} (bukan '{code}')",
                    PapersReturn::CODES.join(", ")
                ),
            )
        })
    }
}
