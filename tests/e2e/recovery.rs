//! Reports sent while we were down (issue 9): Twilio's status callbacks and
//! the courier's reports that never reached the Worker are recovered by the
//! cron, which asks the providers about messages and courier orders stuck
//! past `POLL_AFTER_SECONDS` (2 s in the test stack), and the reconciliation
//! shows what was learnt that way.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api::{application, Api};
use crate::workflow::{seed, walk_to};
use crate::{ensure, Env, TestResult};

/// These switch the stand-ins' reports off for everyone: they run alone.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![reports_lost_while_we_were_down_are_recovered_by_polling_the_providers]
}

/// The stand-ins drop their reports until this is dropped (even by a
/// failing test).
struct Down<'a>(&'a Api);

impl<'a> Down<'a> {
    fn start(standins: &'a Api) -> Result<Down<'a>, String> {
        let r = standins.post("/_control", None, &json!({"drop_reports": true}));
        ensure!(r.status == 200, "drop_reports: {} {}", r.status, r.text);
        Ok(Down(standins))
    }
}

impl Drop for Down<'_> {
    fn drop(&mut self) {
        self.0
            .post("/_control", None, &json!({"drop_reports": false}));
    }
}

fn record(env: &Env, number: &str) -> Result<Value, String> {
    let r = env.api.read("admin", number)?;
    ensure!(r.status == 200, "read {number}: {} {}", r.status, r.text);
    Ok(r.body)
}

fn list(body: &Value, key: &str) -> Vec<Value> {
    body[key].as_array().cloned().unwrap_or_default()
}

fn sms(body: &Value) -> Vec<Value> {
    list(body, "messages")
        .into_iter()
        .filter(|m| m["channel"] == "sms")
        .collect()
}

fn leg<'a>(rows: &'a [Value], leg: &str) -> Option<&'a Value> {
    rows.iter().find(|r| r["leg"] == leg)
}

/// Waits for `check` to give a value, up to `limit`; `tick` runs between tries.
fn until<T>(
    what: &str,
    limit: Duration,
    mut tick: impl FnMut() -> TestResult,
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
        std::thread::sleep(Duration::from_millis(500));
        tick()?;
    }
}

fn courier_event(env: &Env, order: &str, event: Value) -> Result<Value, String> {
    let r = env
        .standins
        .post(&format!("/_courier/orders/{order}/events"), None, &event);
    ensure!(r.status == 200, "stand-in: {} {}", r.status, r.text);
    ensure!(r.body["dropped"] == true, "report dropped: {}", r.text);
    Ok(r.body)
}

fn reconciliation(env: &Env, token: &str) -> Result<Value, String> {
    let r = env.api.get("/api/v1/fees/reconciliation", Some(token));
    ensure!(r.status == 200, "reconciliation: {} {}", r.status, r.text);
    Ok(r.body["recovered"].clone())
}

fn cron(env: &Env) -> TestResult {
    let tick = env.api.get("/__scheduled?cron=*+*+*+*+*", None);
    ensure!(tick.status == 200, "cron: {} {}", tick.status, tick.text);
    Ok(())
}

