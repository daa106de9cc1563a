//! The courier adapter (PT Pos Indonesia), speaking the JSON protocol below —
//! modelled on Indonesian courier APIs — and checking the signed status
//! webhooks it posts back.
//!
//! **Create an order**: `POST {COURIER_API_BASE}/v1/orders` with
//! `Authorization: Bearer <key>` and `Idempotency-Key: pakpos-outbox-<id>`
//! (a repeated key returns the first order, so a redelivered queue message
//! never books a second courier), body
//! `{"reference", "kind": "pickup_documents"|"deliver_documents",
//!   "recipient": {"name","phone","address","village_code"},
//!   "office": {"name","address"},
//!   "fee_amount", "cod_amount", "callback_url", "note"}` — `recipient` is
//! the citizen and `office` the Disdukcapil end: a pickup goes from the
//! citizen to the office, a delivery from the office to the citizen;
//! answer 201 (or 200 for a repeat) `{"order_id", "waybill", "status"}`.
//!
//! **Find an order**: `GET {COURIER_API_BASE}/v1/orders?idempotency_key=<key>`
//! (same auth) answers 200 `{"orders": [{"order_id", "waybill", "status",
//! "reference", "kind", …}]}`: how a booking whose answer we never recorded
//! (we crashed, or the call timed out) is found again before any retry.
//!
//! **Status webhook**: `POST /webhooks/courier`, JSON
//! `{"event_id", "order_id", "waybill", "reference", "kind", "status",
//!   "cod_collected"?, "fee_collected"?, "occurred_at", "note"?}` with
//! `X-Courier-Timestamp: <unix seconds>` and
//! `X-Courier-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
//! Statuses: created, picking_up, picked, in_transit, delivered, returned, failed.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::timed;
pub use super::twilio::Lookup;
use crate::domain::hex;

/// How far from our clock a webhook's timestamp may be; outside it the
/// request is refused as a possible replay.
pub const WEBHOOK_WINDOW_SECONDS: i64 = 300;

#[derive(Debug, Clone)]
pub struct CourierConfig {
    pub api_base: String,
    /// Where the courier brings picked-up documents and collects finished ones.
    pub office_address: String,
    pub api_key: String,
    pub webhook_secret: String,
    /// Our public `/webhooks/courier` URL.
    pub callback_url: Option<String>,
}

/// The courier request as stored in the outbox row's body.
#[derive(Debug, Clone, Deserialize)]
pub struct StoredRequest {
    pub registration_number: String,
    pub leg: String,
    pub fee: u32,
    pub cod_amount: u32,
    pub name: String,
    pub phone: String,
    pub address: String,
    pub village_code: String,
}

#[derive(Debug, Serialize)]
pub struct Recipient<'a> {
    pub name: &'a str,
    pub phone: &'a str,
    pub address: &'a str,
    pub village_code: &'a str,
}

/// The Disdukcapil end of every leg.
#[derive(Debug, Serialize)]
pub struct Office<'a> {
    pub name: &'static str,
    pub address: &'a str,
}

pub const OFFICE_NAME: &str = "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Wonogiri";

#[derive(Debug, Serialize)]
pub struct OrderRequest<'a> {
    pub reference: &'a str,
    pub kind: &'a str,
    pub recipient: Recipient<'a>,
    pub office: Office<'a>,
    pub fee_amount: u32,
    pub cod_amount: u32,
    pub callback_url: Option<&'a str>,
    pub note: &'static str,
}

