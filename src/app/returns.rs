//! Papers that never get lost: the list of applicants' physical papers the
//! agency must still give back after a cancellation (by post on the way, or
//! waiting at the Loket Pengambilan), for the officers who hand them over.

use super::{AppError, Ctx, Staff};
use crate::domain::roles::Role;
use crate::store::applications::{self as store, PapersToReturnRow};

/// The most rows one list shows (oldest first); more would mean the
/// counter has fallen far behind, which the count says.
pub const LIST_LIMIT: u32 = 200;

/// Agency officers see the list; a village operator (one village) and the
/// complaints officer do not.
pub fn may_see(role: Role) -> bool {
    !matches!(role, Role::VillageOperator | Role::ComplaintsOfficer)
}

pub async fn papers_to_return(
    ctx: &Ctx,
    staff: &Staff,
) -> Result<Vec<PapersToReturnRow>, AppError> {
    if !may_see(staff.role) {
        return Err(AppError::Forbidden(format!(
            "peran {} tidak melihat daftar berkas yang harus dikembalikan",
            staff.role.code()
        )));
    }
    Ok(store::papers_to_return(&ctx.db, LIST_LIMIT).await?)
}