/// With every SMS callback and courier report lost, a delivery by post is
/// collected at both ends: nothing moves until the cron asks the providers;
/// then every SMS reaches the status Twilio knows, the courier's collections
/// enter the ledger, the delivery completes the application, and the
/// reconciliation lists each of them as recovered.
fn reports_lost_while_we_were_down_are_recovered_by_polling_the_providers(env: &Env) -> TestResult {
    let token = env.api.token("head_of_agency")?;
    let before = reconciliation(env, &token)?;
    let down = Down::start(&env.standins)?;
    let r = env.api.submit(&application(seed(), "pos"));
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or("")
        .to_string();
    walk_to(&env.api, &number, "out_for_delivery")?;
    let no_tick = || Ok(());
    let orders = until(
        "both courier orders",
        Duration::from_secs(30),
        no_tick,
        || {
            let shipments = list(&record(env, &number)?, "shipments");
            let order =
                |l| leg(&shipments, l).and_then(|s| s["order_id"].as_str().map(String::from));
            Ok(order("pickup_documents").zip(order("deliver_documents")))
        },
    )?;
    courier_event(env, &orders.0, json!({"status": "picked"}))?;
    courier_event(env, &orders.1, json!({"status": "dropping_off"}))?;
    courier_event(env, &orders.1, json!({"status": "delivered"}))?;

    // Every SMS is accepted, and at the gateway delivered; none of that, nor
    // the courier's collections, has reached us.
    let lost = until("the SMS accepted", Duration::from_secs(30), no_tick, || {
        let body = record(env, &number)?;
        let rows = sms(&body);
        Ok((rows.len() >= 4 && rows.iter().all(|m| m["status"] == "accepted")).then_some(body))
    })?;
    std::thread::sleep(Duration::from_millis(500));
    let records = env.standins.get("/_records", None).body;
    let sids: Vec<Value> = sms(&lost)
        .iter()
        .map(|m| m["provider_id"].clone())
        .collect();
    ensure!(
        list(&records, "sms")
            .iter()
            .filter(|m| sids.contains(&m["sid"]))
            .all(|m| m["status"] == "delivered"),
        "the gateway delivered them all"
    );
    let still = record(env, &number)?;
    ensure!(
        sms(&still).iter().all(|m| m["status"] == "accepted"),
        "no report reached us: {:?}",
        sms(&still)
    );
    // Only what the counter settled itself: the pickup fee, when the papers
    // arrived; the COD waits for the courier's report.
    let fees = list(&still, "fees");
    let fee = |l: &str| {
        fees.iter()
            .find(|f| f["leg"] == l)
            .map(|f| f["status"].clone())
            .unwrap_or_default()
    };
    ensure!(
        still["status"] == "out_for_delivery"
            && fee("pickup_documents") == "collected"
            && fee("deliver_documents") == "expected",
        "only the pickup settled yet: {} {fees:?}",
        still["status"]
    );

    // The cron asks.
    let after = until(
        "the cron's polls to recover every report",
        Duration::from_secs(60),
        || cron(env),
        || {
            let body = record(env, &number)?;
            let done = body["status"] == "completed"
                && sms(&body).iter().all(|m| m["status"] == "delivered")
                && list(&body, "fees")
                    .iter()
                    .all(|f| f["status"] == "collected");
            Ok(done.then_some(body))
        },
    )?;
    drop(down);

    // Every row was asked about (polled, or found by the in-doubt lookup of
    // a send whose answer was lost under load), and a final row no more.
    let ids: Vec<Value> = sms(&after)
        .iter()
        .map(|m| m["provider_id"].clone())
        .chain([json!(orders.0), json!(orders.1)])
        .collect();
    // How often each id was named by a poll or a lookup.
    let asked = || -> Vec<usize> {
        let records = env.standins.get("/_records", None).body;
        let polls = list(&records, "polls");
        let lookups = list(&records, "lookups");
        ids.iter()
            .map(|id| {
                polls.iter().filter(|p| &p["id"] == id).count()
                    + lookups
                        .iter()
                        .filter(|l| list(l, "ids").contains(id))
                        .count()
            })
            .collect()
    };
    let settled = asked();
    ensure!(
        settled.iter().all(|n| *n > 0),
        "each was asked: {:?}",
        ids.iter().zip(&settled).collect::<Vec<_>>()
    );
    std::thread::sleep(Duration::from_secs(3));
    cron(env)?;
    cron(env)?;
    ensure!(asked() == settled, "nothing final is polled again");
    let events = env.api.events("admin", &number)?;
    ensure!(
        events
            .iter()
            .filter(|e| e["action"] == "record_delivered" && e["actor"]["role"] == "courier")
            .count()
            == 1,
        "the polled delivery completed it once"
    );
    let shipments = list(&after, "shipments");
    let pickup = leg(&shipments, "pickup_documents")
        .cloned()
        .unwrap_or_default();
    let delivery = leg(&shipments, "deliver_documents")
        .cloned()
        .unwrap_or_default();
    ensure!(
        pickup["status"] == "picked" && delivery["status"] == "delivered",
        "shipments: {shipments:?}"
    );

    // The reconciliation lists every recovered row, and the fees.
    let recovered = reconciliation(env, &token)?;
    let rows = list(&recovered, "rows");
    let row = |id: &Value| rows.iter().find(|r| &r["outbox_id"] == id).cloned();
    for m in sms(&after) {
        let r = row(&m["id"]).ok_or_else(|| format!("SMS #{} not listed: {rows:?}", m["id"]))?;
        ensure!(
            r["channel"] == "sms"
                && r["status"] == "delivered"
                && r["registration_number"] == number,
            "{r}"
        );
    }
    for s in [&pickup, &delivery] {
        let r = row(&s["outbox_id"]).ok_or_else(|| format!("order {s} not listed: {rows:?}"))?;
        ensure!(
            r["channel"] == "courier" && r["fee_collected"] == 10000 && r["status"] == s["status"],
            "{r}"
        );
    }
    let delta = |k: &str| recovered[k].as_i64().unwrap_or(0) - before[k].as_i64().unwrap_or(0);
    ensure!(
        delta("count") == i64::try_from(sms(&after).len() + 2).unwrap_or(0),
        "recovered count: {before} → {recovered}"
    );
    ensure!(
        recovered["fees"]["amount"].as_i64().unwrap_or(0)
            - before["fees"]["amount"].as_i64().unwrap_or(0)
            == 20000,
        "both fees recovered: {before} → {recovered}"
    );
    Ok(())
}
