//! What the administration page shows: the accounts, the live sessions, the
//! create and edit forms with their role and village choices, and the
//! notice of what was just done (carried across the redirect after a POST as
//! `?done=<code>&id=<staff id>`).

use std::collections::HashMap;

use askama::Template;

use super::forms::Draft;
use crate::app::admin::{Done, FailedSignInRow, Outcome, Overview};
use crate::app::api_keys::DEFAULT_HOURLY_LIMIT;
use crate::domain::roles::Role;
use crate::store::api_keys::ApiKeyRow;
use crate::web::pages::{wib, Session};

/// The `?done=` code of what was done.
fn done_code(done: Done) -> &'static str {
    match done {
        Done::Created => "created",
        Done::Updated => "updated",
        Done::Disabled => "disabled",
        Done::Enabled => "enabled",
        Done::PasswordReset => "password",
        Done::Revoked => "revoked",
        Done::AlreadyEnded => "ended",
        Done::KeyRevoked => "key_revoked",
    }
}

fn parse_done(code: &str) -> Option<Done> {
    Done::ALL.into_iter().find(|d| done_code(*d) == code)
}

fn notice(done: Done, who: &str) -> String {
    match done {
        Done::Created => format!("Akun {who} telah dibuat."),
        Done::Updated => format!("Akun {who} telah diperbarui; sesinya berakhir bila peran atau desa/kelurahannya berubah."),
        Done::Disabled => format!("Akun {who} telah dinonaktifkan dan semua sesinya diakhiri."),
        Done::Enabled => format!("Akun {who} telah diaktifkan kembali."),
        Done::PasswordReset => format!("Kata sandi akun {who} telah diatur ulang dan sesi-sesinya diakhiri."),
        Done::Revoked => format!("Sesi akun {who} telah dicabut."),
        Done::AlreadyEnded => "Sesi itu sudah berakhir sebelumnya.".into(),
        Done::KeyRevoked => "Kunci API telah dicabut; permintaan dengan kunci itu kini ditolak.".into(),
    }
}

/// Where the browser goes after a command: the page, with its notice.
pub fn location_after(outcome: Outcome) -> String {
    let id = outcome
        .staff_id
        .map(|id| format!("&id={id}"))
        .unwrap_or_default();
    format!("/staff/admin?done={}{id}", done_code(outcome.done))
}

/// The notice a redirect asked for, read back from its query.
pub fn outcome_from_query(done: Option<&str>, staff_id: Option<i64>) -> Option<Outcome> {
    done.and_then(parse_done)
        .map(|done| Outcome { done, staff_id })
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

/// Failed sign-ins under one typed username.
pub struct FailedSignInView {
    pub username: String,
    /// Whether the name is an account's (else someone tried a name that
    /// does not exist).
    pub known: bool,
    pub failures: i64,
    pub last: String,
    /// The first few addresses (an IPv6 address as its /64), and how many
    /// more there are.
    pub addresses: String,
}

/// Addresses listed per username before "and N more".
const ADDRESSES_SHOWN: usize = 5;

fn failed_sign_in(row: &FailedSignInRow) -> FailedSignInView {
    let shown: Vec<&str> = row.address_list.split(", ").take(ADDRESSES_SHOWN).collect();
    let more = row.addresses - shown.len() as i64;
    let mut addresses = shown.join(", ");
    if more > 0 {
        addresses.push_str(&format!(" dan {more} alamat lain"));
    }
    FailedSignInView {
        username: row.username.clone(),
        known: row.known == 1,
        failures: row.failures,
        last: wib(row.last_failed_at),
        addresses,
    }
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
#[template(path = "admin.html", whitespace = "minimize")]
pub struct AdminPage {
    session: Option<Session>,
    /// The session's CSRF token, for the many forms of the page.
    csrf: String,
    notice: Option<String>,
    error: Option<String>,
    accounts: Vec<AccountView>,
    sessions: Vec<SessionView>,
    failed_sign_ins: Vec<FailedSignInView>,
    roles: Vec<Choice>,
    villages: Vec<VillageGroup>,
    create: Draft,
    edit: Option<EditView>,
    api_keys: Vec<ApiKeyRow>,
    /// A key just issued: its secret, shown this once.
    new_key: Option<String>,
    default_limit: i64,
}

/// What the page shows besides the lists.
#[derive(Default)]
pub struct View {
    pub done: Option<Outcome>,
    pub error: Option<String>,
    pub create: Draft,
    /// The account whose edit form is open, with the values to show (the
    /// stored ones when `None`).
    pub edit: Option<(i64, Option<Draft>)>,
    /// The secret of a key just issued.
    pub new_key: Option<String>,
}

fn role_label(code: &str) -> String {
    Role::parse(code)
        .map(Role::label)
        .unwrap_or(code)
        .to_string()
}

/// The villages an operator may serve, grouped by kecamatan in the
/// overview's order.
fn village_groups(data: &Overview) -> Vec<VillageGroup> {
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
    villages
}

/// The page for `data`, as `session` sees it; `current` is the hash of
/// the session's own token.
pub fn admin_page(
    data: &mut Overview,
    session: Session,
    current: Option<&str>,
    view: View,
) -> AdminPage {
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
            disabled_since: s.disabled_at.map(wib),
            created: wib(s.created_at),
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
            created: wib(s.created_at),
            last_seen: wib(s.last_seen_at),
            expires: wib(s.expires_at),
            is_current: Some(s.token_hash.as_str()) == current,
        })
        .collect();
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
    AdminPage {
        notice: view
            .done
            .map(|outcome| notice(outcome.done, &who(outcome.staff_id))),
        error: view.error,
        accounts,
        sessions,
        failed_sign_ins: data.failed_sign_ins.iter().map(failed_sign_in).collect(),
        roles: Role::ALL
            .iter()
            .map(|r| Choice {
                value: r.code().into(),
                label: r.label().into(),
            })
            .collect(),
        villages: village_groups(data),
        create: view.create,
        edit,
        api_keys: std::mem::take(&mut data.api_keys),
        new_key: view.new_key,
        default_limit: DEFAULT_HOURLY_LIMIT,
        csrf: session.csrf.clone(),
        session: Some(session),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_code_reads_back_as_itself() {
        for done in Done::ALL {
            assert_eq!(parse_done(done_code(done)), Some(done));
        }
        assert_eq!(parse_done("<script>"), None);
    }
}
