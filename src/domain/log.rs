//! The operator's log: one JSON line per request, per queue batch and per
//! cron run, read with `wrangler tail --format json` (README, *Operating
//! it*). A line says what happened and how long it took, never to whom: a
//! request is logged by its route pattern (never its path, query or body),
//! the caller by role, and the text of an error goes through [`redact`]
//! first, because a library's error message may quote the value it choked
//! on.

use serde::Serialize;

/// One HTTP request.
#[derive(Debug, Serialize)]
pub struct RequestLine<'a> {
    /// Always `"request"`: what an operator filters on.
    pub kind: &'static str,
    /// Cloudflare's `cf-ray` when it came with one, else our own; also the
    /// answer's `X-Request-Id`.
    pub id: &'a str,
    pub method: &'a str,
    /// The route's pattern (`/api/v1/applications/{number}`), or
    /// `"(unknown)"`: never the path itself.
    pub route: &'a str,
    pub status: u16,
    /// Wall time from the request to its answer, in milliseconds.
    pub ms: u64,
    pub d1_round_trips: u32,
    pub d1_statements: u32,
    /// The signed-in officer's role, `"partner"` for an API key, `null`
    /// for the public.
    pub role: Option<&'a str>,
    /// The answer's error code (`invalid_field`, `not_found`, …), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<&'a str>,
    /// An internal error's cause chain, redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One queue batch handed to a consumer.
#[derive(Debug, Serialize)]
pub struct QueueBatchLine<'a> {
    /// Always `"queue_batch"`.
    pub kind: &'static str,
    pub queue: &'a str,
    /// Messages in the batch, and the outbox rows this run claimed of them
    /// (a row already taken or done is acknowledged without a claim).
    pub messages: usize,
    pub claimed: usize,
    pub d1_round_trips: u32,
    /// Whether the answers were recorded (false: every message is retried).
    pub recorded: bool,
    pub ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One cron run: what each of its jobs did, or its error.
#[derive(Debug, Serialize)]
pub struct CronLine<'a, R: Serialize> {
    /// Always `"cron"`.
    pub kind: &'static str,
    /// The schedule that fired (`*/5 * * * *`).
    pub cron: &'a str,
    pub ms: u64,
    /// Outbox rows the relay put back on their queues.
    pub relayed: Outcome<u64>,
    /// Stuck messages and courier orders asked about at their provider.
    pub polled: Outcome<u64>,
    /// Rows purged and applications archived by retention.
    pub retained: Outcome<R>,
    /// Alert and "resolved" SMS written for the on-call numbers.
    pub alerted: Outcome<u64>,
    /// Parts of the nightly export written to R2.
    pub backup: Outcome<u64>,
}

/// A cron job's result, or its (redacted) error.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Outcome<T: Serialize> {
    Done(T),
    Failed { error: String },
}

impl<T: Serialize> Outcome<T> {
    pub fn of(result: Result<T, String>) -> Outcome<T> {
        match result {
            Ok(done) => Outcome::Done(done),
            Err(e) => Outcome::Failed { error: redact(&e) },
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self, Outcome::Failed { .. })
    }
}

/// Anything else worth an operator's eye: a job's step that failed, a
/// webhook ignored, a poll's finding.
#[derive(Debug, Serialize)]
pub struct EventLine<'a> {
    /// Always `"event"`.
    pub kind: &'static str,
    /// Where it happened: `recover`, `retention`, `twilio_webhook`, …
    pub source: &'a str,
    /// What happened, redacted.
    pub message: String,
}

/// The JSON line of an event: `message` redacted.
pub fn event(source: &str, message: &str) -> String {
    json(&EventLine {
        kind: "event",
        source,
        message: redact(message),
    })
}

/// The JSON line of `line` (a line that cannot be written says so, so the
/// log never silently loses one).
pub fn json<T: Serialize>(line: &T) -> String {
    serde_json::to_string(line).unwrap_or_else(|e| {
        format!(
            "{{\"kind\":\"log_error\",\"error\":\"{}\"}}",
            redact(&e.to_string())
        )
    })
}

/// The request id: Cloudflare's `cf-ray` if it looks like one (letters,
/// digits and dashes, at most 64), else 16 hex digits of `random` (asked
/// for only then).
pub fn request_id(cf_ray: Option<&str>, random: impl FnOnce() -> [u8; 8]) -> String {
    match cf_ray {
        Some(ray)
            if !ray.is_empty()
                && ray.len() <= 64
                && ray.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            ray.to_string()
        }
        _ => super::hex::encode(&random()),
    }
}

