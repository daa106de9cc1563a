//! Paper that never gets lost: a cancellation after the applicant's papers
//! reached the agency sends them back (by post, tracked to delivery, or
//! handed over at the counter); a cancellation before the courier picked
//! them up cancels the pickup order; staff see what is still to return, the
//! citizen sees where their papers are, and the reconciliation counts the
//! returns.

use std::time::Duration;

use serde_json::{json, Value};

use crate::api::{full_checklist, nik, username, DEMO_PASSWORD};
use crate::dispatch::{courier_event as courier_report, pickup_order, record, shipment, wait_for};
use crate::ensure;
use crate::ui::Browser;
use crate::workflow::{step, submit, walk_to};
use crate::{Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        papers_cancelled_in_production_go_back_by_post_until_the_courier_delivers_them,
        papers_that_arrived_incomplete_wait_at_the_counter_until_handed_back,
        a_cancellation_before_the_pickup_cancels_the_courier_order,
        a_cancellation_after_the_courier_picked_the_papers_up_keeps_them_at_the_counter,
        received_papers_cannot_be_declared_not_received,
        a_return_the_courier_could_not_deliver_waits_at_the_counter,
    ]
}

fn courier_rows(body: &Value, template: &str) -> Vec<Value> {
    body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["channel"] == "courier" && m["template"] == template)
        .cloned()
        .collect()
}

fn cancel(env: &Env, role: &str, number: &str, papers_return: Option<&str>) -> TestResult {
    let mut body = json!({"action": "cancel", "reason": "Berkas persyaratan tidak lengkap"});
    if let Some(how) = papers_return {
        body["papers_return"] = json!(how);
    }
    step(&env.api, role, number, body).map(|_| ())
}

/// The citizen's own view (number + NIK), as the tracking page shows it.
fn citizen_view(env: &Env, number: &str, nik: &str) -> Result<Value, String> {
    let r = env.api.post(
        &format!("/api/v1/applications/{number}/status"),
        None,
        &json!({ "nik": nik }),
    );
    ensure!(r.status == 200, "status: {} {}", r.status, r.text);
    Ok(r.body)
}

