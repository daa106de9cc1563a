//! The cron's recovery of reports that never came (issue 9): for SMS and
//! courier orders stuck past `POLL_AFTER_SECONDS`, ask the provider
//! (`dispatch::recover`) and record its answer through the same path as its
//! report would have taken — `store::dispatch::provider_report` for an SMS
//! (statuses only move forward), [`webhooks::record_courier_event`] for the
//! courier (event ids make a report seen twice change nothing twice, a
//! delivery completes the application, a collected fee enters the ledger).
//! Each poll is kept in `provider_polls`: when to ask next (the wait
//! doubles) and what was learnt only by asking, which the reconciliation
//! shows.

use chrono::Duration;
use worker::Env;

use super::webhooks::{fall_back_to_sms, record_courier_event};
use super::Ctx;
use crate::dispatch::courier::CourierConfig;
use crate::dispatch::recover::{
    fetch_message, fetch_tracking, next_poll_wait_seconds, PollConfig, MAX_POLLS,
};
use crate::dispatch::status::MessageStatus;
use crate::dispatch::twilio::TwilioConfig;
use crate::dispatch::Config;
use crate::platform::{join_all, timestamp};
use crate::store::dispatch::provider_report;
use crate::store::recover::{self as store, Due, Poll, StuckOrder, StuckSms};

/// One cron run: polls a bounded batch of each kind, oldest first. Every
/// failure is logged and left for a later run.
pub async fn poll(env: &Env) -> Result<u64, String> {
    let ctx = Ctx::new(env.clone()).map_err(|e| e.log_chain())?;
    let config = Config::from_env(env);
    let schedule = PollConfig::from_env(env);
    let now = ctx.now_text();
    let cutoff = timestamp(ctx.now - Duration::seconds(i64::from(schedule.after_seconds)));
    let due = Due {
        now: &now,
        cutoff: &cutoff,
        max_polls: MAX_POLLS,
        limit: schedule.batch,
    };
    // Each kind is polled even if reading the other's stuck rows failed;
    // the run's error names every read that did.
    let mut polled = 0;
    let mut failed = Vec::new();
    if let Some(twilio) = &config.twilio {
        match store::stuck_sms(&ctx.db, &due).await {
            Ok(rows) => {
                join_all(rows.iter().map(|row| poll_sms(&ctx, twilio, schedule, row))).await;
                polled += rows.len() as u64;
            }
            Err(e) => failed.push(format!("stuck SMS: {e}")),
        }
    }
    if let Some(courier) = &config.courier {
        match store::stuck_orders(&ctx.db, &due).await {
            Ok(rows) => {
                join_all(
                    rows.iter()
                        .map(|row| poll_order(&ctx, courier, schedule, row)),
                )
                .await;
                polled += rows.len() as u64;
            }
            Err(e) => failed.push(format!("stuck courier orders: {e}")),
        }
    }
    if failed.is_empty() {
        Ok(polled)
    } else {
        Err(failed.join("; "))
    }
}

/// The poll's bookkeeping: counted, next one scheduled, what was learnt.
async fn record(
    ctx: &Ctx,
    schedule: PollConfig,
    outbox_id: i64,
    polls_before: i64,
    answer: &str,
    recovered_status: Option<&str>,
    fee_recovered: bool,
) {
    let polls = u32::try_from(polls_before.saturating_add(1)).unwrap_or(u32::MAX);
    let wait = next_poll_wait_seconds(polls, schedule.after_seconds);
    let next = timestamp(ctx.now + Duration::seconds(i64::try_from(wait).unwrap_or(i64::MAX / 2)));
    let now = ctx.now_text();
    let written = store::record_poll(
        &ctx.db,
        &Poll {
            outbox_id,
            now: &now,
            next_poll_at: &next,
            answer,
            recovered_status,
            fee_recovered,
        },
    )
    .await;
    if let Err(e) = written {
        crate::platform::log_event(
            crate::platform::Level::Error,
            "recover",
            &format!("outbox #{outbox_id}: poll not recorded: {e}"),
        );
    }
}

