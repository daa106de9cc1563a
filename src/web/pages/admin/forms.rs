//! The administration page's forms, read into `app::admin` commands: the
//! path after `/staff/admin/` says which form it is, its fields say the
//! rest. Pure functions, tested below.

use crate::app::admin::{Command, NewPassword, Profile, ProfileFields, Refusal, Username};
use crate::app::api_keys::{KeyCommand, KeyRequest};
use crate::web::request::Form;

/// Why a POST is not a command.
#[derive(Debug, PartialEq, Eq)]
pub enum NotACommand {
    /// No such administration action (404).
    UnknownRoute,
    /// A field is refused before anything is written.
    Refused(Refusal),
}

impl From<Refusal> for NotACommand {
    fn from(r: Refusal) -> Self {
        NotACommand::Refused(r)
    }
}

fn profile(form: &Form) -> Result<Profile, Refusal> {
    Profile::parse(ProfileFields {
        display_name: form.text("display_name"),
        role: form.text("role"),
        village_code: form.text("village_code"),
    })
}

fn password(form: &Form) -> Result<NewPassword, Refusal> {
    NewPassword::parse(form.get("password").unwrap_or_default())
}

/// A positive id of the path (an account's or an API key's).
fn staff_id(raw: &str) -> Result<i64, NotACommand> {
    raw.parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(NotACommand::UnknownRoute)
}

/// The command of `POST /staff/admin/<rest>` with its form.
pub fn command(rest: &[&str], form: &Form) -> Result<Command, NotACommand> {
    match rest {
        ["staff"] => {
            let username = Username::parse(form.get("username").unwrap_or_default())?;
            Ok(Command::Create {
                username,
                profile: profile(form)?,
                password: password(form)?,
            })
        }
        ["staff", id, "update"] => Ok(Command::Update {
            id: staff_id(id)?,
            profile: profile(form)?,
        }),
        ["staff", id, "disable"] => Ok(Command::Disable(staff_id(id)?)),
        ["staff", id, "enable"] => Ok(Command::Enable(staff_id(id)?)),
        ["staff", id, "password"] => Ok(Command::ResetPassword {
            id: staff_id(id)?,
            password: password(form)?,
        }),
        ["sessions", hash, "revoke"]
            if hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
        {
            Ok(Command::Revoke {
                token_hash: hash.to_string(),
            })
        }
        _ => Err(NotACommand::UnknownRoute),
    }
}

/// The API-key command of `POST /staff/admin/keys[/{id}/revoke]`.
pub fn key_command(rest: &[&str], form: &Form) -> Result<KeyCommand, NotACommand> {
    match rest {
        ["keys"] => Ok(KeyCommand::Create(KeyRequest::parse(
            form.text("name"),
            form.text("channel"),
            form.text("hourly_limit"),
        )?)),
        ["keys", id, "revoke"] => Ok(KeyCommand::Revoke(staff_id(id)?)),
        _ => Err(NotACommand::UnknownRoute),
    }
}

/// What a re-rendered form shows again (never the password).
#[derive(Debug, Default, Clone)]
pub struct Draft {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub village: String,
}

