//! Asking the providers about reports that never came. A Twilio status
//! callback or a courier report that arrives while the Worker is down is
//! lost: the message stays `accepted`/`sent` and the fee `expected` though
//! the courier collected it. So the cron polls, for rows stuck past a
//! threshold, Twilio's Message resource
//! (`GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`, Basic auth)
//! and the courier's tracking
//! (Biteship's Retrieve Order, `GET {COURIER_API_BASE}/v1/orders/{order_id}`:
//! the order with `courier.history`, every status it went through), and
//! `app::recover` records the answers exactly as the reports would have been.
//!
//! The protocol pieces and the poll schedule are pure functions, tested
//! natively; only [`fetch_message`] and [`fetch_tracking`] touch the network,
//! each bounded by [`CALL_LIMIT`] through `dispatch::timed`.

use serde::Deserialize;
use worker::Env;

use std::time::Duration;

use super::courier::{self, path_safe, CourierConfig, CourierEvent};
use super::status::{from_twilio, MessageStatus};
use super::timed;
use super::twilio::{self, TwilioConfig};

/// A row is stuck once untouched this long (`POLL_AFTER_SECONDS`): well past
/// the minutes a provider takes to report.
const DEFAULT_POLL_AFTER_SECONDS: u32 = 30 * 60;
/// Rows of each kind asked about per cron run (`POLL_BATCH`).
const DEFAULT_POLL_BATCH: u32 = 20;
/// The wait between polls of one row doubles up to this.
const MAX_POLL_WAIT_SECONDS: u64 = 24 * 60 * 60;
/// After this many polls a row is left alone (its last answer stays on
/// record): about a week of asking at the default threshold.
pub const MAX_POLLS: u32 = 12;
/// Longest one provider call may take: a slow provider delays the poll of
/// one row, never the cron.
pub const CALL_LIMIT: Duration = Duration::from_secs(10);

/// When to poll and how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollConfig {
    pub after_seconds: u32,
    pub batch: u32,
}

impl PollConfig {
    pub fn from_env(env: &Env) -> PollConfig {
        let var = |name: &str, default: u32| {
            env.var(name)
                .ok()
                .and_then(|v| v.to_string().trim().parse().ok())
                .unwrap_or(default)
        };
        PollConfig {
            after_seconds: var("POLL_AFTER_SECONDS", DEFAULT_POLL_AFTER_SECONDS),
            batch: var("POLL_BATCH", DEFAULT_POLL_BATCH).clamp(1, 100),
        }
    }
}

/// Seconds until the next poll of a row polled `polls` times (this one
/// included): the threshold, doubling per poll, at most a day — so a row is
/// never asked about every minute, and a provider that keeps saying
/// "queued" is asked ever less often.
pub fn next_poll_wait_seconds(polls: u32, after_seconds: u32) -> u64 {
    let doubled = u64::from(after_seconds).saturating_mul(1u64 << polls.saturating_sub(1).min(20));
    doubled.min(MAX_POLL_WAIT_SECONDS)
}

pub fn message_url(config: &TwilioConfig, sid: &str) -> Option<String> {
    Some(format!(
        "{}/2010-04-01/Accounts/{}/Messages/{}.json",
        config.api_base.trim_end_matches('/'),
        config.account_sid,
        path_safe(sid)?
    ))
}

pub fn tracking_url(config: &CourierConfig, order_id: &str) -> Option<String> {
    Some(format!(
        "{}/v1/orders/{}",
        config.api_base.trim_end_matches('/'),
        path_safe(order_id)?
    ))
}

/// What Twilio's Message resource says of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAnswer {
    /// Twilio's status as given.
    pub reported: String,
    /// Ours, if the status is one we know.
    pub status: Option<MessageStatus>,
    /// As a status callback's `ErrorCode` would give it.
    pub detail: Option<String>,
}

#[derive(Deserialize)]
struct MessageResource {
    status: String,
    error_code: Option<serde_json::Value>,
}

/// Reads a Message resource answer; anything but a 2xx with a `status` is
/// an error to be asked again later.
pub fn parse_message(http_status: u16, body: &str) -> Result<MessageAnswer, String> {
    if !(200..300).contains(&http_status) {
        return Err(format!("HTTP {http_status}"));
    }
    let resource: MessageResource =
        serde_json::from_slice(body.as_bytes()).map_err(|e| format!("message resource: {e}"))?;
    let code = match resource.error_code {
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    };
    Ok(MessageAnswer {
        status: from_twilio(&resource.status),
        detail: code.map(|c| format!("Twilio error {c}")),
        reported: resource.status,
    })
}

/// What the courier's tracking says of one order: Biteship's status now
/// and a report for each status of its history, oldest first, each as the
/// webhook would have carried it.
#[derive(Debug, Clone)]
pub struct TrackingAnswer {
    pub status: String,
    pub events: Vec<CourierEvent>,
}

/// Reads a Retrieve Order answer for `order_id`: the order object, whose
/// `courier.history` holds `{status, note, updated_at}` per step. Entries
/// without a status are left out, never recorded.
pub fn parse_tracking(
    http_status: u16,
    body: &str,
    order_id: &str,
) -> Result<TrackingAnswer, String> {
    if !(200..300).contains(&http_status) {
        return Err(format!("HTTP {http_status}"));
    }
    let order: serde_json::Value =
        serde_json::from_slice(body.as_bytes()).map_err(|e| format!("order: {e}"))?;
    if order["id"] != order_id {
        return Err(format!("order answered for order {}", order["id"]));
    }
    let status = order["status"]
        .as_str()
        .ok_or("order without a status")?
        .to_string();
    let events: Vec<CourierEvent> = order["courier"]["history"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|step| {
            let text = |k: &str| step[k].as_str().map(str::to_string);
            let mut event =
                CourierEvent::new(order_id, step["status"].as_str()?, text("updated_at"));
            event.note = text("note");
            Some(event)
        })
        .collect();
    // Oldest first, whatever order the courier lists them in (its order
    // kept for equal or unreadable times: the position breaks ties).
    let mut keyed: Vec<_> = events
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let at = e
                .occurred_at
                .as_deref()
                .and_then(crate::domain::time::parse_rfc3339);
            (at, i, e)
        })
        .collect();
    keyed.sort_unstable_by_key(|(at, i, _)| (*at, *i));
    let events = keyed.into_iter().map(|(_, _, e)| e).collect();
    Ok(TrackingAnswer { status, events })
}

