//! The Worker side of dispatch: configuration from the environment, putting
//! rows on queues, the consumers and the relay.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use worker::{Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

use super::courier::{self, CourierConfig, OrderOutcome, OrderRequest, StoredRequest};
use super::status::{backoff_seconds, MessageStatus};
use super::twilio::{self, SendOutcome, TwilioConfig};
use crate::platform::{now, timestamp};
use crate::store::dispatch::{self as store, AttemptResult, NewShipment};
use crate::store::outbox::NewOutboxRow;
use crate::store::Db;

/// How long a consumer may hold a row while calling the provider.
const LEASE_SECONDS: i64 = 60;
/// A row still pending this long after its step was not put on its queue.
const DEFAULT_RELAY_MIN_AGE_SECONDS: u32 = 60;
/// Longer than any backoff: a retrying row untouched this long was lost.
const RETRYING_STALE_MINUTES: i64 = 15;
const RELAY_BATCH: u32 = 100;
const DEFAULT_RETRY_BASE_SECONDS: u32 = 5;
const DEFAULT_RETRY_MAX_SECONDS: u32 = 300;

fn env_text(env: &Env, name: &str) -> Option<String> {
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
                api_key,
                webhook_secret,
                callback_url: public.as_ref().map(|p| format!("{p}/webhooks/courier")),
            }),
            _ => None,
        };
        Config {
            twilio,
            courier,
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
            worker::console_error!("enqueue {channel}: {e}; the relay will send these rows");
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
    let queue = batch.queue();
    let db = match env.d1("DB") {
        Ok(d1) => Db::new(d1),
        Err(e) => {
            worker::console_error!("consumer {queue}: no D1 binding: {e}");
            batch.retry_all();
            return;
        }
    };
    let config = Config::from_env(&env);
    let messages: Vec<_> = batch.raw_iter().collect();
    let work = messages.iter().map(|message| async {
        let Ok(OutboxMessage { outbox_id: id }) = serde_wasm_bindgen::from_value(message.body())
        else {
            worker::console_error!(
                "consumer {queue}: message without an outbox id, acknowledged and dropped"
            );
            message.ack();
            return;
        };
        let outcome = if queue.ends_with("-dlq") {
            store::mark_exhausted(&db, id, &timestamp(now()))
                .await
                .map(|_| Handled::Done)
                .map_err(|e| e.to_string())
        } else if queue.contains("courier") {
            book_courier(&db, &config, id).await
        } else {
            send_sms(&db, &config, id).await
        };
        match outcome {
            Ok(Handled::Done) => message.ack(),
            Ok(Handled::RetryIn(seconds)) => message.retry_with_options(
                &QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(seconds)
                    .build(),
            ),
            Err(e) => {
                worker::console_error!("consumer {queue}: outbox #{id}: {e}");
                message.retry_with_options(
                    &QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(config.retry_base_seconds)
                        .build(),
                );
            }
        }
    });
    futures_util::future::join_all(work).await;
}

fn lease() -> (String, String) {
    let at = now();
    (
        timestamp(at),
        timestamp(at + Duration::seconds(LEASE_SECONDS)),
    )
}

async fn send_sms(db: &Db, config: &Config, id: i64) -> Outcome {
    let (now_text, lease_until) = lease();
    let Some(row) = store::claim(db, id, "sms", &now_text, &lease_until)
        .await
        .map_err(|e| e.to_string())?
    else {
        // Already sent, being sent, or final: a redelivery does nothing.
        return Ok(Handled::Done);
    };
    let outcome = match &config.twilio {
        Some(twilio) => twilio::send(twilio, &row.recipient, &row.body).await,
        None => SendOutcome::Retryable {
            error: "SMS gateway not configured (TWILIO_* secrets)".into(),
            retry_after: None,
        },
    };
    let attempt = u32::try_from(row.attempts).unwrap_or(u32::MAX);
    let finished = timestamp(now());
    let (result, handled) = match &outcome {
        SendOutcome::Accepted { sid, .. } => (
            AttemptResult {
                id,
                status: MessageStatus::Accepted,
                provider_id: Some(sid),
                error: None,
                now: &finished,
            },
            Handled::Done,
        ),
        SendOutcome::Retryable { error, retry_after } => (
            AttemptResult {
                id,
                status: MessageStatus::Retrying,
                provider_id: None,
                error: Some(error),
                now: &finished,
            },
            Handled::RetryIn(backoff_seconds(
                attempt,
                config.retry_base_seconds,
                config.retry_max_seconds,
                *retry_after,
            )),
        ),
        SendOutcome::Permanent { error } => (
            AttemptResult {
                id,
                status: MessageStatus::Failed,
                provider_id: None,
                error: Some(error),
                now: &finished,
            },
            Handled::Done,
        ),
    };
    let statements = store::finish_attempt(db, &result).map_err(|e| e.to_string())?;
    store::write(db, statements)
        .await
        .map_err(|e| e.to_string())?;
    Ok(handled)
}

