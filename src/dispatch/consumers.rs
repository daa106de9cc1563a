//! The Worker side of dispatch: configuration from the environment, putting
//! rows on queues, the consumers and the relay.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use worker::{
    D1PreparedStatement, Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder, RawMessage,
};

use super::courier::{
    self, CancelOutcome, CourierConfig, Order, OrderOutcome, OrderRequest, StoredRequest,
};
use super::recover;
use super::status::{backoff_seconds, from_twilio, MessageStatus};
use super::twilio::{self, Lookup, SendOutcome, Template, TwilioConfig, WHATSAPP};
use crate::domain::courier::ShipmentStatus;
use crate::domain::courier_report::courier_status;
use crate::domain::log;
use crate::domain::messages::SmsTemplate;
use crate::platform::{now, timestamp};
use crate::store::applications::CANCEL_PICKUP;
use crate::store::dispatch::{self as store, AttemptResult, ClaimedRow, NewShipment};
use crate::store::outbox::NewOutboxRow;
use crate::store::Db;

/// How long a consumer may hold a row while calling the provider.
const DEFAULT_LEASE_SECONDS: u32 = 60;
/// How long one provider call (or one in-doubt lookup) may take; at most a
/// third of the lease, so a lookup and a send both end inside it.
const DEFAULT_PROVIDER_TIMEOUT_SECONDS: u32 = 20;
/// A row still pending this long after its step was not put on its queue.
const DEFAULT_RELAY_MIN_AGE_SECONDS: u32 = 60;
/// Longer than any backoff: a retrying row kept before due times were
/// stored (no `next_attempt_at`) and untouched this long was lost.
const RETRYING_STALE_MINUTES: i64 = 15;
const RELAY_BATCH: u32 = 100;
const DEFAULT_RETRY_BASE_SECONDS: u32 = 5;
const DEFAULT_RETRY_MAX_SECONDS: u32 = 300;

pub(super) fn env_text(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.trim().is_empty())
}

