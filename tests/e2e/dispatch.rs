//! SMS and courier dispatch end to end: the Worker, its queues and cron
//! relay, and the local stand-ins for Twilio and the courier. Every SMS of a
//! workflow reaches the gateway exactly once — also with injected gateway
//! failures and duplicated queue deliveries — failures are visible and can
//! be resent, forged or replayed webhooks change nothing, and the courier's
//! reports drive the workflow and the fee ledger.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api::{application, full_checklist, Api};
use crate::server::{COURIER_API_KEY, COURIER_WEBHOOK_SECRET, TWILIO_AUTH_TOKEN};
use crate::workflow::{seed, step, walk_to};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        every_sms_of_a_workflow_reaches_the_gateway_once_and_is_delivered,
        a_batch_of_sms_costs_two_d1_round_trips_whatever_its_size,
        a_forged_sms_report_gets_403_and_a_late_or_repeated_one_changes_nothing,
        a_forged_or_unsigned_courier_report_gets_403_and_changes_nothing,
        a_courier_delivery_with_cod_completes_the_application_and_collects_the_fee,
        a_returned_delivery_goes_to_the_counter_with_its_sms_and_voids_the_fee,
        a_replayed_courier_report_changes_nothing_twice,
        a_courier_order_is_cancelled_only_before_pickup_and_its_webhook_is_recorded,
        the_fee_ledger_after_each_cancel_point_keeps_what_was_collected,
    ]
}

/// The SMS consumer claims a whole queue batch in one D1 batch, asks the
/// gateway for all of it at once and records every answer in one more: its
/// log line per batch says so, for batches of several messages too.
fn a_batch_of_sms_costs_two_d1_round_trips_whatever_its_size(env: &Env) -> TestResult {
    // Submissions at the same moment: their SMS share queue batches.
    let numbers: Vec<Result<String, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| {
                    let r = env.api.submit(&application(seed(), "pickup"));
                    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
                    Ok(r.body["registration_number"]
                        .as_str()
                        .unwrap_or("")
                        .to_string())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("submit thread".into())))
            .collect()
    });
    for n in &numbers {
        n.as_ref()?;
    }
    let started = Instant::now();
    loop {
        let lines = env.server.log_lines("\"kind\":\"queue_batch\"");
        // The SMS queue's batches (a courier batch may read once more, for
        // a cancellation).
        let batches: Vec<Value> = lines
            .iter()
            .filter_map(|l| l.find('{').and_then(|i| serde_json::from_str(&l[i..]).ok()))
            .filter(|b: &Value| b["queue"] == "pakpos-sms")
            .collect();
        let over: Vec<&Value> = batches
            .iter()
            .filter(|b| b["d1_round_trips"].as_u64().unwrap_or(99) > 2)
            .collect();
        ensure!(over.is_empty(), "batches over two round trips: {over:?}");
        if batches
            .iter()
            .any(|b| b["claimed"].as_u64().unwrap_or(0) >= 2 && b["recorded"] == true)
        {
            return Ok(());
        }
        ensure!(
            started.elapsed() < Duration::from_secs(30),
            "no batch of several SMS was logged: {batches:?}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Tests that change the stand-ins' switches run alone.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![
        with_30_percent_gateway_failures_and_duplicate_deliveries_every_sms_arrives_once,
        a_permanently_failing_sms_is_visible_as_failed_and_can_be_resent,
        an_sms_whose_retries_run_out_reaches_the_dead_letter_queue_and_is_failed,
        the_reconciliation_reports_fees_expected_collected_and_outstanding,
        a_hanging_gateway_call_times_out_and_the_sms_it_sent_is_found_not_sent_twice,
    ]
}

/// The switches every test starts from: a healthy gateway that reports
/// on its own, a courier that waits to be driven by the test.
pub fn quiet_switches() -> Value {
    json!({
        "sms_error_rate": 0, "sms_429_only": false, "slow_ms": 0, "duplicate_callbacks": false,
        "callback_delay_ms": 50, "permanent_fail_numbers": [], "undeliverable_numbers": [],
        "courier_error_rate": 0, "courier_auto": false, "hold_ms": 0, "hold_numbers": []
    })
}

/// Restores the quiet switches when an exclusive test ends, even by failing.
pub(crate) struct Switches<'a>(&'a Api);

impl<'a> Switches<'a> {
    pub(crate) fn set(standins: &'a Api, switches: Value) -> Result<Switches<'a>, String> {
        let r = standins.post("/_control", None, &switches);
        ensure!(r.status == 200, "switches: {}", r.text);
        Ok(Switches(standins))
    }
}

impl Drop for Switches<'_> {
    fn drop(&mut self) {
        self.0.post("/_control", None, &quiet_switches());
    }
}

