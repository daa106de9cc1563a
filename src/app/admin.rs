//! Administration, for the system administrator only: the overview of staff
//! accounts, live sessions and villages, and the commands that change them
//! (create an account; change its display name, role and village; disable
//! and enable it; reset its password; revoke a session).
//!
//! A session row copies the account's role and village at sign-in, so every
//! change to who an account is ends its sessions in the same D1 batch
//! (`store::staff::admin`). A command arrives typed (`commands`), is checked
//! against the administrator's own account, then written in one round trip;
//! it answers what was done, a `Refusal` the administrator can correct on
//! the form, or an `AppError`.

pub mod commands;

pub use crate::store::staff::admin::{FailedSignInRow, Overview};
pub use commands::{
    check_own_account, Command, NewPassword, Profile, ProfileFields, Refusal, Username,
};

use super::auth::idle_cutoff;
use super::{AppError, Ctx, Staff};
use crate::domain::roles::Role;
use crate::platform::hash_new_password;
use crate::store::staff::admin::{self as store, AccountWrite, NewStaff, StaffChange};
use crate::store::StoreError;
use commands::invalid;

/// Refuses anyone but the system administrator.
pub fn require_admin(staff: &Staff) -> Result<(), AppError> {
    if staff.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Halaman administrasi hanya untuk Administrator Sistem.".into(),
        ))
    }
}

/// Every account, the live sessions and the villages an operator may
/// serve: one D1 round trip.
pub async fn overview(ctx: &Ctx, admin: &Staff) -> Result<Overview, AppError> {
    require_admin(admin)?;
    // The same idle expiry as `auth`: a session idle past it is not live.
    let idle_cutoff = idle_cutoff(ctx);
    Ok(store::overview(&ctx.db, &ctx.now_text(), &idle_cutoff).await?)
}

/// What a command did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    Created,
    Updated,
    Disabled,
    Enabled,
    PasswordReset,
    Revoked,
    /// The session to revoke had already ended.
    AlreadyEnded,
    /// A partner's API key was revoked (`app::api_keys`).
    KeyRevoked,
}

impl Done {
    pub const ALL: [Done; 8] = [
        Done::Created,
        Done::Updated,
        Done::Disabled,
        Done::Enabled,
        Done::PasswordReset,
        Done::Revoked,
        Done::AlreadyEnded,
        Done::KeyRevoked,
    ];
}

/// What a command did, and to which account (none when a session to revoke
/// had already ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub done: Done,
    pub staff_id: Option<i64>,
}

impl Outcome {
    fn on(done: Done, staff_id: i64) -> Outcome {
        Outcome {
            done,
            staff_id: Some(staff_id),
        }
    }
}

/// Why a command did not happen.
#[derive(Debug)]
pub enum CommandError {
    /// The administrator can correct it on the form.
    Refused(Refusal),
    /// Not an administrator, no such account, or our fault.
    Failed(AppError),
}

impl From<Refusal> for CommandError {
    fn from(r: Refusal) -> Self {
        CommandError::Refused(r)
    }
}

impl From<AppError> for CommandError {
    fn from(e: AppError) -> Self {
        CommandError::Failed(e)
    }
}

/// Checks and writes one command: one D1 round trip. `own_session` is the
/// hash of the token of the session the administrator acts from.
pub async fn perform(
    ctx: &Ctx,
    admin: &Staff,
    own_session: Option<&str>,
    command: Command,
) -> Result<Outcome, CommandError> {
    require_admin(admin)?;
    check_own_account(admin.id, &command)?;
    let now = ctx.now_text();
    match command {
        Command::Create {
            username,
            profile,
            password,
        } => create(ctx, &now, &username, &profile, &password).await,
        Command::Update { id, profile } => {
            let change = StaffChange {
                display_name: &profile.display_name,
                role: profile.role.code(),
                village_code: profile.village_code(),
                now: &now,
            };
            let written = store::update_staff(&ctx.db, id, &change).await;
            account(written, Done::Updated, id)
        }
        Command::Disable(id) => {
            let written = store::set_disabled(&ctx.db, id, true, &now).await;
            account(written, Done::Disabled, id)
        }
        Command::Enable(id) => {
            let written = store::set_disabled(&ctx.db, id, false, &now).await;
            account(written, Done::Enabled, id)
        }
        Command::ResetPassword { id, password } => {
            let hash = hashed(&password).await?;
            // Resetting one's own password keeps the session doing it.
            let keep = own_session.filter(|_| id == admin.id);
            let written = store::set_password(&ctx.db, id, &hash, &now, keep).await;
            account(written, Done::PasswordReset, id)
        }
        Command::Revoke { token_hash } => match store::revoke_session(&ctx.db, &token_hash).await {
            Ok(Some(staff_id)) => Ok(Outcome::on(Done::Revoked, staff_id)),
            Ok(None) => Ok(Outcome {
                done: Done::AlreadyEnded,
                staff_id: None,
            }),
            Err(e) => Err(AppError::internal("revoke session", e).into()),
        },
    }
}

async fn create(
    ctx: &Ctx,
    now: &str,
    username: &Username,
    profile: &Profile,
    password: &NewPassword,
) -> Result<Outcome, CommandError> {
    let hash = hashed(password).await?;
    let new = NewStaff {
        username: username.as_str(),
        display_name: &profile.display_name,
        role: profile.role.code(),
        village_code: profile.village_code(),
        password_hash: &hash,
        now,
    };
    match store::create_staff(&ctx.db, &new).await {
        Ok(Some(id)) => Ok(Outcome::on(Done::Created, id)),
        Ok(None) => Err(no_such_village().into()),
        // The column is UNIQUE COLLATE NOCASE: "Budi" and "budi" collide.
        Err(StoreError::Unique(_)) => {
            Err(invalid("Nama pengguna", "nama pengguna sudah dipakai").into())
        }
        Err(e) => Err(AppError::internal("create staff", e).into()),
    }
}

/// The stored record of a new password (slow by design: see DESIGN.md).
async fn hashed(password: &NewPassword) -> Result<String, AppError> {
    let record = hash_new_password(password.as_str())
        .await
        .map_err(|e| AppError::internal("hash password", e))?;
    Ok(record.encode())
}

fn no_such_village() -> Refusal {
    invalid("Desa/Kelurahan", "tidak terdaftar di Kabupaten Wonogiri")
}

/// How a write to an existing account ended.
fn account(
    written: Result<AccountWrite, StoreError>,
    done: Done,
    id: i64,
) -> Result<Outcome, CommandError> {
    match written.map_err(|e| AppError::internal("admin write", e))? {
        AccountWrite::Done => Ok(Outcome::on(done, id)),
        AccountWrite::NoSuchStaff => {
            Err(AppError::NotFound("Akun petugas tidak ditemukan.".into()).into())
        }
        AccountWrite::NoSuchVillage => Err(no_such_village().into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role) -> Staff {
        Staff {
            id: 1,
            role,
            village: None,
            username: "petugas".into(),
            display_name: "Petugas".into(),
        }
    }

    #[test]
    fn only_the_system_administrator_may_administer() {
        assert!(require_admin(&staff(Role::Admin)).is_ok());
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
            let refused = require_admin(&staff(role)).map_err(|e| e.status());
            assert_eq!(refused, Err(403), "{role:?}");
        }
    }
}