fn env_u32(env: &Env, name: &str, default: u32) -> u32 {
    env_text(env, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Gateway and courier settings: URLs from `[vars]`, credentials from Worker
/// secrets (`.dev.vars` locally). Missing credentials are treated like an
/// unreachable provider: messages retry with backoff, the log says why, and
/// once retries run out the dead-letter consumer marks them failed (visible
/// to staff, who can resend SMS once the secrets are set).
pub struct Config {
    pub twilio: Option<TwilioConfig>,
    pub courier: Option<CourierConfig>,
    pub retry_base_seconds: u32,
    pub retry_max_seconds: u32,
    pub relay_min_age_seconds: u32,
    /// `DISPATCH_LEASE_SECONDS`: how long a claim holds a row.
    pub lease_seconds: u32,
    /// `PROVIDER_TIMEOUT_SECONDS`, bounded by a third of the lease.
    pub provider_timeout: StdDuration,
    /// `TWILIO_WHATSAPP_FROM`: our WhatsApp sender, `whatsapp:+62…`.
    pub whatsapp_from: Option<String>,
    /// `TWILIO_WHATSAPP_CONTENT`: a JSON object, SMS template code → the
    /// content SID (`HX…`) of its approved WhatsApp template.
    pub whatsapp_content: Option<String>,
}

impl Config {
    pub fn from_env(env: &Env) -> Config {
        let public = env_text(env, "PUBLIC_BASE_URL").map(|u| u.trim_end_matches('/').to_string());
        let twilio = match (
            env_text(env, "TWILIO_ACCOUNT_SID"),
            env_text(env, "TWILIO_AUTH_TOKEN"),
        ) {
            (Some(account_sid), Some(auth_token)) => Some(TwilioConfig {
                api_base: env_text(env, "TWILIO_API_BASE")
                    .unwrap_or_else(|| "https://api.twilio.com".into()),
                account_sid,
                auth_token,
                from: env_text(env, "TWILIO_FROM"),
                messaging_service_sid: env_text(env, "TWILIO_MESSAGING_SERVICE_SID"),
                status_callback: public.as_ref().map(|p| format!("{p}/webhooks/sms/twilio")),
            }),
            _ => None,
        };
        let courier = match (
            env_text(env, "COURIER_API_BASE"),
            env_text(env, "COURIER_API_KEY"),
            env_text(env, "COURIER_WEBHOOK_SECRET"),
        ) {
            (Some(api_base), Some(api_key), Some(webhook_secret)) => Some(CourierConfig {
                api_base,
                office_address: env_text(env, "OFFICE_ADDRESS")
                    .unwrap_or_else(|| "Kabupaten Wonogiri, Jawa Tengah".into()),
                office_phone: env_text(env, "OFFICE_PHONE").unwrap_or_default(),
                api_key,
                webhook_secret,
            }),
            _ => None,
        };
        let lease_seconds = env_u32(env, "DISPATCH_LEASE_SECONDS", DEFAULT_LEASE_SECONDS).max(3);
        let timeout = env_u32(
            env,
            "PROVIDER_TIMEOUT_SECONDS",
            DEFAULT_PROVIDER_TIMEOUT_SECONDS,
        );
        Config {
            twilio,
            courier,
            whatsapp_from: env_text(env, "TWILIO_WHATSAPP_FROM"),
            whatsapp_content: env_text(env, "TWILIO_WHATSAPP_CONTENT"),
            lease_seconds,
            provider_timeout: StdDuration::from_secs(u64::from(provider_timeout_seconds(
                lease_seconds,
                timeout,
            ))),
            retry_base_seconds: env_u32(
                env,
                "DISPATCH_RETRY_BASE_SECONDS",
                DEFAULT_RETRY_BASE_SECONDS,
            ),
            retry_max_seconds: env_u32(
                env,
                "DISPATCH_RETRY_MAX_SECONDS",
                DEFAULT_RETRY_MAX_SECONDS,
            ),
            relay_min_age_seconds: env_u32(
                env,
                "RELAY_MIN_AGE_SECONDS",
                DEFAULT_RELAY_MIN_AGE_SECONDS,
            ),
        }
    }
}

/// The provider timeout in seconds: as configured, but at least 1 and at
/// most a third of the lease.
fn provider_timeout_seconds(lease_seconds: u32, configured: u32) -> u32 {
    configured.clamp(1, (lease_seconds / 3).max(1))
}

/// What a queue message carries: only the outbox id. The row in D1 is the
/// message; the queue only says "look at this one".
#[derive(Debug, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub outbox_id: i64,
}

/// Puts freshly committed outbox rows on their queues. A failure is logged
/// and left to the relay: the rows are safe in D1.
pub async fn enqueue(env: &Env, rows: &[NewOutboxRow]) {
    for (channel, binding) in [("sms", "SMS_QUEUE"), ("courier", "COURIER_QUEUE")] {
        let ids: Vec<OutboxMessage> = rows
            .iter()
            .filter(|r| r.outbox_channel == channel)
            .map(|r| OutboxMessage {
                outbox_id: r.outbox_id,
            })
            .collect();
        if ids.is_empty() {
            continue;
        }
        let sent = match env.queue(binding) {
            Ok(queue) => queue.send_batch(ids).await,
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            crate::platform::log_event(
                crate::platform::Level::Error,
                &format!("enqueue {channel}"),
                &format!("{e}; the relay will send these rows"),
            );
        }
    }
}

enum Handled {
    Done,
    RetryIn(u32),
}

type Outcome = Result<Handled, String>;

/// One consumer for every queue, told apart by name.
pub async fn consume(batch: MessageBatch<serde_json::Value>, env: Env) {
    let started = js_sys::Date::now();
    let queue = batch.queue();
    let messages: Vec<_> = batch.raw_iter().collect();
    let (summary, round_trips) = match env.d1("DB") {
        Ok(d1) => {
            let db = Db::new(d1);
            let config = Config::from_env(&env);
            let summary = if queue.ends_with("-dlq") {
                dead_letters(&queue, &db, &config, &messages).await
            } else {
                let channel = if queue.contains("courier") {
                    "courier"
                } else {
                    "sms"
                };
                dispatch_batch(&queue, channel, &db, &env, &config, &messages).await
            };
            (summary, db.round_trips())
        }
        Err(e) => {
            batch.retry_all();
            (Summary::failed(format!("no D1 binding: {e}")), 0)
        }
    };
    // One line per batch for the operator (and the test that holds the
    // batch to its two round trips); no personal data.
    let line = log::json(&log::QueueBatchLine {
        kind: "queue_batch",
        queue: &queue,
        messages: messages.len(),
        claimed: summary.claimed,
        d1_round_trips: round_trips,
        recorded: summary.recorded,
        ms: (js_sys::Date::now() - started).max(0.0) as u64,
        error: summary.error.as_deref().map(log::redact),
    });
    if summary.error.is_some() {
        worker::console_error!("{line}");
    } else {
        worker::console_log!("{line}");
    }
}

/// What a consumer did with a batch, for its log line.
struct Summary {
    /// Outbox rows claimed (a dead-letter batch: rows marked failed).
    claimed: usize,
    /// Whether the answers were recorded.
    recorded: bool,
    error: Option<String>,
}

impl Summary {
    fn failed(error: String) -> Summary {
        Summary {
            claimed: 0,
            recorded: false,
            error: Some(error),
        }
    }
}

/// What exhausted its retries is recorded as failed, never dropped.
async fn dead_letters(queue: &str, db: &Db, config: &Config, messages: &[RawMessage]) -> Summary {
    let work = messages.iter().map(|message| async {
        let Ok(OutboxMessage { outbox_id: id }) = serde_wasm_bindgen::from_value(message.body())
        else {
            crate::platform::log_event(
                crate::platform::Level::Error,
                &format!("consumer {queue}"),
                "message without an outbox id, acknowledged and dropped",
            );
            message.ack();
            return Ok(false);
        };
        let outcome = store::mark_exhausted(db, id, &timestamp(now()))
            .await
            .map(|_| Handled::Done)
            .map_err(|e| e.to_string());
        let marked = outcome.as_ref().map(|_| true).map_err(String::clone);
        answer(queue, config, message, id, outcome);
        marked
    });
    let results: Vec<Result<bool, String>> = crate::platform::join_all(work).await;
    let error = results.iter().find_map(|r| r.clone().err());
    Summary {
        claimed: results.iter().filter(|r| matches!(r, Ok(true))).count(),
        recorded: error.is_none(),
        error,
    }
}

/// Acknowledges or retries one queue message by how its row was handled.
fn answer(queue: &str, config: &Config, message: &RawMessage, id: i64, outcome: Outcome) {
    match outcome {
        Ok(Handled::Done) => message.ack(),
        Ok(Handled::RetryIn(seconds)) => message.retry_with_options(
            &QueueRetryOptionsBuilder::new()
                .with_delay_seconds(seconds)
                .build(),
        ),
        Err(e) => {
            crate::platform::log_event(
                crate::platform::Level::Error,
                &format!("consumer {queue}"),
                &format!("outbox #{id}: {e}"),
            );
            message.retry_with_options(
                &QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(config.retry_base_seconds)
                    .build(),
            );
        }
    }
}

/// A batch of SMS or courier queue messages in two D1 round trips, whatever
/// its size (a courier cancellation may read once more): every row claimed
/// in one batch, the provider asked for all of them at once, every answer
/// (a courier's shipment, a WhatsApp message's SMS fallback) recorded in one
/// batch. Nothing is sent twice: a row is sent only under its claim, and if
/// recording the answers fails, the claims lapse with the rows in doubt, so
/// the next attempt asks the provider before sending. A row already taken,
/// done or not yet due is left alone (a duplicate delivery, or one the
/// relay brings back when due).
async fn dispatch_batch(
    queue: &str,
    channel: &str,
    db: &Db,
    env: &Env,
    config: &Config,
    messages: &[RawMessage],
) -> Summary {
    let mut ids = Vec::with_capacity(messages.len());
    for message in messages {
        match serde_wasm_bindgen::from_value::<OutboxMessage>(message.body()) {
            Ok(m) => ids.push((m.outbox_id, message)),
            Err(_) => {
                crate::platform::log_event(
                    crate::platform::Level::Error,
                    &format!("consumer {queue}"),
                    "message without an outbox id, acknowledged and dropped",
                );
                message.ack();
            }
        }
    }
    let claim = Claim::new(config);
    let outbox_ids: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
    let claimed =
        match store::claim_all(db, &outbox_ids, channel, &claim.at, &claim.lease_until).await {
            Ok(rows) => rows,
            Err(e) => {
                for (id, message) in &ids {
                    answer(queue, config, message, *id, Err(e.to_string()));
                }
                return Summary::failed(format!("claim: {e}"));
            }
        };
    let mut attempts = Vec::new();
    for ((id, message), row) in ids.iter().zip(claimed) {
        match row {
            None => answer(queue, config, message, *id, Ok(Handled::Done)),
            Some(row) => attempts.push((*id, *message, row)),
        }
    }
    let settled = crate::platform::join_all(
        attempts
            .iter()
            .map(|(_, _, row)| settle(channel, db, config, row)),
    )
    .await;
    let mut statements = Vec::new();
    let mut handled = Vec::with_capacity(attempts.len());
    for ((_, _, row), settled) in attempts.iter().zip(settled) {
        let recorded = settled
            .and_then(|(settled, shipments)| record(db, config, row, &claim, &settled, &shipments));
        match recorded {
            Ok((mut s, h)) => {
                statements.append(&mut s);
                handled.push(Ok(h));
            }
            Err(e) => handled.push(Err(e)),
        }
    }
    let written = if statements.is_empty() {
        Ok(Vec::new())
    } else {
        store::write(db, statements)
            .await
            .map_err(|e| e.to_string())
    };
    let summary = Summary {
        claimed: attempts.len(),
        recorded: written.is_ok(),
        error: written.as_ref().err().map(|e| format!("record: {e}")),
    };
    match written {
        Ok(created) => {
            enqueue(env, &created).await;
            for ((id, message, _), h) in attempts.iter().zip(handled) {
                answer(queue, config, message, *id, h);
            }
        }
        Err(e) => {
            for (id, message, _) in &attempts {
                answer(queue, config, message, *id, Err(e.clone()));
            }
        }
    }
    summary
}

/// What the gateway says of one claimed SMS row (an opted-out number's
/// optional message is not sent at all).
async fn sms_settle(config: &Config, row: &ClaimedRow) -> Settled {
    match &config.twilio {
        _ if row.opted_out != 0 && !is_essential(&row.template) => Settled::Failed {
            error: OPTED_OUT.into(),
        },
        Some(twilio) => sms_attempt(twilio, config, row).await,
        None => Settled::Retry {
            error: "SMS gateway not configured (TWILIO_* secrets)".into(),
            retry_after: None,
            in_doubt: row.doubt_since.is_some(),
        },
    }
}

/// One claim: its time (which identifies it) and the end of its lease.
struct Claim {
    at: String,
    lease_until: String,
}

impl Claim {
    fn new(config: &Config) -> Claim {
        let at = now();
        Claim {
            at: timestamp(at),
            lease_until: timestamp(at + Duration::seconds(i64::from(config.lease_seconds))),
        }
    }
}

/// Since when a claimed row is in doubt (an earlier attempt got no recorded
/// answer), or `None` for a row that certainly never reached the provider,
/// which is sent without asking. A doubt we cannot read is a doubt since
/// ever: asking too widely is safe, skipping the question is not.
fn in_doubt_since(doubt_since: Option<&str>) -> Option<DateTime<Utc>> {
    doubt_since.map(|text| crate::domain::time::parse_rfc3339(text).unwrap_or(DateTime::UNIX_EPOCH))
}

/// How an attempt ended, in the outbox's terms.
enum Settled {
    /// The provider has it: its id and status (an order's details for a
    /// courier leg); `note` when it was found rather than sent now.
    Accepted {
        provider_id: String,
        status: MessageStatus,
        order: Option<Order>,
        note: Option<String>,
    },
    /// Try again after a backoff. `in_doubt`: no answer came, the provider
    /// may have it, so the next attempt asks first.
    Retry {
        error: String,
        retry_after: Option<u32>,
        in_doubt: bool,
    },
    Failed {
        error: String,
    },
    /// Nothing more to ask of the provider (a cancellation carried out or
    /// not needed): the row is done, `note` says how.
    Done {
        note: String,
    },
}

/// The note of a message found at the provider instead of sent again.
fn recovered_note(what: &str, id: &str, status: Option<&str>) -> String {
    format!(
        "recovered: the provider already had this {what} as {id} ({}) from an attempt whose answer was lost; not sent again",
        status.unwrap_or("status unknown")
    )
}

/// The statements recording `settled` for the claim, and what the queue
/// should do with the message.
fn finish(
    db: &Db,
    config: &Config,
    row: &ClaimedRow,
    claim: &Claim,
    settled: &Settled,
) -> Result<(Vec<D1PreparedStatement>, Handled), String> {
    let finished_at = now();
    let finished = timestamp(finished_at);
    let attempt = u32::try_from(row.attempts).unwrap_or(u32::MAX);
    let base = AttemptResult {
        id: row.id,
        claimed_at: &claim.at,
        status: MessageStatus::Failed,
        provider_id: None,
        error: None,
        note: None,
        next_attempt_at: None,
        in_doubt: false,
        now: &finished,
    };
    let (statements, handled) = match settled {
        Settled::Accepted {
            provider_id,
            status,
            note,
            ..
        } => (
            store::finish_attempt(
                db,
                &AttemptResult {
                    status: *status,
                    provider_id: Some(provider_id),
                    note: note.as_deref(),
                    ..base
                },
            ),
            Handled::Done,
        ),
        Settled::Retry {
            error,
            retry_after,
            in_doubt,
        } => {
            let seconds = backoff_seconds(
                attempt,
                config.retry_base_seconds,
                config.retry_max_seconds,
                *retry_after,
            );
            let due = timestamp(finished_at + Duration::seconds(i64::from(seconds)));
            (
                store::finish_attempt(
                    db,
                    &AttemptResult {
                        status: MessageStatus::Retrying,
                        error: Some(error),
                        next_attempt_at: Some(&due),
                        in_doubt: *in_doubt,
                        ..base
                    },
                ),
                Handled::RetryIn(seconds),
            )
        }
        Settled::Failed { error } => (
            store::finish_attempt(
                db,
                &AttemptResult {
                    error: Some(error),
                    ..base
                },
            ),
            Handled::Done,
        ),
        Settled::Done { note } => (
            store::finish_attempt(
                db,
                &AttemptResult {
                    status: MessageStatus::Delivered,
                    note: Some(note),
                    ..base
                },
            ),
            Handled::Done,
        ),
    };
    Ok((statements.map_err(|e| e.to_string())?, handled))
}

/// How one claimed row's attempt ended, with the courier's shipment to
/// record when a leg was booked.
async fn settle(
    channel: &str,
    db: &Db,
    config: &Config,
    row: &ClaimedRow,
) -> Result<(Settled, Vec<NewShipmentOwned>), String> {
    if channel == "courier" {
        courier_settle(db, config, row).await
    } else {
        Ok((sms_settle(config, row).await, Vec::new()))
    }
}

/// The statements recording how a claimed row's attempt ended: its result,
/// the courier's shipments, and a WhatsApp message's SMS fallback when it
/// cannot reach the person on WhatsApp.
fn record(
    db: &Db,
    config: &Config,
    row: &ClaimedRow,
    claim: &Claim,
    settled: &Settled,
    shipments: &[NewShipmentOwned],
) -> Result<(Vec<D1PreparedStatement>, Handled), String> {
    let (mut statements, handled) = finish(db, config, row, claim, settled)?;
    for s in shipments {
        statements.push(store::insert_shipment(db, &s.borrowed()).map_err(|e| e.to_string())?);
    }
    if matches!(settled, Settled::Failed { error } if row.recipient.starts_with(WHATSAPP)
        && (error == NO_WHATSAPP_TEMPLATE || twilio::whatsapp_falls_back(error)))
    {
        statements
            .push(store::sms_fallback(db, row.id, None, &claim.at).map_err(|e| e.to_string())?);
    }
    Ok((statements, handled))
}

/// Why a WhatsApp message went by SMS without trying WhatsApp, as staff
/// read it with the message.
pub const NO_WHATSAPP_TEMPLATE: &str =
    "WhatsApp: belum ada template yang disetujui untuk pesan ini; dikirim lewat SMS";

/// The content SID of `template`'s approved WhatsApp template, if both it
/// and the WhatsApp sender are configured.
fn content_sid(config: &Config, template: &str) -> Option<String> {
    config.whatsapp_from.as_ref()?;
    let content: serde_json::Value =
        serde_json::from_str(config.whatsapp_content.as_deref()?).ok()?;
    Some(content.get(template)?.as_str()?.to_string())
}

/// Why an optional message was not sent, as staff read it with the message.
pub const OPTED_OUT: &str =
    "tidak dikirim: pemohon mengirim BERHENTI (hanya SMS penting yang dikirim)";

/// Whether a template goes to a number that opted out; a template this
/// crate no longer knows (an old row) goes, as the safe side.
fn is_essential(template: &str) -> bool {
    SmsTemplate::parse(template).is_none_or(SmsTemplate::is_essential)
}

/// Asks the gateway first if the row is in doubt; sends only if it has
/// nothing. A `whatsapp:` row goes with its template's content SID; without
/// one it fails at once (and falls back to SMS).
async fn sms_attempt(twilio: &TwilioConfig, config: &Config, row: &ClaimedRow) -> Settled {
    let limit = config.provider_timeout;
    let content = match row.recipient.starts_with(WHATSAPP) {
        true => match content_sid(config, &row.template) {
            None => {
                return Settled::Failed {
                    error: NO_WHATSAPP_TEMPLATE.into(),
                }
            }
            sid => sid,
        },
        false => None,
    };
    let template = content.as_deref().map(|content_sid| Template {
        from: config.whatsapp_from.as_deref().unwrap_or_default(),
        content_sid,
    });
    if let Some(since) = in_doubt_since(row.doubt_since.as_deref()) {
        match twilio::find_sent(twilio, &row.recipient, &row.body, since, limit).await {
            Lookup::Found(m) => {
                return Settled::Accepted {
                    status: from_twilio(&m.status).unwrap_or(MessageStatus::Accepted),
                    note: Some(recovered_note("SMS", &m.sid, Some(&m.status))),
                    provider_id: m.sid,
                    order: None,
                }
            }
            Lookup::Failed(error) => {
                return Settled::Retry {
                    error: format!("in doubt, not sent: {error}"),
                    retry_after: None,
                    in_doubt: true,
                }
            }
            Lookup::NotFound => {}
        }
    }
    match twilio::send(twilio, &row.recipient, &row.body, template.as_ref(), limit).await {
        SendOutcome::Accepted { sid, .. } => Settled::Accepted {
            provider_id: sid,
            status: MessageStatus::Accepted,
            order: None,
            note: None,
        },
        SendOutcome::Retryable { error, retry_after } => Settled::Retry {
            error,
            retry_after,
            in_doubt: false,
        },
        SendOutcome::Unknown { error } => Settled::Retry {
            error,
            retry_after: None,
            in_doubt: true,
        },
        SendOutcome::Permanent { error } => Settled::Failed { error },
    }
}

/// A shipment to record with an accepted courier leg.
struct NewShipmentOwned {
    outbox_id: i64,
    registration_number: String,
    leg: String,
    order: Order,
    cod_amount: i64,
    fee_amount: i64,
    now: String,
}

impl NewShipmentOwned {
    fn borrowed(&self) -> NewShipment<'_> {
        NewShipment {
            outbox_id: self.outbox_id,
            registration_number: &self.registration_number,
            leg: &self.leg,
            order_id: &self.order.order_id,
            waybill: &self.order.waybill,
            cod_amount: self.cod_amount,
            fee_amount: self.fee_amount,
            now: &self.now,
        }
    }
}

