//! Read-only reports for the dashboard and the CSV export. The whole
//! dashboard is one batch (one round trip, one consistent snapshot) that
//! reads the maintained roll-ups (migrations/0018_roll_ups.sql: counts per
//! status, per WIB day; 0021_open_counts.sql: open applications per role and
//! kecamatan, complaints per status), a step into an index per queue for its
//! oldest and half a queue for its median, never the history, so it costs the
//! same at a thousand applications and at a million. The export
//! reads pages of one index range (migrations/0003_index_reports.sql).

use serde::Deserialize;

use crate::store::Timestamp;

pub use super::Tally;
use super::{int, text, Db, StoreResult};

/// The 30-day window of the dashboard, as WIB dates (both included).
pub struct Window<'a> {
    pub from_day: &'a str,
    pub to_day: &'a str,
}

#[derive(Debug, Deserialize)]
pub struct KecamatanRow {
    pub code: String,
    pub name: String,
    pub open: i64,
    pub completed: i64,
    pub cancelled: i64,
}

/// A count of fees and their amount in rupiah.
#[derive(Debug, Default)]
pub struct FeeTotal {
    pub count: i64,
    pub amount: i64,
}

impl From<Option<Tally>> for FeeTotal {
    fn from(row: Option<Tally>) -> FeeTotal {
        row.map(|t| FeeTotal {
            count: t.count,
            amount: t.amount.unwrap_or(0),
        })
        .unwrap_or_default()
    }
}

pub struct Dashboard {
    /// Status code and count.
    pub statuses: Vec<Tally>,
    /// Role code, how many wait, and since when the oldest (`at`).
    pub queues: Vec<Tally>,
    /// Per role asked for, in that order: the one or two `status_since`
    /// values in the middle of its queue (see [`median_offset`]).
    pub middles: Vec<(String, Vec<String>)>,
    /// WIB dates with at least one completion and their count; missing
    /// days had none.
    pub completed_per_day: Vec<Tally>,
    pub kecamatan: Vec<KecamatanRow>,
    /// Outbox status code and count.
    pub sms: Vec<Tally>,
    pub fees_expected: FeeTotal,
    pub fees_collected: FeeTotal,
    pub fees_outstanding: FeeTotal,
    pub complaints: crate::store::complaints::Counts,
}

/// The offset of the first middle element of `count` sorted values; an even
/// count has a second one right after it. The median statement computes the
/// same `(count - 1) / 2` in SQL (SQLite's integer division truncates, so an
/// empty queue gives offset 0 and no rows).
pub fn median_offset(count: i64) -> i64 {
    (count.max(1) - 1) / 2
}

