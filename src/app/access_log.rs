//! The access log made readable (UU PDP): for the administrator, a
//! timeline of who read or changed which record when — reads and refused
//! reads from `access_log`, changes from the workflow's events — filtered by
//! officer, registration number and WIB dates, keyset-paged, and as CSV;
//! for a citizen, which role saw or changed their own application and when,
//! without officer names, behind the same number + NIK check as tracking.

use serde::Serialize;

use super::admin::require_admin;
use super::read::{citizen_status, CitizenStatus};
use super::reports::csv::{line, Cell, BOM};
use super::reports::DateRange;
use super::{paging, AppError, Ctx, Staff};
use crate::domain::ids::RegistrationNumber;
use crate::domain::roles::ActorKind;
use crate::domain::workflow::Action;
use crate::platform::wib_date;
pub use crate::store::access_log::OfficerRow;
use crate::store::access_log::{self as store, CitizenAccessRow, TimelineFilter, TimelineRow};
use crate::store::Timestamp;

/// Entries on one page of the administrator's timeline.
pub const PAGE_SIZE: u32 = 50;

/// Most entries in one CSV file; a larger selection is refused, not cut.
pub const MAX_CSV_ROWS: u32 = 20_000;

/// Most entries a citizen is shown (newest first).
pub const CITIZEN_ENTRIES: u32 = 100;

/// The administrator's filter, as typed (query parameters of the page).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogQuery<'a> {
    /// An officer's account id.
    pub officer: Option<&'a str>,
    pub number: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub cursor: Option<&'a str>,
}

/// One line of the timeline, ready to show.
#[derive(Debug, Serialize)]
pub struct Entry {
    pub at: Timestamp,
    pub officer_id: Option<i64>,
    pub officer_name: Option<String>,
    pub role: String,
    pub role_label: &'static str,
    pub registration_number: String,
    /// `read`, `refused`, `changed` or `self_view` (the applicant tracking).
    pub outcome: &'static str,
    pub action_label: String,
}

pub struct Timeline {
    pub range: DateRange,
    pub entries: Vec<Entry>,
    pub next_cursor: Option<String>,
    /// Every account, for the officer filter.
    pub officers: Vec<OfficerRow>,
}

struct Filter {
    range: DateRange,
    staff_id: Option<i64>,
    number: Option<RegistrationNumber>,
}

fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

fn filter(ctx: &Ctx, q: &LogQuery<'_>) -> Result<Filter, AppError> {
    let range = DateRange::parse(q.from, q.to, wib_date(ctx.now))?;
    let staff_id = given(q.officer)
        .map(|v| {
            v.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| AppError::invalid("officer", "pilih petugas dari daftar"))
        })
        .transpose()?;
    let number = given(q.number)
        .map(|v| {
            RegistrationNumber::parse(v)
                .map_err(|e| AppError::invalid("number", format!("nomor pendaftaran: {e}")))
        })
        .transpose()?;
    Ok(Filter {
        range,
        staff_id,
        number,
    })
}

/// A page of the timeline for the administrator, newest first.
pub async fn timeline(ctx: &Ctx, admin: &Staff, q: &LogQuery<'_>) -> Result<Timeline, AppError> {
    require_admin(admin)?;
    let f = filter(ctx, q)?;
    let after = given(q.cursor).map(paging::decode).transpose()?;
    if let Some((at, key)) = &after {
        if Timestamp::parse(at).is_none() || !key.starts_with(['a', 'e']) {
            return Err(paging::bad_cursor());
        }
    }
    let (from, until) = f.range.utc_bounds();
    let mut rows = store::timeline(
        &ctx.db,
        &TimelineFilter {
            staff_id: f.staff_id,
            number: f.number.as_ref().map(RegistrationNumber::as_str),
            from: &from,
            until: &until,
            after: after.as_ref().map(|(a, k)| (a.as_str(), k.as_str())),
            limit: PAGE_SIZE,
        },
    )
    .await?;
    let next_cursor = paging::cut(&mut rows, PAGE_SIZE, |r| {
        paging::encode(&r.at.text(), &r.key)
    });
    Ok(Timeline {
        range: f.range,
        entries: rows.into_iter().map(entry).collect(),
        next_cursor,
        officers: store::officers(&ctx.db).await?,
    })
}

/// The same selection as `timeline`, every page, as a CSV download.
pub struct LogFile {
    pub filename: String,
    pub body: String,
}

const CSV_HEADER: [&str; 7] = [
    "Waktu (WIB)",
    "Petugas",
    "ID petugas",
    "Peran",
    "No. Pendaftaran",
    "Hasil",
    "Tindakan",
];

