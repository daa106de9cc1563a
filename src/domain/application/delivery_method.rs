//! How the finished documents reach the citizen.

use crate::domain::coded_enum::coded_enum;
use crate::domain::field_error::FieldError;

coded_enum! {
    parse = from_code;
    /// How the finished documents reach the citizen.
    pub enum DeliveryMethod {
        /// Collected at the Loker Pengambilan.
        Pickup = "pickup" => "Diambil di Loket Pengambilan",
        /// Sent by PT Pos Indonesia, cash on delivery.
        Pos = "pos" => "Dikirim PT Pos (COD)",
        /// Cetak mandiri: the citizen downloads the electronically signed
        /// PDFs (behind a one-time SMS code) and prints them.
        SelfPrint = "self_print" => "Cetak mandiri (unduh dan cetak sendiri)",
    }
}

impl DeliveryMethod {
    /// The method of a code, or an error naming `field` for the person who
    /// typed it.
    pub fn parse(field: &str, code: &str) -> Result<Self, FieldError> {
        Self::from_code(code).ok_or_else(|| {
            FieldError::new(
                field,
                "metode pengambilan harus 'pickup', 'pos' atau 'self_print'",
            )
        })
    }
}
