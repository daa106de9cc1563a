//! The administrator's health page and its JSON twin (issue 13): only the
//! administrator reads them; the report names the deployed version and
//! counts what happened — SMS outcomes per hour, a forged webhook, the
//! last cron run — from the tables kept as it happens.

use std::time::Duration;

use serde_json::Value;

use crate::api::DEMO_PASSWORD;
use crate::ui::Browser;
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        only_the_administrator_reads_the_health_report,
        the_report_counts_sms_outcomes_and_forged_webhooks,
    ]
}

/// The cron tick changes shared state (the relay): run alone.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![the_last_cron_run_is_on_the_report]
}

const DETAILS: &str = "/api/v1/health/details";

fn details(env: &Env) -> Result<Value, String> {
    let token = env.api.token("admin")?;
    let r = env.api.get(DETAILS, Some(&token));
    ensure!(r.status == 200, "health details: {} {}", r.status, r.text);
    ensure!(
        r.header("x-d1-round-trips") == Some("2"),
        "round trips: {:?}",
        r.header("x-d1-round-trips")
    );
    Ok(r.body)
}

fn only_the_administrator_reads_the_health_report(env: &Env) -> TestResult {
    let anonymous = env.api.get(DETAILS, None);
    ensure!(anonymous.status == 401, "no token: {}", anonymous.status);
    let fo = env.api.get(DETAILS, Some(&env.api.token("front_office")?));
    ensure!(fo.status == 403, "front office: {} {}", fo.status, fo.text);
    env.api.submitted()?;
    let report = details(env)?;
    let version = report["version"].as_str().unwrap_or_default();
    ensure!(
        !version.is_empty() && version != "dev",
        "the build bakes in the commit: {version:?}"
    );
    let tables = report["storage"]["tables"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let applications = tables.iter().find(|t| t["name"] == "applications");
    ensure!(
        applications
            .is_some_and(|t| t["exact"] == true && t["rows"].as_i64().is_some_and(|n| n > 0)),
        "applications counted: {tables:?}"
    );
    ensure!(
        report["storage"]["limit_bytes"] == 10_000_000_000u64,
        "limit: {}",
        report["storage"]
    );
    // The page: the administrator's, in Indonesian, linked from the
    // administration page; another officer gets the refusal page.
    let b = Browser::new(env);
    let admin = b.sign_in("admin", DEMO_PASSWORD)?;
    let menu = b.get("/staff/admin", Some(&admin));
    ensure!(
        menu.text.contains("href=\"/staff/admin/health\""),
        "no link from the administration page"
    );
    let page = b.get("/staff/admin/health", Some(&admin));
    ensure!(
        page.status == 200
            && page.text.contains("<h1>Kesehatan sistem</h1>")
            && page
                .text
                .contains(&format!("<code id=\"versi\">{version}</code>"))
            && page.text.contains("Pesan yang belum selesai")
            && page.text.contains("Galat penyedia per jam")
            && page.text.contains("Penyimpanan"),
        "health page: {} {}",
        page.status,
        page.text
    );
    let fo_cookie = b.sign_in("fo", DEMO_PASSWORD)?;
    let refused = b.get("/staff/admin/health", Some(&fo_cookie));
    ensure!(
        refused.status == 403 && !refused.text.contains("Galat penyedia per jam"),
        "front office on the health page: {}",
        refused.status
    );
    Ok(())
}

fn refusals(report: &Value, sender: &str) -> i64 {
    report["webhook_refusals_24h"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["sender"] == sender))
        .and_then(|s| s["count"].as_i64())
        .unwrap_or(-1)
}

fn sms_outcomes(report: &Value) -> i64 {
    report["provider_errors"]
        .as_array()
        .map(|hours| {
            hours
                .iter()
                .filter(|h| h["channel"] == "sms")
                .filter_map(|h| h["outcomes"].as_i64())
                .sum()
        })
        .unwrap_or(0)
}

fn the_report_counts_sms_outcomes_and_forged_webhooks(env: &Env) -> TestResult {
    let before = details(env)?;
    // An application texts its applicant: its send and the gateway's report
    // land in this hour's outcomes.
    env.api.submitted()?;
    crate::dispatch::wait_for("an SMS outcome counted", Duration::from_secs(20), || {
        let now = details(env)?;
        Ok((sms_outcomes(&now) > sms_outcomes(&before)).then_some(()))
    })?;
    // Each hour's rate is its errors over its outcomes, in whole percent.
    let latest = details(env)?;
    for h in latest["provider_errors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let (n, e) = (
            h["outcomes"].as_i64().unwrap_or(0),
            h["errors"].as_i64().unwrap_or(-1),
        );
        ensure!(
            n > 0 && (0..=n).contains(&e) && h["error_percent"].as_i64() == Some(e * 100 / n),
            "hour: {h}"
        );
    }
    let channels: Vec<&str> = latest["failures_24h"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["channel"].as_str()).collect())
        .unwrap_or_default();
    ensure!(
        channels.starts_with(&["sms", "courier"]),
        "failures per channel: {}",
        latest["failures_24h"]
    );
    // A forged gateway report and a courier report without its secret are
    // refused and counted (other tests may forge too: at least one more).
    let twilio = refusals(&before, "twilio");
    let courier = refusals(&before, "courier");
    ensure!(twilio >= 0 && courier >= 0, "both senders listed: {before}");
    let forged = env.api.raw_post(
        "/webhooks/sms/twilio",
        "application/x-www-form-urlencoded",
        &[("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==")],
        "MessageSid=SM0&MessageStatus=delivered",
    );
    ensure!(
        forged.status == 403,
        "forged report: {} {}",
        forged.status,
        forged.text
    );
    let unsigned = env
        .api
        .raw_post("/webhooks/courier", "application/json", &[], "{}");
    ensure!(
        unsigned.status == 403,
        "courier without secret: {} {}",
        unsigned.status,
        unsigned.text
    );
    let after = details(env)?;
    ensure!(
        refusals(&after, "twilio") > twilio && refusals(&after, "courier") > courier,
        "refusals not counted: {} -> {}",
        before["webhook_refusals_24h"],
        after["webhook_refusals_24h"]
    );
    Ok(())
}

fn the_last_cron_run_is_on_the_report(env: &Env) -> TestResult {
    let before = details(env)?;
    let tick = env.api.get("/__scheduled?cron=*+*+*+*+*", None);
    ensure!(tick.status == 200, "cron: {} {}", tick.status, tick.text);
    let after = details(env)?;
    let run = &after["last_cron"];
    ensure!(
        run["detail"]["kind"] == "cron"
            && run["detail"]["relayed"].is_number()
            && run["minutes_ago"] == 0
            && run["at"] != before["last_cron"]["at"],
        "last cron run: {before} -> {run}"
    );
    Ok(())
}