/// A courier row: its cancellation, or its booking (asked about first when
/// in doubt).
async fn courier_settle(
    db: &Db,
    config: &Config,
    row: &ClaimedRow,
) -> Result<(Settled, Vec<NewShipmentOwned>), String> {
    if row.template == CANCEL_PICKUP {
        return Ok((cancel_pickup(db, config, row).await, Vec::new()));
    }
    let stored: StoredRequest =
        serde_json::from_slice(row.body.as_bytes()).map_err(|e| format!("courier body: {e}"))?;
    let settled = match &config.courier {
        Some(c) => courier_attempt(c, config.provider_timeout, row, &stored).await,
        None => Settled::Retry {
            error: "courier not configured (COURIER_* settings)".into(),
            retry_after: None,
            in_doubt: row.doubt_since.is_some(),
        },
    };
    let shipments = match &settled {
        Settled::Accepted {
            order: Some(order), ..
        } => vec![NewShipmentOwned {
            outbox_id: row.id,
            registration_number: row
                .registration_number
                .clone()
                .unwrap_or_else(|| stored.registration_number.clone()),
            leg: stored.leg.clone(),
            order: order.clone(),
            cod_amount: i64::from(stored.cod_amount),
            fee_amount: i64::from(stored.fee),
            now: timestamp(now()),
        }],
        _ => Vec::new(),
    };
    Ok((settled, shipments))
}