/// Asks Twilio for one message's status.
pub async fn fetch_message(config: &TwilioConfig, sid: &str) -> Result<MessageAnswer, String> {
    let url = message_url(config, sid).ok_or("message sid not usable in a URL")?;
    let answer = timed::get(&url, twilio::headers(config, &[])?, CALL_LIMIT).await?;
    parse_message(answer.status, &answer.body)
}

/// Asks the courier for one order's tracking.
pub async fn fetch_tracking(
    config: &CourierConfig,
    order_id: &str,
) -> Result<TrackingAnswer, String> {
    let url = tracking_url(config, order_id).ok_or("order id not usable in a URL")?;
    let answer = timed::get(&url, courier::headers(config, &[])?, CALL_LIMIT).await?;
    parse_tracking(answer.status, &answer.body, order_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_between_polls_doubles_from_the_threshold_up_to_a_day() {
        assert_eq!(next_poll_wait_seconds(1, 1800), 1800);
        assert_eq!(next_poll_wait_seconds(2, 1800), 3600);
        assert_eq!(next_poll_wait_seconds(4, 1800), 14_400);
        assert_eq!(next_poll_wait_seconds(7, 1800), MAX_POLL_WAIT_SECONDS);
        assert_eq!(next_poll_wait_seconds(99, u32::MAX), MAX_POLL_WAIT_SECONDS);
        assert_eq!(
            next_poll_wait_seconds(0, 60),
            60,
            "the first poll waits the threshold"
        );
        assert_eq!(
            next_poll_wait_seconds(3, 1),
            4,
            "a test threshold stays small"
        );
    }

    #[test]
    fn provider_ids_go_into_urls_only_when_safe() {
        let twilio = TwilioConfig {
            api_base: "https://api.twilio.com/".into(),
            account_sid: "AC1".into(),
            auth_token: "t".into(),
            from: None,
            messaging_service_sid: None,
            status_callback: None,
        };
        assert_eq!(
            message_url(&twilio, "SM0123abc").as_deref(),
            Some("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/SM0123abc.json")
        );
        assert_eq!(message_url(&twilio, "SM1/../../x"), None);
        assert_eq!(message_url(&twilio, ""), None);
        let courier = CourierConfig {
            api_base: "http://127.0.0.1:8790".into(),
            office_address: String::new(),
            office_phone: String::new(),
            api_key: "k".into(),
            webhook_secret: "s".into(),
        };
        assert_eq!(
            tracking_url(&courier, "ORD-1a2b").as_deref(),
            Some("http://127.0.0.1:8790/v1/orders/ORD-1a2b")
        );
        assert_eq!(tracking_url(&courier, "ORD-1?x=1"), None);
    }

    #[test]
    fn a_message_resource_gives_its_status_and_error_code() {
        let delivered = parse_message(
            200,
            r#"{"sid":"SM1","status":"delivered","error_code":null}"#,
        );
        assert_eq!(
            delivered,
            Ok(MessageAnswer {
                reported: "delivered".into(),
                status: Some(MessageStatus::Delivered),
                detail: None
            })
        );
        let undelivered = parse_message(
            200,
            r#"{"sid":"SM1","status":"undelivered","error_code":30003}"#,
        );
        assert_eq!(
            undelivered.map(|a| (a.status, a.detail)),
            Ok((
                Some(MessageStatus::Undelivered),
                Some("Twilio error 30003".into())
            ))
        );
        assert_eq!(
            parse_message(200, r#"{"status":"receiving"}"#).map(|a| a.status),
            Ok(None),
            "a status we do not know applies nothing"
        );
        assert!(parse_message(404, r#"{"code":20404}"#).is_err());
        assert!(parse_message(200, "<html>").is_err());
    }

    #[test]
    fn a_tracking_answer_gives_the_orders_history_oldest_first() {
        let body = r#"{"success":true,"object":"order","id":"o1","status":"picked",
            "courier":{"waybill_id":"P1","history":[
              {"service_type":"kilat_khusus","status":"picked","note":"Dokumen sudah dijemput",
               "updated_at":"2026-12-01T17:05:00+07:00"},
              {"status":"allocated","note":"Kurir dialokasikan","updated_at":"2026-12-01T10:00:00Z"},
              {"note":"no status"}
            ]}}"#;
        let answer = parse_tracking(200, body, "o1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(answer.status, "picked");
        let ids: Vec<&str> = answer.events.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(
            ids,
            ["o1:allocated", "o1:picked"],
            "a step without a status is left out"
        );
        assert_eq!(
            answer.events[1].note.as_deref(),
            Some("Dokumen sudah dijemput")
        );
        assert!(
            parse_tracking(200, body, "o2").is_err(),
            "an answer for another order"
        );
        assert!(parse_tracking(404, "", "o1").is_err());
        let bare = parse_tracking(200, r#"{"id":"o1","status":"confirmed"}"#, "o1");
        assert!(bare.is_ok_and(|a| a.events.is_empty()));
    }
}