fn applicant_nik(env: &Env, number: &str) -> Result<String, String> {
    Ok(record(env, number)?["applicant"]["nik"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

/// The courier reports `status` on `order`.
fn courier_event(env: &Env, order: &str, status: &str) -> TestResult {
    courier_report(env, order, json!({ "status": status })).map(|_| ())
}

/// Waits until the return leg of `number` is booked; its order id.
fn return_order(env: &Env, number: &str) -> Result<String, String> {
    wait_for("the return order", Duration::from_secs(30), || {
        Ok(shipment(&record(env, number)?, "return_documents")
            .and_then(|s| s["order_id"].as_str().map(String::from)))
    })
}

/// The staff list of papers to give back, as `role` sees it.
fn returns_page(env: &Env, role: &str) -> Result<(u16, String), String> {
    let browser = Browser::new(env);
    let cookie = browser.sign_in(username(role), DEMO_PASSWORD)?;
    let r = browser.get("/staff/berkas-kembali", Some(&cookie));
    Ok((r.status, r.text))
}

fn returns_totals(env: &Env) -> Result<Value, String> {
    let token = env.api.token("admin")?;
    let r = env.api.get("/api/v1/fees/reconciliation", Some(&token));
    ensure!(r.status == 200, "reconciliation: {} {}", r.status, r.text);
    Ok(r.body["returns"].clone())
}

fn papers_cancelled_in_production_go_back_by_post_until_the_courier_delivers_them(
    env: &Env,
) -> TestResult {
    let number = submit(&env.api, "pickup")?;
    walk_to(&env.api, &number, "in_production")?;
    let before = returns_totals(env)?;
    cancel(env, "production", &number, None)?;
    let body = record(env, &number)?;
    ensure!(body["papers"] == "returning_by_pos", "{}", body["papers"]);
    let cancelled_sms = body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["template"] == "cancelled")
        .map(|m| m["body"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    // One segment holds the reason and a link to the tracking page, which
    // says where the papers are.
    ensure!(
        cancelled_sms.ends_with(&format!("/l/{}", number.replace('-', ""))),
        "the SMS links to the page that says where the papers are: {cancelled_sms}"
    );
    // Its own courier leg, from the office to the applicant, paid by the agency.
    let order = return_order(env, &number)?;
    let records = env.standins.get("/_records", None).body;
    let booked = records["courier_orders"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["order_id"] == order.as_str())
        .cloned()
        .unwrap_or_default();
    let request = &booked["request"];
    ensure!(
        request["destination_contact_name"] == "Sri Lestari"
            && request["origin_contact_name"]
                .as_str()
                .is_some_and(|n| n.contains("Dinas Kependudukan"))
            && request.get("destination_cash_on_delivery").is_none(),
        "return order: {request}"
    );
    let (status, page) = returns_page(env, "pickup_counter")?;
    ensure!(status == 200 && page.contains(&number), "listed: {status}");
    let nik = applicant_nik(env, &number)?;
    let view = citizen_view(env, &number, &nik)?;
    ensure!(
        view["papers_location"] == "returning_by_pos",
        "citizen: {view}"
    );
    // The courier delivers: the papers are back, recorded as the courier's step.
    courier_event(env, &order, "dropping_off")?;
    courier_event(env, &order, "delivered")?;
    wait_for("the papers returned", Duration::from_secs(20), || {
        Ok((record(env, &number)?["papers"] == "returned").then_some(()))
    })?;
    let events = env.api.events("admin", &number)?;
    let last = events.last().cloned().unwrap_or_default();
    ensure!(
        last["action"] == "return_papers" && last["actor"]["role"] == "courier",
        "{last}"
    );
    let (_, page) = returns_page(env, "pickup_counter")?;
    ensure!(!page.contains(&number), "no longer listed");
    let view = citizen_view(env, &number, &nik)?;
    ensure!(view["papers_location"] == "returned", "citizen: {view}");
    let after = returns_totals(env)?;
    for key in ["booked", "delivered", "agency_paid"] {
        ensure!(
            after[key].as_i64() > before[key].as_i64(),
            "reconciliation {key}: {before} → {after}"
        );
    }
    Ok(())
}

fn papers_that_arrived_incomplete_wait_at_the_counter_until_handed_back(env: &Env) -> TestResult {
    let number = submit(&env.api, "pos")?;
    walk_to(&env.api, &number, "awaiting_documents")?;
    cancel(env, "pickup_counter", &number, Some("counter"))?;
    let body = record(env, &number)?;
    ensure!(body["papers"] == "at_counter", "{}", body["papers"]);
    ensure!(
        shipment(&body, "return_documents").is_none()
            && courier_rows(&body, "return_documents").is_empty(),
        "no courier for papers collected at the counter"
    );
    let (status, page) = returns_page(env, "pickup_counter")?;
    ensure!(status == 200 && page.contains(&number), "listed: {status}");
    let (status, _) = returns_page(env, "village_operator")?;
    ensure!(status == 403, "a village operator: {status}");

    let version = body["version"].clone();
    let hand_back = |role: &str, collector: Value| {
        env.api.act(
            role,
            &number,
            &json!({"action": "return_papers", "collector": collector}),
        )
    };
    let r = hand_back("production", json!({"name": "Sri Lestari", "nik": nik(1)}))?;
    ensure!(r.status == 403, "production: {} {}", r.status, r.text);
    let r = hand_back(
        "pickup_counter",
        json!({"name": "Sri Lestari", "nik": "123"}),
    )?;
    ensure!(
        r.status == 422 && r.body["error"]["field"] == "collector.nik",
        "bad NIK: {} {}",
        r.status,
        r.text
    );
    ensure!(
        record(env, &number)?["version"] == version,
        "refusals change nothing"
    );
    let r = hand_back(
        "pickup_counter",
        json!({"name": "Sri Lestari", "nik": nik(1)}),
    )?;
    ensure!(r.status == 200, "hand back: {} {}", r.status, r.text);
    let body = record(env, &number)?;
    ensure!(
        body["papers"] == "returned" && body["status"] == "cancelled",
        "{} {}",
        body["papers"],
        body["status"]
    );
    let r = hand_back(
        "pickup_counter",
        json!({"name": "Sri Lestari", "nik": nik(1)}),
    )?;
    ensure!(
        r.status == 422 && r.body["error"]["field"] == "papers",
        "twice: {} {}",
        r.status,
        r.text
    );
    let (_, page) = returns_page(env, "pickup_counter")?;
    ensure!(!page.contains(&number), "no longer listed");
    Ok(())
}

/// Waits until the cancellation row of `number` is done; returns it.
fn cancellation_done(env: &Env, number: &str) -> Result<Value, String> {
    wait_for("the pickup cancellation", Duration::from_secs(30), || {
        let rows = courier_rows(&record(env, number)?, "cancel_pickup_documents");
        Ok(rows.into_iter().find(|m| m["status"] == "delivered"))
    })
}

fn a_cancellation_before_the_pickup_cancels_the_courier_order(env: &Env) -> TestResult {
    let (number, order) = pickup_order(env)?;
    cancel(env, "pickup_counter", &number, None)?;
    cancellation_done(env, &number)?;
    let cancels = env.standins.get("/_records", None).body["courier_cancels"].clone();
    let mine: Vec<&Value> = cancels
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["order_id"] == order.as_str())
        .collect();
    ensure!(
        mine.len() == 1,
        "cancelled once with the courier: {cancels}"
    );
    let body = record(env, &number)?;
    ensure!(
        body["papers"].is_null(),
        "still with the citizen: {}",
        body["papers"]
    );
    // The courier's own report of the cancellation follows.
    wait_for("the shipment cancelled", Duration::from_secs(20), || {
        Ok((shipment(&record(env, &number)?, "pickup_documents")
            .is_some_and(|s| s["status"] == "cancelled"))
        .then_some(()))
    })
}

fn a_cancellation_after_the_courier_picked_the_papers_up_keeps_them_at_the_counter(
    env: &Env,
) -> TestResult {
    let (number, order) = pickup_order(env)?;
    courier_event(env, &order, "picked")?;
    wait_for("the pickup picked", Duration::from_secs(20), || {
        Ok((shipment(&record(env, &number)?, "pickup_documents")
            .is_some_and(|s| s["status"] == "picked"))
        .then_some(()))
    })?;
    cancel(env, "pickup_counter", &number, None)?;
    cancellation_done(env, &number)?;
    let body = record(env, &number)?;
    ensure!(
        body["papers"] == "at_counter",
        "on their way to the agency, to wait at the counter: {}",
        body["papers"]
    );
    let cancels = env.standins.get("/_records", None).body["courier_cancels"].clone();
    ensure!(
        !cancels
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["order_id"] == order.as_str()),
        "a picked-up order is not cancelled"
    );
    let (_, page) = returns_page(env, "pickup_counter")?;
    ensure!(page.contains(&number), "listed to be returned");
    Ok(())
}

fn received_papers_cannot_be_declared_not_received(env: &Env) -> TestResult {
    let number = submit(&env.api, "pickup")?;
    walk_to(&env.api, &number, "awaiting_documents")?;
    step(
        &env.api,
        "pickup_counter",
        &number,
        json!({"action": "receive_documents", "checklist": full_checklist()}),
    )?;
    let before = record(env, &number)?;
    ensure!(before["papers"] == "at_agency", "{}", before["papers"]);
    let r = env.api.act(
        "production",
        &number,
        &json!({"action": "cancel", "reason": "Berkas tidak sah", "papers_return": "not_received"}),
    )?;
    ensure!(
        r.status == 422 && r.body["error"]["field"] == "papers_return",
        "{} {}",
        r.status,
        r.text
    );
    let r = env.api.act(
        "production",
        &number,
        &json!({"action": "cancel", "reason": "Berkas tidak sah", "papers_return": "kurir"}),
    )?;
    ensure!(
        r.status == 422 && r.body["error"]["field"] == "papers_return",
        "{} {}",
        r.status,
        r.text
    );
    let after = record(env, &number)?;
    ensure!(
        after["version"] == before["version"] && after["status"] == "in_production",
        "nothing changed"
    );
    Ok(())
}

fn a_return_the_courier_could_not_deliver_waits_at_the_counter(env: &Env) -> TestResult {
    let number = submit(&env.api, "pos")?;
    walk_to(&env.api, &number, "in_production")?;
    cancel(env, "production", &number, Some("pos"))?;
    let order = return_order(env, &number)?;
    courier_event(env, &order, "dropping_off")?;
    courier_event(env, &order, "returned")?;
    wait_for(
        "the papers back at the counter",
        Duration::from_secs(20),
        || Ok((record(env, &number)?["papers"] == "at_counter").then_some(())),
    )?;
    let (_, page) = returns_page(env, "pickup_counter")?;
    ensure!(page.contains(&number), "listed again");
    let r = env.api.act(
        "pickup_counter",
        &number,
        &json!({"action": "return_papers", "collector": {"name": "Sri Lestari", "nik": nik(1)}}),
    )?;
    ensure!(r.status == 200, "hand back: {} {}", r.status, r.text);
    let body = record(env, &number)?;
    ensure!(body["papers"] == "returned", "{}", body["papers"]);
    let fee = body["fees"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["leg"] == "return_documents")
        .map(|f| f["status"].clone())
        .unwrap_or_default();
    ensure!(
        fee == "void",
        "nothing owed for a return that came back: {fee}"
    );
    Ok(())
}