/// Looks the order up by its reference (one per outbox row) first if the
/// row is in doubt; books only if the courier has none.
async fn courier_attempt(
    c: &CourierConfig,
    limit: StdDuration,
    row: &ClaimedRow,
    stored: &StoredRequest,
) -> Settled {
    let key = format!("pakpos-outbox-{}", row.id);
    if in_doubt_since(row.doubt_since.as_deref()).is_some() {
        match courier::find_order(c, &key, limit).await {
            Lookup::Found(order) => {
                return Settled::Accepted {
                    provider_id: order.order_id.clone(),
                    status: MessageStatus::Accepted,
                    note: Some(recovered_note(
                        "courier order",
                        &order.order_id,
                        order.status.as_deref(),
                    )),
                    order: Some(order),
                }
            }
            Lookup::Failed(error) => {
                return Settled::Retry {
                    error: format!("in doubt, not booked: {error}"),
                    retry_after: None,
                    in_doubt: true,
                }
            }
            Lookup::NotFound => {}
        }
    }
    let order = OrderRequest::from_stored(stored, &key, c);
    let outcome = courier::create_order(c, &order, limit).await;
    match outcome {
        OrderOutcome::Created(order) => Settled::Accepted {
            provider_id: order.order_id.clone(),
            status: MessageStatus::Accepted,
            order: Some(order),
            note: None,
        },
        OrderOutcome::Retryable { error } => Settled::Retry {
            error,
            retry_after: None,
            in_doubt: false,
        },
        OrderOutcome::Unknown { error } => Settled::Retry {
            error,
            retry_after: None,
            in_doubt: true,
        },
        OrderOutcome::Permanent { error } => Settled::Failed { error },
    }
}

