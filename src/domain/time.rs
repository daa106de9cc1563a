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
    NaiveDate::from_ymd_opt(
        i32::try_from(digits(b, 0, 4)?).ok()?,
        digits(b, 5, 7)?,
        digits(b, 8, 10)?,
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

/// An RFC 3339 instant (`2026-11-28T01:02:03.456Z`, `…T08:02:03+07:00`),
/// as UTC: what D1 stores and what the courier and staff send. Written here
/// rather than with chrono's parser, whose general format machinery was
/// ~10 KB of the wasm bundle; native tests check it against chrono's.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let date = parse_day(text.get(..10)?)?;
    let time = NaiveTime::from_hms_opt(digits(b, 11, 13)?, digits(b, 14, 16)?, digits(b, 17, 19)?)?;
    let mut i = 19;
    let mut nanos = 0;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..9 {
            nanos *= 10;
        }
    }
    let offset = match &b[i..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let minutes = i64::from(digits(b, i + 1, i + 3)? * 60 + digits(b, i + 4, i + 6)?);
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    let local = date.and_time(time) + TimeDelta::nanoseconds(i64::from(nanos));
    Some(Utc.from_utc_datetime(&(local - TimeDelta::minutes(offset))))
}

/// An RFC 2822 date as Twilio writes `date_created`
/// (`Wed, 02 Dec 2026 08:00:00 +0000`), as UTC.
pub fn parse_rfc2822(text: &str) -> Option<DateTime<Utc>> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let text = text.split_once(',').map_or(text, |(_, rest)| rest);
    let mut parts = text.split_whitespace();
    let day = number(parts.next()?)?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as u32 + 1;
    let year = i32::try_from(number(parts.next()?)?).ok()?;
    let clock = parts.next()?.as_bytes();
    let (hour, minute, second) = match clock {
        [_, _, b':', _, _, b':', _, _] => (
            digits(clock, 0, 2)?,
            digits(clock, 3, 5)?,
            digits(clock, 6, 8)?,
        ),
        _ => return None,
    };
    let zone = parts.next()?.as_bytes();
    let offset = match zone {
        b"GMT" | b"UT" | b"UTC" | b"Z" => 0,
        [sign @ (b'+' | b'-'), _, _, _, _] => {
            let minutes = i64::from(digits(zone, 1, 3)? * 60 + digits(zone, 3, 5)?);
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    let local = NaiveDate::from_ymd_opt(year, month, day)?
        .and_time(NaiveTime::from_hms_opt(hour, minute, second)?);
    Some(Utc.from_utc_datetime(&(local - TimeDelta::minutes(offset))))
}

/// The decimal number in `b[from..to]`, every byte a digit.
fn digits(b: &[u8], from: usize, to: usize) -> Option<u32> {
    b.get(from..to)?.iter().try_fold(0u32, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// A short decimal number (1–4 digits).
fn number(text: &str) -> Option<u32> {
    (1..=4)
        .contains(&text.len())
        .then(|| digits(text.as_bytes(), 0, text.len()))
        .flatten()
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

    #[test]
    fn rfc3339_instants_read_as_chrono_reads_them() {
        for text in [
            "2026-11-28T01:02:03.456Z",
            "2026-11-28T01:02:03Z",
            "2026-11-28t01:02:03.4z",
            "2026-11-28 01:02:03.123456789Z",
            "2026-11-28T01:02:03.1234567891Z",
            "2026-11-28T08:02:03+07:00",
            "2026-11-28T00:02:03-05:30",
            "2026-02-28T23:59:59.999+00:00",
        ] {
            let want = DateTime::parse_from_rfc3339(text).unwrap().to_utc();
            assert_eq!(parse_rfc3339(text), Some(want), "{text}");
        }
        for bad in [
            "",
            "2026-11-28",
            "2026-11-28T01:02:03",
            "2026-11-28T01:02:03.Z",
            "2026-11-28T25:02:03Z",
            "2026-02-30T01:02:03Z",
            "2026-11-28T01:02:03+0700",
            "2026-11-28T01:02:03Z ",
            "2026-11-28T01:02:03+07:0x",
            "kemarin sore, jam tiga lewat",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn twilio_dates_read_as_chrono_reads_them() {
        for text in [
            "Wed, 02 Dec 2026 08:00:00 +0000",
            "Wed, 2 Dec 2026 08:00:00 +0700",
            "02 Dec 2026 23:59:59 -0130",
            "Tue, 01 Dec 2026 00:00:01 GMT",
        ] {
            let want = DateTime::parse_from_rfc2822(text).unwrap().to_utc();
            assert_eq!(parse_rfc2822(text), Some(want), "{text}");
        }
        for bad in [
            "",
            "Wed, 02 Dex 2026 08:00:00 +0000",
            "Wed, 02 Dec 2026 8:00:00 +0000",
            "Wed, 31 Feb 2026 08:00:00 +0000",
            "Wed, 02 Dec 2026 08:00:00 +0000 extra",
            "2026-12-02T08:00:00Z",
        ] {
            assert_eq!(parse_rfc2822(bad), None, "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_stored_instant_reads_back(secs in 0i64..4_102_444_800, millis in 0u32..1000) {
            let at = DateTime::from_timestamp(secs, millis * 1_000_000).unwrap();
            proptest::prop_assert_eq!(parse_rfc3339(&utc_timestamp(at)), Some(at));
        }
    }
}
