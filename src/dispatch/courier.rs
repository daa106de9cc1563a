//! The courier adapter: PT Pos Indonesia booked through Biteship's Orders
//! API (<https://biteship.com/id/docs/api>), `courier_company` `pos`,
//! `courier_type` [`COURIER_TYPE`]. Every call carries Biteship's
//! `Authorization: <COURIER_API_KEY>` header.
//!
//! **Create an order**: `POST {COURIER_API_BASE}/v1/orders` with Biteship's
//! flat body (`shipper_*`, `origin_contact_name/phone`, `origin_address`,
//! `destination_*`, `destination_cash_on_delivery` on the delivery leg only,
//! `courier_company`, `courier_type`, `delivery_type: "now"`, `reference_id`,
//! `order_note`, `metadata`, `items`) — see [`OrderRequest`]. A pickup goes
//! from the citizen to the office, a delivery and a return of the papers
//! from the office to the citizen. Answer: the order object (`id`,
//! `status`, `courier.waybill_id`, `reference_id`, …).
//!
//! **Find an order again** (a booking whose answer we never recorded: we
//! crashed, or the call timed out): Biteship documents no search, only
//! `GET /v1/orders/:id`, and an order id is exactly what we lack then. Every
//! order carries our `reference_id` (`pakpos-outbox-<row id>`, one per
//! outbox row), so we ask `GET {COURIER_API_BASE}/v1/orders?reference_id=<it>`
//! → `{"success": true, "orders": [<order object>…]}`. **This is the one
//! extension PT Pos / the aggregator must provide**; without it an in-doubt
//! row stays in doubt (retried, never booked blind).
//!
//! **Cancel**: `POST /v1/orders/:id/cancel` `{"cancellation_reason_code":
//! "others", "cancellation_reason"}`; Biteship cancels only before the
//! courier has picked the parcel up (`confirmed` … `picking_up`) and then
//! sends an `order.status` `cancelled` webhook.
//!
//! **Tracking** (polling for lost reports, `dispatch::recover`): `GET
//! /v1/orders/:id`, whose `courier.history` lists every status.
//!
//! **Webhooks**: `POST /webhooks/courier`, Biteship's `order.status` event
//! `{"event": "order.status", "order_id", "status", "courier_waybill_id",
//! "courier_tracking_id", "courier_company", "courier_type", "order_price",
//! "updated_at"?, …}`; the other events (`order.price`,
//! `order.waybill_id`) are acknowledged and ignored. Biteship signs nothing:
//! the only authentication it offers a receiver is a secret header set in
//! its dashboard (a header name and its value), which it sends with every
//! webhook. That is the strongest documented option and what we check:
//! header [`WEBHOOK_HEADER`] must equal `COURIER_WEBHOOK_SECRET`, compared
//! in constant time. It has no timestamp, so a captured report could be
//! sent again: each report's id is its order and status
//! (`<order_id>:<status>`), so a replay is recorded once and a status never
//! moves backwards. Biteship's webhook carries no amounts either: what was
//! collected follows from the status (`domain::courier_report`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::timed;
pub use super::twilio::Lookup;

/// PT Pos Indonesia in Biteship's courier list.
pub const COURIER_COMPANY: &str = "pos";
/// Pos Kilat Khusus, PT Pos's regular parcel service.
pub const COURIER_TYPE: &str = "kilat_khusus";
/// The header Biteship's dashboard is set to send with every webhook, its
/// value being `COURIER_WEBHOOK_SECRET`.
pub const WEBHOOK_HEADER: &str = "X-Pakpos-Courier-Secret";

#[derive(Debug, Clone)]
pub struct CourierConfig {
    pub api_base: String,
    /// Where the courier brings picked-up documents and collects finished ones.
    pub office_address: String,
    /// The office's contact phone for the courier (`OFFICE_PHONE`).
    pub office_phone: String,
    pub api_key: String,
    pub webhook_secret: String,
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

pub const OFFICE_NAME: &str = "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Wonogiri";

/// One party of an order: who hands over or receives the parcel, and where.
#[derive(Debug, Clone, Copy)]
struct Party<'a> {
    name: &'a str,
    phone: &'a str,
    address: &'a str,
}

