//! Abuse limits for the public endpoints: fixed-window counters per
//! (bucket, key) in D1, counted and checked in one round trip.
//!
//! Per-address limits count under the caller's address (`address_key`: an
//! IPv6 /64 is one address). A request with no usable address — never the
//! case behind Cloudflare, always the case on `wrangler dev` from this
//! machine — counts under one shared key, `NO_ADDRESS`, so a missing
//! address never means "no limit". Only for that shared key, and only for
//! the per-address limits, the Worker var `NO_ADDRESS_LIMIT_FACTOR`
//! (default 1) multiplies the allowance: local demos and the benchmark
//! submit hundreds of applications from one machine (`.dev.vars.example`).
//! Limits on what is guessed or spent — wrong NIKs per address and per
//! registration number, SMS per phone number — are never relaxed.

use std::net::{IpAddr, Ipv6Addr};

use chrono::Duration;

use super::{AppError, Ctx};
use crate::domain::ids::RegistrationNumber;
use crate::platform::{sha256_hex, timestamp};
use crate::store::limits::{self as store, Counter, Hits, Op};

/// A limit: at most `max` hits per `window_seconds` per key.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub bucket: &'static str,
    pub max: i64,
    pub window_seconds: i64,
    /// A per-address limit, relaxed by `NO_ADDRESS_LIMIT_FACTOR` for the
    /// shared no-address key.
    pub per_address: bool,
    /// What the 429 says (the wait is added); `None`: the general message.
    pub refusal: Option<Refusal>,
}

/// A 429 with its own wording, naming the input at fault if any.
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    pub field: Option<&'static str>,
    pub message: &'static str,
}

pub const SUBMIT: Limit = Limit {
    bucket: "submit",
    max: 20,
    window_seconds: 3600,
    per_address: true,
    refusal: None,
};
pub const TRACK: Limit = Limit {
    bucket: "track",
    max: 60,
    window_seconds: 600,
    per_address: true,
    refusal: None,
};
/// Wrong NIKs (or phone numbers, for complaints) per address: few tries,
/// so they cannot be guessed.
pub const TRACK_MISS: Limit = Limit {
    bucket: "track_miss",
    max: 5,
    window_seconds: 900,
    per_address: false,
    refusal: None,
};
/// Wrong NIKs per registration number (or wrong phone numbers per complaint
/// ticket), from all addresses together: rotating addresses does not help
/// a guesser, and the citizen who mistypes still has room.
pub const NUMBER_MISS: Limit = Limit {
    bucket: "number_miss",
    max: 10,
    window_seconds: 86_400,
    per_address: false,
    refusal: Some(Refusal {
        field: None,
        message: "terlalu banyak percobaan dengan data yang salah untuk nomor ini, \
                  sehingga pelacakannya dikunci sementara demi keamanan data pemohon",
    }),
};
/// Citizens' submissions per destination phone number per day: each sends
/// an SMS, so a foreign page cannot flood one number through its visitors.
pub const SMS_PER_PHONE: Limit = Limit {
    bucket: "sms_phone",
    max: 5,
    window_seconds: 86_400,
    per_address: false,
    refusal: Some(Refusal {
        field: Some("applicant.phone"),
        message: "nomor HP ini sudah menerima batas SMS permohonan untuk hari ini; \
                  gunakan nomor HP lain",
    }),
};
/// Staff resends of failed SMS per registration number in 24 hours,
/// counted from the outbox itself (`app::messages::resend_sms`).
pub const RESENDS_PER_NUMBER_PER_DAY: i64 = 3;
pub const COMPLAIN: Limit = Limit {
    bucket: "complain",
    max: 10,
    window_seconds: 3600,
    per_address: true,
    refusal: None,
};
/// Citizens' document uploads (API and page), per client address.
pub const UPLOAD: Limit = Limit {
    bucket: "upload",
    max: 60,
    window_seconds: 3600,
    per_address: true,
    refusal: None,
};