impl Draft {
    pub fn from_form(form: &Form) -> Draft {
        let field = |name: &str| form.get(name).unwrap_or_default().trim().to_string();
        Draft {
            username: field("username"),
            display_name: field("display_name"),
            role: field("role"),
            village: field("village_code"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::VillageCode;
    use crate::domain::roles::Role;

    fn field_of(result: Result<Command, NotACommand>) -> &'static str {
        match result {
            Err(NotACommand::Refused(Refusal::Invalid { field, .. })) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn a_new_village_operator_gets_the_chosen_village() {
        let form = Form::parse(
            b"username=Desa.Gedong2&display_name=+Sri+Wahyuni+&role=village_operator&village_code=33.12.01.1009&password=rahasia-panjang",
        );
        let Ok(Command::Create {
            username,
            profile,
            password,
        }) = command(&["staff"], &form)
        else {
            panic!("not a create")
        };
        assert_eq!(username.as_str(), "desa.gedong2");
        assert_eq!(profile.display_name, "Sri Wahyuni");
        assert_eq!(profile.role, Role::VillageOperator);
        assert_eq!(
            profile.village.as_ref().map(VillageCode::as_str),
            Some("33.12.01.1009")
        );
        assert_eq!(password.as_str(), "rahasia-panjang");
    }

    #[test]
    fn a_village_operator_without_a_village_is_refused_naming_the_field() {
        let form = Form::parse(b"username=op.desa&display_name=Op&role=village_operator&village_code=&password=rahasia-panjang");
        assert_eq!(field_of(command(&["staff"], &form)), "Desa/Kelurahan");
    }

    #[test]
    fn a_village_left_selected_for_another_role_is_dropped() {
        let form =
            Form::parse(b"display_name=Petugas&role=front_office&village_code=33.12.01.1009");
        let Ok(Command::Update { id, profile }) = command(&["staff", "7", "update"], &form) else {
            panic!("not an update")
        };
        assert_eq!(id, 7);
        assert_eq!(profile.village, None);
    }

    #[test]
    fn missing_or_unknown_fields_are_named_in_indonesian() {
        let base = "username=petugas&password=rahasia-panjang";
        let create = |extra: &str| {
            command(
                &["staff"],
                &Form::parse(format!("{base}&{extra}").as_bytes()),
            )
        };
        assert_eq!(
            field_of(create("display_name=&role=validator")),
            "Nama lengkap"
        );
        assert_eq!(field_of(create("display_name=A&role=kepala")), "Peran");
        assert_eq!(
            field_of(create(
                "display_name=A&role=village_operator&village_code=33.12"
            )),
            "Desa/Kelurahan"
        );
        let short = Form::parse(b"username=petugas&display_name=A&role=validator&password=pendek");
        assert_eq!(field_of(command(&["staff"], &short)), "Kata sandi");
        assert_eq!(
            field_of(command(&["staff", "3", "password"], &short)),
            "Kata sandi"
        );
    }

    #[test]
    fn only_the_known_routes_with_well_formed_ids_are_commands() {
        let empty = Form::default();
        assert_eq!(
            command(&["staff", "12", "disable"], &empty),
            Ok(Command::Disable(12))
        );
        assert_eq!(
            command(&["staff", "12", "enable"], &empty),
            Ok(Command::Enable(12))
        );
        assert_eq!(
            command(&["staff", "x", "disable"], &empty),
            Err(NotACommand::UnknownRoute)
        );
        assert_eq!(
            command(&["staff", "-1", "disable"], &empty),
            Err(NotACommand::UnknownRoute)
        );
        assert_eq!(
            command(&["staff", "12", "delete"], &empty),
            Err(NotACommand::UnknownRoute)
        );
        let hash = "ab".repeat(32);
        assert_eq!(
            command(&["sessions", &hash, "revoke"], &empty),
            Ok(Command::Revoke {
                token_hash: hash.clone()
            })
        );
        assert_eq!(
            command(&["sessions", &hash.to_uppercase(), "revoke"], &empty),
            Err(NotACommand::UnknownRoute)
        );
        assert_eq!(
            command(&["sessions", "abc", "revoke"], &empty),
            Err(NotACommand::UnknownRoute)
        );
    }

    #[test]
    fn api_key_forms_are_key_commands_with_well_formed_ids() {
        let form = Form::parse(b"name=Telunjuk+Sakti&channel=android&hourly_limit=");
        assert!(matches!(
            key_command(&["keys"], &form),
            Ok(KeyCommand::Create(KeyRequest {
                hourly_limit: 300,
                ..
            }))
        ));
        let unnamed = Form::parse(b"channel=web");
        assert!(matches!(
            key_command(&["keys"], &unnamed),
            Err(NotACommand::Refused(Refusal::Invalid {
                field: "Nama mitra",
                ..
            }))
        ));
        let empty = Form::default();
        assert_eq!(
            key_command(&["keys", "4", "revoke"], &empty),
            Ok(KeyCommand::Revoke(4))
        );
        for bad in ["0", "-4", "x"] {
            assert_eq!(
                key_command(&["keys", bad, "revoke"], &empty),
                Err(NotACommand::UnknownRoute)
            );
        }
    }
}