/// Everything on the dashboard in one round trip. `roles` are the queues to
/// age; one median statement each.
pub async fn dashboard(db: &Db, w: &Window<'_>, roles: &[&str]) -> StoreResult<Dashboard> {
    let mut batch = vec![
        // No params: the maintained counts (migrations/0018_roll_ups.sql).
        db.prepare("SELECT status AS key, count FROM status_counts", &[])?,
        // No params: the maintained counts (migrations/0021_open_counts.sql)
        // and each role's oldest, one step into applications_queue.
        db.prepare(
            "SELECT r.role AS key, r.waiting AS count, \
                    (SELECT a.status_since FROM applications a WHERE a.awaiting_role = r.role \
                     ORDER BY a.status_since LIMIT 1) AS at \
             FROM (SELECT role, sum(count) AS waiting FROM open_counts GROUP BY role) r \
             WHERE r.waiting > 0",
            &[],
        )?,
        // ?1 first, ?2 last WIB date: the daily roll-up.
        db.prepare(
            "SELECT day AS key, sum(completed) AS count FROM daily_outcomes \
             WHERE day BETWEEN ?1 AND ?2 AND completed > 0 GROUP BY day ORDER BY day",
            &[text(w.from_day), text(w.to_day)],
        )?,
        // ?1 first, ?2 last WIB date. Every kecamatan, even without
        // applications: open now, completed and cancelled in the window.
        db.prepare(
            "SELECT k.code, k.name, coalesce(o.open, 0) AS open, \
                    coalesce(f.completed, 0) AS completed, coalesce(f.cancelled, 0) AS cancelled \
             FROM kecamatan k \
             LEFT JOIN (SELECT kecamatan_code AS code, sum(count) AS open \
                        FROM open_counts GROUP BY kecamatan_code) o ON o.code = k.code \
             LEFT JOIN (SELECT kecamatan_code AS code, sum(completed) AS completed, sum(cancelled) AS cancelled \
                        FROM daily_outcomes WHERE day BETWEEN ?1 AND ?2 \
                        GROUP BY kecamatan_code) f ON f.code = k.code \
             ORDER BY k.code",
            &[text(w.from_day), text(w.to_day)],
        )?,
        // ?1 first, ?2 last WIB date: SMS written on those days, by status now.
        db.prepare(
            "SELECT status AS key, sum(count) AS count FROM daily_sms \
             WHERE day BETWEEN ?1 AND ?2 GROUP BY status",
            &[text(w.from_day), text(w.to_day)],
        )?,
        // ?1 first, ?2 last WIB date: the same totals as
        // store::dispatch::reconciliation, summed over the window.
        db.prepare(
            "SELECT 'expected' AS key, coalesce(sum(expected_count), 0) AS count, coalesce(sum(expected_amount), 0) AS amount \
             FROM daily_fees WHERE day BETWEEN ?1 AND ?2",
            &[text(w.from_day), text(w.to_day)],
        )?,
        db.prepare(
            "SELECT 'collected' AS key, coalesce(sum(collected_count), 0) AS count, coalesce(sum(collected_amount), 0) AS amount \
             FROM daily_fees WHERE day BETWEEN ?1 AND ?2",
            &[text(w.from_day), text(w.to_day)],
        )?,
        db.prepare(
            "SELECT 'outstanding' AS key, coalesce(sum(outstanding_count), 0) AS count, coalesce(sum(outstanding_amount), 0) AS amount \
             FROM daily_fees WHERE day BETWEEN ?1 AND ?2",
            &[text(w.from_day), text(w.to_day)],
        )?,
        // No params: complaints per status and the oldest not yet answered
        // in full (open or in progress).
        db.prepare(crate::store::complaints::COUNTS_SQL, &[])?,
    ];
    const FIXED: usize = 9;
    for role in roles {
        // ?1 role. The median of a queue without reading it all into the
        // Worker: skip to the middle along applications_queue (its length
        // from the maintained counts); two rows so an even count can average
        // its two middle values. The walk is half of one queue, which grows
        // with the backlog, not with the history.
        batch.push(db.prepare(
            "SELECT status_since AS key, 0 AS count FROM applications WHERE awaiting_role = ?1 \
             ORDER BY status_since, registration_number \
             LIMIT 2 OFFSET (SELECT (max(coalesce(sum(count), 0), 1) - 1) / 2 FROM open_counts WHERE role = ?1)",
            &[text(role)],
        )?);
    }
    let results = db.batch(batch).await?;
    let mut middles = Vec::with_capacity(roles.len());
    for (i, role) in roles.iter().enumerate() {
        let since: Vec<Tally> = results.rows(FIXED + i)?;
        middles.push((role.to_string(), since.into_iter().map(|s| s.key).collect()));
    }
    Ok(Dashboard {
        statuses: results.rows(0)?,
        queues: results.rows(1)?,
        completed_per_day: results.rows(2)?,
        kecamatan: results.rows(3)?,
        sms: results.rows(4)?,
        fees_expected: results.one::<Tally>(5)?.into(),
        fees_collected: results.one::<Tally>(6)?.into(),
        fees_outstanding: results.one::<Tally>(7)?.into(),
        complaints: crate::store::complaints::Counts::from_rows(&results.rows::<Tally>(8)?),
        middles,
    })
}

/// One application of the export, with what the officer reads beside it.
#[derive(Debug, Deserialize)]
pub struct ExportRow {
    pub registration_number: String,
    pub created_at: Timestamp,
    pub status: String,
    pub services: Option<String>,
    pub applicant_name: String,
    pub applicant_nik: String,
    pub applicant_phone: String,
    pub village_code: String,
    pub village_name: Option<String>,
    pub kecamatan_name: Option<String>,
    pub delivery_method: String,
}

/// Applications created in [?1, ?2) (UTC) after `after` (created_at,
/// registration number; empty strings start at the beginning), oldest
/// first, at most `limit` rows, of village ?4 only unless it is empty (a
/// village operator's). A range over applications_by_created.
pub async fn export_rows(
    db: &Db,
    from_utc: &str,
    until_utc: &str,
    village: Option<&str>,
    after: (&str, &str),
    limit: u32,
) -> StoreResult<Vec<ExportRow>> {
    db.all(
        "SELECT a.registration_number, a.created_at, a.status, a.applicant_name, a.applicant_nik, a.applicant_phone, \
                a.village_code, v.name AS village_name, k.name AS kecamatan_name, a.delivery_method, \
                (SELECT group_concat(s.service) FROM application_services s \
                  WHERE s.registration_number = a.registration_number) AS services \
         FROM applications a \
         LEFT JOIN villages v ON v.code = a.village_code \
         LEFT JOIN kecamatan k ON k.code = v.kecamatan_code \
         WHERE a.created_at >= ?1 AND a.created_at < ?2 AND (?4 = '' OR a.village_code = ?4) \
           AND (a.created_at, a.registration_number) > (?5, ?6) \
         ORDER BY a.created_at, a.registration_number \
         LIMIT ?3",
        &[
            text(from_utc),
            text(until_utc),
            int(i64::from(limit)),
            text(village.unwrap_or_default()),
            text(after.0),
            text(after.1),
        ],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_starts_at_the_middle_and_an_even_count_takes_the_next_one_too() {
        // Offsets into 0-based sorted values: 1 → [0], 2 → [0,1], 3 → [1],
        // 4 → [1,2], 5 → [2].
        let got: Vec<i64> = (1..=5).map(median_offset).collect();
        assert_eq!(got, vec![0, 0, 1, 1, 2]);
    }

    #[test]
    fn an_empty_queue_has_offset_zero() {
        assert_eq!(median_offset(0), 0);
        assert_eq!(median_offset(-3), 0);
    }
}