pub(crate) fn wait_for<T>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> Result<Option<T>, String>,
) -> Result<T, String> {
    let started = Instant::now();
    loop {
        if let Some(v) = check()? {
            return Ok(v);
        }
        if started.elapsed() > limit {
            return Err(format!("timed out after {limit:?} waiting for {what}"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

pub(crate) fn record(env: &Env, number: &str) -> Result<Value, String> {
    let r = env.api.read("admin", number)?;
    ensure!(r.status == 200, "read {number}: {} {}", r.status, r.text);
    Ok(r.body)
}

fn sms_rows(body: &Value) -> Vec<Value> {
    body["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["channel"] == "sms")
        .collect()
}

/// Waits until every SMS of the application is delivered; returns them.
fn all_sms_delivered(env: &Env, number: &str, limit: Duration) -> Result<Vec<Value>, String> {
    wait_for(&format!("every SMS of {number} delivered"), limit, || {
        let rows = sms_rows(&record(env, number)?);
        let done = !rows.is_empty() && rows.iter().all(|m| m["status"] == "delivered");
        Ok(done.then_some(rows))
    })
}

/// The SMS the gateway accepted for one phone number.
fn gateway_sms(env: &Env, phone: &str) -> Result<Vec<Value>, String> {
    let r = env.standins.get("/_records", None);
    ensure!(r.status == 200, "records: {}", r.text);
    Ok(r.body["sms"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["to"] == phone)
        .collect())
}

fn submit_with_phone(env: &Env, delivery: &str) -> Result<(String, String), String> {
    let s = seed();
    let r = env.api.submit(&application(s, delivery));
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or("")
        .to_string();
    Ok((number, format!("+628123{s:07}")))
}

/// Checks that every SMS row of an application reached the gateway exactly
/// once, was delivered, and went accepted → sent → delivered in one attempt.
fn exactly_once(env: &Env, number: &str, phone: &str, expected: &[&str]) -> TestResult {
    let rows = all_sms_delivered(env, number, Duration::from_secs(30))?;
    let templates: Vec<&str> = rows
        .iter()
        .map(|m| m["template"].as_str().unwrap_or(""))
        .collect();
    ensure!(templates == expected, "{number}: {templates:?}");
    let sent = gateway_sms(env, phone)?;
    ensure!(
        sent.len() == rows.len(),
        "{number}: gateway got {} SMS for {} outbox rows",
        sent.len(),
        rows.len()
    );
    for m in &rows {
        let copies = sent.iter().filter(|s| s["body"] == m["body"]).count();
        ensure!(
            copies == 1,
            "{} reached the gateway {copies} times",
            m["template"]
        );
        ensure!(
            sent.iter().any(|s| s["sid"] == m["provider_id"]),
            "provider id stored for {}",
            m["template"]
        );
        let history: Vec<&str> = m["history"]
            .as_array()
            .map(|h| h.iter().filter_map(|e| e["status"].as_str()).collect())
            .unwrap_or_default();
        ensure!(
            history == ["accepted", "sent", "delivered"],
            "{}: history {history:?}",
            m["template"]
        );
        ensure!(m["attempts"] == 1, "{}: one attempt", m["template"]);
    }
    ensure!(sent.iter().all(|s| s["from"] == "PAKPOS"), "sender id");
    Ok(())
}

/// Every SMS of DESIGN.md's table: both delivery methods, a returned
/// delivery and a cancellation.
fn every_sms_of_a_workflow_reaches_the_gateway_once_and_is_delivered(env: &Env) -> TestResult {
    let (pickup, pickup_phone) = submit_with_phone(env, "pickup")?;
    walk_to(&env.api, &pickup, "ready_for_pickup")?;
    exactly_once(
        env,
        &pickup,
        &pickup_phone,
        &[
            "registration_received",
            "approved_send_documents",
            "documents_received",
            "ready_for_pickup",
        ],
    )?;

    let (pos, pos_phone) = submit_with_phone(env, "pos")?;
    walk_to(&env.api, &pos, "out_for_delivery")?;
    step(
        &env.api,
        "pickup_counter",
        &pos,
        json!({"action": "record_returned", "reason": "penerima tidak di rumah"}),
    )?;
    exactly_once(
        env,
        &pos,
        &pos_phone,
        &[
            "registration_received",
            "approved_send_documents",
            "documents_received",
            "out_for_delivery",
            "delivery_returned",
        ],
    )?;

    let (cancelled, cancelled_phone) = submit_with_phone(env, "pickup")?;
    walk_to(&env.api, &cancelled, "in_production")?;
    step(
        &env.api,
        "production",
        &cancelled,
        json!({"action": "cancel", "reason": "akta nikah orang tua tidak terbaca"}),
    )?;
    exactly_once(
        env,
        &cancelled,
        &cancelled_phone,
        &[
            "registration_received",
            "approved_send_documents",
            "documents_received",
            "cancelled",
        ],
    )?;
    let sms = gateway_sms(env, &cancelled_phone)?;
    ensure!(
        sms.iter().any(|s| s["body"]
            .as_str()
            .is_some_and(|b| b.contains("akta nikah orang tua tidak terbaca"))),
        "the reason reached the citizen"
    );
    Ok(())
}

/// Puts every message of an application on its queue again (admin requeue).
fn requeue_all(env: &Env, number: &str) -> Result<usize, String> {
    let token = env.api.token("admin")?;
    let rows = record(env, number)?["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for m in &rows {
        let r = env.api.post(
            &format!("/api/v1/messages/{}/requeue", m["id"]),
            Some(&token),
            &json!({}),
        );
        ensure!(r.status == 202, "requeue: {} {}", r.status, r.text);
    }
    Ok(rows.len())
}

fn with_30_percent_gateway_failures_and_duplicate_deliveries_every_sms_arrives_once(
    env: &Env,
) -> TestResult {
    let _switches = Switches::set(
        &env.standins,
        json!({"sms_error_rate": 0.3, "duplicate_callbacks": true, "seed": 7}),
    )?;
    let mut apps = Vec::new();
    for _ in 0..6 {
        apps.push(submit_with_phone(env, "pickup")?);
    }
    let mut requeued = 0;
    for (i, (number, _)) in apps.iter().enumerate() {
        walk_to(
            &env.api,
            number,
            if i % 2 == 0 {
                "in_production"
            } else {
                "awaiting_documents"
            },
        )?;
        // Deliver every row of the application again while some are in
        // flight, and let the cron relay re-enqueue whatever is unfinished
        // (RELAY_MIN_AGE_SECONDS=0 here).
        requeued += requeue_all(env, number)?;
        let tick = env.api.get("/__scheduled?cron=*+*+*+*+*", None);
        ensure!(
            tick.status == 200,
            "cron tick: {} {}",
            tick.status,
            tick.text
        );
    }
    let mut retried = 0;
    for (number, phone) in &apps {
        let rows = all_sms_delivered(env, number, Duration::from_secs(90))?;
        // And once more after everything was delivered.
        requeued += requeue_all(env, number)?;
        let sent = gateway_sms(env, phone)?;
        ensure!(
            sent.len() == rows.len(),
            "{number}: gateway got {} SMS for {} rows",
            sent.len(),
            rows.len()
        );
        for m in &rows {
            let copies = sent.iter().filter(|s| s["body"] == m["body"]).count();
            ensure!(copies == 1, "{number} {}: {copies} copies", m["template"]);
            retried += usize::from(m["attempts"].as_i64().unwrap_or(0) > 1);
        }
    }
    std::thread::sleep(Duration::from_secs(2));
    for (number, phone) in &apps {
        let rows = sms_rows(&record(env, number)?);
        ensure!(
            rows.iter().all(|m| m["status"] == "delivered"),
            "{number}: still delivered after the duplicates"
        );
        ensure!(
            gateway_sms(env, phone)?.len() == rows.len(),
            "{number}: duplicates sent nothing"
        );
    }
    let rejected = env.standins.get("/_records", None).body["sms_rejected"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    ensure!(
        rejected > 0 && retried > 0,
        "failures were injected ({rejected}) and retried ({retried})"
    );
    ensure!(
        requeued >= 24,
        "duplicate deliveries were made ({requeued})"
    );
    let operator = env.api.post(
        "/api/v1/messages/1/requeue",
        Some(&env.api.token("front_office")?),
        &json!({}),
    );
    ensure!(
        operator.status == 403,
        "requeue is for administrators: {}",
        operator.status
    );
    Ok(())
}

fn an_sms_whose_retries_run_out_reaches_the_dead_letter_queue_and_is_failed(
    env: &Env,
) -> TestResult {
    let _switches = Switches::set(
        &env.standins,
        json!({"sms_error_rate": 1, "sms_429_only": true}),
    )?;
    let (number, phone) = submit_with_phone(env, "pickup")?;
    // max_retries is 8 in wrangler.toml; retries here wait 1 s each.
    let failed = wait_for(
        "the dead-letter consumer to fail the SMS",
        Duration::from_secs(60),
        || {
            let rows = sms_rows(&record(env, &number)?);
            Ok(rows.first().filter(|m| m["status"] == "failed").cloned())
        },
    )?;
    ensure!(
        failed["last_error"]
            .as_str()
            .is_some_and(|e| e.starts_with("retries exhausted") && e.contains("429")),
        "{}",
        failed["last_error"]
    );
    ensure!(
        failed["attempts"].as_i64().is_some_and(|a| a >= 8),
        "attempts counted in D1: {}",
        failed["attempts"]
    );
    let sources: Vec<&str> = failed["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["source"].as_str()).collect())
        .unwrap_or_default();
    ensure!(
        sources.last() == Some(&"dead_letter"),
        "history: {sources:?}"
    );
    ensure!(gateway_sms(env, &phone)?.is_empty(), "nothing was accepted");
    Ok(())
}

fn a_permanently_failing_sms_is_visible_as_failed_and_can_be_resent(env: &Env) -> TestResult {
    let s = seed();
    let phone = format!("+628123{s:07}");
    let switches = Switches::set(&env.standins, json!({"permanent_fail_numbers": [phone]}))?;
    let r = env.api.submit(&application(s, "pickup"));
    ensure!(r.status == 201, "{}", r.text);
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let failed = wait_for("the SMS to fail", Duration::from_secs(20), || {
        let rows = sms_rows(&record(env, &number)?);
        Ok(rows.first().filter(|m| m["status"] == "failed").cloned())
    })?;
    ensure!(
        failed["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("21610")),
        "the provider's error is kept: {}",
        failed["last_error"]
    );
    ensure!(
        failed["attempts"] == 1,
        "a permanent error is not retried: {}",
        failed["attempts"]
    );
    drop(switches);

    let id = failed["id"].as_i64().unwrap_or(0);
    let path = format!("/api/v1/messages/{id}/resend");
    let operator = env
        .api
        .post(&path, Some(&env.api.token("village_operator")?), &json!({}));
    ensure!(
        operator.status == 403,
        "operators do not resend: {}",
        operator.status
    );
    let r = env
        .api
        .post(&path, Some(&env.api.token("front_office")?), &json!({}));
    ensure!(
        r.status == 201 && r.body["resend_of"] == id,
        "resend: {} {}",
        r.status,
        r.text
    );
    let again = env
        .api
        .post(&path, Some(&env.api.token("validator")?), &json!({}));
    ensure!(
        again.status == 409 && again.error_code() == "already_resent",
        "twice: {} {}",
        again.status,
        again.text
    );

    let rows = wait_for(
        "the resent SMS to be delivered",
        Duration::from_secs(20),
        || {
            let rows = sms_rows(&record(env, &number)?);
            Ok((rows.len() == 2 && rows[1]["status"] == "delivered").then_some(rows))
        },
    )?;
    ensure!(rows[0]["status"] == "failed", "the original stays failed");
    ensure!(
        rows[1]["resend_of"] == id && rows[1]["resent_by"].is_i64(),
        "the resend names its origin and officer: {}",
        rows[1]
    );
    ensure!(
        rows[1]["history"][0]["source"] == "staff",
        "audited: {}",
        rows[1]["history"]
    );
    ensure!(gateway_sms(env, &phone)?.len() == 1, "delivered once");
    let delivered = rows[1]["id"].as_i64().unwrap_or(0);
    let r = env.api.post(
        &format!("/api/v1/messages/{delivered}/resend"),
        Some(&env.api.token("front_office")?),
        &json!({}),
    );
    ensure!(
        r.status == 409 && r.error_code() == "not_resendable",
        "a delivered SMS is not resent: {}",
        r.text
    );
    let r = env.api.post(
        "/api/v1/messages/999999999/resend",
        Some(&env.api.token("front_office")?),
        &json!({}),
    );
    ensure!(r.status == 404, "unknown message: {}", r.status);
    Ok(())
}

fn twilio_form(params: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &owned {
        form.append_pair(k, v);
    }
    (form.finish(), owned)
}

fn post_twilio(env: &Env, params: &[(&str, &str)], signature: Option<&str>) -> crate::api::Resp {
    let url = format!("{}/webhooks/sms/twilio", env.api.base);
    let (body, owned) = twilio_form(params);
    let sig = signature
        .map(String::from)
        .unwrap_or_else(|| pakpos::dispatch::twilio::signature(TWILIO_AUTH_TOKEN, &url, &owned));
    env.api.raw_post(
        "/webhooks/sms/twilio",
        "application/x-www-form-urlencoded",
        &[("X-Twilio-Signature", &sig)],
        &body,
    )
}

fn a_forged_sms_report_gets_403_and_a_late_or_repeated_one_changes_nothing(
    env: &Env,
) -> TestResult {
    let (number, _) = submit_with_phone(env, "pickup")?;
    let rows = all_sms_delivered(env, &number, Duration::from_secs(20))?;
    let sid = rows[0]["provider_id"].as_str().unwrap_or("").to_string();
    let params = [
        ("MessageSid", sid.as_str()),
        ("MessageStatus", "failed"),
        ("ErrorCode", "30005"),
    ];
    let forged = post_twilio(env, &params, Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    ensure!(
        forged.status == 403,
        "forged: {} {}",
        forged.status,
        forged.text
    );
    let unsigned = env.api.raw_post(
        "/webhooks/sms/twilio",
        "application/x-www-form-urlencoded",
        &[],
        "MessageSid=x&MessageStatus=failed",
    );
    ensure!(unsigned.status == 403, "unsigned: {}", unsigned.status);
    let late = post_twilio(
        env,
        &[("MessageSid", sid.as_str()), ("MessageStatus", "sent")],
        None,
    );
    ensure!(
        late.status == 200 && late.body["status"] == "unchanged",
        "late sent: {}",
        late.text
    );
    let repeat = post_twilio(
        env,
        &[("MessageSid", sid.as_str()), ("MessageStatus", "delivered")],
        None,
    );
    ensure!(
        repeat.status == 200 && repeat.body["status"] == "unchanged",
        "repeat: {}",
        repeat.text
    );
    let unknown = post_twilio(
        env,
        &[
            ("MessageSid", "SMdoesnotexist"),
            ("MessageStatus", "delivered"),
        ],
        None,
    );
    ensure!(
        unknown.status == 200 && unknown.body["status"] == "unknown_message",
        "unknown sid is acknowledged: {}",
        unknown.text
    );
    let after = sms_rows(&record(env, &number)?);
    ensure!(
        after[0]["status"] == "delivered",
        "still delivered: {}",
        after[0]["status"]
    );
    let history = after[0]["history"].as_array().map(Vec::len).unwrap_or(0);
    ensure!(history == 3, "no history added: {history}");
    Ok(())
}

/// Walks a `pos` application to out_for_delivery and waits for its courier
/// delivery order; returns the number and the order id.
fn out_for_delivery(env: &Env) -> Result<(String, String), String> {
    let (number, _) = submit_with_phone(env, "pos")?;
    walk_to(&env.api, &number, "out_for_delivery")?;
    let order = wait_for("the delivery order", Duration::from_secs(20), || {
        let body = record(env, &number)?;
        Ok(body["shipments"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["leg"] == "deliver_documents"))
            .and_then(|s| s["order_id"].as_str().map(String::from)))
    })?;
    Ok((number, order))
}

pub(crate) fn courier_event(env: &Env, order: &str, event: Value) -> Result<Value, String> {
    let r = env
        .standins
        .post(&format!("/_courier/orders/{order}/events"), None, &event);
    ensure!(r.status == 200, "stand-in: {} {}", r.status, r.text);
    Ok(r.body)
}

/// A report as Biteship posts it, with `secret` in the dashboard's header
/// (none: no header at all).
fn post_courier(env: &Env, body: &str, secret: Option<&str>) -> crate::api::Resp {
    let headers: Vec<(&str, &str)> = secret
        .map(|s| vec![(pakpos::dispatch::courier::WEBHOOK_HEADER, s)])
        .unwrap_or_default();
    env.api
        .raw_post("/webhooks/courier", "application/json", &headers, body)
}

fn a_forged_or_unsigned_courier_report_gets_403_and_changes_nothing(env: &Env) -> TestResult {
    let (number, order) = out_for_delivery(env)?;
    let body = json!({"event": "order.status", "order_id": order, "status": "delivered",
                      "courier_company": "pos", "updated_at": "2026-11-28T10:00:00Z"})
    .to_string();
    for (what, secret) in [
        ("forged", Some("not-the-secret")),
        ("empty", Some("")),
        ("unsigned", None),
    ] {
        let r = post_courier(env, &body, secret);
        ensure!(r.status == 403, "{what}: {} {}", r.status, r.text);
    }
    let body_now = record(env, &number)?;
    ensure!(
        body_now["status"] == "out_for_delivery",
        "unchanged: {}",
        body_now["status"]
    );
    ensure!(
        body_now["shipments"][1]["history"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "no shipment event recorded"
    );
    let real = post_courier(env, &body, Some(COURIER_WEBHOOK_SECRET));
    ensure!(
        real.status == 200,
        "the same report, with the dashboard's secret, is accepted: {} {}",
        real.status,
        real.text
    );
    Ok(())
}

fn a_courier_delivery_with_cod_completes_the_application_and_collects_the_fee(
    env: &Env,
) -> TestResult {
    let (number, order) = out_for_delivery(env)?;
    let body = record(env, &number)?;
    let pickup = body["shipments"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["leg"] == "pickup_documents"))
        .cloned()
        .unwrap_or_default();
    ensure!(
        pickup["waybill"]
            .as_str()
            .is_some_and(|w| w.starts_with('P')),
        "pickup booked with a waybill: {pickup}"
    );
    let picked = courier_event(
        env,
        pickup["order_id"].as_str().unwrap_or(""),
        json!({"status": "picked"}),
    )?;
    ensure!(picked["response_status"] == 200, "picked: {picked}");

    ensure!(
        courier_event(env, &order, json!({"status": "dropping_off"}))?["response_status"] == 200,
        "in transit"
    );
    let delivered = courier_event(env, &order, json!({"status": "delivered"}))?;
    ensure!(
        delivered["response_status"] == 200,
        "delivered: {delivered}"
    );
    let after = record(env, &number)?;
    ensure!(
        after["status"] == "completed",
        "completed by the courier: {}",
        after["status"]
    );
    let events = env.api.events("admin", &number)?;
    let last = events.last().cloned().unwrap_or_default();
    ensure!(
        last["action"] == "record_delivered" && last["actor"]["role"] == "courier",
        "{last}"
    );
    let fees: Vec<(String, String)> = after["fees"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            (
                f["leg"].as_str().unwrap_or("").into(),
                f["status"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    ensure!(
        fees == [
            ("pickup_documents".to_string(), "collected".to_string()),
            ("deliver_documents".to_string(), "collected".to_string())
        ],
        "fees: {fees:?}"
    );
    let delivery = after["shipments"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["leg"] == "deliver_documents"))
        .cloned()
        .unwrap_or_default();
    let statuses: Vec<&str> = delivery["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["status"].as_str()).collect())
        .unwrap_or_default();
    ensure!(
        delivery["status"] == "delivered" && statuses == ["in_transit", "delivered"],
        "{delivery}"
    );
    Ok(())
}

fn a_returned_delivery_goes_to_the_counter_with_its_sms_and_voids_the_fee(env: &Env) -> TestResult {
    let (number, order) = out_for_delivery(env)?;
    let returned = courier_event(
        env,
        &order,
        json!({"status": "returned", "note": "alamat tidak ditemukan"}),
    )?;
    ensure!(returned["response_status"] == 200, "{returned}");
    let after = record(env, &number)?;
    ensure!(after["status"] == "ready_for_pickup", "{}", after["status"]);
    let rows = all_sms_delivered(env, &number, Duration::from_secs(20))?;
    ensure!(
        rows.last()
            .is_some_and(|m| m["template"] == "delivery_returned"),
        "collect-at-the-counter SMS"
    );
    let fee = after["fees"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["leg"] == "deliver_documents"))
        .cloned()
        .unwrap_or_default();
    ensure!(fee["status"] == "void", "no COD owed: {fee}");
    let done = step(
        &env.api,
        "pickup_counter",
        &number,
        json!({"action": "hand_over", "collector": {"name": "Sri Lestari", "nik": "3312014502900001"}}),
    )?;
    ensure!(done["status"] == "completed", "{done}");
    Ok(())
}

fn a_replayed_courier_report_changes_nothing_twice(env: &Env) -> TestResult {
    let (number, order) = out_for_delivery(env)?;
    let delivered = courier_event(env, &order, json!({"status": "delivered"}))?;
    ensure!(delivered["response_status"] == 200, "{delivered}");
    let versions = record(env, &number)?["version"].clone();
    let event_id = delivered["event_id"].as_str().unwrap_or("").to_string();
    for _ in 0..2 {
        let replay = env
            .standins
            .post("/_courier/replay", None, &json!({"event_id": event_id}));
        ensure!(
            replay.status == 200 && replay.body["response_status"] == 200,
            "replay: {}",
            replay.text
        );
        ensure!(
            replay.body["response_body"]
                .as_str()
                .is_some_and(|b| b.contains("duplicate")),
            "recognised: {}",
            replay.text
        );
    }
    let after = record(env, &number)?;
    ensure!(after["version"] == versions, "nothing changed twice");
    let events = env.api.events("admin", &number)?;
    ensure!(
        events
            .iter()
            .filter(|e| e["action"] == "record_delivered")
            .count()
            == 1,
        "one delivery event"
    );
    Ok(())
}

/// A `pickup` application at awaiting_documents and its pickup order id.
pub(crate) fn pickup_order(env: &Env) -> Result<(String, String), String> {
    let (number, _) = submit_with_phone(env, "pickup")?;
    walk_to(&env.api, &number, "awaiting_documents")?;
    let order = wait_for("the pickup order", Duration::from_secs(20), || {
        Ok(shipment(&record(env, &number)?, "pickup_documents")
            .and_then(|s| s["order_id"].as_str().map(String::from)))
    })?;
    Ok((number, order))
}

pub(crate) fn shipment(body: &Value, leg: &str) -> Option<Value> {
    body["shipments"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["leg"] == leg))
        .cloned()
}

/// Biteship's cancel, as the adapter's `cancel` calls it.
fn cancel_order(env: &Env, order: &str, key: &str) -> crate::api::Resp {
    let body = json!({"cancellation_reason_code": "others",
                      "cancellation_reason": "Permohonan dibatalkan"});
    env.standins.raw_post(
        &format!("/v1/orders/{order}/cancel"),
        "application/json",
        &[("Authorization", key)],
        &body.to_string(),
    )
}

/// Biteship's rule in the stand-in: an order is cancelled only before the
/// courier picked it up, and the cancellation comes back as an
/// `order.status` `cancelled` webhook, recorded on the shipment.
fn a_courier_order_is_cancelled_only_before_pickup_and_its_webhook_is_recorded(
    env: &Env,
) -> TestResult {
    let (number, order) = pickup_order(env)?;
    let wrong_key = cancel_order(env, &order, "not-the-key");
    ensure!(wrong_key.status == 401, "wrong key: {}", wrong_key.text);
    let r = cancel_order(env, &order, COURIER_API_KEY);
    ensure!(
        r.status == 200 && r.body["status"] == "cancelled",
        "cancel before pickup: {} {}",
        r.status,
        r.text
    );
    let cancelled = wait_for("the cancelled report", Duration::from_secs(20), || {
        let s = shipment(&record(env, &number)?, "pickup_documents").unwrap_or_default();
        Ok((s["status"] == "cancelled").then_some(s))
    })?;
    ensure!(
        cancelled["history"][0]["event_id"] == format!("{order}:cancelled"),
        "{cancelled}"
    );

    let (number, order) = pickup_order(env)?;
    courier_event(env, &order, json!({"status": "picked"}))?;
    let refused = cancel_order(env, &order, COURIER_API_KEY);
    ensure!(
        refused.status == 400
            && refused.body["success"] == false
            && refused.text.contains("cannot be cancelled"),
        "cancel after pickup: {} {}",
        refused.status,
        refused.text
    );
    let s = shipment(&record(env, &number)?, "pickup_documents").unwrap_or_default();
    ensure!(s["status"] == "picked", "still picked: {s}");
    Ok(())
}

fn the_reconciliation_reports_fees_expected_collected_and_outstanding(env: &Env) -> TestResult {
    let token = env.api.token("head_of_agency")?;
    let totals = |api: &Api| -> Result<Value, String> {
        let r = api.get("/api/v1/fees/reconciliation", Some(&token));
        ensure!(r.status == 200, "{} {}", r.status, r.text);
        Ok(r.body["totals"].clone())
    };
    let before = totals(&env.api)?;
    let (number, order) = out_for_delivery(env)?;
    let mid = totals(&env.api)?;
    let delta = |a: &Value, b: &Value, k: &str| {
        b[k]["amount"].as_i64().unwrap_or(0) - a[k]["amount"].as_i64().unwrap_or(0)
    };
    ensure!(
        delta(&before, &mid, "expected") == 20000,
        "two legs expected: {before} → {mid}"
    );
    // The papers arrived: the pickup fee is settled; the COD is outstanding.
    ensure!(
        delta(&before, &mid, "outstanding") == 10000 && delta(&before, &mid, "collected") == 10000,
        "the pickup settled at receive_documents, the COD outstanding: {before} → {mid}"
    );
    courier_event(env, &order, json!({"status": "delivered"}))?;
    let after = totals(&env.api)?;
    ensure!(
        delta(&mid, &after, "collected") == 10000 && delta(&mid, &after, "outstanding") == -10000,
        "COD collected: {mid} → {after}"
    );
    ensure!(record(env, &number)?["status"] == "completed", "completed");
    let r = env
        .api
        .get("/api/v1/fees/reconciliation?from=2026-13-01", Some(&token));
    ensure!(r.status == 422 && r.error_field() == "from", "{}", r.text);
    let r = env.api.get(
        "/api/v1/fees/reconciliation",
        Some(&env.api.token("production")?),
    );
    ensure!(
        r.status == 403,
        "production does not see the ledger: {}",
        r.status
    );
    Ok(())
}

/// The gateway takes one SMS and then never answers (the stand-ins' hold
/// switch): the call is cut off after PROVIDER_TIMEOUT_SECONDS (8 s in the
/// tests) instead of hanging, other SMS go meanwhile, and the held one —
/// which the gateway did accept — is found by the in-doubt lookup and
/// recorded with its sid, never sent a second time.
fn a_hanging_gateway_call_times_out_and_the_sms_it_sent_is_found_not_sent_twice(
    env: &Env,
) -> TestResult {
    let s = seed();
    let phone = format!("+628123{s:07}");
    let switches = Switches::set(
        &env.standins,
        json!({"hold_ms": 120_000, "hold_numbers": [phone]}),
    )?;
    let r = env.api.submit(&application(s, "pickup"));
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or("")
        .to_string();
    wait_for(
        "the gateway to take the SMS",
        Duration::from_secs(30),
        || Ok((gateway_sms(env, &phone)?.len() == 1).then_some(())),
    )?;
    let held_since = Instant::now();

    let (other, other_phone) = submit_with_phone(env, "pickup")?;
    wait_for(
        "another SMS while one hangs",
        Duration::from_secs(30),
        || Ok((gateway_sms(env, &other_phone)?.len() == 1).then_some(())),
    )?;

    let recovered = wait_for("the held SMS recorded", Duration::from_secs(45), || {
        let rows = sms_rows(&record(env, &number)?);
        Ok(rows.first().filter(|m| m["status"] == "accepted").cloned())
    })?;
    ensure!(
        held_since.elapsed() < Duration::from_secs(60),
        "recorded while the gateway still held its answer"
    );
    let sent = gateway_sms(env, &phone)?;
    ensure!(sent.len() == 1, "the gateway got {} copies", sent.len());
    ensure!(
        recovered["provider_id"] == sent[0]["sid"],
        "the found sid is kept: {} vs {}",
        recovered["provider_id"],
        sent[0]["sid"]
    );
    let notes: Vec<&str> = recovered["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["detail"].as_str()).collect())
        .unwrap_or_default();
    ensure!(
        notes.iter().any(|d| d.starts_with("recovered:"))
            && notes.iter().any(|d| d.contains("no answer within")),
        "the history says it timed out and was recovered: {notes:?}"
    );

    // Released, the gateway reports on it as usual; still one copy.
    drop(switches);
    all_sms_delivered(env, &number, Duration::from_secs(30))?;
    all_sms_delivered(env, &other, Duration::from_secs(30))?;
    ensure!(
        gateway_sms(env, &phone)?.len() == 1,
        "one copy after the release"
    );
    Ok(())
}

/// The pickup fee (Rp 10.000, paid by the citizen to the courier) after each
/// point a cancellation can come: voided when nothing was collected; kept
/// collected when the courier reported it, or when the papers arrived (the
/// counter's receipt settles it).
fn the_fee_ledger_after_each_cancel_point_keeps_what_was_collected(env: &Env) -> TestResult {
    let pickup_fee = |number: &str| -> Result<Value, String> {
        let body = record(env, number)?;
        Ok(body["fees"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["leg"] == "pickup_documents"))
            .map(|f| f["status"].clone())
            .unwrap_or_default())
    };
    let cancel = |role: &str, number: &str| -> TestResult {
        step(
            &env.api,
            role,
            number,
            json!({"action": "cancel", "reason": "Berkas persyaratan tidak lengkap"}),
        )
        .map(|_| ())
    };
    // Cancelled while awaiting the papers, nothing collected: void.
    let (before_pickup, _) = pickup_order(env)?;
    cancel("pickup_counter", &before_pickup)?;
    ensure!(
        pickup_fee(&before_pickup)? == "void",
        "nothing collected: {}",
        pickup_fee(&before_pickup)?
    );
    // The courier collected it, then the application was cancelled: kept.
    let (picked, order) = pickup_order(env)?;
    courier_event(env, &order, json!({"status": "picked"}))?;
    wait_for("the pickup fee collected", Duration::from_secs(20), || {
        Ok((pickup_fee(&picked)? == "collected").then_some(()))
    })?;
    cancel("pickup_counter", &picked)?;
    ensure!(
        pickup_fee(&picked)? == "collected",
        "collected, then cancelled: {}",
        pickup_fee(&picked)?
    );
    // The papers arrived (settled by the counter), cancelled in production: kept.
    let (received, _) = pickup_order(env)?;
    step(
        &env.api,
        "pickup_counter",
        &received,
        json!({"action": "receive_documents", "checklist": full_checklist()}),
    )?;
    ensure!(
        pickup_fee(&received)? == "collected",
        "settled on receipt: {}",
        pickup_fee(&received)?
    );
    cancel("production", &received)?;
    ensure!(
        pickup_fee(&received)? == "collected",
        "received, then cancelled: {}",
        pickup_fee(&received)?
    );
    Ok(())
}