fn retry(error: impl Into<String>) -> Settled {
    Settled::Retry {
        error: error.into(),
        retry_after: None,
        in_doubt: false,
    }
}

fn done(note: &str) -> Settled {
    Settled::Done { note: note.into() }
}

/// Cancels the pickup order of an application cancelled before its papers
/// reached the agency. A pickup not yet booked is stopped; one being booked
/// is waited for (retry); a booked one is cancelled with the courier, which
/// only works before it picked the papers up. When the courier already has
/// them (or refuses and its tracking says so), the papers will reach the
/// agency and wait at the counter: the application says so, nothing is lost.
/// A repeat after a lost answer finds the order cancelled and stops.
async fn cancel_pickup(db: &Db, config: &Config, row: &ClaimedRow) -> Settled {
    let Some(number) = row.registration_number.as_deref() else {
        return Settled::Failed {
            error: "cancellation without an application".into(),
        };
    };
    let pickup = match store::pickup_order(db, number).await {
        Ok(Some(p)) => p,
        Ok(None) => return done("no pickup was ever ordered"),
        Err(e) => return retry(e.to_string()),
    };
    let now = timestamp(now());
    let Some(order_id) = pickup.order_id.as_deref() else {
        return match pickup.outbox_status {
            MessageStatus::Pending | MessageStatus::Retrying => {
                let why = "cancelled before it reached the courier: the application was cancelled";
                match store::stop_unsent(db, pickup.outbox_id, why, &now).await {
                    Ok(true) => done("the pickup never reached the courier; stopped"),
                    Ok(false) => retry("the pickup was taken for booking meanwhile; asking again"),
                    Err(e) => retry(e.to_string()),
                }
            }
            MessageStatus::Failed => done("the pickup was never booked"),
            _ => retry("the pickup is being booked; cancelling once the courier answered"),
        };
    };
    let Some(courier) = &config.courier else {
        return retry("courier not configured (COURIER_* settings)");
    };
    let has_papers = |s: ShipmentStatus| {
        s != ShipmentStatus::Cancelled && s.rank() >= ShipmentStatus::Picked.rank()
    };
    match pickup.shipment_status {
        Some(ShipmentStatus::Cancelled) => return done("the pickup order was already cancelled"),
        Some(s) if has_papers(s) => return papers_on_the_way(db, number, &now).await,
        _ => {}
    }
    let reason = "Permohonan dibatalkan sebelum berkas dijemput";
    match courier::cancel(courier, order_id, reason, config.provider_timeout).await {
        CancelOutcome::Cancelled => done("pickup order cancelled with the courier"),
        CancelOutcome::Retryable { error } => retry(error),
        // Refused: already picked up, or already cancelled by an attempt
        // whose answer was lost. The courier's tracking says which.
        CancelOutcome::Refused { error } => {
            match recover::fetch_tracking(courier, order_id).await {
                Ok(t) => match courier_status(&t.status) {
                    Ok(Some(ShipmentStatus::Cancelled)) => {
                        done("the pickup order was already cancelled")
                    }
                    Ok(Some(s)) if has_papers(s) => papers_on_the_way(db, number, &now).await,
                    _ => Settled::Failed {
                        error: format!(
                            "cancellation refused ({error}); courier status {}",
                            t.status
                        ),
                    },
                },
                Err(e) => retry(format!("cancellation refused ({error}); tracking: {e}")),
            }
        }
    }
}