/// Submissions with a partner's API key, counted per key instead of per
/// address (`app::api_keys`): each key's `max` is its own, set by the
/// administrator; this gives the bucket, the window and the wording.
pub const API_KEY: Limit = Limit {
    bucket: "api_key",
    max: 300,
    window_seconds: 3600,
    per_address: false,
    refusal: Some(Refusal {
        field: None,
        message: "kunci API ini sudah mencapai batas pengajuan per jam",
    }),
};

/// The key of every request without a usable client address.
pub const NO_ADDRESS: &str = "local";

const NO_ADDRESS_FACTOR: &str = "NO_ADDRESS_LIMIT_FACTOR";

/// The key the per-address limits count under, from the address Cloudflare
/// reports: an IPv4 address as is, an IPv6 address as its /64 (one
/// customer's whole network, which one attacker holds at once). Missing,
/// unparsable and loopback addresses share `NO_ADDRESS`.
pub fn address_key(reported: Option<&str>) -> String {
    let Some(ip) = reported.and_then(|r| r.trim().parse::<IpAddr>().ok()) else {
        return NO_ADDRESS.into();
    };
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    if ip.is_loopback() || ip.is_unspecified() {
        return NO_ADDRESS.into();
    }
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{}/64", Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
        }
    }
}

/// The `NUMBER_MISS` key of an application (its number is no secret).
pub fn number_key(number: &RegistrationNumber) -> String {
    format!("app:{}", number.as_str())
}

/// The `NUMBER_MISS` key of a complaint ticket.
pub fn ticket_key(ticket: &str) -> String {
    format!("ticket:{ticket}")
}

/// The `SMS_PER_PHONE` key of a phone number: a hash, so the counters hold
/// no phone numbers.
pub fn phone_key(phone: &str) -> String {
    sha256_hex(phone.as_bytes())
}

/// One counter to count (a hit) or only read (a miss counter, checked
/// before the lookup it guards), with its limit.
pub struct Check<'a> {
    pub limit: Limit,
    pub key: &'a str,
    pub op: Op,
}

pub fn count(limit: Limit, key: &str) -> Check<'_> {
    Check {
        limit,
        key,
        op: Op::Count,
    }
}

pub fn read(limit: Limit, key: &str) -> Check<'_> {
    Check {
        limit,
        key,
        op: Op::Read,
    }
}

/// The most hits `key` may have in a window of `limit`.
fn allowance(ctx: &Ctx, limit: Limit, key: &str) -> i64 {
    if limit.per_address && key == NO_ADDRESS {
        limit.max * i64::from(ctx.var_u32(NO_ADDRESS_FACTOR, 1).max(1))
    } else {
        limit.max
    }
}

/// The start of the oldest window of `limit` still open: one that started
/// at or before it is over.
pub fn cutoff(ctx: &Ctx, limit: Limit) -> String {
    timestamp(ctx.now - Duration::seconds(limit.window_seconds))
}

/// The store's counter of `check`, whose window cutoff is `cutoff`.
pub fn counter<'a>(check: &Check<'a>, cutoff: &'a str) -> Counter<'a> {
    Counter {
        op: check.op,
        bucket: check.limit.bucket,
        key: check.key,
        cutoff,
    }
}

/// The start of each check's oldest open window, for [`bounded`].
pub fn cutoffs(ctx: &Ctx, checks: &[Check<'_>]) -> Vec<String> {
    checks.iter().map(|c| cutoff(ctx, c.limit)).collect()
}

/// The store's counters of `checks` with each one's allowance, for a batch
/// that counts them and makes a write only when [`verdicts`] will let the
/// caller through (`store::limits::within`).
pub fn bounded<'a>(
    ctx: &Ctx,
    checks: &'a [Check<'a>],
    cutoffs: &'a [String],
) -> Vec<(Counter<'a>, i64)> {
    checks
        .iter()
        .zip(cutoffs)
        .map(|(c, cutoff)| (counter(c, cutoff), allowance(ctx, c.limit, c.key)))
        .collect()
}

