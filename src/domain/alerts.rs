//! Alerts for the agency's on-call officers (issue 13): each condition the
//! cron watches, its threshold, what it decides each minute, and the SMS
//! texts. Pure: the readings come from `store::alerts`, the decisions are
//! written back there with the SMS in the same batch.
//!
//! A condition is *firing* when its reading reaches its threshold (a
//! threshold of 0 switches it off). The first time it fires it is raised:
//! one SMS to every on-call number — unless one was sent for it less than
//! an hour ago, in which case it waits for the hour to pass, still raised.
//! When it stops firing it is cleared, with a "PULIH" SMS if its alert was
//! sent. So an outage that lasts a day costs one alert and one "resolved",
//! and a condition that flaps costs at most one alert an hour.

use super::coded_enum::coded_enum;
use super::field_error::{Errors, FieldError};
use super::ids::PhoneNumber;

coded_enum! {
    /// What the cron watches; the code is `alert_state.condition`.
    pub enum Condition {
        /// SMS sends and reports that failed, in percent, since the start
        /// of the previous UTC hour (judged from [`MIN_OUTCOMES`] on).
        SmsFailureRate = "sms_failure_rate" => "SMS gagal",
        /// Minutes the oldest message not yet with its provider has waited.
        PendingAge = "pending_age" => "Pesan tertunda",
        /// Minutes since the cron's relay last ran without an error.
        RelaySilent = "relay_silent" => "Relai pesan berhenti",
        /// Messages whose retries all failed, since the previous hour began.
        DeadLetters = "dead_letters" => "Pesan gagal setelah semua percobaan",
        /// Webhook calls refused for a bad signature or secret, since the
        /// previous hour began.
        WebhookForgeries = "webhook_forgeries" => "Webhook ditolak",
    }
}

impl Condition {
    /// Its threshold's column in `alert_settings` and field in the form.
    pub const fn setting(self) -> &'static str {
        match self {
            Condition::SmsFailureRate => "sms_failure_percent",
            Condition::PendingAge => "pending_minutes",
            Condition::RelaySilent => "relay_silent_minutes",
            Condition::DeadLetters => "dead_letters",
            Condition::WebhookForgeries => "webhook_refusals",
        }
    }

    /// The unit its readings and threshold are written with.
    pub const fn unit(self) -> &'static str {
        match self {
            Condition::SmsFailureRate => "%",
            Condition::PendingAge | Condition::RelaySilent => " menit",
            Condition::DeadLetters | Condition::WebhookForgeries => "",
        }
    }
}

/// Fewer SMS outcomes than this in the window say nothing about a rate.
pub const MIN_OUTCOMES: i64 = 10;

/// How many on-call numbers the administrator may set.
pub const MAX_ON_CALL: usize = 5;

/// The administrator's settings: who is told, and each condition's
/// threshold (0: off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub on_call: Vec<PhoneNumber>,
    pub sms_failure_percent: i64,
    pub pending_minutes: i64,
    pub relay_silent_minutes: i64,
    pub dead_letters: i64,
    pub webhook_refusals: i64,
}

/// The form's fields, as typed (the field names are the form's and the
/// columns').
#[derive(Debug, Default, Clone)]
pub struct SettingsFields {
    pub on_call: String,
    pub sms_failure_percent: String,
    pub pending_minutes: String,
    pub relay_silent_minutes: String,
    pub dead_letters: String,
    pub webhook_refusals: String,
}

/// A whole number in `0..=max`, or the field's error.
fn whole(field: &str, text: &str, max: i64, unit: &str) -> Result<i64, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::new(
            field,
            "isi angka; 0 mematikan peringatan ini",
        ));
    }
    text.parse::<i64>()
        .ok()
        .filter(|n| (0..=max).contains(n))
        .ok_or_else(|| FieldError::new(field, format!("isi angka bulat 0 sampai {max}{unit}")))
}

