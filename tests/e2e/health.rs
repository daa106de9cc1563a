//! The administrator's health page and its JSON twin (issue 13): only the
//! administrator reads them; the report names the deployed version and
//! counts what happened — SMS outcomes per hour, a forged webhook, the
//! last cron run — from the tables kept as it happens.

use std::time::Duration;

use serde_json::Value;

use crate::api::DEMO_PASSWORD;
use crate::ui::{csrf, Browser};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        only_the_administrator_reads_the_health_report,
        the_report_counts_sms_outcomes_and_forged_webhooks,
    ]
}

/// The cron tick changes shared state (the relay): run alone.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![
        the_last_cron_run_is_on_the_report,
        a_failing_gateway_sends_one_alert_then_resolved_not_a_flood,
    ]
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

/// The on-call number of the alerts test (nobody else's).
const ON_CALL: &str = "+6281299990001";

/// The alerts form as posted: the on-call numbers, then the thresholds in
/// the form's order (sms %, pending, relay, dead letters, webhooks).
fn alerts_form(token: &str, on_call: &str, t: [&str; 5]) -> String {
    format!(
        "csrf={token}&on_call={}&sms_failure_percent={}&pending_minutes={}&relay_silent_minutes={}\
         &dead_letters={}&webhook_refusals={}",
        on_call.replace('+', "%2B"),
        t[0],
        t[1],
        t[2],
        t[3],
        t[4]
    )
}

/// Puts the alert settings back (no numbers, the defaults) when the test
/// ends, even by failing: later cron ticks then send nothing.
struct Defaults<'a>(&'a Browser, String, String);

impl Drop for Defaults<'_> {
    fn drop(&mut self) {
        let form = alerts_form(&self.2, "", ["20", "30", "10", "1", "20"]);
        self.0
            .post("/staff/admin/health/alerts", Some(&self.1), &form);
    }
}

fn condition<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["alerts"]["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["condition"] == code))
        .unwrap_or(&Value::Null)
}

fn tick(env: &Env) -> TestResult {
    let tick = env.api.get("/__scheduled?cron=*+*+*+*+*", None);
    ensure!(tick.status == 200, "cron: {} {}", tick.status, tick.text);
    Ok(())
}