/// `text` with what could be personal data masked as `…`: anything quoted
/// (`"…"`, `'…'`, `` `…` ``: where error messages put the value they
/// refused), every number of 8 digits or more, even written in groups
/// (`0812-3456-7890`, `+62 812 3456 7890`: NIK, KK and phone numbers) but
/// a `YYYY-MM-DD` date, and
/// every word with an `@` in it (an e-mail address). Short numbers (an
/// HTTP status, an outbox id, a count) stay.
pub fn redact(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '"' | '\'' | '`') {
            // Everything up to the matching quote (or the end) is masked.
            let close = chars[i + 1..].iter().position(|&d| d == c);
            out.push(c);
            out.push('…');
            match close {
                Some(n) => {
                    out.push(c);
                    i += n + 2;
                }
                None => i = chars.len(),
            }
            continue;
        }
        if c.is_ascii_digit() || (c == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let end = number_end(&chars, i);
            let digits = chars[i..end].iter().filter(|d| d.is_ascii_digit()).count();
            if digits >= 8 && !is_iso_date(&chars[i..end]) {
                out.push('…');
            } else {
                out.extend(&chars[i..end]);
            }
            i = end;
            continue;
        }
        if !c.is_whitespace() {
            let end = chars[i..]
                .iter()
                .position(|d| d.is_whitespace() || matches!(d, '"' | '\'' | '`'))
                .map_or(chars.len(), |n| i + n);
            let word = &chars[i..end];
            if word.contains(&'@') {
                out.push_str("…@…");
                i = end;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// `YYYY-MM-DD`: a date of the log's own (a range, a day), kept. A birth
/// date only ever reaches an error quoted, and quotes are masked.
fn is_iso_date(number: &[char]) -> bool {
    number.len() == 10
        && number.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == '-',
            _ => c.is_ascii_digit(),
        })
}

/// Where the number starting at `start` ends: digits, with single
/// separators (`-`, `.`, a space) between groups of digits.
fn number_end(chars: &[char], start: usize) -> usize {
    let mut i = start + 1;
    loop {
        while chars.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
        }
        let separated = matches!(chars.get(i), Some('-' | '.' | ' '))
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if !separated {
            return i;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_in_an_error_is_masked_and_the_rest_stays() {
        let chain = "render: invalid type: string \"Sri Lestari\", expected u32: \
                     nik 3312010101200003 kk 3312-0101-0120-0003 phone +62 812 3456 7890 \
                     or 0812-3456-7890 mail sri.lestari@example.com: 'Bima' `Krajan`: \
                     HTTP 503 after 3 tries (outbox #1234)";
        let out = redact(chain);
        for personal in [
            "Sri Lestari",
            "3312010101200003",
            "3312-0101-0120-0003",
            "812 3456 7890",
            "0812-3456-7890",
            "sri.lestari",
            "example.com",
            "Bima",
            "Krajan",
        ] {
            assert!(!out.contains(personal), "{personal} in {out}");
        }
        for kept in [
            "render: invalid type: string",
            "expected u32",
            "HTTP 503 after 3 tries",
            "outbox #1234",
        ] {
            assert!(out.contains(kept), "{kept} lost from {out}");
        }
    }

    #[test]
    fn an_unclosed_quote_masks_the_rest() {
        assert_eq!(redact("bad \"Sri Lestari"), "bad \"…");
        assert_eq!(redact(""), "");
        assert_eq!(redact("12345678"), "…");
        assert_eq!(redact("1234567 on 2024-01-05"), "1234567 on 2024-01-05");
        assert_eq!(redact("20240105 or 2024-01-05-7"), "… or …");
    }

    #[test]
    fn a_cf_ray_is_the_id_and_anything_else_is_replaced() {
        let random = || [0xab; 8];
        // A valid cf-ray is the id, and no random bytes are asked for.
        assert_eq!(
            request_id(Some("8c1b2e3f4a5d6e7f-SIN"), || unreachable!(
                "random bytes asked for"
            )),
            "8c1b2e3f4a5d6e7f-SIN"
        );
        for forged in [
            Some(""),
            Some("a b"),
            Some("\"};alert(1)"),
            Some(&"a".repeat(65)[..]),
            None,
        ] {
            assert_eq!(request_id(forged, random), "abababababababab", "{forged:?}");
        }
    }
}
