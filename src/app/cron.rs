//! The cron run: the relay (outbox rows that never reached their queue),
//! the provider polls (messages and courier orders stuck in doubt), then
//! retention (purges and the archive), the alerts' judgement, then the
//! nightly export's share (`app::backup`; the daily schedule starts it),
//! with one log line for the whole run.

use worker::Env;

use super::Ctx;
use crate::domain::log::{self, CronLine, Outcome};
use crate::store::health as store;

/// The export's share of a run: the daily schedule starts one first.
async fn backup(ctx: &Ctx, daily: bool) -> Result<u64, super::AppError> {
    if daily {
        super::backup::start(ctx).await?;
    }
    super::backup::work(ctx).await
}

/// One scheduled run of `cron` (its schedule). Never fails the event: a
/// job's error is in the line, and the other jobs still run.
pub async fn run(cron: &str, env: Env) {
    let started = js_sys::Date::now();
    let relayed = Outcome::of(crate::dispatch::relay(&env).await);
    let polled = Outcome::of(super::recover::poll(&env).await);
    let retained = Outcome::of(super::retention::run(env.clone()).await);
    let relay_ok = !relayed.failed();
    let (alerted, backup) = match Ctx::new(env.clone()) {
        Ok(ctx) => (
            Outcome::of(
                super::alerts::judge(&ctx, relay_ok)
                    .await
                    .map_err(|e| e.log_chain()),
            ),
            Outcome::of(
                backup(&ctx, cron == super::backup::DAILY)
                    .await
                    .map_err(|e| e.log_chain()),
            ),
        ),
        Err(e) => (
            Outcome::of(Err(e.log_chain())),
            Outcome::of(Err(e.log_chain())),
        ),
    };
    let failed = relayed.failed()
        || polled.failed()
        || retained.failed()
        || alerted.failed()
        || backup.failed();
    let line = log::json(&CronLine {
        kind: "cron",
        cron,
        ms: (js_sys::Date::now() - started).max(0.0) as u64,
        relayed,
        polled,
        retained,
        alerted,
        backup,
    });
    if failed {
        worker::console_error!("{line}");
    } else {
        worker::console_log!("{line}");
    }
    // The health page's "last cron run" (and the relay-silent alert).
    let recorded = match Ctx::new(env) {
        Ok(ctx) => store::record_cron(&ctx.db, &ctx.now_text(), &line, relay_ok)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.log_chain()),
    };
    if let Err(e) = recorded {
        crate::platform::log_event(
            crate::platform::Level::Error,
            "cron",
            &format!("run not recorded: {e}"),
        );
    }
}
