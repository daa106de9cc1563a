//! Administration, for the system administrator only: staff accounts
//! (create; change display name, role and village; disable and enable;
//! reset the password) and the live sessions (list and revoke).
//!
//! A session row copies the account's role and village at sign-in, so every
//! change to who an account is ends its sessions in the same D1 batch
//! (`store::staff`). An administrator cannot disable or demote their own
//! account: with the last administrator gone nobody could manage accounts.
//! A POST is parsed into a `Command` by pure functions (tested below), then
//! written, then answered with a redirect carrying a notice, or with the page
//! again naming the field at fault.

use std::collections::HashMap;

use askama::Template;
use worker::Request;

use super::{
    cookies, error_page, form, html, redirect, require, wib, Form, PageResult, Session,
    SESSION_COOKIE,
};
use crate::app::auth::DEFAULT_IDLE_MINUTES;
use crate::app::AppError;
use crate::app::Ctx;
use crate::domain::ids::VillageCode;
use crate::domain::password::check_new_password;
use crate::domain::roles::Role;
use crate::platform::{hash_new_password, sha256_hex, timestamp};
use crate::store::staff::admin::{self as store, AccountWrite, NewStaff, StaffChange};
use crate::store::StoreError;

const MIN_USERNAME_CHARS: usize = 3;
const MAX_USERNAME_CHARS: usize = 32;
const MAX_DISPLAY_NAME_CHARS: usize = 100;

/// Why a POST is refused before anything is written.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No such administration action (404).
    UnknownRoute,
    /// A field is invalid; `field` is its Indonesian label (422).
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The administrator's own account may not be disabled or demoted (403).
    OwnAccount(&'static str),
}

fn invalid(field: &'static str, message: impl Into<String>) -> Refusal {
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
        let name = raw.trim().to_lowercase();
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

/// Who an account is: its name, role and (operators only) village.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub display_name: String,
    pub role: Role,
    pub village: Option<VillageCode>,
}

impl Profile {
    fn village_code(&self) -> Option<&str> {
        self.village.as_ref().map(VillageCode::as_str)
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Create {
        username: Username,
        profile: Profile,
        password: String,
    },
    Update {
        id: i64,
        profile: Profile,
    },
    Disable(i64),
    Enable(i64),
    ResetPassword {
        id: i64,
        password: String,
    },
    Revoke {
        token_hash: String,
    },
}

fn profile(form: &Form) -> Result<Profile, Refusal> {
    let display_name = form
        .text("display_name")
        .ok_or_else(|| invalid("Nama lengkap", "wajib diisi"))?;
    if display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(invalid("Nama lengkap", "maksimal 100 karakter"));
    }
    let role = form
        .text("role")
        .ok_or_else(|| invalid("Peran", "wajib dipilih"))?;
    let role = Role::parse(&role).ok_or_else(|| invalid("Peran", "peran tidak dikenal"))?;
    // Only a village operator has a village; one left selected while the
    // role changes to another is dropped, which is what the officer meant.
    let village = match (role, form.text("village_code")) {
        (Role::VillageOperator, Some(code)) => Some(
            VillageCode::parse(&code)
                .map_err(|_| invalid("Desa/Kelurahan", "kode desa/kelurahan tidak valid"))?,
        ),
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

fn password(form: &Form) -> Result<String, Refusal> {
    let password = form.get("password").unwrap_or_default();
    check_new_password(password).map_err(|m| invalid("Kata sandi", m))?;
    Ok(password.to_string())
}

fn staff_id(raw: &str) -> Result<i64, Refusal> {
    raw.parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(Refusal::UnknownRoute)
}

/// The action of `POST /staff/admin/<rest>` with its form, parsed.
pub fn command(rest: &[&str], form: &Form) -> Result<Command, Refusal> {
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
        _ => Err(Refusal::UnknownRoute),
    }
}

/// Refuses what would lock the administrator out of administration.
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

/// What succeeded, carried to the next page as `?done=<code>&id=<staff id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    Created,
    Updated,
    Disabled,
    Enabled,
    Password,
    Revoked,
    AlreadyEnded,
}

impl Done {
    const ALL: [Done; 7] = [
        Done::Created,
        Done::Updated,
        Done::Disabled,
        Done::Enabled,
        Done::Password,
        Done::Revoked,
        Done::AlreadyEnded,
    ];