impl<'a> OrderRequest<'a> {
    pub fn from_stored(
        stored: &'a StoredRequest,
        office_address: &'a str,
        callback_url: Option<&'a str>,
    ) -> OrderRequest<'a> {
        let note = if stored.leg == "pickup_documents" {
            "Jemput berkas persyaratan adminduk, kirim ke Disdukcapil Kab. Wonogiri"
        } else {
            "Antar dokumen adminduk dari Disdukcapil Kab. Wonogiri, COD"
        };
        OrderRequest {
            reference: &stored.registration_number,
            kind: &stored.leg,
            recipient: Recipient {
                name: &stored.name,
                phone: &stored.phone,
                address: &stored.address,
                village_code: &stored.village_code,
            },
            office: Office {
                name: OFFICE_NAME,
                address: office_address,
            },
            fee_amount: stored.fee,
            cod_amount: stored.cod_amount,
            callback_url,
            note,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Order {
    pub order_id: String,
    pub waybill: String,
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderOutcome {
    Created(Order),
    Retryable {
        error: String,
    },
    Permanent {
        error: String,
    },
    /// No answer (timeout, network): the order may exist. In doubt.
    Unknown {
        error: String,
    },
}

/// 2xx with an order id is created; 408, 429 and 5xx retryable; other 4xx permanent.
pub fn classify(status: u16, body: &str) -> OrderOutcome {
    if (200..300).contains(&status) {
        return match serde_json::from_str::<Order>(body) {
            Ok(order) => OrderOutcome::Created(order),
            Err(e) => OrderOutcome::Retryable {
                error: format!("HTTP {status} without an order: {e}"),
            },
        };
    }
    let detail: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let message = detail["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let error = format!("HTTP {status} {message}").trim().to_string();
    if status == 408 || status == 429 || status >= 500 {
        OrderOutcome::Retryable { error }
    } else {
        OrderOutcome::Permanent { error }
    }
}

/// A status report from the courier.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookEvent {
    pub event_id: String,
    pub order_id: String,
    pub waybill: Option<String>,
    pub status: String,
    pub cod_collected: Option<i64>,
    pub fee_collected: Option<i64>,
    pub occurred_at: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookRefusal {
    #[error("missing or malformed X-Courier-Timestamp")]
    BadTimestamp,
    #[error("timestamp outside the {WEBHOOK_WINDOW_SECONDS} s window")]
    OutsideWindow,
    #[error("bad signature")]
    BadSignature,
}

type HmacSha256 = Hmac<Sha256>;

pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(&mac.finalize().into_bytes()))
}

/// Checks the timestamp window, then the signature in constant time.
pub fn verify(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_unix: i64,
) -> Result<(), WebhookRefusal> {
    let timestamp = timestamp
        .map(str::trim)
        .ok_or(WebhookRefusal::BadTimestamp)?;
    let sent: i64 = timestamp
        .parse()
        .map_err(|_| WebhookRefusal::BadTimestamp)?;
    if (now_unix - sent).abs() > WEBHOOK_WINDOW_SECONDS {
        return Err(WebhookRefusal::OutsideWindow);
    }
    let given = signature
        .and_then(|s| s.trim().strip_prefix("sha256="))
        .and_then(hex::decode)
        .ok_or(WebhookRefusal::BadSignature)?;
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).map_err(|_| WebhookRefusal::BadSignature)?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given)
        .map_err(|_| WebhookRefusal::BadSignature)
}

pub(super) fn headers(
    config: &CourierConfig,
    extra: &[(&str, &str)],
) -> Result<worker::Headers, String> {
    let headers = worker::Headers::new();
    headers
        .set("Authorization", &format!("Bearer {}", config.api_key))
        .and_then(|_| headers.set("Accept", "application/json"))
        .map_err(|e| format!("headers: {e}"))?;
    for (name, value) in extra {
        headers
            .set(name, value)
            .map_err(|e| format!("headers: {e}"))?;
    }
    Ok(headers)
}

/// Books one courier order within `limit`; the idempotency key makes a
/// repeat harmless. No answer is [`OrderOutcome::Unknown`].
pub async fn create_order(
    config: &CourierConfig,
    idempotency_key: &str,
    order: &OrderRequest<'_>,
    limit: Duration,
) -> OrderOutcome {
    use worker::{Method, Request, RequestInit};
    let body = match serde_json::to_string(order) {
        Ok(b) => b,
        Err(e) => {
            return OrderOutcome::Permanent {
                error: format!("order JSON: {e}"),
            }
        }
    };
    let headers = match headers(
        config,
        &[
            ("Idempotency-Key", idempotency_key),
            ("Content-Type", "application/json"),
        ],
    ) {
        Ok(h) => h,
        Err(error) => return OrderOutcome::Retryable { error },
    };
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    let url = format!("{}/v1/orders", config.api_base.trim_end_matches('/'));
    let request = match Request::new_with_init(&url, &init) {
        Ok(r) => r,
        Err(e) => {
            return OrderOutcome::Permanent {
                error: format!("bad courier URL: {e}"),
            }
        }
    };
    match timed::fetch(request, limit).await {
        Ok(answer) => classify(answer.status, &answer.body),
        Err(error) => OrderOutcome::Unknown { error },
    }
}

// ------------------------------------------------ in-doubt recovery (issue 9)

/// The order search: `GET {COURIER_API_BASE}/v1/orders?idempotency_key=<key>`
/// answers `{"orders": [{"order_id", "waybill", "status", "reference", …}]}`,
/// the orders booked under that key (at most one).
pub fn lookup_url(config: &CourierConfig, idempotency_key: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("idempotency_key", idempotency_key)
        .finish();
    format!(
        "{}/v1/orders?{query}",
        config.api_base.trim_end_matches('/')
    )
}

#[derive(Debug, Deserialize)]
struct OrderList {
    orders: Vec<ListedOrder>,
}

#[derive(Debug, Deserialize)]
struct ListedOrder {
    order_id: String,
    waybill: String,
    status: Option<String>,
    reference: Option<String>,
}