/// The one item of every order: the papers in an envelope.
#[derive(Debug, Serialize)]
pub struct Item {
    pub name: &'static str,
    pub description: &'static str,
    pub value: u32,
    pub quantity: u32,
    /// Grams.
    pub weight: u32,
}

#[derive(Debug, Serialize)]
pub struct Metadata<'a> {
    pub registration_number: &'a str,
    pub leg: &'a str,
}

/// Biteship's create-order body.
#[derive(Debug, Serialize)]
pub struct OrderRequest<'a> {
    pub shipper_contact_name: &'static str,
    pub shipper_organization: &'static str,
    pub origin_contact_name: &'a str,
    pub origin_contact_phone: &'a str,
    pub origin_address: &'a str,
    pub destination_contact_name: &'a str,
    pub destination_contact_phone: &'a str,
    pub destination_address: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_cash_on_delivery: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_cash_on_delivery_type: Option<&'static str>,
    pub courier_company: &'static str,
    pub courier_type: &'static str,
    pub delivery_type: &'static str,
    pub reference_id: &'a str,
    pub order_note: &'static str,
    pub metadata: Metadata<'a>,
    pub items: [Item; 1],
}

impl<'a> OrderRequest<'a> {
    /// The order for `stored`, under `reference_id` (the outbox row's key).
    /// The delivery carries cash on delivery; a return of the papers only
    /// when `RETURN_COD_RUPIAH` is set (else the agency pays).
    pub fn from_stored(
        stored: &'a StoredRequest,
        reference_id: &'a str,
        config: &'a CourierConfig,
    ) -> OrderRequest<'a> {
        let citizen = Party {
            name: &stored.name,
            phone: &stored.phone,
            address: &stored.address,
        };
        let office = Party {
            name: OFFICE_NAME,
            phone: &config.office_phone,
            address: &config.office_address,
        };
        let (origin, destination, note) = match stored.leg.as_str() {
            "pickup_documents" => (
                citizen,
                office,
                "Jemput berkas persyaratan adminduk, kirim ke Disdukcapil Kab. Wonogiri",
            ),
            "return_documents" => (
                office,
                citizen,
                "Kembalikan berkas persyaratan adminduk ke pemohon",
            ),
            _ => (
                office,
                citizen,
                "Antar dokumen adminduk dari Disdukcapil Kab. Wonogiri, COD",
            ),
        };
        let cod = (stored.leg != "pickup_documents" && stored.cod_amount > 0)
            .then_some(stored.cod_amount);
        OrderRequest {
            shipper_contact_name: OFFICE_NAME,
            shipper_organization: OFFICE_NAME,
            origin_contact_name: origin.name,
            origin_contact_phone: origin.phone,
            origin_address: origin.address,
            destination_contact_name: destination.name,
            destination_contact_phone: destination.phone,
            destination_address: destination.address,
            destination_cash_on_delivery: cod,
            destination_cash_on_delivery_type: cod.map(|_| "7_days"),
            courier_company: COURIER_COMPANY,
            courier_type: COURIER_TYPE,
            delivery_type: "now",
            reference_id,
            order_note: note,
            metadata: Metadata {
                registration_number: &stored.registration_number,
                leg: &stored.leg,
            },
            items: [Item {
                name: "Berkas adminduk",
                description: "Dokumen kependudukan dalam amplop",
                value: 0,
                quantity: 1,
                weight: 200,
            }],
        }
    }
}

/// What we keep of a Biteship order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub order_id: String,
    /// The resi; Biteship may give it later (then empty here).
    pub waybill: String,
    pub status: Option<String>,
}

