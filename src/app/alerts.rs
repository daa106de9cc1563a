//! Alerts (issue 13): every cron run judges the watched conditions
//! (`domain::alerts`) and writes the alert or "resolved" SMS to the
//! on-call numbers through the outbox, in the batch that records the
//! decision — so a run cut anywhere sends nothing twice and loses nothing
//! (the relay puts written rows on the queue if this run cannot). The
//! administrator sets the numbers and thresholds on the health page.

use chrono::{Duration, Timelike};

use super::health::hour_of;
use super::{admin, after_commit, AppError, Ctx, Staff};
use crate::domain::alerts::{
    alert_text, decide, resolved_text, Condition, Decision, Settings, State,
};
use crate::domain::field_error::FieldError;
use crate::domain::hex;
use crate::domain::time::to_wib;
use crate::platform::{random_bytes, timestamp};
use crate::store::alerts::{self as store, Change, NewSettings};
use serde_json::Value;

/// The SMS templates (`outbox.template`).
pub const ALERT: &str = "alert";
pub const RESOLVED: &str = "alert_resolved";

/// The reading of `c` and its threshold, from the read's JSON object.
fn reading(r: &Value, c: Condition) -> (i64, i64) {
    let int = |v: &Value| v.as_i64().unwrap_or(0);
    (int(&r["readings"][c.code()]), int(&r[c.setting()]))
}

/// Item `i` of a state's array, as text.
fn field(s: &Value, i: usize) -> Option<&str> {
    s.get(i).and_then(Value::as_str)
}

/// One cron run's judgement (`relay_ok`: this run's relay had no error);
/// how many alert SMS it wrote.
pub async fn judge(ctx: &Ctx, relay_ok: bool) -> Result<u64, AppError> {
    // The window: the previous UTC hour and this one.
    let start = ctx.now - Duration::hours(1);
    let Some(r) = store::read(&ctx.db, &hour_of(start), &ctx.now_text(), relay_ok).await? else {
        return Ok(0);
    };
    let r: Value = serde_json::from_str(&r).map_err(|e| AppError::internal("alert readings", e))?;
    let since = format!("{:02}.00 WIB", to_wib(start).hour());
    let on_call = r["on_call"].as_str().unwrap_or("[]");
    let has_numbers = on_call.trim() != "[]";
    // [condition, active_since, notified_at, stamp]
    let states = r["states"].as_array().map_or(&[][..], Vec::as_slice);
    let now = ctx.now_text();
    let hour_ago = timestamp(start);
    let stamp = format!(
        "{now}/{}",
        hex::encode(&random_bytes::<4>().map_err(|e| AppError::internal("random", e))?)
    );
    let mut changes = Vec::with_capacity(Condition::ALL.len());
    for c in Condition::ALL {
        let row = states.iter().find(|s| field(s, 0) == Some(c.code()));
        let (old_since, old_notified) =
            (row.and_then(|s| field(s, 1)), row.and_then(|s| field(s, 2)));
        let state = State {
            active_since: old_since.map(String::from),
            notified_at: old_notified.map(String::from),
        };
        let (value, limit) = reading(&r, c);
        let decision = decide(value, limit, &state, &hour_ago);
        let (active_since, sms) = match decision {
            Decision::Keep => (old_since, None),
            Decision::Raise { notify } | Decision::Clear { notify } if !notify => {
                let raised = matches!(decision, Decision::Raise { .. });
                (raised.then_some(now.as_str()), None)
            }
            Decision::Raise { .. } => (
                Some(now.as_str()),
                Some((ALERT, alert_text(c, value, limit, &since))),
            ),
            Decision::Notify => (
                old_since,
                Some((ALERT, alert_text(c, value, limit, &since))),
            ),
            Decision::Clear { .. } => (None, Some((RESOLVED, resolved_text(c, value)))),
        };
        let sms = sms.filter(|_| has_numbers);
        // A raise is told when its alert is written; a "resolved" keeps the
        // time of the alert it answers.
        let notified_at = match (&sms, decision) {
            (Some(_), Decision::Raise { .. } | Decision::Notify) => Some(now.as_str()),
            _ => old_notified,
        };
        changes.push(Change {
            condition: c.code(),
            active_since,
            notified_at,
            value,
            old_stamp: row.and_then(|s| field(s, 3)),
            sms,
        });
    }
    let rows = store::record(&ctx.db, &changes, on_call, &now, &stamp).await?;
    after_commit(ctx, &rows).await;
    Ok(rows.len() as u64)
}

/// The settings form, read: every error at once, or saved.
pub async fn save_settings(
    ctx: &Ctx,
    staff: &Staff,
    fields: &crate::domain::alerts::SettingsFields,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    admin::require_admin(staff)?;
    let settings = match Settings::parse(fields) {
        Ok(s) => s,
        Err(errors) => return Ok(Err(errors)),
    };
    let numbers: Vec<String> = settings.on_call.iter().map(ToString::to_string).collect();
    let on_call =
        serde_json::to_string(&numbers).map_err(|e| AppError::internal("on-call numbers", e))?;
    let thresholds = Condition::ALL.map(|c| settings.threshold(c));
    store::save(
        &ctx.db,
        &NewSettings {
            on_call: &on_call,
            thresholds,
            staff_id: staff.id,
            now: &ctx.now_text(),
        },
    )
    .await?;
    Ok(Ok(()))
}