/// Reads the order search's answer: the order booked for `reference` under
/// the key, if any. An order for another reference is not ours: a lookup
/// error, never a match.
pub fn read_lookup(status: u16, body: &str, reference: &str) -> Lookup<Order> {
    if status != 200 {
        return Lookup::Failed(format!("order search: HTTP {status}"));
    }
    let list: OrderList = match serde_json::from_str(body) {
        Ok(l) => l,
        Err(e) => return Lookup::Failed(format!("order search: {e}")),
    };
    match list.orders.into_iter().next() {
        None => Lookup::NotFound,
        Some(o) if o.reference.as_deref().is_some_and(|r| r != reference) => Lookup::Failed(
            format!("order search: {} is for another reference", o.order_id),
        ),
        Some(o) => Lookup::Found(Order {
            order_id: o.order_id,
            waybill: o.waybill,
            status: o.status,
        }),
    }
}

/// Asks the courier whether an order was already booked under the key.
pub async fn find_order(
    config: &CourierConfig,
    idempotency_key: &str,
    reference: &str,
    limit: Duration,
) -> Lookup<Order> {
    let headers = match headers(config, &[]) {
        Ok(h) => h,
        Err(error) => return Lookup::Failed(error),
    };
    match timed::get(&lookup_url(config, idempotency_key), headers, limit).await {
        Ok(answer) => read_lookup(answer.status, &answer.body, reference),
        Err(error) => Lookup::Failed(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_webhook_inside_the_window_verifies() {
        let body = br#"{"event_id":"e1","status":"delivered"}"#;
        let sig = sign("rahasia", "1764300000", body);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert_eq!(
            verify(
                "rahasia",
                Some("1764300000"),
                Some(&sig),
                body,
                1_764_300_100
            ),
            Ok(())
        );
    }

    #[test]
    fn a_forged_stale_or_unsigned_webhook_is_refused() {
        let body = br#"{"event_id":"e1","status":"delivered"}"#;
        let sig = sign("rahasia", "1764300000", body);
        let now = 1_764_300_000;
        assert_eq!(
            verify("salah", Some("1764300000"), Some(&sig), body, now),
            Err(WebhookRefusal::BadSignature)
        );
        assert_eq!(
            verify("rahasia", Some("1764300000"), Some(&sig), b"{}", now),
            Err(WebhookRefusal::BadSignature)
        );
        assert_eq!(
            verify("rahasia", Some("1764300001"), Some(&sig), body, now),
            Err(WebhookRefusal::BadSignature)
        );
        assert_eq!(
            verify("rahasia", Some("1764300000"), Some(&sig), body, now + 301),
            Err(WebhookRefusal::OutsideWindow)
        );
        assert_eq!(
            verify("rahasia", Some("1764300000"), Some(&sig), body, now - 301),
            Err(WebhookRefusal::OutsideWindow)
        );
        assert_eq!(
            verify("rahasia", None, Some(&sig), body, now),
            Err(WebhookRefusal::BadTimestamp)
        );
        assert_eq!(
            verify("rahasia", Some("kemarin"), Some(&sig), body, now),
            Err(WebhookRefusal::BadTimestamp)
        );
        assert_eq!(
            verify("rahasia", Some("1764300000"), None, body, now),
            Err(WebhookRefusal::BadSignature)
        );
        assert_eq!(
            verify("rahasia", Some("1764300000"), Some("sha256=zz"), body, now),
            Err(WebhookRefusal::BadSignature)
        );
        assert_eq!(
            verify("rahasia", Some("1764300000"), Some("sha256=ééé"), body, now),
            Err(WebhookRefusal::BadSignature)
        );
    }

    #[test]
    fn order_answers_are_classified() {
        let created = classify(
            201,
            r#"{"order_id":"ORD-1","waybill":"P123","status":"created"}"#,
        );
        assert!(
            matches!(created, OrderOutcome::Created(Order { ref waybill, .. }) if waybill == "P123")
        );
        assert!(matches!(classify(503, ""), OrderOutcome::Retryable { .. }));
        assert!(
            matches!(classify(422, r#"{"error":{"message":"recipient.address required"}}"#), OrderOutcome::Permanent { ref error } if error.contains("recipient.address"))
        );
    }

    #[test]
    fn an_in_doubt_order_is_found_by_its_key_and_only_for_its_reference() {
        let one = r#"{"orders":[{"order_id":"ORD-1","waybill":"P1","status":"created","reference":"REG-1","kind":"pickup_documents"}]}"#;
        assert_eq!(
            read_lookup(200, one, "REG-1"),
            Lookup::Found(Order {
                order_id: "ORD-1".into(),
                waybill: "P1".into(),
                status: Some("created".into())
            })
        );
        assert!(matches!(read_lookup(200, one, "REG-2"), Lookup::Failed(_)));
        assert_eq!(
            read_lookup(200, r#"{"orders":[]}"#, "REG-1"),
            Lookup::NotFound
        );
        assert!(matches!(read_lookup(503, "", "REG-1"), Lookup::Failed(_)));
        assert!(matches!(read_lookup(200, "{}", "REG-1"), Lookup::Failed(_)));
    }
}