/// Reads a Biteship order object: `id` is required, the rest may be null.
pub fn read_order(order: &Value) -> Option<Order> {
    let text = |v: &Value| v.as_str().map(str::to_string);
    Some(Order {
        order_id: text(&order["id"]).filter(|id| !id.is_empty())?,
        waybill: text(&order["courier"]["waybill_id"]).unwrap_or_default(),
        status: text(&order["status"]),
    })
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

/// Biteship's error text: `{"success": false, "error": "…", "code": …}`.
fn error_text(status: u16, body: &str) -> String {
    let detail: Value = serde_json::from_slice(body.as_bytes()).unwrap_or_default();
    let message = detail["error"].as_str().unwrap_or("");
    format!("HTTP {status} {message}").trim().to_string()
}

/// 2xx with an order id is created; 408, 429 and 5xx retryable; other 4xx permanent.
pub fn classify(status: u16, body: &str) -> OrderOutcome {
    if (200..300).contains(&status) {
        let value: Value = serde_json::from_slice(body.as_bytes()).unwrap_or_default();
        return match read_order(&value) {
            Some(order) => OrderOutcome::Created(order),
            None => OrderOutcome::Retryable {
                error: format!("HTTP {status} without an order id"),
            },
        };
    }
    let error = error_text(status, body);
    if status == 408 || status == 429 || status >= 500 {
        OrderOutcome::Retryable { error }
    } else {
        OrderOutcome::Permanent { error }
    }
}

/// A webhook as Biteship posts it; only `order.status` is read further.
#[derive(Debug, Clone, Deserialize)]
pub struct Webhook {
    pub event: String,
    pub order_id: Option<String>,
    pub status: Option<String>,
    pub updated_at: Option<String>,
}

/// One status report of one order, from a webhook or from the tracking,
/// in Biteship's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourierEvent {
    /// `<order_id>:<status>`: the same report, however often it comes, is
    /// recorded once.
    pub event_id: String,
    pub order_id: String,
    pub status: String,
    pub occurred_at: Option<String>,
    pub note: Option<String>,
}

impl CourierEvent {
    pub fn new(order_id: &str, status: &str, occurred_at: Option<String>) -> CourierEvent {
        CourierEvent {
            event_id: format!("{order_id}:{status}"),
            order_id: order_id.to_string(),
            status: status.to_string(),
            occurred_at,
            note: None,
        }
    }
}

