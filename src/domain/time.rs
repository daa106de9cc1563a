//! Time as people here read it: WIB (*Waktu Indonesia Barat*), UTC+7 all
//! year, since Indonesia has no daylight saving. D1 stores UTC; every time
//! shown to a person, and every date that counts per day (the fee ledger,
//! reports, "a birth date is not in the future"), is WIB. The one place that
//! knows the offset.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeDelta, TimeZone, Timelike, Utc,
};

/// WIB: UTC+7, no daylight saving.
pub const WIB: FixedOffset = match FixedOffset::east_opt(7 * 60 * 60) {
    Some(offset) => offset,
    // Evaluated by the compiler: a bad offset fails the build, never a request.
    None => panic!("UTC+7 is a valid offset"),
};

/// The same offset as an SQLite date modifier, for queries that group stored
/// UTC times by WIB day: `date(created_at, '+7 hours')`.
pub const WIB_SQLITE_MODIFIER: &str = "+7 hours";

/// An instant on the WIB clock.
pub fn to_wib<Tz: TimeZone>(at: DateTime<Tz>) -> DateTime<FixedOffset> {
    at.with_timezone(&WIB)
}

/// The WIB calendar date of an instant.
pub fn wib_date<Tz: TimeZone>(at: DateTime<Tz>) -> NaiveDate {
    to_wib(at).date_naive()
}

/// The instant WIB midnight begins `day`: 17:00 UTC the day before.
pub fn wib_midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc() - TimeDelta::seconds(WIB.local_minus_utc().into())
}

/// For people: "28/11/2026 14:05 WIB".
pub fn format_wib<Tz: TimeZone>(at: DateTime<Tz>) -> String {
    let t = to_wib(at);
    format!(
        "{} {:02}:{:02} WIB",
        day_label(t.date_naive()),
        t.hour(),
        t.minute()
    )
}

/// For spreadsheets, which sort it as text: "2026-11-29 00:30", in WIB.
pub fn format_wib_sortable<Tz: TimeZone>(at: DateTime<Tz>) -> String {
    let t = to_wib(at);
    format!("{} {:02}:{:02}", t.date_naive(), t.hour(), t.minute())
}

// Dates are written and read by hand rather than with chrono's strftime
// (`format`, `parse_from_str`): its pattern interpreter is a large part of
// the wasm for the few fixed forms used here.

/// A day as people here write it: "29/11/2026".
pub fn day_label(day: NaiveDate) -> String {
    format!("{}/{:04}", day_month(day), day.year())
}

/// Day and month only: "29/11".
pub fn day_month(day: NaiveDate) -> String {
    format!("{:02}/{:02}", day.day(), day.month())
}

/// An ISO date, exactly `YYYY-MM-DD` (what `NaiveDate` displays as).
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(
        i32::try_from(number(0, 4)?).ok()?,
        number(5, 7)?,
        number(8, 10)?,
    )
}

/// An instant as D1 stores it: ISO-8601 UTC with milliseconds
/// ("2026-11-28T01:02:03.456Z"), so text order is time order.
pub fn utc_timestamp(at: DateTime<Utc>) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}Z",
        at.date_naive(),
        at.hour(),
        at.minute(),
        at.second(),
        // A leap second's nanoseconds run past 10^9.
        (at.nanosecond() / 1_000_000).min(999)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_and_read_in_their_fixed_forms() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(day_label(day), "07/03/2026");
        assert_eq!(day_month(day), "07/03");
        assert_eq!(parse_day("2026-03-07"), Some(day));
        assert_eq!(day.to_string(), "2026-03-07", "what parse_day reads back");
        for bad in [
            "2026-3-7",
            "2026-02-30",
            "07/03/2026",
            "2026-03-07 ",
            "+026-03-07",
            "2026-0a-07",
            "",
        ] {
            assert_eq!(parse_day(bad), None, "{bad:?}");
        }
        let at = DateTime::parse_from_rfc3339("2026-11-28T01:02:03.456789Z")
            .unwrap()
            .to_utc();
        assert_eq!(utc_timestamp(at), "2026-11-28T01:02:03.456Z");
        assert_eq!(format_wib(at), "28/11/2026 08:02 WIB");
        assert_eq!(format_wib_sortable(at), "2026-11-28 08:02");
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn half_past_five_in_the_evening_utc_is_half_past_midnight_the_next_day_in_wib() {
        let at = utc("2026-11-28T17:30:00.000Z");
        assert_eq!(format_wib(at), "29/11/2026 00:30 WIB");
        assert_eq!(format_wib_sortable(at), "2026-11-29 00:30");
        assert_eq!(wib_date(at), day(2026, 11, 29));
        assert_eq!(wib_date(utc("2026-11-28T16:59:59Z")), day(2026, 11, 28));
    }

    #[test]
    fn an_instant_in_another_offset_is_shown_on_the_wib_clock() {
        let courier_report = DateTime::parse_from_rfc3339("2026-11-28T08:15:00+07:00").unwrap();
        assert_eq!(format_wib(courier_report), "28/11/2026 08:15 WIB");
    }

    #[test]
    fn wib_midnight_is_five_in_the_afternoon_utc_the_day_before_and_starts_that_wib_date() {
        let midnight = wib_midnight(day(2026, 11, 29));
        assert_eq!(midnight, utc("2026-11-28T17:00:00Z"));
        assert_eq!(wib_date(midnight), day(2026, 11, 29));
        assert_eq!(
            wib_date(midnight - TimeDelta::milliseconds(1)),
            day(2026, 11, 28)
        );
    }

    #[test]
    fn the_sqlite_modifier_says_the_same_offset() {
        let hours = WIB.local_minus_utc() / 3600;
        assert_eq!(WIB_SQLITE_MODIFIER, format!("+{hours} hours"));
        assert_eq!(hours, 7);
    }
}