/// The alert SMS written to the on-call number: (template, body) in order.
fn alert_rows(env: &Env) -> Result<Vec<(String, String)>, String> {
    let rows = env.server.query(&format!(
        "SELECT template, body FROM outbox WHERE recipient = '{ON_CALL}' ORDER BY id"
    ))?;
    Ok(rows
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r["template"].as_str().unwrap_or_default().to_string(),
                        r["body"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default())
}

fn a_failing_gateway_sends_one_alert_then_resolved_not_a_flood(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let admin = b.sign_in("admin", DEMO_PASSWORD)?;
    let page = b.get("/staff/admin/health", Some(&admin));
    ensure!(
        page.status == 200 && page.text.contains("id=\"peringatan\""),
        "no alerts section: {}",
        page.status
    );
    let token = csrf(&page.text);
    let _defaults = Defaults(&b, admin.clone(), token.clone());
    // Every wrong field is named at once, in the form's order, linked to
    // its field, and nothing is saved.
    let refused = b.post(
        "/staff/admin/health/alerts",
        Some(&admin),
        &alerts_form(&token, "0812", ["101", "", "0", "satu", "0"]),
    );
    let links: Vec<usize> = [
        "#on_call",
        "#sms_failure_percent",
        "#pending_minutes",
        "#dead_letters",
    ]
    .iter()
    .filter_map(|l| refused.text.find(&format!("href=\"{l}\"")))
    .collect();
    ensure!(
        refused.status == 422 && links.len() == 4 && links.windows(2).all(|w| w[0] < w[1]),
        "refused form: {} {links:?} {}",
        refused.status,
        refused.text
    );
    ensure!(
        !refused.text.contains("href=\"#relay_silent_minutes\"")
            && refused.text.contains("value=\"satu\""),
        "a right field is not named, a wrong one is shown as typed"
    );
    ensure!(
        details(env)?["alerts"]["on_call"] == serde_json::json!([]),
        "a refused form saved numbers"
    );
    // Only the SMS rate is watched, at 100%: this reading is the rate now.
    let save = |t: [&str; 5]| -> TestResult {
        let r = b.post(
            "/staff/admin/health/alerts",
            Some(&admin),
            &alerts_form(&token, ON_CALL, t),
        );
        ensure!(
            r.status == 303
                && r.header("location")
                    .is_some_and(|l| l.contains("disimpan=1")),
            "save: {} {}",
            r.status,
            r.text
        );
        Ok(())
    };
    save(["100", "0", "0", "0", "0"])?;
    tick(env)?;
    let report = details(env)?;
    ensure!(
        report["alerts"]["on_call"] == serde_json::json!([ON_CALL]),
        "numbers: {}",
        report["alerts"]
    );
    let rate = condition(&report, "sms_failure_rate");
    let now = rate["value"]
        .as_i64()
        .ok_or(format!("no reading: {}", report["alerts"]))?;
    ensure!(
        now < 99,
        "the rate is already {now}%: the test cannot tell its own failures"
    );
    let threshold = (now + 1).to_string();
    save([&threshold, "0", "0", "0", "0"])?;
    tick(env)?;
    ensure!(
        condition(&details(env)?, "sms_failure_rate")["active_since"].is_null(),
        "raised before any failure"
    );
    ensure!(alert_rows(env)?.is_empty(), "an alert before any failure");
    // The gateway fails every SMS: applications keep coming, the cron
    // keeps judging; the condition is raised once.
    let failing =
        crate::dispatch::Switches::set(&env.standins, serde_json::json!({"sms_error_rate": 1}))?;
    crate::dispatch::wait_for("the SMS failure alert", Duration::from_secs(90), || {
        env.api.submitted()?;
        std::thread::sleep(Duration::from_millis(500));
        tick(env)?;
        let c = details(env)?;
        Ok((!condition(&c, "sms_failure_rate")["notified_at"].is_null()).then_some(()))
    })?;
    for _ in 0..4 {
        env.api.submitted()?;
        std::thread::sleep(Duration::from_millis(300));
        tick(env)?;
    }
    let rows = alert_rows(env)?;
    ensure!(
        rows.len() == 1
            && rows[0].0 == "alert"
            && rows[0].1.starts_with("PAK POS PERINGATAN:")
            && rows[0].1.contains("SMS gagal")
            && rows[0].1.contains(&format!("batas {threshold}%")),
        "one alert, not a flood: {rows:?}"
    );
    let page = b.get("/staff/admin/health", Some(&admin));
    ensure!(
        page.text.contains("Peringatan aktif: SMS gagal") && page.text.contains("AKTIF sejak"),
        "the page says the alert is active"
    );
    // The gateway is back (the SMS still retrying go out now).
    drop(failing);
    // Another condition: refused webhooks, at one. A forged report raises
    // it; switching it off clears it with a "PULIH".
    let forged = env.api.raw_post(
        "/webhooks/sms/twilio",
        "application/x-www-form-urlencoded",
        &[("X-Twilio-Signature", "AAAA")],
        "MessageSid=SM0&MessageStatus=delivered",
    );
    ensure!(forged.status == 403, "forged webhook: {}", forged.status);
    save([&threshold, "0", "0", "0", "1"])?;
    tick(env)?;
    tick(env)?;
    save([&threshold, "0", "0", "0", "0"])?;
    tick(env)?;
    tick(env)?;
    let rows = alert_rows(env)?;
    let kinds: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    ensure!(
        kinds == ["alert", "alert", "alert_resolved"]
            && rows[1].1.contains("webhook ditolak")
            && rows[2].1.starts_with("PAK POS PULIH: Webhook ditolak"),
        "forgery alert then resolved: {rows:?}"
    );
    // Every SMS this test caused settles before the next test, which runs
    // alone and counts what the cron recovers: none may still be on its way.
    crate::dispatch::wait_for(
        "the alert test's SMS to settle",
        Duration::from_secs(90),
        || {
            // (The cron's relay and polls settle what a lost report left.)
            std::thread::sleep(Duration::from_millis(500));
            tick(env)?;
            let report = details(env)?;
            let open = report["outbox"]
                .as_array()
                .is_some_and(|rows| rows.iter().any(|r| r["channel"] == "sms"));
            Ok((!open).then_some(()))
        },
    )?;
    Ok(())
}