/// Asks Twilio about one SMS and applies its status as a callback would.
async fn poll_sms(ctx: &Ctx, twilio: &TwilioConfig, schedule: PollConfig, row: &StuckSms) {
    let answer = match fetch_message(twilio, &row.provider_id).await {
        Ok(answer) => answer,
        Err(e) => {
            crate::platform::log_event(
                crate::platform::Level::Info,
                "recover",
                &format!("SMS #{}: {e}", row.outbox_id),
            );
            return record(ctx, schedule, row.outbox_id, row.polls, &e, None, false).await;
        }
    };
    let mut recovered = None;
    if let Some(status) = answer.status {
        let now = ctx.now_text();
        match provider_report(
            &ctx.db,
            &row.provider_id,
            status,
            answer.detail.as_deref(),
            &now,
        )
        .await
        {
            Ok(Some(before)) => {
                let moved =
                    MessageStatus::parse(&before.status).is_some_and(|s| s.may_become(status));
                recovered = moved.then_some(status.code());
            }
            Ok(None) => {}
            Err(e) => {
                // Not applied: asked again next run, uncounted.
                crate::platform::log_event(
                    crate::platform::Level::Error,
                    "recover",
                    &format!("SMS #{}: {e}", row.outbox_id),
                );
                return;
            }
        }
        let detail = answer.detail.as_deref();
        if let Err(e) = fall_back_to_sms(ctx, &row.provider_id, detail, &now).await {
            crate::platform::log_event(
                crate::platform::Level::Error,
                "recover",
                &format!("SMS #{}: fallback: {e}", row.outbox_id),
            );
        }
    }
    if recovered.is_some() {
        crate::platform::log_event(
            crate::platform::Level::Info,
            "recover",
            &format!(
                "SMS #{} is {} (learnt by polling)",
                row.outbox_id, answer.reported
            ),
        );
    }
    record(
        ctx,
        schedule,
        row.outbox_id,
        row.polls,
        &answer.reported,
        recovered,
        false,
    )
    .await;
}

/// Asks the courier about one order and records every report of its
/// tracking we have not seen, oldest first, as the webhook would have.
async fn poll_order(ctx: &Ctx, courier: &CourierConfig, schedule: PollConfig, row: &StuckOrder) {
    let tracking = match fetch_tracking(courier, &row.order_id).await {
        Ok(tracking) => tracking,
        Err(e) => {
            crate::platform::log_event(
                crate::platform::Level::Info,
                "recover",
                &format!("courier order of #{}: {e}", row.outbox_id),
            );
            return record(ctx, schedule, row.outbox_id, row.polls, &e, None, false).await;
        }
    };
    let mut recovered: Option<&str> = None;
    let mut fee_recovered = false;
    for event in &tracking.events {
        match record_courier_event(ctx, event).await {
            Ok(r) if r.outcome == "duplicate" || r.outcome == "ignored" => {}
            Ok(r) => {
                recovered = Some(&event.status);
                fee_recovered |= r.collected;
            }
            Err(e) => {
                // A report we refuse now (or a conflict) is asked about again
                // later; the later ones wait for it, so their order holds.
                crate::platform::log_event(
                    crate::platform::Level::Error,
                    "recover",
                    &format!(
                        "courier order of #{}: event {}: {e}",
                        row.outbox_id, event.event_id
                    ),
                );
                break;
            }
        }
    }
    if let Some(status) = recovered {
        crate::platform::log_event(
            crate::platform::Level::Info,
            "recover",
            &format!(
                "courier order of #{} is {status} (learnt by polling)",
                row.outbox_id
            ),
        );
    }
    record(
        ctx,
        schedule,
        row.outbox_id,
        row.polls,
        &tracking.status,
        recovered,
        fee_recovered,
    )
    .await;
}
