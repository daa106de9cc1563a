//! The reports an officer reads about the service as a whole: the dashboard
//! (counts per status, how long each queue waits, completions per day, a
//! table per kecamatan, SMS delivery, courier fees and complaints over the
//! last 30 WIB days) and the CSV export of the applications created in a
//! date range. Both are for the validator, the head of agency and the
//! administrator only; the export shows NIK and phone numbers whole only to
//! those whose work needs them. A village operator has their own village's
//! monthly report and export.

pub mod csv;
mod dashboard;
mod export;
mod figures;
mod range;
mod village;

pub use dashboard::{dashboard, Dashboard, Fees, KecamatanTotal, QueueWait, SmsTally};
pub use export::{export, Export, ExportQuery, EXPORT_PAGE_ROWS};
pub use figures::{rupiah, thousands};
pub use range::DateRange;
pub use village::{village_report, VillageReport};

use super::{AppError, Staff};
use crate::domain::roles::Role;

/// The dashboard's window, in WIB days ending today; also the export's
/// range when none is given.
pub const WINDOW_DAYS: i64 = 30;
/// The longest export range: a year, leap day included.
pub const MAX_EXPORT_DAYS: i64 = 366;

/// Who reads the dashboard and exports: those who oversee the whole
/// workflow rather than work one queue of it.
pub fn may_read(role: Role) -> bool {
    matches!(role, Role::Validator | Role::HeadOfAgency | Role::Admin)
}

/// 403 for everyone [`may_read`] leaves out.
fn check_reader(staff: &Staff) -> Result<(), AppError> {
    if may_read(staff.role) {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "dasbor dan ekspor hanya untuk {}, {}, dan {}",
        Role::Validator.label(),
        Role::HeadOfAgency.label(),
        Role::Admin.label()
    )))
}

/// Data minimisation (UU PDP): the administrator performs no workflow step,
/// so reads NIK and phone masked; the validator and the head of agency
/// work with them.
pub fn sees_personal_data(role: Role) -> bool {
    matches!(role, Role::Validator | Role::HeadOfAgency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_validator_and_the_head_of_agency_see_personal_data_in_the_export() {
        let full: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| sees_personal_data(*r))
            .collect();
        assert_eq!(full, vec![Role::Validator, Role::HeadOfAgency]);
    }

    #[test]
    fn the_reports_are_for_the_validator_the_head_of_agency_and_the_administrator() {
        let readers: Vec<Role> = Role::ALL.into_iter().filter(|r| may_read(*r)).collect();
        assert_eq!(
            readers,
            vec![Role::Validator, Role::HeadOfAgency, Role::Admin]
        );
    }
}