pub async fn csv(ctx: &Ctx, admin: &Staff, q: &LogQuery<'_>) -> Result<LogFile, AppError> {
    require_admin(admin)?;
    let f = filter(ctx, q)?;
    let (from, until) = f.range.utc_bounds();
    let rows = store::timeline(
        &ctx.db,
        &TimelineFilter {
            staff_id: f.staff_id,
            number: f.number.as_ref().map(RegistrationNumber::as_str),
            from: &from,
            until: &until,
            after: None,
            limit: MAX_CSV_ROWS,
        },
    )
    .await?;
    if rows.len() > MAX_CSV_ROWS as usize {
        return Err(AppError::invalid(
            "to",
            format!(
                "pilihan ini berisi lebih dari {MAX_CSV_ROWS} catatan; persempit rentang tanggal atau saring per petugas"
            ),
        ));
    }
    // Who exported what, never personal data.
    crate::platform::log_event(
        crate::platform::Level::Info,
        "access_log",
        &format!(
            "access-log.csv staff={} from={} to={} rows={}",
            admin.id,
            f.range.from,
            f.range.to,
            rows.len()
        ),
    );
    let mut body = String::from(BOM);
    body.push_str(&line(&CSV_HEADER.map(|h| Cell::Text(h.into()))));
    for e in rows.into_iter().map(entry) {
        body.push_str(&line(&[
            Cell::Text(crate::domain::time::format_wib(e.at.at())),
            Cell::Text(e.officer_name.unwrap_or_default()),
            Cell::Text(e.officer_id.map(|i| i.to_string()).unwrap_or_default()),
            Cell::Text(e.role_label.into()),
            Cell::Text(e.registration_number),
            Cell::Text(outcome_label(e.outcome).into()),
            Cell::Text(e.action_label),
        ]));
    }
    Ok(LogFile {
        filename: format!("akses-{}-{}.csv", f.range.from, f.range.to),
        body,
    })
}

/// How an outcome reads in Indonesian.
pub fn outcome_label(outcome: &str) -> &'static str {
    match outcome {
        "refused" => "Ditolak",
        "changed" => "Mengubah",
        "self_view" => "Pemohon sendiri",
        _ => "Melihat",
    }
}

pub fn role_label(role: &str) -> &'static str {
    ActorKind::parse(role).map_or("Sistem", ActorKind::label)
}

/// What a read or a change was, in Indonesian.
fn action_label(kind: &str, step: Option<&str>) -> String {
    match kind {
        "change" => match step.and_then(Action::parse) {
            Some(a) => format!("Langkah: {}", a.label()),
            None => format!("Langkah: {}", step.unwrap_or("-")),
        },
        "record" => "Membuka data permohonan".into(),
        "events" => "Membuka riwayat permohonan".into(),
        "document" => "Membuka berkas persyaratan".into(),
        "archive" => "Membuka arsip permohonan".into(),
        "status" => "Melacak status (pemohon)".into(),
        other => other.into(),
    }
}

fn entry(r: TimelineRow) -> Entry {
    let outcome = match (r.outcome.as_str(), r.kind.as_str()) {
        ("refused", _) => "refused",
        ("changed", _) => "changed",
        (_, "status") => "self_view",
        _ => "read",
    };
    Entry {
        action_label: action_label(&r.kind, r.step.as_deref()),
        role_label: role_label(&r.actor_role),
        at: r.at,
        officer_id: r.staff_id,
        officer_name: r.staff_name,
        role: r.actor_role,
        registration_number: r.registration_number,
        outcome,
    }
}

/// What a citizen is shown of one access: a role, never a name.
#[derive(Debug, Serialize)]
pub struct CitizenAccess {
    pub at: Timestamp,
    pub role: String,
    pub role_label: &'static str,
    /// `read`, `refused` or `changed`.
    pub outcome: &'static str,
    pub action_label: String,
}

fn citizen_entry(r: CitizenAccessRow) -> CitizenAccess {
    CitizenAccess {
        outcome: match r.outcome.as_str() {
            "refused" => "refused",
            "changed" => "changed",
            _ => "read",
        },
        action_label: action_label(&r.kind, r.step.as_deref()),
        role_label: role_label(&r.actor_role),
        role: r.actor_role,
        at: r.at,
    }
}

/// Tracking with "who has seen my data": the application's status for the
/// number + NIK (`citizen_status`, with its limits and its miss counting),
/// then, only when that matched, who saw or changed it.
pub async fn citizen_view(
    ctx: &Ctx,
    ip: &str,
    number: &RegistrationNumber,
    raw_nik: &str,
) -> Result<(CitizenStatus, Vec<CitizenAccess>), AppError> {
    let status = citizen_status(ctx, ip, number, raw_nik).await?;
    let seen = store::for_citizen(&ctx.db, number.as_str(), CITIZEN_ENTRIES).await?;
    Ok((status, seen.into_iter().map(citizen_entry).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, outcome: &str, role: &str, step: Option<&str>) -> TimelineRow {
        TimelineRow {
            at: Timestamp::parse("2026-11-28T01:02:03.456Z").expect("a timestamp"),
            key: "a000000000001".into(),
            staff_id: Some(7),
            staff_name: Some("Sri".into()),
            actor_role: role.into(),
            registration_number: "ABCD-EFGHK".into(),
            kind: kind.into(),
            outcome: outcome.into(),
            step: step.map(String::from),
        }
    }

    #[test]
    fn a_refusal_stays_a_refusal_and_a_status_lookup_is_the_applicants_own() {
        let refused = entry(row("record", "refused", "village_operator", None));
        assert_eq!(refused.outcome, "refused");
        assert_eq!(outcome_label(refused.outcome), "Ditolak");
        assert_eq!(refused.action_label, "Membuka data permohonan");
        let own = entry(row("status", "read", "citizen", None));
        assert_eq!((own.outcome, own.role_label), ("self_view", "Pemohon"));
        let step = entry(row("change", "changed", "front_office", Some("accept")));
        assert_eq!(step.outcome, "changed");
        assert_eq!(step.action_label, "Langkah: Terima (sudah diinput SIAK)");
    }

    #[test]
    fn an_unknown_role_or_step_is_shown_as_it_is_never_as_a_read_of_something_else() {
        assert_eq!(role_label("robot"), "Sistem");
        assert_eq!(
            action_label("change", Some("teleport")),
            "Langkah: teleport"
        );
        assert_eq!(action_label("document", None), "Membuka berkas persyaratan");
    }
}
