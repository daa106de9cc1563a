//! The WIB date ranges the reports count over: the dashboard's window and
//! the export's `from`/`to`, parsed strictly (a field error names `from` or
//! `to`) and turned into the UTC instants D1 stores.

use chrono::{Datelike, Duration, NaiveDate};

use super::{MAX_EXPORT_DAYS, WINDOW_DAYS};
use crate::app::AppError;
use crate::platform::timestamp;

/// A range of WIB dates, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// The `days` days ending with `last`.
    pub fn ending(last: NaiveDate, days: i64) -> DateRange {
        DateRange {
            from: last - Duration::days(days - 1),
            to: last,
        }
    }

    /// The export's `from`/`to` (YYYY-MM-DD; blank means the default: the
    /// 30 days ending `to`, which defaults to today).
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<DateRange, AppError> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let to = given(to)
            .map(|v| parse_date("to", v))
            .transpose()?
            .unwrap_or(today);
        let from = given(from)
            .map(|v| parse_date("from", v))
            .transpose()?
            .unwrap_or(to - Duration::days(WINDOW_DAYS - 1));
        if from > to {
            return Err(AppError::invalid(
                "from",
                "tanggal awal harus sebelum atau sama dengan tanggal akhir",
            ));
        }
        let range = DateRange { from, to };
        if range.days() > MAX_EXPORT_DAYS {
            return Err(AppError::invalid(
                "from",
                format!("rentang paling lama {MAX_EXPORT_DAYS} hari"),
            ));
        }
        Ok(range)
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Every date of the range, first to last.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> {
        let last = self.to;
        self.from.iter_days().take_while(move |d| *d <= last)
    }

    /// The range as stored UTC times: from the first day's WIB midnight
    /// (inclusive) to the WIB midnight after the last day (exclusive).
    pub fn utc_bounds(&self) -> (String, String) {
        (
            wib_midnight_utc(self.from),
            wib_midnight_utc(self.to + Duration::days(1)),
        )
    }
}

fn parse_date(field: &str, value: &str) -> Result<NaiveDate, AppError> {
    let bad = || {
        AppError::invalid(
            field,
            format!(
                "tanggal '{value}' tidak valid; gunakan format TTTT-BB-HH, misalnya 2026-11-28"
            ),
        )
    };
    // chrono alone would also take "2026-1-5" or a five-digit year.
    if value.len() != 10
        || value.as_bytes().get(4) != Some(&b'-')
        || value.as_bytes().get(7) != Some(&b'-')
    {
        return Err(bad());
    }
    // A 422 naming the field and showing a valid date is the whole story:
    // chrono's reason ("input is out of range") adds nothing an officer
    // could act on, and nothing here is ours to log.
    crate::domain::time::parse_day(value)
        .filter(|date| (2000..=2100).contains(&date.year()))
        .ok_or_else(bad)
}

/// Midnight WIB of `day` as a stored UTC timestamp (17:00 the day before).
fn wib_midnight_utc(day: NaiveDate) -> String {
    timestamp(crate::domain::time::wib_midnight(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        crate::domain::time::parse_day(s).unwrap_or_default()
    }

    fn field_of(e: &AppError) -> Option<String> {
        e.field().map(String::from)
    }

    #[test]
    fn a_missing_export_range_defaults_to_the_last_thirty_days() {
        let today = day("2026-11-28");
        let r = DateRange::parse(None, Some(" "), today).unwrap_or(DateRange {
            from: today,
            to: today,
        });
        assert_eq!((r.from, r.to, r.days()), (day("2026-10-30"), today, 30));
    }

    #[test]
    fn an_export_range_is_bounded_by_wib_midnights_in_utc() {
        let r = DateRange {
            from: day("2026-11-01"),
            to: day("2026-11-30"),
        };
        assert_eq!(
            r.utc_bounds(),
            (
                "2026-10-31T17:00:00.000Z".into(),
                "2026-11-30T17:00:00.000Z".into()
            )
        );
    }

    #[test]
    fn bad_export_dates_name_the_field_at_fault() {
        let today = day("2026-11-28");
        let err = |from: &str, to: &str| DateRange::parse(Some(from), Some(to), today).err();
        for (from, to, field) in [
            ("2026-13-01", "2026-11-28", "from"),
            ("28/11/2026", "2026-11-28", "from"),
            ("2026-1-5", "2026-11-28", "from"),
            ("2026-11-01", "kemarin", "to"),
            ("2026-11-28", "2026-11-01", "from"),
            ("2025-01-01", "2026-11-28", "from"),
        ] {
            let e = err(from, to);
            assert_eq!(e.as_ref().map(AppError::status), Some(422), "{from}..{to}");
            assert_eq!(
                e.as_ref().and_then(field_of).as_deref(),
                Some(field),
                "{from}..{to}"
            );
        }
    }

    #[test]
    fn an_export_range_of_a_whole_leap_year_is_allowed_but_not_a_day_more() {
        let today = day("2028-12-31");
        assert!(DateRange::parse(Some("2028-01-01"), Some("2028-12-31"), today).is_ok());
        assert!(DateRange::parse(Some("2027-12-31"), Some("2028-12-31"), today).is_err());
    }
}