async fn papers_on_the_way(db: &Db, number: &str, now: &str) -> Settled {
    match store::papers_wait_at_counter(db, number, now).await {
        Ok(()) => done("the courier already had the papers: they wait at the Loket Pengambilan"),
        Err(e) => retry(e.to_string()),
    }
}

/// `RETURN_COD_RUPIAH`: what the citizen pays the courier for their papers'
/// return by post; 0 (the default) means the agency pays.
pub fn return_cod(env: &Env) -> u32 {
    env_u32(env, "RETURN_COD_RUPIAH", 0)
}

/// The cron relay: re-enqueues what the queues may have lost.
pub async fn relay(env: &Env) -> Result<u64, String> {
    let d1 = env.d1("DB").map_err(|e| format!("no D1 binding: {e}"))?;
    let db = Db::new(d1);
    let config = Config::from_env(env);
    let at = now();
    let rows = store::relay_candidates(
        &db,
        &timestamp(at),
        &timestamp(at - Duration::seconds(i64::from(config.relay_min_age_seconds))),
        &timestamp(at - Duration::minutes(RETRYING_STALE_MINUTES)),
        RELAY_BATCH,
    )
    .await
    .map_err(|e| e.to_string())?;
    let rows: Vec<NewOutboxRow> = rows
        .into_iter()
        .map(|r| NewOutboxRow {
            outbox_id: r.id,
            outbox_channel: r.channel,
        })
        .collect();
    enqueue(env, &rows).await;
    Ok(rows.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_row_with_an_unanswered_attempt_is_in_doubt() {
        assert_eq!(in_doubt_since(None), None);
        assert_eq!(
            in_doubt_since(Some("2026-12-02T00:15:55.700Z")).map(|t| t.timestamp()),
            Some(1_796_170_555)
        );
        // Unreadable: ask about everything rather than send blindly.
        assert_eq!(in_doubt_since(Some("garbage")), Some(DateTime::UNIX_EPOCH));
    }

    #[test]
    fn a_provider_call_ends_well_inside_the_lease() {
        assert_eq!(provider_timeout_seconds(60, 20), 20);
        assert_eq!(provider_timeout_seconds(60, 75), 20);
        assert_eq!(provider_timeout_seconds(9, 20), 3);
        assert_eq!(provider_timeout_seconds(3, 0), 1);
    }
}