/// Refuses (429) if any of `checks` is over, given their counters' rows
/// in order (see [`verdict`]).
pub fn verdicts(ctx: &Ctx, checks: &[Check<'_>], rows: Vec<Option<Hits>>) -> Result<(), AppError> {
    checks
        .iter()
        .zip(rows)
        .try_for_each(|(check, row)| verdict(ctx, check, row))
}

/// Counts the `Count` checks and reads the others, in one round trip, and
/// refuses (429) if any is over (`verdict`).
pub async fn guard(ctx: &Ctx, checks: &[Check<'_>]) -> Result<(), AppError> {
    let now = ctx.now_text();
    let cutoffs: Vec<String> = checks.iter().map(|c| cutoff(ctx, c.limit)).collect();
    let counters: Vec<Counter<'_>> = checks
        .iter()
        .zip(&cutoffs)
        .map(|(c, cutoff)| counter(c, cutoff))
        .collect();
    let rows = store::tally(&ctx.db, &now, &counters).await?;
    checks
        .iter()
        .zip(rows)
        .try_for_each(|(check, row)| verdict(ctx, check, row))
}

/// Refuses (429) a check whose counter is over: a counted one past its
/// allowance, a read one at it (the next try would pass it, so it is not
/// even made).
pub fn verdict(ctx: &Ctx, check: &Check<'_>, row: Option<Hits>) -> Result<(), AppError> {
    let Some(row) = row else { return Ok(()) };
    let allowed = allowance(ctx, check.limit, check.key);
    let over = match check.op {
        Op::Count => row.hits > allowed,
        Op::Read => row.hits >= allowed,
    };
    if over {
        return Err(refuse(ctx, check.limit, &row.window_started));
    }
    Ok(())
}

/// Counts one hit for `key` and refuses (429) once the window's limit is
/// passed. One round trip.
pub async fn hit(ctx: &Ctx, limit: Limit, key: &str) -> Result<(), AppError> {
    guard(ctx, &[count(limit, key)]).await
}

/// Counts misses (after a lookup that found nothing), without refusing:
/// the answer is already the miss's. One round trip.
pub async fn record(ctx: &Ctx, checks: &[Check<'_>]) -> Result<(), AppError> {
    match guard(ctx, checks).await {
        Err(AppError::TooManyAttempts(_)) | Ok(()) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The 429 for `limit`, whose window started at `window_started`.
fn refuse(ctx: &Ctx, limit: Limit, window_started: &str) -> AppError {
    let started = crate::domain::time::parse_rfc3339(window_started).unwrap_or(ctx.now);
    let seconds = (started + Duration::seconds(limit.window_seconds) - ctx.now).num_seconds();
    let minutes = ((seconds + 59) / 60).max(1);
    match limit.refusal {
        None => AppError::wait_minutes(minutes),
        Some(r) => AppError::too_many(r.field, format!("{}; {}", r.message, wait_text(minutes))),
    }
}

/// "coba lagi dalam 3 jam" / "coba lagi dalam 12 menit", rounded up.
fn wait_text(minutes: i64) -> String {
    if minutes > 90 {
        format!("coba lagi dalam {} jam", (minutes + 59) / 60)
    } else {
        format!("coba lagi dalam {minutes} menit")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_address_counts_as_its_64() {
        assert_eq!(
            address_key(Some("2001:db8:1:2:aaaa::1")),
            address_key(Some("2001:db8:1:2:ffff:1:2:3"))
        );
        assert_eq!(address_key(Some("2001:db8:1:2::9")), "2001:db8:1:2::/64");
        assert_ne!(
            address_key(Some("2001:db8:1:2::1")),
            address_key(Some("2001:db8:1:3::1"))
        );
    }

    #[test]
    fn an_ipv4_address_counts_as_itself() {
        assert_eq!(address_key(Some(" 203.0.113.7 ")), "203.0.113.7");
        assert_eq!(address_key(Some("::ffff:203.0.113.7")), "203.0.113.7");
        assert_ne!(
            address_key(Some("203.0.113.7")),
            address_key(Some("203.0.113.8"))
        );
    }

    #[test]
    fn missing_loopback_and_garbage_addresses_share_one_key() {
        for reported in [
            None,
            Some(""),
            Some("127.0.0.1"),
            Some("::1"),
            Some("local"),
            Some("x"),
        ] {
            assert_eq!(address_key(reported), NO_ADDRESS, "{reported:?}");
        }
    }
}
