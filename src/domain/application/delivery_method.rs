//! How the finished documents reach the citizen.

use serde::{Deserialize, Serialize};

use crate::domain::field_error::FieldError;

/// How the finished documents reach the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    /// Collected at the Loker Pengambilan.
    Pickup,
    /// Sent by PT Pos Indonesia, cash on delivery.
    Pos,
}

impl DeliveryMethod {
    pub fn code(self) -> &'static str {
        match self {
            DeliveryMethod::Pickup => "pickup",
            DeliveryMethod::Pos => "pos",
        }
    }

    pub fn parse(field: &str, code: &str) -> Result<Self, FieldError> {
        match code {
            "pickup" => Ok(DeliveryMethod::Pickup),
            "pos" => Ok(DeliveryMethod::Pos),
            _ => Err(FieldError::new(
                field,
                "metode pengambilan harus 'pickup' atau 'pos'",
            )),
        }
    }
}