impl Settings {
    /// Reads the form: every error at once, in the form's order.
    pub fn parse(f: &SettingsFields) -> Result<Settings, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut on_call: Vec<PhoneNumber> = Vec::new();
        let mut bad = Vec::new();
        for line in f.on_call.split(['\n', ',']).map(str::trim) {
            if line.is_empty() {
                continue;
            }
            match PhoneNumber::parse(line) {
                Ok(p) if !on_call.contains(&p) => on_call.push(p),
                Ok(_) => {}
                Err(_) => bad.push(line),
            }
        }
        if !bad.is_empty() {
            errors.0.push(FieldError::new(
                "on_call",
                format!(
                    "{} bukan nomor HP Indonesia (contoh 081234567890)",
                    bad.join(", ")
                ),
            ));
        } else if on_call.len() > MAX_ON_CALL {
            errors.0.push(FieldError::new(
                "on_call",
                format!("paling banyak {MAX_ON_CALL} nomor"),
            ));
        }
        let minutes = " menit";
        let settings = Settings {
            on_call,
            sms_failure_percent: errors
                .take(whole(
                    "sms_failure_percent",
                    &f.sms_failure_percent,
                    100,
                    "%",
                ))
                .unwrap_or(0),
            pending_minutes: errors
                .take(whole("pending_minutes", &f.pending_minutes, 1440, minutes))
                .unwrap_or(0),
            relay_silent_minutes: errors
                .take(whole(
                    "relay_silent_minutes",
                    &f.relay_silent_minutes,
                    1440,
                    minutes,
                ))
                .unwrap_or(0),
            dead_letters: errors
                .take(whole("dead_letters", &f.dead_letters, 10_000, ""))
                .unwrap_or(0),
            webhook_refusals: errors
                .take(whole("webhook_refusals", &f.webhook_refusals, 10_000, ""))
                .unwrap_or(0),
        };
        if errors.0.is_empty() {
            Ok(settings)
        } else {
            Err(errors.0)
        }
    }

    /// The threshold of `c` (0: off).
    pub fn threshold(&self, c: Condition) -> i64 {
        match c {
            Condition::SmsFailureRate => self.sms_failure_percent,
            Condition::PendingAge => self.pending_minutes,
            Condition::RelaySilent => self.relay_silent_minutes,
            Condition::DeadLetters => self.dead_letters,
            Condition::WebhookForgeries => self.webhook_refusals,
        }
    }
}

/// Where a condition stood after the last run (`alert_state`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// When it started firing; `None`: clear.
    pub active_since: Option<String>,
    /// When its last alert SMS was written.
    pub notified_at: Option<String>,
}

/// What this run does about one condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing changes.
    Keep,
    /// It fires: mark it raised and, if `notify`, send the alert.
    Raise { notify: bool },
    /// Raised earlier without an SMS (the hourly limit): send it now.
    Notify,
    /// It stopped firing: clear it, and say so if its alert was sent.
    Clear { notify: bool },
}

/// The decision for a condition whose reading `value` meets or misses
/// `threshold`, given its `state` and `hour_ago` (now minus one hour, a
/// timestamp as stored: they compare as text).
pub fn decide(value: i64, threshold: i64, state: &State, hour_ago: &str) -> Decision {
    let firing = threshold > 0 && value >= threshold;
    let notified_within_hour = state.notified_at.as_deref().is_some_and(|at| at > hour_ago);
    // The alert of this episode was sent when it was sent after the start.
    let told = match (&state.active_since, &state.notified_at) {
        (Some(since), Some(at)) => at >= since,
        _ => false,
    };
    match (firing, state.active_since.is_some()) {
        (true, false) => Decision::Raise {
            notify: !notified_within_hour,
        },
        (true, true) if !told && !notified_within_hour => Decision::Notify,
        (true, true) => Decision::Keep,
        (false, true) => Decision::Clear { notify: told },
        (false, false) => Decision::Keep,
    }
}

/// The alert SMS: what happened, against what threshold, since when
/// (`since`: "13.00 WIB", the window's start, for the windowed conditions).
pub fn alert_text(c: Condition, value: i64, threshold: i64, since: &str) -> String {
    // One pattern per condition, filled by `replace`: one formatting path
    // for all five (each `format!` site costs the wasm its own code).
    let what = match c {
        Condition::SmsFailureRate => "{v}% SMS gagal sejak {s} (batas {t}%)",
        Condition::PendingAge => "pesan tertua belum terkirim sudah {v} menit (batas {t} menit)",
        Condition::RelaySilent => "relai pesan tidak berjalan {v} menit (batas {t} menit)",
        Condition::DeadLetters => "{v} pesan gagal setelah semua percobaan sejak {s}",
        Condition::WebhookForgeries => "{v} webhook ditolak (tanda tangan salah) sejak {s}",
    };
    let what = what
        .replace("{v}", &value.to_string())
        .replace("{t}", &threshold.to_string())
        .replace("{s}", since);
    format!("PAK POS PERINGATAN: {what}. Cek halaman Kesehatan Sistem.")
}

