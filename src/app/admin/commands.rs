//! The administrator's commands, typed: an account's username, profile and
//! new password can only exist once they pass their checks (length,
//! characters, role, village, password rules), and `check_own_account`
//! refuses what would lock the administrator out of administration.
//! Refusals name the field at fault by its Indonesian label, as the form
//! shows it.

use std::fmt;

use crate::domain::ids::VillageCode;
use crate::domain::password::check_new_password;
use crate::domain::roles::Role;
use crate::domain::text::{check_text, Lines};

const MIN_USERNAME_CHARS: usize = 3;
const MAX_USERNAME_CHARS: usize = 32;
const MAX_DISPLAY_NAME_CHARS: usize = 100;

/// Why a command is refused; nothing has been written. The page shows it
/// above the form it came from, with what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A field is invalid; `field` is its Indonesian label (422).
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The administrator's own account may not be disabled or demoted (403).
    OwnAccount(&'static str),
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Invalid { .. } => 422,
            Refusal::OwnAccount(_) => 403,
        }
    }
}

pub(super) fn invalid(field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::Invalid {
        field,
        message: message.into(),
    }
}

/// A username: 3–32 of `a-z 0-9 . _ -`, stored lower-case (the column is
/// case-insensitive, so "Budi" and "budi" are one name anyway).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, Refusal> {
        // ASCII case only: a name is ASCII anyway, a look-alike such as the
        // Kelvin sign stays refused, and the Worker needs no Unicode tables.
        let name = raw.trim().to_ascii_lowercase();
        let len = name.chars().count();
        if !(MIN_USERNAME_CHARS..=MAX_USERNAME_CHARS).contains(&len) {
            return Err(invalid("Nama pengguna", "harus 3–32 karakter"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err(invalid(
                "Nama pengguna",
                "hanya huruf a–z, angka 0–9, titik, garis bawah, dan tanda hubung",
            ));
        }
        Ok(Username(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password an administrator sets: long enough, not too long (the rules
/// of `domain::password`). Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<NewPassword, Refusal> {
        check_new_password(raw).map_err(|m| invalid("Kata sandi", m))?;
        Ok(NewPassword(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

/// Who an account is, as the form gives it: each field trimmed, `None`
/// when blank.
#[derive(Debug, Default, Clone)]
pub struct ProfileFields {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub village_code: Option<String>,
}

/// Who an account is: its name, role and (operators only) village.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub display_name: String,
    pub role: Role,
    pub village: Option<VillageCode>,
}

impl Profile {
    pub fn parse(fields: ProfileFields) -> Result<Profile, Refusal> {
        let display_name = fields
            .display_name
            .ok_or_else(|| invalid("Nama lengkap", "wajib diisi"))?;
        if display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
            return Err(invalid("Nama lengkap", "maksimal 100 karakter"));
        }
        check_text("Nama lengkap", &display_name, Lines::One)
            .map_err(|e| invalid("Nama lengkap", e.message))?;
        let role = fields
            .role
            .ok_or_else(|| invalid("Peran", "wajib dipilih"))?;
        let role = Role::parse(&role).ok_or_else(|| invalid("Peran", "peran tidak dikenal"))?;
        // Only a village operator has a village; one left selected while the
        // role changes to another is dropped, which is what the officer meant.
        let village = match (role, fields.village_code) {
            (Role::VillageOperator, Some(code)) => {
                // Its error says only that the shape is wrong, as this does.
                let Ok(code) = VillageCode::parse(&code) else {
                    return Err(invalid("Desa/Kelurahan", "kode desa/kelurahan tidak valid"));
                };
                Some(code)
            }
            (Role::VillageOperator, None) => {
                return Err(invalid(
                    "Desa/Kelurahan",
                    "wajib dipilih untuk Operator Desa/Kelurahan",
                ))
            }
            _ => None,
        };
        Ok(Profile {
            display_name,
            role,
            village,
        })
    }

    pub fn village_code(&self) -> Option<&str> {
        self.village.as_ref().map(VillageCode::as_str)
    }
}

/// What an administrator can do; staff ids are positive, a session is
/// named by the SHA-256 hash of its token (lower-case hex), never the token.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Create {
        username: Username,
        profile: Profile,
        password: NewPassword,
    },
    Update {
        id: i64,
        profile: Profile,
    },
    Disable(i64),
    Enable(i64),
    ResetPassword {
        id: i64,
        password: NewPassword,
    },
    Revoke {
        token_hash: String,
    },
}

/// Refuses what would lock the administrator out of administration: with
/// the last administrator gone nobody could manage accounts.
pub fn check_own_account(admin_id: i64, command: &Command) -> Result<(), Refusal> {
    match command {
        Command::Disable(id) if *id == admin_id => {
            Err(Refusal::OwnAccount("Anda tidak dapat menonaktifkan akun Anda sendiri; minta administrator lain melakukannya."))
        }
        Command::Update { id, profile } if *id == admin_id && profile.role != Role::Admin => {
            Err(Refusal::OwnAccount("Anda tidak dapat mengubah peran akun Anda sendiri; minta administrator lain melakukannya."))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_cased_and_limited_to_a_few_characters() {
        assert_eq!(
            Username::parse(" Budi.S_01-x ").map(|u| u.0),
            Ok("budi.s_01-x".to_string())
        );
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("budi santoso").is_err());
        assert!(Username::parse("budi@desa").is_err());
        assert!(Username::parse("bùdi").is_err());
        // The Kelvin sign lower-cases to "k" in Unicode, never in ASCII.
        assert!(Username::parse("\u{212a}arto").is_err());
        assert!(Username::parse("B\u{dc}DI").is_err());
    }

    #[test]
    fn a_new_password_never_shows_in_debug_output() {
        let password = NewPassword::parse("rahasia-panjang");
        assert_eq!(
            password.as_ref().map(NewPassword::as_str),
            Ok("rahasia-panjang")
        );
        assert!(!format!("{password:?}").contains("rahasia"));
    }

    #[test]
    fn an_administrator_cannot_disable_or_demote_their_own_account() {
        let demote = Command::Update {
            id: 1,
            profile: Profile {
                display_name: "A".into(),
                role: Role::Validator,
                village: None,
            },
        };
        let rename = Command::Update {
            id: 1,
            profile: Profile {
                display_name: "B".into(),
                role: Role::Admin,
                village: None,
            },
        };
        assert!(matches!(
            check_own_account(1, &Command::Disable(1)),
            Err(Refusal::OwnAccount(_))
        ));
        assert!(matches!(
            check_own_account(1, &demote),
            Err(Refusal::OwnAccount(_))
        ));
        assert_eq!(check_own_account(1, &rename), Ok(()));
        assert_eq!(check_own_account(2, &Command::Disable(1)), Ok(()));
        assert_eq!(check_own_account(2, &demote), Ok(()));
    }
}
