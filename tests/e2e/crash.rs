//! The Worker killed mid-load and restarted on the same state: nothing
//! acknowledged is lost, nothing is half-applied, and every SMS and courier
//! order reaches the provider exactly once — also when the kill falls
//! between the provider's acceptance and our write (the stand-ins' hold
//! switch), where only the in-doubt lookup prevents a second send.
//!
//! A stack of its own (its own `wrangler dev`, stand-ins and state), driven
//! by its own client: answers during a kill are lost connections, never
//! contract breaches.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api::{application, username, DEMO_PASSWORD};
use crate::server::Server;
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![a_worker_killed_mid_load_loses_nothing_and_sends_every_message_exactly_once]
}

const APPLICATIONS: usize = 40;
const IN_FLIGHT: usize = 8;
const RANDOM_KILLS: usize = 3;
/// Short leases, timeouts and backoffs, so the relay drains quickly.
const VARS: [&str; 5] = [
    "DISPATCH_LEASE_SECONDS=10",
    "PROVIDER_TIMEOUT_SECONDS=2",
    "DISPATCH_RETRY_BASE_SECONDS=1",
    "DISPATCH_RETRY_MAX_SECONDS=2",
    "RELAY_MIN_AGE_SECONDS=0",
];

/// A plain client (no contract check: a dying server's answers are not the API's).
struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    fn new(base: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_idle_connections(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Client {
            base: base.to_string(),
            agent,
        }
    }

    /// Status and JSON body; status 0 when no whole answer came (the
    /// connection died, or the Worker was killed mid-answer: every answer
    /// of the API is JSON, so one that does not parse was cut off).
    fn call(&self, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let auth = token.map(|t| format!("Bearer {t}"));
        // Each request from its own address, as citizens' phones would be:
        // the per-address limits are not what this test is about.
        let address = crate::api::fresh_address();
        let result = match body {
            None => {
                let mut r = self.agent.get(&url).header("CF-Connecting-IP", &address);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            Some(body) => {
                let mut r = self
                    .agent
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .header("CF-Connecting-IP", &address);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.send(body.to_string())
            }
        };
        Self::read(result)
    }

    /// A POST of raw bytes (a draft upload), answered like [`Client::call`].
    fn post_raw(&self, path: &str, token: &str, content_type: &str, body: &[u8]) -> (u16, Value) {
        let result = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type)
            .header("CF-Connecting-IP", &crate::api::fresh_address())
            .header("Authorization", format!("Bearer {token}"))
            .send(body);
        Self::read(result)
    }

    fn read(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
        match result {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let text = response.body_mut().read_to_string().unwrap_or_default();
                match serde_json::from_str(&text) {
                    Ok(body) => (status, body),
                    Err(_) => (0, Value::Null),
                }
            }
            Err(_) => (0, Value::Null),
        }
    }
}

/// What the drivers share with the killer.
struct Load {
    client: Client,
    tokens: HashMap<&'static str, String>,
    /// Set from a kill until the restarted Worker is healthy.
    down: AtomicBool,
    /// The applications whose submission was acknowledged: number, delivery,
    /// and every status acknowledged or confirmed, in order.
    done: Mutex<Vec<(String, String, Vec<String>)>>,
    next: AtomicUsize,
    unanswered: AtomicUsize,
}

