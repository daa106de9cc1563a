//! Complaints and suggestions (*pengaduan, saran dan masukan*, seed section 4):
//! the seven channels they arrive through, their ticket numbers, what a
//! valid complaint is, and the one table of how their handling moves.
//! Pure Rust; tested natively.

mod handling;
mod intake;
mod ticket;

use super::messages::SENDER;
use super::roles::Role;

pub use handling::{
    decide, Action, EventAction, Status, Step, StepError, StepInput, RESPONSE_MAX_CHARS,
};
pub use intake::{Channel, ComplaintInput, Kind, NewComplaint, TEXT_MAX_CHARS, TEXT_MIN_CHARS};
pub use ticket::{Ticket, TICKET_PREFIX};

/// Who handles complaints: the Kepala Bidang Pelayanan Pencatatan Sipil
/// (`complaints_officer`) and the administrator.
pub fn may_handle(role: Role) -> bool {
    matches!(role, Role::ComplaintsOfficer | Role::Admin)
}

/// The SMS when an officer answers: one GSM-7 segment, no personal data,
/// the ticket and a link to the page that shows the answer (`base`: our
/// public address).
pub fn answered_sms(ticket: &Ticket, base: &str) -> String {
    format!(
        "{SENDER}: pengaduan {} ditanggapi. Lihat di {base}/pengaduan/lacak (nomor tiket + HP Anda).",
        ticket.as_str()
    )
}

#[cfg(test)]
mod tests;