    fn code(self) -> &'static str {
        match self {
            Done::Created => "created",
            Done::Updated => "updated",
            Done::Disabled => "disabled",
            Done::Enabled => "enabled",
            Done::Password => "password",
            Done::Revoked => "revoked",
            Done::AlreadyEnded => "ended",
        }
    }

    fn parse(code: &str) -> Option<Done> {
        Done::ALL.into_iter().find(|d| d.code() == code)
    }

    fn notice(self, who: &str) -> String {
        match self {
            Done::Created => format!("Akun {who} telah dibuat."),
            Done::Updated => format!("Akun {who} telah diperbarui; sesinya berakhir bila peran atau desa/kelurahannya berubah."),
            Done::Disabled => format!("Akun {who} telah dinonaktifkan dan semua sesinya diakhiri."),
            Done::Enabled => format!("Akun {who} telah diaktifkan kembali."),
            Done::Password => format!("Kata sandi akun {who} telah diatur ulang dan sesi-sesinya diakhiri."),
            Done::Revoked => format!("Sesi akun {who} telah dicabut."),
            Done::AlreadyEnded => "Sesi itu sudah berakhir sebelumnya.".into(),
        }
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
    fn from_form(form: &Form) -> Draft {
        let field = |name: &str| form.get(name).unwrap_or_default().trim().to_string();
        Draft {
            username: field("username"),
            display_name: field("display_name"),
            role: field("role"),
            village: field("village_code"),
        }
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

pub struct VillageGroup {
    pub kecamatan: String,
    pub villages: Vec<Choice>,
}

pub struct AccountView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub village: String,
    pub disabled_since: Option<String>,
    pub created: String,
    pub is_self: bool,
}

pub struct SessionView {
    pub token_hash: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub village: String,
    pub created: String,
    pub last_seen: String,
    pub expires: String,
    pub is_current: bool,
}

pub struct EditView {
    pub id: i64,
    pub username: String,
    pub draft: Draft,
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    session: Option<Session>,
    /// The session's CSRF token, for the many forms of the page.
    csrf: String,
    notice: Option<String>,
    error: Option<String>,
    accounts: Vec<AccountView>,
    sessions: Vec<SessionView>,
    roles: Vec<Choice>,
    villages: Vec<VillageGroup>,
    create: Draft,
    edit: Option<EditView>,
}

/// What the page shows besides the lists.
#[derive(Default)]
struct View {
    done: Option<(Done, Option<i64>)>,
    error: Option<String>,
    create: Draft,
    /// The account whose edit form is open, with the values to show (the
    /// stored ones when `None`).
    edit: Option<(i64, Option<Draft>)>,
}

fn role_label(code: &str) -> String {
    Role::parse(code)
        .map(Role::label)
        .unwrap_or(code)
        .to_string()
}

fn current_token_hash(req: &Request) -> Option<String> {
    cookies(req)
        .remove(SESSION_COOKIE)
        .map(|t| sha256_hex(t.as_bytes()))
}

/// The page for the current state: one D1 round trip after the session's.
async fn render(
    ctx: &Ctx,
    session: Session,
    current: Option<&str>,
    view: View,
    status: u16,
) -> PageResult {
    let idle = ctx.var_u32("SESSION_IDLE_MINUTES", DEFAULT_IDLE_MINUTES);
    let idle_cutoff = timestamp(ctx.now - chrono::Duration::minutes(i64::from(idle)));
    let data = store::overview(&ctx.db, &ctx.now_text(), &idle_cutoff)
        .await
        .map_err(|e| AppError::internal("admin overview", e))?;
    let village_names: HashMap<&str, &str> = data
        .villages
        .iter()
        .map(|v| (v.code.as_str(), v.name.as_str()))
        .collect();
    let village_text = |code: Option<&str>| match code {
        Some(c) => format!("{} ({c})", village_names.get(c).copied().unwrap_or("?")),
        None => "–".into(),
    };
    let me = session.staff.id;
    let accounts: Vec<AccountView> = data
        .staff
        .iter()
        .map(|s| AccountView {
            id: s.id,
            username: s.username.clone(),
            display_name: s.display_name.clone(),
            role: role_label(&s.role),
            village: village_text(s.village_code.as_deref()),
            disabled_since: s.disabled_at.as_deref().map(wib),
            created: wib(&s.created_at),
            is_self: s.id == me,
        })
        .collect();
    let sessions = data
        .sessions
        .iter()
        .map(|s| SessionView {
            token_hash: s.token_hash.clone(),
            username: s.username.clone(),
            display_name: s.display_name.clone(),
            role: role_label(&s.role),
            village: village_text(s.village_code.as_deref()),
            created: wib(&s.created_at),
            last_seen: wib(&s.last_seen_at),
            expires: wib(&s.expires_at),
            is_current: Some(s.token_hash.as_str()) == current,
        })
        .collect();
    let mut villages: Vec<VillageGroup> = Vec::new();
    for v in &data.villages {
        let choice = Choice {
            value: v.code.clone(),
            label: format!(
                "{} {} ({})",
                if v.kind == "kelurahan" {
                    "Kel."
                } else {
                    "Desa"
                },
                v.name,
                v.code
            ),
        };
        match villages.last_mut() {
            Some(group) if group.kecamatan == v.kecamatan_name => group.villages.push(choice),
            _ => villages.push(VillageGroup {
                kecamatan: v.kecamatan_name.clone(),
                villages: vec![choice],
            }),
        }
    }
    let who = |id: Option<i64>| {
        id.and_then(|id| data.staff.iter().find(|s| s.id == id))
            .map(|s| s.username.clone())
            .unwrap_or_else(|| "itu".into())
    };
    let edit = view.edit.and_then(|(id, draft)| {
        let row = data.staff.iter().find(|s| s.id == id)?;
        let draft = draft.unwrap_or_else(|| Draft {
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            role: row.role.clone(),
            village: row.village_code.clone().unwrap_or_default(),
        });
        Some(EditView {
            id,
            username: row.username.clone(),
            draft,
            is_self: id == me,
        })
    });
    let page = AdminPage {
        notice: view.done.map(|(done, id)| done.notice(&who(id))),
        error: view.error,
        accounts,
        sessions,
        roles: Role::ALL
            .iter()
            .map(|r| Choice {
                value: r.code().into(),
                label: r.label().into(),
            })
            .collect(),
        villages,
        create: view.create,
        edit,
        csrf: session.csrf.clone(),
        session: Some(session),
    };
    html(status, &page)
}

fn query(req: &Request, name: &str) -> Option<String> {
    req.url()
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn admin_only(session: Session) -> PageResult {
    error_page(
        &AppError::Forbidden("Halaman administrasi hanya untuk Administrator Sistem.".into()),
        Some(session),
    )
}

/// `GET /staff/admin[?edit=<id>][&done=<code>&id=<id>]`.
pub async fn page(req: Request, ctx: &Ctx) -> PageResult {
    let session = match require(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if !session.is_admin() {
        return admin_only(session);
    }
    let id = |name: &str| query(&req, name).and_then(|v| v.parse::<i64>().ok());
    let view = View {
        done: query(&req, "done")
            .as_deref()
            .and_then(Done::parse)
            .map(|d| (d, id("id"))),
        edit: id("edit").map(|id| (id, None)),
        ..View::default()
    };
    render(ctx, session, current_token_hash(&req).as_deref(), view, 200).await
}

/// How a command ended in the store.
enum Outcome {
    Done(Done, Option<i64>),
    NoSuchStaff,
    NoSuchVillage,
    UsernameTaken,
}

/// Writes a command: one D1 round trip. `current` is the hash of the
/// administrator's own session token.
async fn write(
    ctx: &Ctx,
    admin_id: i64,
    current: Option<&str>,
    command: &Command,
) -> Result<Outcome, AppError> {
    let now = ctx.now_text();
    let db = &ctx.db;
    let account = |w: Result<AccountWrite, StoreError>, done: Done, id: i64| match w {
        Ok(AccountWrite::Done) => Ok(Outcome::Done(done, Some(id))),
        Ok(AccountWrite::NoSuchStaff) => Ok(Outcome::NoSuchStaff),
        Ok(AccountWrite::NoSuchVillage) => Ok(Outcome::NoSuchVillage),
        Err(e) => Err(AppError::internal("admin write", e)),
    };
    match command {
        Command::Create {
            username,
            profile,
            password,
        } => {
            let hash = hash_new_password(password)
                .await
                .map_err(|e| AppError::internal("hash password", e))?
                .encode();
            let new = NewStaff {
                username: username.as_str(),
                display_name: &profile.display_name,
                role: profile.role.code(),
                village_code: profile.village_code(),
                password_hash: &hash,
                now: &now,
            };
            match store::create_staff(db, &new).await {
                Ok(Some(id)) => Ok(Outcome::Done(Done::Created, Some(id))),
                Ok(None) => Ok(Outcome::NoSuchVillage),
                // The column is UNIQUE COLLATE NOCASE: "Budi" and "budi" collide.
                Err(StoreError::Unique(_)) => Ok(Outcome::UsernameTaken),
                Err(e) => Err(AppError::internal("create staff", e)),
            }
        }
        Command::Update { id, profile } => {
            let change = StaffChange {
                display_name: &profile.display_name,
                role: profile.role.code(),
                village_code: profile.village_code(),
                now: &now,
            };
            account(
                store::update_staff(db, *id, &change).await,
                Done::Updated,
                *id,
            )
        }
        Command::Disable(id) => account(
            store::set_disabled(db, *id, true, &now).await,
            Done::Disabled,
            *id,
        ),
        Command::Enable(id) => account(
            store::set_disabled(db, *id, false, &now).await,
            Done::Enabled,
            *id,
        ),
        Command::ResetPassword { id, password } => {
            let hash = hash_new_password(password)
                .await
                .map_err(|e| AppError::internal("hash password", e))?
                .encode();
            // Resetting one's own password keeps the session doing it.
            let keep = current.filter(|_| *id == admin_id);
            account(
                store::set_password(db, *id, &hash, &now, keep).await,
                Done::Password,
                *id,
            )
        }
        Command::Revoke { token_hash } => match store::revoke_session(db, token_hash).await {
            Ok(Some(staff_id)) => Ok(Outcome::Done(Done::Revoked, Some(staff_id))),
            Ok(None) => Ok(Outcome::Done(Done::AlreadyEnded, None)),
            Err(e) => Err(AppError::internal("revoke session", e)),
        },
    }
}

/// `POST /staff/admin/<rest>`: see `command` for the routes.
/// `POST /staff/admin/…`: the route table names each form's path; the
/// rest of the path after `/staff/admin/` says which command it is.
pub async fn act(req: Request, ctx: &Ctx) -> PageResult {
    let path = req.path();
    let rest: Vec<&str> = path
        .trim_start_matches("/staff/admin/")
        .trim_end_matches('/')
        .split('/')
        .collect();
    act_on(req, ctx, &rest).await
}

async fn act_on(req: Request, ctx: &Ctx, rest: &[&str]) -> PageResult {
    let session = match require(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if !session.is_admin() {
        return admin_only(session);
    }
    let current = current_token_hash(&req);
    let fields = form(req, &session).await?;
    // A refused form comes back with what was typed, on the form it came from.
    let draft = Draft::from_form(&fields);
    let mut view = match rest {
        ["staff", id, "update"] => View {
            edit: id.parse().ok().map(|id| (id, Some(draft))),
            ..View::default()
        },
        ["staff", id, "password"] => View {
            edit: id.parse().ok().map(|id| (id, None)),
            ..View::default()
        },
        _ => View {
            create: draft,
            ..View::default()
        },
    };
    let command = match command(rest, &fields)
        .and_then(|c| check_own_account(session.staff.id, &c).map(|()| c))
    {
        Ok(c) => c,
        Err(Refusal::UnknownRoute) => {
            return error_page(
                &AppError::NotFound("Tindakan administrasi tidak dikenal.".into()),
                Some(session),
            )
        }
        Err(Refusal::Invalid { field, message }) => {
            view.error = Some(format!("Periksa isian — {field}: {message}."));
            return render(ctx, session, current.as_deref(), view, 422).await;
        }
        Err(Refusal::OwnAccount(message)) => {
            view.error = Some(message.into());
            return render(ctx, session, current.as_deref(), view, 403).await;
        }
    };
    let error = match write(ctx, session.staff.id, current.as_deref(), &command).await? {
        Outcome::Done(what, id) => {
            let id = id.map(|id| format!("&id={id}")).unwrap_or_default();
            return redirect(&format!("/staff/admin?done={}{id}", what.code()));
        }
        Outcome::NoSuchStaff => {
            return error_page(
                &AppError::NotFound("Akun petugas tidak ditemukan.".into()),
                Some(session),
            )
        }
        Outcome::NoSuchVillage => {
            "Periksa isian — Desa/Kelurahan: tidak terdaftar di Kabupaten Wonogiri."
        }
        Outcome::UsernameTaken => "Periksa isian — Nama pengguna: nama pengguna sudah dipakai.",
    };
    view.error = Some(error.into());
    render(ctx, session, current.as_deref(), view, 422).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<Command, Refusal>) -> &'static str {
        match result {
            Err(Refusal::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

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
        assert_eq!(password, "rahasia-panjang");
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
            Err(Refusal::UnknownRoute)
        );
        assert_eq!(
            command(&["staff", "-1", "disable"], &empty),
            Err(Refusal::UnknownRoute)
        );
        assert_eq!(
            command(&["staff", "12", "delete"], &empty),
            Err(Refusal::UnknownRoute)
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
            Err(Refusal::UnknownRoute)
        );
        assert_eq!(
            command(&["sessions", "abc", "revoke"], &empty),
            Err(Refusal::UnknownRoute)
        );
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

    #[test]
    fn every_notice_code_reads_back_as_itself() {
        for done in Done::ALL {
            assert_eq!(Done::parse(done.code()), Some(done));
        }
        assert_eq!(Done::parse("<script>"), None);
    }
}
