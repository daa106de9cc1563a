//! Nomor tiket: the number a complainant tracks a complaint with.

use crate::domain::check_symbol::{CheckedCode, ReadError};
use crate::domain::field_error::FieldError;

/// Ticket prefix: keeps complaint tickets apart from registration numbers.
pub const TICKET_PREFIX: &str = "ADU-";

/// 6 random symbols and the check symbol.
type TicketCode = CheckedCode<7>;

/// Nomor tiket "ADU-XXXXXXC": 6 random symbols and a check symbol of the
/// registration number's scheme
/// ([`crate::domain::check_symbol`]), so one wrong symbol or a
/// swap is caught.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket(String);

impl Ticket {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Forgiving input: case, spaces, dashes, with or without the prefix,
    /// I/L read as 1.
    pub fn parse(input: &str) -> Result<Ticket, FieldError> {
        let upper = input.trim().to_ascii_uppercase();
        let body = upper.strip_prefix("ADU").unwrap_or(&upper);
        match TicketCode::read(body) {
            Ok(code) => Ok(Ticket::canonical(&code)),
            // A typo and a malformed ticket get the same answer: both mean
            // "check the number you typed".
            Err(ReadError::Format | ReadError::Check) => Err(FieldError::new(
                "ticket",
                "nomor tiket tidak valid (contoh: ADU-7K3QX9Y)",
            )),
        }
    }

    /// Whether `input` is a well-formed ticket whose check symbol fails: a
    /// number that cannot exist (an API path answers it 404, like an
    /// unknown ticket), as opposed to one that is not a ticket at all.
    pub fn only_check_fails(input: &str) -> bool {
        let upper = input.trim().to_ascii_uppercase();
        let body = upper.strip_prefix("ADU").unwrap_or(&upper);
        matches!(TicketCode::read(body), Err(ReadError::Check))
    }

    /// 6 uniform symbols from a cryptographically secure byte source, and
    /// the check symbol. Bytes ≥ 248 are skipped so every symbol is equally
    /// likely.
    pub fn generate(next_byte: impl FnMut() -> u8) -> Ticket {
        Ticket::canonical(&TicketCode::generate(next_byte))
    }

    fn canonical(code: &TicketCode) -> Ticket {
        let mut out = String::from(TICKET_PREFIX);
        out.extend(code.symbols());
        Ticket(out)
    }
}