impl Webhook {
    /// The report an `order.status` webhook makes; `None` for the events we
    /// do not act on.
    pub fn into_event(self) -> Option<CourierEvent> {
        if self.event != "order.status" {
            return None;
        }
        Some(CourierEvent::new(
            &self.order_id?,
            &self.status?,
            self.updated_at,
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookRefusal {
    #[error("missing {WEBHOOK_HEADER}")]
    Missing,
    #[error("wrong {WEBHOOK_HEADER}")]
    Wrong,
}

/// Checks the dashboard-configured secret header, in constant time (an
/// empty secret never matches).
pub fn verify(secret: &str, given: Option<&str>) -> Result<(), WebhookRefusal> {
    use subtle::ConstantTimeEq;
    let given = given.ok_or(WebhookRefusal::Missing)?;
    let same: bool = secret.as_bytes().ct_eq(given.trim().as_bytes()).into();
    if same && !secret.is_empty() {
        Ok(())
    } else {
        Err(WebhookRefusal::Wrong)
    }
}

pub(super) fn headers(
    config: &CourierConfig,
    extra: &[(&str, &str)],
) -> Result<worker::Headers, String> {
    let headers = worker::Headers::new();
    headers
        .set("Authorization", &config.api_key)
        .and_then(|_| headers.set("Accept", "application/json"))
        .map_err(|e| format!("headers: {e}"))?;
    for (name, value) in extra {
        headers
            .set(name, value)
            .map_err(|e| format!("headers: {e}"))?;
    }
    Ok(headers)
}

/// `{COURIER_API_BASE}{path}`.
fn url(config: &CourierConfig, path: &str) -> String {
    format!("{}{path}", config.api_base.trim_end_matches('/'))
}

/// POSTs `body` as JSON to `path` within `limit`: the answer's status and
/// body, or why there was none.
async fn post_json(
    config: &CourierConfig,
    path: &str,
    body: String,
    limit: Duration,
) -> Result<timed::Answer, String> {
    let headers = headers(config, &[("Content-Type", "application/json")])?;
    let request = crate::platform::request(&url(config, path), "POST", &headers, Some(body.into()))
        .map_err(|e| format!("bad courier URL: {e}"))?;
    timed::fetch(request, limit).await
}

/// Books one courier order within `limit`. No answer is
/// [`OrderOutcome::Unknown`]: the caller finds the order by its reference
/// before it ever books again.
pub async fn create_order(
    config: &CourierConfig,
    order: &OrderRequest<'_>,
    limit: Duration,
) -> OrderOutcome {
    let body = match serde_json::to_string(order) {
        Ok(b) => b,
        Err(e) => {
            return OrderOutcome::Permanent {
                error: format!("order JSON: {e}"),
            }
        }
    };
    match post_json(config, "/v1/orders", body, limit).await {
        Ok(answer) => classify(answer.status, &answer.body),
        Err(error) => OrderOutcome::Unknown { error },
    }
}

// ------------------------------------------------------------------ cancel

/// How a cancellation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    Cancelled,
    /// Biteship refused (the courier already has the parcel, or no such
    /// order): asking again will not help.
    Refused {
        error: String,
    },
    /// No answer, or 408/429/5xx: ask again.
    Retryable {
        error: String,
    },
}

/// Reads a cancel answer.
pub fn read_cancel(status: u16, body: &str) -> CancelOutcome {
    let cancelled = serde_json::from_slice::<Value>(body.as_bytes())
        .is_ok_and(|v| v["status"] == "cancelled" || v["success"] == true);
    match status {
        200..=299 if cancelled => CancelOutcome::Cancelled,
        408 | 429 | 500.. | 200..=299 => CancelOutcome::Retryable {
            error: error_text(status, body),
        },
        _ => CancelOutcome::Refused {
            error: error_text(status, body),
        },
    }
}

/// Cancels order `order_id` (possible only before the courier picked it up).
pub async fn cancel(
    config: &CourierConfig,
    order_id: &str,
    reason: &str,
    limit: Duration,
) -> CancelOutcome {
    let Some(id) = path_safe(order_id) else {
        return CancelOutcome::Refused {
            error: "order id not usable in a URL".into(),
        };
    };
    let body = serde_json::json!({
        "cancellation_reason_code": "others",
        "cancellation_reason": reason,
    })
    .to_string();
    match post_json(config, &format!("/v1/orders/{id}/cancel"), body, limit).await {
        Ok(answer) => read_cancel(answer.status, &answer.body),
        Err(error) => CancelOutcome::Retryable { error },
    }
}

/// An order id goes into a URL path: only the characters Biteship's ids
/// are made of.
pub fn path_safe(id: &str) -> Option<&str> {
    (!id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(id)
}

// ------------------------------------------------ in-doubt recovery (issue 9)

/// The order search by our reference (the extension named in the module
/// doc): `GET {COURIER_API_BASE}/v1/orders?reference_id=<reference>`.
pub fn lookup_url(config: &CourierConfig, reference_id: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("reference_id", reference_id)
        .finish();
    url(config, &format!("/v1/orders?{query}"))
}

/// Reads the order search's answer: the order booked under `reference_id`,
/// if any. An order for another reference is not ours: a lookup error,
/// never a match.
pub fn read_lookup(status: u16, body: &str, reference_id: &str) -> Lookup<Order> {
    if status != 200 {
        return Lookup::Failed(format!("order search: HTTP {status}"));
    }
    let list: Value = serde_json::from_slice(body.as_bytes()).unwrap_or_default();
    let Some(orders) = list["orders"].as_array() else {
        return Lookup::Failed("order search: no orders list".into());
    };
    let Some(first) = orders.first() else {
        return Lookup::NotFound;
    };
    match (read_order(first), first["reference_id"].as_str()) {
        (Some(order), Some(r)) if r == reference_id => Lookup::Found(order),
        (Some(order), _) => Lookup::Failed(format!(
            "order search: {} is for another reference",
            order.order_id
        )),
        (None, _) => Lookup::Failed("order search: an order without an id".into()),
    }
}

/// Asks the courier whether an order was already booked under the reference.
pub async fn find_order(
    config: &CourierConfig,
    reference_id: &str,
    limit: Duration,
) -> Lookup<Order> {
    let headers = match headers(config, &[]) {
        Ok(h) => h,
        Err(error) => return Lookup::Failed(error),
    };
    match timed::get(&lookup_url(config, reference_id), headers, limit).await {
        Ok(answer) => read_lookup(answer.status, &answer.body, reference_id),
        Err(error) => Lookup::Failed(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CourierConfig {
        CourierConfig {
            api_base: "https://api.biteship.com/".into(),
            office_address: "Jl. Pemuda, Wonogiri".into(),
            office_phone: "0273321000".into(),
            api_key: "biteship_test.k".into(),
            webhook_secret: "rahasia".into(),
        }
    }

    fn stored(leg: &str, cod: u32) -> StoredRequest {
        StoredRequest {
            registration_number: "REG-1".into(),
            leg: leg.into(),
            fee: 10_000,
            cod_amount: cod,
            name: "Sri".into(),
            phone: "+6281234567890".into(),
            address: "Ds. Sendang".into(),
            village_code: "3312012001".into(),
        }
    }

    #[test]
    fn only_the_dashboard_secret_header_passes() {
        assert_eq!(verify("rahasia", Some("rahasia")), Ok(()));
        assert_eq!(verify("rahasia", Some(" rahasia ")), Ok(()));
        assert_eq!(verify("rahasia", None), Err(WebhookRefusal::Missing));
        for wrong in ["salah", "", "rahasia2", "Rahasia"] {
            assert_eq!(verify("rahasia", Some(wrong)), Err(WebhookRefusal::Wrong));
        }
        assert_eq!(verify("", Some("")), Err(WebhookRefusal::Wrong));
    }

    #[test]
    fn each_leg_goes_between_the_citizen_and_the_office_and_only_delivery_is_cod() {
        let c = config();
        let json = |leg: &str, cod| {
            let s = stored(leg, cod);
            serde_json::to_value(OrderRequest::from_stored(&s, "pakpos-outbox-7", &c)).unwrap()
        };
        let pickup = json("pickup_documents", 0);
        assert_eq!(pickup["origin_contact_name"], "Sri");
        assert_eq!(pickup["destination_contact_name"], OFFICE_NAME);
        assert_eq!(pickup["destination_contact_phone"], "0273321000");
        assert!(pickup.get("destination_cash_on_delivery").is_none());
        assert_eq!(pickup["courier_company"], "pos");
        assert_eq!(pickup["courier_type"], "kilat_khusus");
        assert_eq!(pickup["reference_id"], "pakpos-outbox-7");
        assert_eq!(pickup["metadata"]["registration_number"], "REG-1");
        let delivery = json("deliver_documents", 10_000);
        assert_eq!(delivery["origin_contact_name"], OFFICE_NAME);
        assert_eq!(delivery["destination_address"], "Ds. Sendang");
        assert_eq!(delivery["destination_cash_on_delivery"], 10_000);
        assert_eq!(delivery["destination_cash_on_delivery_type"], "7_days");
        // The agency pays a return unless a COD is configured for it.
        let back = json("return_documents", 0);
        assert_eq!(back["origin_address"], "Jl. Pemuda, Wonogiri");
        assert_eq!(back["destination_contact_phone"], "+6281234567890");
        assert!(back.get("destination_cash_on_delivery").is_none(), "{back}");
        let paid_back = json("return_documents", 5_000);
        assert_eq!(paid_back["destination_cash_on_delivery"], 5_000);
    }

    #[test]
    fn order_answers_are_classified() {
        let created = classify(
            200,
            r#"{"success":true,"object":"order","id":"5dd599eb","status":"confirmed",
                "courier":{"tracking_id":"t1","waybill_id":"P123","company":"pos"}}"#,
        );
        assert!(
            matches!(created, OrderOutcome::Created(Order { ref waybill, ref order_id, .. }) if waybill == "P123" && order_id == "5dd599eb")
        );
        let no_resi = classify(200, r#"{"id":"o1","courier":{"waybill_id":null}}"#);
        assert!(
            matches!(no_resi, OrderOutcome::Created(Order { ref waybill, .. }) if waybill.is_empty())
        );
        assert!(matches!(
            classify(200, "{}"),
            OrderOutcome::Retryable { .. }
        ));
        assert!(matches!(classify(503, ""), OrderOutcome::Retryable { .. }));
        assert!(
            matches!(classify(400, r#"{"success":false,"error":"Destination address is required","code":40002001}"#), OrderOutcome::Permanent { ref error } if error.contains("Destination address"))
        );
    }

    #[test]
    fn an_in_doubt_order_is_found_by_its_reference_and_only_for_it() {
        let one = r#"{"success":true,"orders":[{"id":"o1","status":"confirmed","reference_id":"pakpos-outbox-1","courier":{"waybill_id":"P1"}}]}"#;
        assert_eq!(
            read_lookup(200, one, "pakpos-outbox-1"),
            Lookup::Found(Order {
                order_id: "o1".into(),
                waybill: "P1".into(),
                status: Some("confirmed".into())
            })
        );
        assert!(matches!(
            read_lookup(200, one, "pakpos-outbox-2"),
            Lookup::Failed(_)
        ));
        assert_eq!(
            read_lookup(200, r#"{"success":true,"orders":[]}"#, "pakpos-outbox-1"),
            Lookup::NotFound
        );
        assert!(matches!(read_lookup(503, "", "x"), Lookup::Failed(_)));
        assert!(matches!(read_lookup(200, "{}", "x"), Lookup::Failed(_)));
        assert_eq!(
            lookup_url(&config(), "pakpos-outbox-1"),
            "https://api.biteship.com/v1/orders?reference_id=pakpos-outbox-1"
        );
    }

    #[test]
    fn only_order_status_webhooks_make_a_report_named_by_order_and_status() {
        let read = |raw: &str| serde_json::from_str::<Webhook>(raw).unwrap().into_event();
        let event = read(
            r#"{"event":"order.status","order_id":"o1","status":"picked","courier_waybill_id":"P1",
                "courier_company":"pos","order_price":12000,"updated_at":"2026-11-28T10:00:00+07:00"}"#,
        );
        assert_eq!(
            event,
            Some(CourierEvent {
                event_id: "o1:picked".into(),
                order_id: "o1".into(),
                status: "picked".into(),
                occurred_at: Some("2026-11-28T10:00:00+07:00".into()),
                note: None
            })
        );
        assert_eq!(
            read(r#"{"event":"order.price","order_id":"o1","price":13000}"#),
            None
        );
        assert_eq!(read(r#"{"event":"order.status","order_id":"o1"}"#), None);
    }

    #[test]
    fn a_cancel_answer_is_cancelled_refused_or_asked_again() {
        assert_eq!(
            read_cancel(200, r#"{"success":true,"id":"o1","status":"cancelled"}"#),
            CancelOutcome::Cancelled
        );
        assert!(matches!(
            read_cancel(400, r#"{"success":false,"error":"Order cannot be cancelled"}"#),
            CancelOutcome::Refused { ref error } if error.contains("cannot be cancelled")
        ));
        assert!(matches!(
            read_cancel(404, ""),
            CancelOutcome::Refused { .. }
        ));
        assert!(matches!(
            read_cancel(502, ""),
            CancelOutcome::Retryable { .. }
        ));
        assert!(matches!(
            read_cancel(200, "<html>"),
            CancelOutcome::Retryable { .. }
        ));
        assert_eq!(path_safe("o1/../x"), None);
    }
}