async fn book_courier(db: &Db, config: &Config, id: i64) -> Outcome {
    let (now_text, lease_until) = lease();
    let Some(row) = store::claim(db, id, "courier", &now_text, &lease_until)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(Handled::Done);
    };
    let stored: StoredRequest =
        serde_json::from_str(&row.body).map_err(|e| format!("courier body: {e}"))?;
    let outcome = match &config.courier {
        Some(c) => {
            let order =
                OrderRequest::from_stored(&stored, &c.office_address, c.callback_url.as_deref());
            courier::create_order(c, &format!("pakpos-outbox-{id}"), &order).await
        }
        None => OrderOutcome::Retryable {
            error: "courier not configured (COURIER_* settings)".into(),
        },
    };
    let attempt = u32::try_from(row.attempts).unwrap_or(u32::MAX);
    let finished = timestamp(now());
    let mut statements = Vec::new();
    let handled = match &outcome {
        OrderOutcome::Created(order) => {
            statements.extend(
                store::finish_attempt(
                    db,
                    &AttemptResult {
                        id,
                        status: MessageStatus::Accepted,
                        provider_id: Some(&order.order_id),
                        error: None,
                        now: &finished,
                    },
                )
                .map_err(|e| e.to_string())?,
            );
            statements.push(
                store::insert_shipment(
                    db,
                    &NewShipment {
                        outbox_id: id,
                        registration_number: row
                            .registration_number
                            .as_deref()
                            .unwrap_or(&stored.registration_number),
                        leg: &stored.leg,
                        order_id: &order.order_id,
                        waybill: &order.waybill,
                        cod_amount: i64::from(stored.cod_amount),
                        fee_amount: i64::from(stored.fee),
                        now: &finished,
                    },
                )
                .map_err(|e| e.to_string())?,
            );
            Handled::Done
        }
        OrderOutcome::Retryable { error } => {
            statements.extend(
                store::finish_attempt(
                    db,
                    &AttemptResult {
                        id,
                        status: MessageStatus::Retrying,
                        provider_id: None,
                        error: Some(error),
                        now: &finished,
                    },
                )
                .map_err(|e| e.to_string())?,
            );
            Handled::RetryIn(backoff_seconds(
                attempt,
                config.retry_base_seconds,
                config.retry_max_seconds,
                None,
            ))
        }
        OrderOutcome::Permanent { error } => {
            statements.extend(
                store::finish_attempt(
                    db,
                    &AttemptResult {
                        id,
                        status: MessageStatus::Failed,
                        provider_id: None,
                        error: Some(error),
                        now: &finished,
                    },
                )
                .map_err(|e| e.to_string())?,
            );
            Handled::Done
        }
    };
    store::write(db, statements)
        .await
        .map_err(|e| e.to_string())?;
    Ok(handled)
}

/// The cron relay: re-enqueues what the queues may have lost.
pub async fn relay(env: &Env) {
    let Ok(d1) = env.d1("DB") else {
        worker::console_error!("relay: no D1 binding");
        return;
    };
    let db = Db::new(d1);
    let config = Config::from_env(env);
    let at = now();
    let candidates = store::relay_candidates(
        &db,
        &timestamp(at),
        &timestamp(at - Duration::seconds(i64::from(config.relay_min_age_seconds))),
        &timestamp(at - Duration::minutes(RETRYING_STALE_MINUTES)),
        RELAY_BATCH,
    )
    .await;
    match candidates {
        Ok(rows) => {
            let rows: Vec<NewOutboxRow> = rows
                .into_iter()
                .map(|r| NewOutboxRow {
                    outbox_id: r.id,
                    outbox_channel: r.channel,
                })
                .collect();
            if !rows.is_empty() {
                worker::console_log!("relay: re-enqueueing {} outbox rows", rows.len());
            }
            enqueue(env, &rows).await;
        }
        Err(e) => worker::console_error!("relay: {e}"),
    }
}