impl Load {
    /// Waits while the Worker is down or restarting.
    fn wait_up(&self) {
        while self.down.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A request that must get an answer: retried (after the restart) when
    /// the connection died. Only for requests that are safe to repeat.
    fn answered(&self, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
        loop {
            self.wait_up();
            let (status, value) = self.client.call(path, token, body);
            if status != 0 && status != 502 && status != 503 {
                return (status, value);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Uploads a draft for every product still without one, until none is
    /// missing: an upload without an answer may or may not have committed,
    /// and the record says which.
    fn attach_drafts(&self, number: &str) -> Result<usize, String> {
        loop {
            let (_, record) = self.answered(
                &format!("/api/v1/applications/{number}"),
                Some(&self.tokens["admin"]),
                None,
            );
            let missing: Vec<String> = record["products"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["draft"].is_null())
                .filter_map(|p| p["product"].as_str().map(String::from))
                .collect();
            if missing.is_empty() {
                return Ok(record["products"].as_array().map_or(0, Vec::len));
            }
            for product in missing {
                self.wait_up();
                let pdf = crate::workflow::draft_pdf(&product);
                let doc_number = crate::workflow::document_number(&product);
                let (content_type, body) =
                    crate::workflow::draft_body(&[("document_number", &doc_number)], &pdf);
                let (status, answer) = self.client.post_raw(
                    &format!("/api/v1/applications/{number}/products/{product}/draft"),
                    &self.tokens["production"],
                    &content_type,
                    &body,
                );
                ensure!(
                    matches!(status, 0 | 200 | 502 | 503),
                    "{number} draft {product}: {status} {answer}"
                );
                if status != 200 {
                    self.unanswered.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }

    fn status_of(&self, number: &str) -> String {
        let (_, body) = self.answered(
            &format!("/api/v1/applications/{number}"),
            Some(&self.tokens["admin"]),
            None,
        );
        body["status"].as_str().unwrap_or("").to_string()
    }

    /// Submits one application and walks it to its last status. A step
    /// without an answer may or may not have committed: the application's
    /// status says which, and the step is sent again only if it did not.
    fn drive(&self, seed: u32, delivery: &str) -> Result<(), String> {
        let mut attempt = 0;
        let number = loop {
            self.wait_up();
            // A retry is another citizen: the lost one may have committed.
            let form = application(seed + 100 * attempt, delivery);
            attempt += 1;
            let (status, body) = self.client.call("/api/v1/applications", None, Some(&form));
            match status {
                201 => {
                    break body["registration_number"]
                        .as_str()
                        .unwrap_or("")
                        .to_string()
                }
                0 | 502 | 503 => {
                    // Maybe committed: an orphan the final checks still cover.
                    self.unanswered.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(200));
                }
                other => return Err(format!("submit: {other} {body}")),
            }
        };
        let mut seen = vec!["submitted".to_string()];
        let mut products = 1;
        for (role, action, after) in crate::workflow::path(delivery) {
            if action["action"] == "attach_draft" {
                // One event per product, each drafted once: a lost answer
                // is found committed in the record and not sent again.
                products = self.attach_drafts(&number)?;
                seen.extend(std::iter::repeat_n(after.to_string(), products));
                continue;
            }
            if action["action"] == "sign" {
                // Signing every product is one event per product.
                seen.extend(std::iter::repeat_n(
                    "awaiting_signature".to_string(),
                    products.saturating_sub(1),
                ));
            }
            loop {
                self.wait_up();
                let (status, body) = self.client.call(
                    &format!("/api/v1/applications/{number}/actions"),
                    Some(&self.tokens[role]),
                    Some(&action),
                );
                if status == 200 {
                    let now = body["status"].as_str().unwrap_or("");
                    ensure!(now == after, "{number} {action}: {now}, not {after}");
                    break;
                }
                ensure!(
                    matches!(status, 0 | 502 | 503),
                    "{number} {action}: {status} {body}"
                );
                self.unanswered.fetch_add(1, Ordering::SeqCst);
                if self.status_of(&number) == after {
                    break; // committed, answer lost
                }
            }
            seen.push(after.to_string());
        }
        self.done
            .lock()
            .map_err(|e| e.to_string())?
            .push((number, delivery.to_string(), seen));
        Ok(())
    }
}

/// A small seeded generator (xorshift), so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn standins(server: &Server, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let (status, value) = Client::new(&server.standins).call(path, None, body);
    ensure!(status == 200, "stand-ins {path}: {status} {value}");
    Ok(value)
}

fn held(server: &Server) -> Result<usize, String> {
    Ok(standins(server, "/_records", None)?["held"]
        .as_array()
        .map_or(0, Vec::len))
}

/// Kills the Worker's process group and starts it again, the drivers held
/// off meanwhile (their requests in flight at the kill get no answer).
fn crash(server: &Server, load: &Load, between: impl FnOnce() -> TestResult) -> TestResult {
    load.down.store(true, Ordering::SeqCst);
    server.kill_worker()?;
    between()?;
    server.restart_worker()?;
    load.down.store(false, Ordering::SeqCst);
    Ok(())
}

fn rows(server: &Server, sql: &str) -> Result<Vec<Value>, String> {
    Ok(server.query(sql)?.as_array().cloned().unwrap_or_default())
}

fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn a_worker_killed_mid_load_loses_nothing_and_sends_every_message_exactly_once(
    _env: &Env,
) -> TestResult {
    let started = Instant::now();
    let mut args = vec!["--build", "none"];
    for var in VARS {
        args.extend(["--var", var]);
    }
    let server = Server::start_with("crash", &args)?;
    // The courier is driven by nobody here: its reports would move the
    // applications on their own. Injected provider errors leave rows
    // retrying at the kills: the relay must pick them up when due.
    standins(
        &server,
        "/_control",
        Some(&json!({"courier_auto": false, "sms_error_rate": 0.2, "courier_error_rate": 0.2})),
    )?;
    let client = Client::new(&server.base);
    let mut tokens = HashMap::new();
    for role in [
        "front_office",
        "validator",
        "pickup_counter",
        "production",
        "head_of_agency",
        "admin",
    ] {
        let (status, body) = client.call(
            "/api/v1/auth/login",
            None,
            Some(&json!({"username": username(role), "password": DEMO_PASSWORD})),
        );
        ensure!(status == 200, "login {role}: {status} {body}");
        tokens.insert(role, body["token"].as_str().unwrap_or("").to_string());
    }
    let load = Arc::new(Load {
        client,
        tokens,
        down: AtomicBool::new(false),
        done: Mutex::new(Vec::new()),
        next: AtomicUsize::new(0),
        unanswered: AtomicUsize::new(0),
    });
    let seed = started.elapsed().as_nanos() as u64 | 1;
    let mut rng = Rng(seed ^ 0x9e37_79b9_7f4a_7c15);
    eprintln!("crash test: seed {seed}");

    let drivers: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let load = Arc::clone(&load);
            std::thread::spawn(move || -> TestResult {
                loop {
                    let i = load.next.fetch_add(1, Ordering::SeqCst);
                    if i >= APPLICATIONS {
                        return Ok(());
                    }
                    let delivery = if i % 2 == 0 { "pos" } else { "pickup" };
                    load.drive(900_000 + i as u32, delivery)?;
                }
            })
        })
        .collect();

    // Random kills under load, and once exactly between the gateway's
    // acceptance and our write.
    for kill in 0..=RANDOM_KILLS {
        std::thread::sleep(Duration::from_millis(1_500 + rng.below(3_500)));
        if kill == 1 {
            let before = held(&server)?;
            standins(&server, "/_control", Some(&json!({"hold_ms": 60_000})))?;
            // One more submission, so a send is under way even if the load is done.
            let (status, body) = load.client.call(
                "/api/v1/applications",
                None,
                Some(&application(800_000, "pickup")),
            );
            ensure!(status == 201, "trigger submit: {status} {body}");
            let limit = Instant::now() + Duration::from_secs(30);
            while held(&server)? == before {
                ensure!(
                    Instant::now() < limit,
                    "no send reached the held gateway within 30 s"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            crash(&server, &load, || {
                standins(&server, "/_control", Some(&json!({"hold_ms": 0}))).map(|_| ())
            })?;
        } else {
            crash(&server, &load, || Ok(()))?;
        }
        eprintln!(
            "crash test: kill {} done after {:.0} s",
            kill + 1,
            started.elapsed().as_secs_f64()
        );
    }
    for driver in drivers {
        driver
            .join()
            .map_err(|_| "a driver panicked".to_string())??;
    }

    // Let the relay hand out whatever the kills left behind.
    let drained = Instant::now();
    loop {
        load.client.call("/__scheduled?cron=*+*+*+*+*", None, None);
        let open = rows(
            &server,
            "SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending', 'retrying')",
        )?;
        if open.first().and_then(|r| r["n"].as_i64()) == Some(0) {
            break;
        }
        ensure!(
            drained.elapsed() < Duration::from_secs(120),
            "outbox not drained after 120 s: {open:?}\n{}",
            server.log_tail(40)
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    check(&server, &load)?;
    eprintln!(
        "crash test: {} applications, {} unanswered requests, {:.0} s",
        APPLICATIONS,
        load.unanswered.load(Ordering::SeqCst),
        started.elapsed().as_secs_f64()
    );
    server.stop();
    Ok(())
}

/// The assertions on the final state.
fn check(server: &Server, load: &Load) -> TestResult {
    let done = load.done.lock().map_err(|e| e.to_string())?.clone();
    ensure!(done.len() == APPLICATIONS, "{} driven", done.len());
    let apps = rows(
        server,
        "SELECT registration_number, status, version, delivery_method FROM applications",
    )?;
    let events = rows(
        server,
        "SELECT registration_number, seq, to_status FROM events ORDER BY registration_number, seq",
    )?;
    let outbox = rows(
        server,
        "SELECT id, registration_number, event_seq, channel, recipient, body, status FROM outbox",
    )?;
    let mut statuses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &events {
        statuses
            .entry(text(e, "registration_number"))
            .or_default()
            .push(text(e, "to_status"));
    }

    // 0 lost: every acknowledged (or confirmed) step is an event, once, in order.
    for (number, _, seen) in &done {
        let got = statuses.get(number).cloned().unwrap_or_default();
        ensure!(
            &got == seen,
            "{number}: events {got:?}, acknowledged {seen:?}"
        );
    }

    // 0 half-applied: version and status follow the last event, and every
    // event has as many outbox rows as the same step of every other
    // application with the same delivery method.
    let mut effects: BTreeMap<(String, usize, String), BTreeMap<String, usize>> = BTreeMap::new();
    for a in &apps {
        let number = text(a, "registration_number");
        let got = statuses.get(&number).cloned().unwrap_or_default();
        ensure!(
            a["version"].as_u64() == Some(got.len() as u64)
                && got.last().map(String::as_str) == a["status"].as_str(),
            "{number}: version {} status {} vs events {got:?}",
            a["version"],
            a["status"]
        );
        for (i, status) in got.iter().enumerate() {
            let count = outbox
                .iter()
                .filter(|o| {
                    text(o, "registration_number") == number
                        && o["event_seq"].as_u64() == Some(i as u64 + 1)
                })
                .count();
            effects
                .entry((text(a, "delivery_method"), i + 1, status.clone()))
                .or_default()
                .insert(number.clone(), count);
        }
    }
    for (step, counts) in &effects {
        let mut distinct: Vec<usize> = counts.values().copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        ensure!(
            distinct.len() == 1,
            "{step:?}: outbox rows per application differ: {counts:?}"
        );
    }

    // Exactly once at the providers, and nothing left unsent.
    let records = standins(server, "/_records", None)?;
    let mut at_gateway: HashMap<(String, String), usize> = HashMap::new();
    for m in records["sms"].as_array().cloned().unwrap_or_default() {
        *at_gateway
            .entry((text(&m, "to"), text(&m, "body")))
            .or_default() += 1;
    }
    let mut required: HashMap<(String, String), usize> = HashMap::new();
    let mut orders: HashMap<String, usize> = HashMap::new();
    for m in records["courier_orders"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        *orders.entry(text(&m, "reference_id")).or_default() += 1;
    }
    let mut courier_rows = 0;
    for o in &outbox {
        let status = text(o, "status");
        ensure!(
            matches!(status.as_str(), "accepted" | "sent" | "delivered"),
            "outbox #{} ended {status}",
            o["id"]
        );
        if o["channel"] == "sms" {
            *required
                .entry((text(o, "recipient"), text(o, "body")))
                .or_default() += 1;
        } else {
            courier_rows += 1;
            let key = format!("pakpos-outbox-{}", o["id"]);
            let copies = orders.get(&key).copied().unwrap_or(0);
            ensure!(copies == 1, "courier order {key} booked {copies} times");
        }
    }
    ensure!(
        orders.len() == courier_rows,
        "{} orders for {courier_rows} rows",
        orders.len()
    );
    ensure!(
        !required.is_empty() && courier_rows > 0,
        "the load sent SMS and booked couriers"
    );
    for (key, wanted) in &required {
        let got = at_gateway.get(key).copied().unwrap_or(0);
        ensure!(
            got == *wanted,
            "an SMS to {} reached the gateway {got} times, {wanted} wanted",
            key.0
        );
    }
    ensure!(
        at_gateway.len() == required.len(),
        "the gateway got SMS no outbox row asked for"
    );
    // The held kill left an accepted message unrecorded: it was found, not re-sent.
    let recovered = rows(
        server,
        "SELECT count(*) AS n FROM message_status_history WHERE detail LIKE 'recovered:%'",
    )?;
    ensure!(
        recovered.first().and_then(|r| r["n"].as_i64()).unwrap_or(0) > 0,
        "no in-doubt message was recovered: {recovered:?}"
    );
    Ok(())
}