/// The "resolved" SMS.
pub fn resolved_text(c: Condition, value: i64) -> String {
    format!(
        "PAK POS PULIH: {} sudah normal kembali (sekarang {value}{}).",
        c.label(),
        c.unit()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR_AGO: &str = "2026-12-03T09:00:00.000Z";

    fn state(active: Option<&str>, notified: Option<&str>) -> State {
        State {
            active_since: active.map(String::from),
            notified_at: notified.map(String::from),
        }
    }

    #[test]
    fn a_new_condition_is_raised_and_told_once_then_kept() {
        let clear = State::default();
        assert_eq!(
            decide(30, 20, &clear, HOUR_AGO),
            Decision::Raise { notify: true }
        );
        let raised = state(
            Some("2026-12-03T10:00:00.000Z"),
            Some("2026-12-03T10:00:00.000Z"),
        );
        for value in [20, 30, 100] {
            assert_eq!(decide(value, 20, &raised, HOUR_AGO), Decision::Keep);
        }
        assert_eq!(
            decide(5, 20, &raised, HOUR_AGO),
            Decision::Clear { notify: true }
        );
    }

    #[test]
    fn below_the_threshold_or_switched_off_nothing_fires() {
        assert_eq!(decide(19, 20, &State::default(), HOUR_AGO), Decision::Keep);
        assert_eq!(
            decide(1_000, 0, &State::default(), HOUR_AGO),
            Decision::Keep
        );
        let raised = state(
            Some("2026-12-03T09:30:00.000Z"),
            Some("2026-12-03T09:30:00.000Z"),
        );
        assert_eq!(
            decide(1_000, 0, &raised, HOUR_AGO),
            Decision::Clear { notify: true }
        );
    }

    #[test]
    fn a_flapping_condition_is_told_at_most_once_an_hour() {
        // Told at 09:30, cleared, fires again at 10:00: raised, not told.
        let cleared = state(None, Some("2026-12-03T09:30:00.000Z"));
        assert_eq!(
            decide(50, 20, &cleared, HOUR_AGO),
            Decision::Raise { notify: false }
        );
        // Still firing once the hour has passed: told now.
        let waiting = state(
            Some("2026-12-03T10:00:00.000Z"),
            Some("2026-12-03T09:30:00.000Z"),
        );
        assert_eq!(decide(50, 20, &waiting, HOUR_AGO), Decision::Keep);
        let later = "2026-12-03T10:31:00.000Z";
        assert_eq!(decide(50, 20, &waiting, later), Decision::Notify);
        // Cleared before it was told: no "resolved" either.
        assert_eq!(
            decide(0, 20, &waiting, HOUR_AGO),
            Decision::Clear { notify: false }
        );
        // Told more than an hour ago: a new episode is told at once.
        let old = state(None, Some("2026-12-03T08:00:00.000Z"));
        assert_eq!(
            decide(50, 20, &old, HOUR_AGO),
            Decision::Raise { notify: true }
        );
    }

    fn fields() -> SettingsFields {
        SettingsFields {
            on_call: "0812 3456 7890\n+6281234567890\n085712345678".into(),
            sms_failure_percent: "20".into(),
            pending_minutes: "30".into(),
            relay_silent_minutes: "10".into(),
            dead_letters: "1".into(),
            webhook_refusals: " 0 ".into(),
        }
    }

    #[test]
    fn the_form_reads_numbers_once_each_and_thresholds() {
        let s = Settings::parse(&fields()).expect("valid");
        let numbers: Vec<String> = s.on_call.iter().map(ToString::to_string).collect();
        assert_eq!(numbers, ["+6281234567890", "+6285712345678"]);
        assert_eq!(s.threshold(Condition::SmsFailureRate), 20);
        assert_eq!(s.threshold(Condition::WebhookForgeries), 0);
        let empty = SettingsFields {
            on_call: "  \n".into(),
            ..fields()
        };
        assert!(Settings::parse(&empty).is_ok_and(|s| s.on_call.is_empty()));
    }

    #[test]
    fn every_wrong_field_is_named_at_once_in_form_order() {
        let f = SettingsFields {
            on_call: "0812345\n0812 3456 7890".into(),
            sms_failure_percent: "101".into(),
            pending_minutes: "".into(),
            relay_silent_minutes: "-1".into(),
            dead_letters: "satu".into(),
            webhook_refusals: "5".into(),
        };
        let errors = Settings::parse(&f).expect_err("refused");
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            named,
            [
                "on_call",
                "sms_failure_percent",
                "pending_minutes",
                "relay_silent_minutes",
                "dead_letters"
            ]
        );
        assert!(
            errors[0].message.contains("0812345"),
            "{}",
            errors[0].message
        );
        let six = SettingsFields {
            on_call: (0..6).map(|i| format!("08123456789{i}\n")).collect(),
            ..fields()
        };
        let errors = Settings::parse(&six).expect_err("too many");
        assert!(
            errors[0].message.contains("paling banyak 5"),
            "{:?}",
            errors
        );
    }

    #[test]
    fn every_text_fits_one_sms_and_names_no_internal_code() {
        for c in Condition::ALL {
            let alert = alert_text(c, 10_000, 10_000, "13.00 WIB");
            let resolved = resolved_text(c, 10_000);
            for text in [&alert, &resolved] {
                assert!(text.len() <= 160 && text.is_ascii(), "{text}");
                assert!(!text.contains(c.code()), "{text}");
            }
        }
    }
}
