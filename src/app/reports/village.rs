//! A village operator's monthly report: their village's applications
//! created in one WIB month, counted by where each stands now. The same
//! rows as the export (`/staff/export.csv` for that month gives them one per
//! line), read with the export's query scoped to the village.

use chrono::{Datelike, Months, NaiveDate};

use super::export::{export_rows, export_scope};
use super::DateRange;

/// A village's month is a few dozen applications; this only bounds a read
/// gone wrong.
const MAX_VILLAGE_MONTH_ROWS: u32 = 20_000;
use crate::app::{AppError, Ctx, Staff};
use crate::domain::roles::Role;
use crate::domain::time::{day_label, parse_day};
use crate::domain::workflow::Status;
use crate::platform::wib_date;

pub struct VillageReport {
    /// "2026-11", as the month input takes it.
    pub month: String,
    pub range: DateRange,
    /// Every status, in workflow order, with its count (zeros included).
    pub counts: Vec<(Status, usize)>,
    pub total: usize,
}

impl VillageReport {
    /// "01/11/2026 – 30/11/2026".
    pub fn period(&self) -> String {
        format!(
            "{} – {}",
            day_label(self.range.from),
            day_label(self.range.to)
        )
    }
}

/// The month `YYYY-MM` (blank: this month in WIB) as its first and last day.
pub fn month_range(month: Option<&str>, today: NaiveDate) -> Result<DateRange, AppError> {
    let first = match month.map(str::trim).filter(|m| !m.is_empty()) {
        None => today.with_day(1),
        Some(m) => parse_day(&format!("{m}-01")).filter(|_| m.len() == 7),
    }
    .ok_or_else(|| AppError::invalid("bulan", "bulan harus berformat TTTT-BB, contoh 2026-11"))?;
    let last = first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .ok_or_else(|| AppError::invalid("bulan", "bulan di luar jangkauan"))?;
    Ok(DateRange {
        from: first,
        to: last,
    })
}

/// `staff`'s village report for `month`: village operators only.
pub async fn village_report(
    ctx: &Ctx,
    staff: &Staff,
    month: Option<&str>,
) -> Result<VillageReport, AppError> {
    if staff.role != Role::VillageOperator {
        return Err(AppError::Forbidden(
            "laporan bulanan desa hanya untuk operator desa/kelurahan".into(),
        ));
    }
    let village = export_scope(staff)?;
    let range = month_range(month, wib_date(ctx.now))?;
    let (from_utc, until_utc) = range.utc_bounds();
    let rows = export_rows(
        &ctx.db,
        &from_utc,
        &until_utc,
        village,
        ("", ""),
        MAX_VILLAGE_MONTH_ROWS,
    )
    .await?;
    let counts = Status::ALL
        .into_iter()
        .map(|s| (s, rows.iter().filter(|r| r.status == s.code()).count()))
        .collect();
    Ok(VillageReport {
        month: format!("{:04}-{:02}", range.from.year(), range.from.month()),
        range,
        counts,
        total: rows.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_month_runs_from_its_first_to_its_last_day() {
        let today = day(2026, 12, 2);
        let r = month_range(Some("2026-02"), today).unwrap();
        assert_eq!((r.from, r.to), (day(2026, 2, 1), day(2026, 2, 28)));
        let r = month_range(Some("2028-02"), today).unwrap();
        assert_eq!(r.to, day(2028, 2, 29));
        let r = month_range(None, today).unwrap();
        assert_eq!((r.from, r.to), (day(2026, 12, 1), day(2026, 12, 31)));
        for bad in ["2026-13", "2026-1", "November", "2026-11-01", "2026-00"] {
            assert!(month_range(Some(bad), today).is_err(), "{bad}");
        }
    }
}
