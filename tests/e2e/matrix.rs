//! Authorisation as a matrix, generated rather than listed by hand:
//!
//! - every role × every workflow action × every status, with the expected
//!   answer computed from the crate's own transition table
//!   (`pakpos::domain::workflow::rule_for`, the table of DESIGN.md), so a
//!   change to the table changes this test. Every pair the table does not
//!   allow is refused (401 / 403 `forbidden` / 409 `action_not_allowed`, as
//!   the OpenAPI document promises) and changes nothing; every pair it allows
//!   succeeds with the next version and the status the table names.
//! - every route of the route table × every role and anonymous: the test
//!   keeps one access rule per route ([`ACCESS`]) and fails when the route
//!   table (`pakpos::web::routes::ROUTES`) has a route without a rule, or a
//!   rule names a route that no longer exists.
//!
//! The courier's steps (`record_delivered`, `record_returned` by the signed
//! webhook) are the dispatch tests'; here the courier's rows of the table
//! are tried as staff roles only.
//!
//! The matrix uses its own client with its own client addresses
//! (TEST-NET-3), so the per-address limits of anonymous callers never mix
//! with the rest of the suite; fixtures are submitted by the village
//! operator, not anonymously.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use pakpos::domain::roles::{ActorKind, Role};
use pakpos::domain::workflow::{rule_for, Action, Command, Status, Target};
use pakpos::web::routes::{Kind, ROUTES};
use serde_json::{json, Value};

use crate::api::{application, nik, username, Api, Resp, DEMO_PASSWORD};
use crate::workflow::seed;
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        every_role_action_and_status_pair_is_answered_as_the_transition_table_says,
        every_route_answers_every_role_and_anonymous_as_its_access_rule_says,
    ]
}

// ---------------------------------------------------------------------------
// Callers

/// Who calls: nobody signed in, the demo account of a role (the village
/// operator of the fixtures' own village), or the other village's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Anonymous,
    Staff(Role),
    OtherVillage,
}

impl Caller {
    /// Everyone the matrix tries: every role of the crate, both operators,
    /// and anonymous.
    fn all() -> Vec<Caller> {
        std::iter::once(Caller::Anonymous)
            .chain(Role::ALL.into_iter().map(Caller::Staff))
            .chain(std::iter::once(Caller::OtherVillage))
            .collect()
    }

    fn name(self) -> &'static str {
        match self {
            Caller::Anonymous => "anonymous",
            Caller::Staff(role) => role.code(),
            Caller::OtherVillage => "other_village_operator",
        }
    }

    /// The role its session has, if any.
    fn role(self) -> Option<Role> {
        match self {
            Caller::Anonymous => None,
            Caller::Staff(role) => Some(role),
            Caller::OtherVillage => Some(Role::VillageOperator),
        }
    }
}

/// A client of its own: one client address (so per-address limits are its
/// own), sessions per caller, redirects shown rather than followed.
#[derive(Clone)]
struct Client {
    base: String,
    agent: ureq::Agent,
    ip: String,
    tokens: BTreeMap<Caller, String>,
}

/// How a request proves who it is.
#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    Bearer(&'a str),
    Cookie(&'a str),
}

impl Client {
    /// A client at `203.0.113.{host}`, signed in as every staff caller.
    fn new(env: &Env, host: u8) -> Result<Client, String> {
        let mut client = Client {
            base: env.api.base.clone(),
            agent: crate::ui::no_redirect_agent(),
            ip: format!("203.0.113.{host}"),
            tokens: BTreeMap::new(),
        };
        for caller in Caller::all() {
            if caller != Caller::Anonymous {
                let token = client.sign_in(caller)?;
                client.tokens.insert(caller, token);
            }
        }
        Ok(client)
    }

    /// A new API session for `caller`.
    fn sign_in(&self, caller: Caller) -> Result<String, String> {
        let r = self.json(
            "POST",
            "/api/v1/auth/login",
            Auth::None,
            Some(&json!({"username": username(caller.name()), "password": DEMO_PASSWORD})),
        );
        r.body["token"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| format!("login as {}: {} {}", caller.name(), r.status, r.text))
    }

    fn token(&self, caller: Caller) -> Option<&str> {
        self.tokens.get(&caller).map(String::as_str)
    }

    fn send(&self, method: &str, path: &str, auth: Auth, content: Option<(&str, Vec<u8>)>) -> Resp {
        let url = format!("{}{path}", self.base);
        let mut headers = vec![("CF-Connecting-IP".to_string(), self.ip.clone())];
        match auth {
            Auth::None => {}
            Auth::Bearer(t) => headers.push(("Authorization".into(), format!("Bearer {t}"))),
            Auth::Cookie(t) => headers.push(("Cookie".into(), format!("__Host-pakpos={t}"))),
        }
        Api::exchange(|| match (method, &content) {
            ("GET", _) => {
                let mut r = self.agent.get(&url);
                for (k, v) in &headers {
                    r = r.header(k.as_str(), v.as_str());
                }
                r.call()
            }
            (_, content) => {
                let mut r = self.agent.post(&url);
                for (k, v) in &headers {
                    r = r.header(k.as_str(), v.as_str());
                }
                let (content_type, bytes) = content
                    .clone()
                    .unwrap_or(("application/json", b"{}".to_vec()));
                r.header("Content-Type", content_type).send(&bytes[..])
            }
        })
    }

    /// A JSON request (`Content-Type: application/json`).
    fn json(&self, method: &str, path: &str, auth: Auth, body: Option<&Value>) -> Resp {
        let content = body.map(|b| ("application/json", b.to_string().into_bytes()));
        self.send(method, path, auth, content)
    }

    fn bearer(&self, caller: Caller) -> Auth<'_> {
        self.token(caller).map_or(Auth::None, Auth::Bearer)
    }

    /// The full record, as the administrator reads it.
    fn record(&self, number: &str) -> Result<Value, String> {
        let r = self.json(
            "GET",
            &format!("/api/v1/applications/{number}"),
            self.bearer(Caller::Staff(Role::Admin)),
            None,
        );
        ensure!(r.status == 200, "read {number}: {} {}", r.status, r.text);
        Ok(r.body)
    }

    fn events(&self, number: &str) -> Result<Vec<Value>, String> {
        let r = self.json(
            "GET",
            &format!("/api/v1/applications/{number}/events"),
            self.bearer(Caller::Staff(Role::Admin)),
            None,
        );
        ensure!(r.status == 200, "events {number}: {} {}", r.status, r.text);
        Ok(r.body["events"].as_array().cloned().unwrap_or_default())
    }

    /// Submits a fresh application in the operator's own village; its number.
    /// One service with one product (KIA), so that the per-product steps
    /// (`validate_signature`, `sign`) move the status in one step, as the
    /// table's row says.
    fn submit_as_operator(&self, delivery: &str) -> Result<String, String> {
        let mut body = application(seed(), delivery);
        body["services"] = json!(["child_id_card"]);
        body["checklist"] = json!(["kk_orang_tua"]);
        let r = self.json(
            "POST",
            "/api/v1/applications",
            self.bearer(Caller::Staff(Role::VillageOperator)),
            Some(&body),
        );
        ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
        r.body["registration_number"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| format!("no registration_number: {}", r.text))
    }
}

/// How many requests the matrix has in flight at once: enough to overlap
/// the server's waits, few enough for a two-core CI machine.
const THREADS: usize = 4;

/// Runs `job` over `jobs` on [`THREADS`] threads; the results in job order.
/// A panicking job (a contract breach) is a failure, not a crash.
fn in_parallel<J: Send, R: Send>(
    jobs: Vec<J>,
    job: impl Fn(J) -> Result<R, String> + Sync,
) -> Vec<Result<R, String>> {
    let count = jobs.len();
    let queue = std::sync::Mutex::new(jobs.into_iter().enumerate());
    let results = std::sync::Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| loop {
                let next = queue.lock().ok().and_then(|mut q| q.next());
                let Some((i, j)) = next else { break };
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(j)))
                    .unwrap_or_else(|_| Err(format!("job {i} panicked (see above)")));
                if let Ok(mut all) = results.lock() {
                    all.insert(i, r);
                }
            });
        }
    });
    let mut all = results.into_inner().unwrap_or_default();
    (0..count)
        .map(|i| {
            all.remove(&i)
                .unwrap_or_else(|| Err(format!("job {i} did not run")))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Part 1: role × action × status, from the transition table

/// What the table says a caller's attempt must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Applied: 200, version + 1, this status.
    Done(Status),
    /// Refused with this HTTP status and error code, nothing changed.
    Refused(u16, &'static str),
}

/// The workflow actions taken on an existing application through
/// `…/actions` (`submit` is its own endpoint, tried separately; a draft is
/// a file upload to its own endpoint, whose refusals `products::` tests).
fn actions() -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| !matches!(a, Action::Submit | Action::AttachDraft))
        .collect()
}

/// Whether `kind` performs `action` from some status of the table.
fn performs_somewhere(action: Action, kind: ActorKind) -> bool {
    Status::ALL
        .into_iter()
        .any(|s| rule_for(Some(s), action).is_some_and(|r| r.actors.contains(&kind)))
}

/// Where a rule's target leads from `status` for an application with this
/// delivery method (DESIGN.md: `mark_printed` goes to the counter or the post).
fn lands(status: Status, target: Target, delivery: &str) -> Status {
    match target {
        Target::To(s) => s,
        Target::Stay => status,
        Target::ByDeliveryMethod if delivery == "pos" => Status::OutForDelivery,
        Target::ByDeliveryMethod if delivery == "self_print" => Status::ReadyForDownload,
        Target::ByDeliveryMethod => Status::ReadyForPickup,
    }
}

/// The expected answer to `caller` taking `action` on an application in
/// `status`, from the table alone. The refusal codes are the OpenAPI
/// document's: a role not among the action's roles in this status (or that
/// never performs it) is 403 `forbidden`; a role that performs the action in
/// other statuses, where nobody performs it in this one, is 409
/// `action_not_allowed`; the other village's operator is 403 whatever the
/// table says; no session is 401.
fn expected(status: Status, delivery: &str, action: Action, caller: Caller) -> Outcome {
    let kind = match caller {
        Caller::Anonymous => return Outcome::Refused(401, "unauthenticated"),
        Caller::OtherVillage => return Outcome::Refused(403, "forbidden"),
        Caller::Staff(role) => ActorKind::Staff(role),
    };
    match rule_for(Some(status), action) {
        // The matrix's cancelled application was cancelled before any paper
        // reached the agency: there is nothing to give back (`returns::`
        // walks the hand-overs).
        Some(rule) if rule.actors.contains(&kind) && action == Action::ReturnPapers => {
            Outcome::Refused(422, "invalid_field")
        }
        Some(rule) if rule.actors.contains(&kind) => {
            Outcome::Done(lands(status, rule.target, delivery))
        }
        Some(_) => Outcome::Refused(403, "forbidden"),
        None if performs_somewhere(action, kind) => Outcome::Refused(409, "action_not_allowed"),
        None => Outcome::Refused(403, "forbidden"),
    }
}

/// A way through the table: (action, the role that takes it), in order.
type Walk = Vec<(Action, Role)>;

/// How to bring a new application to each status: the delivery method to
/// submit it with and the shortest walk of (action, role) through the table,
/// found by breadth-first search over status-changing rules. Statuses the
/// table cannot reach are missing from the map.
fn walks() -> BTreeMap<Status, (&'static str, Walk)> {
    let mut found: BTreeMap<Status, (&'static str, Walk)> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<(Status, &'static str, Walk)> = ["pickup", "pos", "self_print"]
        .into_iter()
        .map(|d| (Status::Submitted, d, Vec::new()))
        .collect();
    while let Some((status, delivery, walk)) = queue.pop_front() {
        if !seen.insert((status, delivery)) {
            continue;
        }
        found
            .entry(status)
            .or_insert_with(|| (delivery, walk.clone()));
        for action in actions() {
            let Some(rule) = rule_for(Some(status), action) else {
                continue;
            };
            let role = rule.actors.iter().find_map(|a| match a {
                ActorKind::Staff(r) => Some(*r),
                _ => None,
            });
            let next = lands(status, rule.target, delivery);
            if let (Some(role), true) = (role, next != status) {
                let mut longer = walk.clone();
                longer.push((action, role));
                queue.push_back((next, delivery, longer));
            }
        }
    }
    found
}

/// An application the matrix acts on, as far as the requests need it.
struct Fixture {
    number: String,
    version: i64,
    delivery: &'static str,
    /// The requirement codes of its services: the full checklist.
    requirements: Vec<String>,
    corrections: usize,
}

/// The request body of `action` on `f`, with every field the action needs
/// (valid, so that a refusal can only come from who and when, not what).
fn action_body(action: Action, f: &Fixture) -> Value {
    let mut body = match action {
        Action::Accept => json!({"siak_reference": "SIAK/3312/MATRIX"}),
        Action::ReceiveDocuments => json!({"checklist": f.requirements}),
        Action::Correct => {
            const NAMES: [&str; 4] = ["Bima Putra", "Bima Jaya", "Bima Sakti", "Bima Wijaya"];
            json!({"changes": {"subject.name": NAMES[f.corrections % NAMES.len()]}})
        }
        Action::HandOver | Action::ReturnPapers => {
            json!({"collector": {"name": "Sri Lestari", "nik": nik(1)}})
        }
        Action::RecordDelivered => json!({"receipt_number": "P2612020001"}),
        Action::ChangeDeliveryMethod if f.delivery == "pos" => {
            json!({"delivery_method": "pickup"})
        }
        Action::ChangeDeliveryMethod => {
            json!({"delivery_method": "pos", "delivery_address": "Jl. Pemuda 12, Wonogiri"})
        }
        Action::Sign => json!({"passphrase": crate::workflow::PASSPHRASE}),
        Action::Submit
        | Action::AttachDraft
        | Action::Approve
        | Action::RequestSignature
        | Action::ValidateSignature
        | Action::ReturnToProduction
        | Action::MarkPrinted
        | Action::RecordReturned
        | Action::RecordDownloaded
        | Action::Cancel => json!({}),
    };
    body["action"] = json!(action.code());
    body["expected_version"] = json!(f.version);
    if Command::requires_reason(action) {
        body["reason"] = json!("Uji matriks peran dan status");
    }
    body
}

fn act(c: &Client, caller: Caller, f: &Fixture, action: Action) -> Resp {
    c.json(
        "POST",
        &format!("/api/v1/applications/{}/actions", f.number),
        c.bearer(caller),
        Some(&action_body(action, f)),
    )
}

/// A new application in `status`, walked there along `walk`.
fn fixture(
    c: &Client,
    status: Status,
    delivery: &'static str,
    walk: &[(Action, Role)],
) -> Result<Fixture, String> {
    let number = c.submit_as_operator(delivery)?;
    let record = c.record(&number)?;
    let requirements = record["requirements"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|i| i["item"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let mut f = Fixture {
        number,
        version: record["version"].as_i64().unwrap_or(1),
        delivery,
        requirements,
        corrections: 0,
    };
    for (action, role) in walk {
        let r = act(c, Caller::Staff(*role), &f, *action);
        ensure!(
            r.status == 200,
            "walking {} to {}: {} {}: {} {}",
            f.number,
            status.code(),
            role.code(),
            action.code(),
            r.status,
            r.text
        );
        f.version += 1;
        if *action == Action::ReceiveDocuments {
            attach_draft(c, &mut f)?;
        }
    }
    let now = c.record(&f.number)?;
    ensure!(
        now["status"] == status.code() && now["version"] == f.version,
        "walked {} to {} but it is {} v{}",
        f.number,
        status.code(),
        now["status"],
        now["version"]
    );
    Ok(f)
}

/// Production attaches the product's draft as soon as the application is
/// in production, so that `request_signature` can be taken (its data, not
/// its role or status, would refuse it otherwise).
fn attach_draft(c: &Client, f: &mut Fixture) -> TestResult {
    let pdf = crate::workflow::draft_pdf("child_id_card");
    let number = crate::workflow::document_number("child_id_card");
    let (content_type, body) = crate::workflow::draft_body(&[("document_number", &number)], &pdf);
    let r = c.send(
        "POST",
        &format!(
            "/api/v1/applications/{}/products/child_id_card/draft",
            f.number
        ),
        c.bearer(Caller::Staff(Production)),
        Some((&content_type, body)),
    );
    ensure!(
        r.status == 200,
        "draft of {}: {} {}",
        f.number,
        r.status,
        r.text
    );
    f.version += 1;
    Ok(())
}

/// What a refused attempt must leave alone: the application's data, version
/// and status, its events, its outbox rows (SMS and courier requests, by id
/// and template) and its fee ledger rows. Delivery progress of rows that
/// already existed (sent, delivered, a booked shipment) moves on its own and
/// is left out.
fn snapshot(c: &Client, f: &Fixture) -> Result<String, String> {
    let mut record = c.record(&f.number)?;
    let rows = |key: &str, fields: &[&str]| -> Value {
        record[key]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| Value::Array(fields.iter().map(|k| r[*k].clone()).collect()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let outbox = rows("messages", &["id", "channel", "template"]);
    let fees = rows("fees", &["id", "leg", "amount"]);
    if let Some(o) = record.as_object_mut() {
        for key in ["messages", "fees", "shipments", "allowed_actions"] {
            o.remove(key);
        }
    }
    let events = c.events(&f.number)?;
    Ok(format!(
        "{record}\noutbox: {outbox}\nfees: {fees}\nevents: {}",
        Value::Array(events)
    ))
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    attempts: usize,
    refused: usize,
    allowed: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.attempts += other.attempts;
        self.refused += other.refused;
        self.allowed += other.allowed;
    }
}

/// Takes a step the table allows and checks that it is applied: 200, the
/// next version, the table's status, one new event by this role.
fn allowed_step(
    c: &Client,
    f: &mut Fixture,
    from: Status,
    action: Action,
    role: Role,
) -> TestResult {
    let Outcome::Done(to) = expected(from, f.delivery, action, Caller::Staff(role)) else {
        return Err(format!(
            "{} {} in {} is not allowed",
            role.code(),
            action.code(),
            from.code()
        ));
    };
    let before = c.events(&f.number)?.len();
    let r = act(c, Caller::Staff(role), f, action);
    let what = format!(
        "{} {} in {} ({})",
        role.code(),
        action.code(),
        from.code(),
        f.number
    );
    ensure!(
        r.status == 200 && r.body["status"] == to.code() && r.body["version"] == f.version + 1,
        "{what}: expected 200 to {} v{}, got {} {}",
        to.code(),
        f.version + 1,
        r.status,
        r.text
    );
    let events = c.events(&f.number)?;
    let last = events.last().cloned().unwrap_or_default();
    ensure!(
        events.len() == before + 1
            && last["action"] == action.code()
            && last["actor"]["role"] == role.code(),
        "{what}: one new event by the role expected, got {} after {before}: {last}",
        events.len()
    );
    f.version += 1;
    if action == Action::Correct {
        f.corrections += 1;
    }
    if action == Action::ChangeDeliveryMethod {
        f.delivery = if f.delivery == "pos" { "pickup" } else { "pos" };
    }
    Ok(())
}

/// Every caller × action on applications in `status`: the refused ones on
/// one application (checked unchanged afterwards), then the allowed ones —
/// those that keep the status on that same application, each status-changing
/// one on an application of its own.
fn one_status(
    c: &Client,
    status: Status,
    delivery: &'static str,
    walk: &[(Action, Role)],
) -> Result<Tally, String> {
    let mut tally = Tally::default();
    let mut f = fixture(c, status, delivery, walk)?;
    let before = snapshot(c, &f)?;
    let mut allowed = Vec::new();
    for action in actions() {
        for caller in Caller::all() {
            match expected(status, f.delivery, action, caller) {
                Outcome::Done(to) => allowed.push((to != status, action, caller)),
                Outcome::Refused(code, error) => {
                    tally.attempts += 1;
                    let r = act(c, caller, &f, action);
                    ensure!(
                        r.status == code && r.error_code() == error,
                        "{} {} in {}: expected {code} {error}, got {} {}",
                        caller.name(),
                        action.code(),
                        status.code(),
                        r.status,
                        r.text
                    );
                    tally.refused += 1;
                }
            }
        }
    }
    let after = snapshot(c, &f)?;
    ensure!(
        before == after,
        "refused attempts in {} changed {}:\nbefore {before}\nafter {after}",
        status.code(),
        f.number
    );
    // Steps that keep the status first, all on this application.
    allowed.sort();
    let mut used = false;
    for (moves, action, caller) in allowed {
        let Some(role) = caller.role() else {
            return Err(format!("the table lets {} act", caller.name()));
        };
        if used {
            f = fixture(c, status, delivery, walk)?;
        }
        tally.attempts += 1;
        allowed_step(c, &mut f, status, action, role)?;
        tally.allowed += 1;
        used = moves;
    }
    Ok(tally)
}

/// `submit` (its own endpoint, `POST /api/v1/applications`) by every caller
/// for the operator's village: the table's actors may, the other village's
/// operator may not (the village rule), nobody else.
fn submit_by_everyone(c: &Client) -> Result<Tally, String> {
    let rule = rule_for(None, Action::Submit).ok_or("the table has no submit")?;
    let mut tally = Tally::default();
    for caller in Caller::all() {
        let may = match caller {
            Caller::Anonymous => rule.actors.contains(&ActorKind::Citizen),
            Caller::Staff(role) => rule.actors.contains(&ActorKind::Staff(role)),
            Caller::OtherVillage => false,
        };
        tally.attempts += 1;
        let r = c.json(
            "POST",
            "/api/v1/applications",
            c.bearer(caller),
            Some(&application(seed(), "pickup")),
        );
        if may {
            ensure!(
                r.status == 201 && r.body["status"] == "submitted" && r.body["version"] == 1,
                "{} submit: {} {}",
                caller.name(),
                r.status,
                r.text
            );
            tally.allowed += 1;
        } else {
            let (code, error) = match caller {
                Caller::Anonymous => (401, "unauthenticated"),
                _ => (403, "forbidden"),
            };
            ensure!(
                r.status == code
                    && r.error_code() == error
                    && r.body.get("registration_number").is_none(),
                "{} submit: expected {code} {error}, got {} {}",
                caller.name(),
                r.status,
                r.text
            );
            tally.refused += 1;
        }
    }
    Ok(tally)
}

fn every_role_action_and_status_pair_is_answered_as_the_transition_table_says(
    env: &Env,
) -> TestResult {
    // A citizen acts only by submitting (no session: the actions endpoint
    // answers 401) and, for cetak mandiri, by downloading the last signed
    // file (`self_print::` tests it); the table must not promise them more.
    for action in actions() {
        ensure!(
            action == Action::RecordDownloaded || !performs_somewhere(action, ActorKind::Citizen),
            "the table lets a citizen {}, which no endpoint offers",
            action.code()
        );
    }
    let walks = walks();
    let unreachable: Vec<&str> = Status::ALL
        .into_iter()
        .filter(|s| !walks.contains_key(s))
        .map(Status::code)
        .collect();
    ensure!(
        unreachable.is_empty(),
        "statuses no walk through the table reaches: {unreachable:?}"
    );
    let client = Client::new(env, 10)?;
    let c = &client;
    // `None` is submit; each status is one job.
    let jobs: Vec<Option<&Status>> = std::iter::once(None)
        .chain(walks.keys().map(Some))
        .collect();
    let results = in_parallel(jobs, |job| match job {
        None => submit_by_everyone(c),
        Some(status) => {
            let (delivery, walk) = &walks[status];
            one_status(c, *status, delivery, walk)
        }
    });
    let mut total = Tally::default();
    let mut failures = Vec::new();
    for r in results {
        match r {
            Ok(t) => total.add(t),
            Err(e) => failures.push(e),
        }
    }
    println!(
        "matrix: {} statuses × {} callers × {} actions (+ submit): {} attempts, {} refused as the table says, {} allowed and applied",
        walks.len(),
        Caller::all().len(),
        actions().len(),
        total.attempts,
        total.refused,
        total.allowed
    );
    ensure!(failures.is_empty(), "{}", failures.join("\n"));
    ensure!(
        total.allowed > 0 && total.refused > total.allowed,
        "the matrix tried too little: {total:?}"
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// Part 2: every route × every role and anonymous

/// The staff roles as DESIGN.md's "Roles" table lists them (DESIGN.md lives
/// outside this repository, so its list is copied here); the crate's roles
/// and the demo accounts (scripts/staff.mjs) must be exactly these.
const DESIGN_ROLES: [&str; 8] = [
    "village_operator",
    "front_office",
    "validator",
    "pickup_counter",
    "production",
    "head_of_agency",
    "complaints_officer",
    "admin",
];

use Role::{
    Admin, ComplaintsOfficer, FrontOffice, HeadOfAgency, PickupCounter, Production, Validator,
    VillageOperator,
};

/// Who may use a route, role by role: the one place the matrix says it.
const EVERY_ROLE: &[Role] = &Role::ALL;
const OPERATOR: &[Role] = &[VillageOperator];
/// May add requirement documents to an application.
const UPLOADERS: &[Role] = &[
    VillageOperator,
    FrontOffice,
    PickupCounter,
    Production,
    Validator,
];
/// May resend a failed SMS: the workflow's officers and the administrator.
const RESENDERS: &[Role] = &[
    FrontOffice,
    Validator,
    PickupCounter,
    Production,
    HeadOfAgency,
    Admin,
];
/// Read the courier-fee reconciliation.
const FEE_READERS: &[Role] = &[Admin, HeadOfAgency, Validator, PickupCounter];
/// Handle complaints and suggestions.
const COMPLAINT_HANDLERS: &[Role] = &[ComplaintsOfficer, Admin];
/// Read the dashboard and the export: those who oversee the whole workflow.
const OVERSEERS: &[Role] = &[Validator, HeadOfAgency, Admin];
/// Take the CSV export: the overseers everyone's, a village operator their
/// own village's.
const EXPORTERS: &[Role] = &[VillageOperator, Validator, HeadOfAgency, Admin];
/// See the list of papers to give back: the agency's officers.
const RETURN_READERS: &[Role] = &[
    FrontOffice,
    Validator,
    PickupCounter,
    Production,
    HeadOfAgency,
    Admin,
];
const ADMIN: &[Role] = &[Admin];

/// Whether the other village's operator is refused as well (the route
/// serves one application of the operator's own village).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Village {
    Own,
    /// Not about one application, or (actions) the body is checked before
    /// the application is loaded: the village rule there is part 1's.
    Any,
}

/// Who gets through a route.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// Anyone, signed in or not, gets the same answer.
    Anyone,
    /// Only a request signed by the provider: every caller here, who signs
    /// nothing, gets the same refusal.
    Signed,
    /// Staff of these roles; another role 403; no session 401 (API) or the
    /// login page (pages).
    Staff(&'static [Role], Village),
    /// Staff of these roles, or a citizen proving who they are; the
    /// anonymous probe proves nothing and gets this status.
    StaffOrCitizen(&'static [Role], Village, u16),
    /// Staff of these roles; 404 for everyone else (a URL alone gives nothing).
    StaffElseNotFound(&'static [Role], Village),
}

/// What a probe sends.
#[derive(Debug, Clone, Copy)]
enum Body {
    Nothing,
    /// This JSON.
    Json(&'static str),
    /// A complete application for the operator's own village.
    Application,
    /// This form; the session's CSRF token is added for staff-only pages, so
    /// a refusal is the role's and never the token's.
    Form(&'static str),
    /// One PNG for a requirement of the probe's application.
    Upload,
    /// Signs in as the caller's own account (anonymous: the front office).
    SignIn,
    /// Ends a session opened for this probe alone.
    SignOut,
}

/// What `{id}` stands for.
#[derive(Debug, Clone, Copy)]
enum Id {
    None,
    /// The probe application's uploaded document.
    Document,
    /// An id nothing has: an allowed caller learns only that.
    Unknown,
}

struct RouteRule {
    method: &'static str,
    pattern: &'static str,
    who: Who,
    send: Body,
    id: Id,
    /// The answer to a caller who gets through.
    ok: u16,
}

const fn rule(
    method: &'static str,
    pattern: &'static str,
    who: Who,
    send: Body,
    id: Id,
    ok: u16,
) -> RouteRule {
    RouteRule {
        method,
        pattern,
        who,
        send,
        id,
        ok,
    }
}

const NO_ACTION: &str = r#"{"action": "matrix"}"#;

/// One rule per route of `pakpos::web::routes::ROUTES`.
#[rustfmt::skip]
const ACCESS: &[RouteRule] = &[
    // The JSON API
    rule("GET", "/health", Who::Anyone, Body::Nothing, Id::None, 200),
    rule("POST", "/api/v1/auth/login", Who::Anyone, Body::SignIn, Id::None, 200),
    rule("POST", "/api/v1/auth/logout", Who::Staff(EVERY_ROLE, Village::Any), Body::SignOut, Id::None, 200),
    rule("POST", "/api/v1/applications", Who::StaffOrCitizen(OPERATOR, Village::Own, 201), Body::Application, Id::None, 201),
    rule("GET", "/api/v1/applications/{number}", Who::Staff(EVERY_ROLE, Village::Own), Body::Nothing, Id::None, 200),
    rule("POST", "/api/v1/applications/{number}/actions", Who::Staff(EVERY_ROLE, Village::Any), Body::Json(NO_ACTION), Id::None, 422),
    rule("POST", "/api/v1/applications/{number}/status", Who::Anyone, Body::Json(r#"{"nik": "1"}"#), Id::None, 422),
    rule("POST", "/api/v1/applications/{number}/access", Who::Anyone, Body::Json(r#"{"nik": "1"}"#), Id::None, 422),
    rule("GET", "/api/v1/applications/{number}/events", Who::Staff(EVERY_ROLE, Village::Own), Body::Nothing, Id::None, 200),
    rule("POST", "/api/v1/applications/{number}/documents", Who::StaffOrCitizen(UPLOADERS, Village::Own, 422), Body::Upload, Id::None, 201),
    rule("GET", "/api/v1/applications/{number}/documents", Who::Staff(EVERY_ROLE, Village::Own), Body::Nothing, Id::None, 200),
    // Only production attaches drafts (refused before the upload is read);
    // a body that is no upload is 400. The probe application has no files:
    // a download is the same 404 for everyone, as for a file that does not
    // exist.
    rule("POST", "/api/v1/applications/{number}/products/{product}/draft", Who::Staff(&[Production], Village::Any), Body::Nothing, Id::None, 422),
    rule("GET", "/api/v1/applications/{number}/products/{product}/draft", Who::StaffElseNotFound(EVERY_ROLE, Village::Own), Body::Nothing, Id::None, 404),
    rule("GET", "/api/v1/applications/{number}/products/{product}/signed", Who::StaffElseNotFound(EVERY_ROLE, Village::Own), Body::Nothing, Id::None, 404),
    // Public: a code nothing was signed with.
    rule("GET", "/api/v1/verifications/{code}", Who::Anyone, Body::Nothing, Id::None, 404),
    rule("GET", "/api/v1/queue", Who::Staff(EVERY_ROLE, Village::Any), Body::Nothing, Id::None, 200),
    rule("POST", "/api/v1/messages/{id}/resend", Who::Staff(RESENDERS, Village::Any), Body::Nothing, Id::Unknown, 404),
    rule("POST", "/api/v1/messages/{id}/requeue", Who::Staff(ADMIN, Village::Any), Body::Nothing, Id::Unknown, 404),
    rule("GET", "/api/v1/fees/reconciliation", Who::Staff(FEE_READERS, Village::Any), Body::Nothing, Id::None, 200),
    rule("GET", "/api/v1/health/details", Who::Staff(ADMIN, Village::Any), Body::Nothing, Id::None, 200),
    rule("GET", "/api/v1/villages", Who::Anyone, Body::Nothing, Id::None, 200),
    rule("POST", "/api/v1/complaints", Who::StaffOrCitizen(COMPLAINT_HANDLERS, Village::Any, 422), Body::Json("{}"), Id::None, 422),
    rule("GET", "/api/v1/complaints", Who::Staff(COMPLAINT_HANDLERS, Village::Any), Body::Nothing, Id::None, 200),
    rule("GET", "/api/v1/complaints/{ticket}", Who::Staff(COMPLAINT_HANDLERS, Village::Any), Body::Nothing, Id::None, 200),
    // The citizen's own lookups carry the NIK or phone in the body; a
    // malformed one is refused before anything is looked up.
    rule("POST", "/api/v1/complaints/{ticket}/status", Who::Anyone, Body::Json(r#"{"phone": "1"}"#), Id::None, 422),
    rule("POST", "/api/v1/complaints/{ticket}/actions", Who::Staff(COMPLAINT_HANDLERS, Village::Any), Body::Json(NO_ACTION), Id::None, 422),
    // Signed reports from the SMS gateway and the courier
    rule("POST", "/webhooks/sms/twilio", Who::Signed, Body::Form("MessageSid=SM0&MessageStatus=delivered"), Id::None, 403),
    rule("POST", "/webhooks/sms/inbound", Who::Signed, Body::Form("MessageSid=SM0&From=%2B6281234567890&Body=CEK"), Id::None, 403),
    rule("POST", "/webhooks/courier", Who::Signed, Body::Json("{}"), Id::None, 403),
    // Citizens' pages
    rule("GET", "/", Who::Anyone, Body::Nothing, Id::None, 200),
    rule("GET", "/ajukan", Who::Anyone, Body::Nothing, Id::None, 200),
    rule("POST", "/ajukan", Who::Anyone, Body::Form(""), Id::None, 422),
    // A resubmission form is given only for a number and its NIK: none here.
    rule("POST", "/ajukan/ulang", Who::Anyone, Body::Form(""), Id::None, 422),
    rule("GET", "/ajukan/selesai/{number}", Who::Anyone, Body::Nothing, Id::None, 200),
    rule("GET", "/lacak", Who::Anyone, Body::Nothing, Id::None, 200),
    // The short links in SMS texts: a redirect, nothing looked up.
    rule("GET", "/l/{number}", Who::Anyone, Body::Nothing, Id::None, 303),
    rule("GET", "/u/{number}", Who::Anyone, Body::Nothing, Id::None, 303),
    rule("POST", "/lacak", Who::Anyone, Body::Form(""), Id::None, 422),
    rule("GET", "/unggah/{number}", Who::Anyone, Body::Nothing, Id::None, 200),
    rule("POST", "/unggah/{number}", Who::Anyone, Body::Form(""), Id::None, 400),
    rule("GET", "/pengaduan", Who::Anyone, Body::Nothing, Id::None, 200),
    rule("POST", "/pengaduan", Who::Anyone, Body::Form(""), Id::None, 422),
    rule("GET", "/pengaduan/lacak", Who::Anyone, Body::Nothing, Id::None, 200),
    rule("POST", "/pengaduan/lacak", Who::Anyone, Body::Form(""), Id::None, 422),
    rule("GET", "/pengaduan/{ticket}", Who::Anyone, Body::Nothing, Id::None, 200),
    // Cetak mandiri, behind the SMS link: a token nobody was sent.
    rule("GET", "/cetak/{token}", Who::Anyone, Body::Nothing, Id::None, 404),
    rule("POST", "/cetak/{token}", Who::Anyone, Body::Form("nik=3312014502900001"), Id::None, 404),
    rule("POST", "/cetak/{token}/kode", Who::Anyone, Body::Form("kode=123456"), Id::None, 404),
    rule("POST", "/cetak/{token}/baru", Who::Anyone, Body::Form("nik=3312014502900001"), Id::None, 404),
    rule("GET", "/cetak/{token}/dokumen", Who::Anyone, Body::Nothing, Id::None, 404),
    rule("GET", "/cetak/{token}/dokumen/{product}", Who::Anyone, Body::Nothing, Id::None, 404),
    rule("GET", "/verifikasi", Who::Anyone, Body::Nothing, Id::None, 200),
    rule("GET", "/verifikasi/{code}", Who::Anyone, Body::Nothing, Id::None, 404),
    // A requirement document
    rule("GET", "/documents/{id}", Who::StaffElseNotFound(EVERY_ROLE, Village::Own), Body::Nothing, Id::Document, 200),
    // The staff UI
    rule("GET", "/staff/login", Who::Anyone, Body::Nothing, Id::None, 200),
    rule("POST", "/staff/login", Who::Anyone, Body::SignIn, Id::None, 303),
    rule("POST", "/staff/logout", Who::Anyone, Body::SignOut, Id::None, 303),
    rule("GET", "/staff", Who::Staff(EVERY_ROLE, Village::Any), Body::Nothing, Id::None, 200),
    rule("POST", "/staff", Who::Staff(EVERY_ROLE, Village::Any), Body::Form("q=matrix"), Id::None, 200),
    rule("GET", "/staff/submit", Who::Staff(OPERATOR, Village::Any), Body::Nothing, Id::None, 200),
    rule("POST", "/staff/submit", Who::Staff(OPERATOR, Village::Any), Body::Form(""), Id::None, 422),
    rule("GET", "/staff/applications/{number}", Who::Staff(EVERY_ROLE, Village::Own), Body::Nothing, Id::None, 200),
    // A refused step re-renders the record, which the other village may not see.
    rule("POST", "/staff/applications/{number}/actions", Who::Staff(EVERY_ROLE, Village::Own), Body::Form("action=matrix"), Id::None, 422),
    rule("POST", "/staff/applications/{number}/products/{product}/draft", Who::Staff(&[Production], Village::Any), Body::Form(""), Id::None, 400),
    rule("GET", "/staff/applications/{number}/products/{product}/draft", Who::StaffElseNotFound(EVERY_ROLE, Village::Own), Body::Nothing, Id::None, 404),
    rule("GET", "/staff/applications/{number}/products/{product}/signed", Who::StaffElseNotFound(EVERY_ROLE, Village::Own), Body::Nothing, Id::None, 404),
    // Nothing signed yet: nothing to print.
    rule("GET", "/staff/applications/{number}/surat-pengantar", Who::Staff(EVERY_ROLE, Village::Own), Body::Nothing, Id::None, 409),
    rule("GET", "/staff/applications/{number}/tanda-terima", Who::Staff(EVERY_ROLE, Village::Own), Body::Nothing, Id::None, 200),
    // Only a cancelled application is resubmitted: the probe's is not.
    rule("GET", "/staff/applications/{number}/ajukan-ulang", Who::Staff(OPERATOR, Village::Own), Body::Nothing, Id::None, 409),
    rule("POST", "/staff/messages/{id}/resend", Who::Staff(RESENDERS, Village::Any), Body::Form(""), Id::Unknown, 404),
    rule("GET", "/staff/complaints", Who::Staff(COMPLAINT_HANDLERS, Village::Any), Body::Nothing, Id::None, 200),
    rule("POST", "/staff/complaints", Who::Staff(COMPLAINT_HANDLERS, Village::Any), Body::Form(""), Id::None, 422),
    rule("GET", "/staff/complaints/{ticket}", Who::Staff(COMPLAINT_HANDLERS, Village::Any), Body::Nothing, Id::None, 200),
    rule("POST", "/staff/complaints/{ticket}/actions", Who::Staff(COMPLAINT_HANDLERS, Village::Any), Body::Form("action=matrix"), Id::None, 422),
    rule("GET", "/staff/dashboard", Who::Staff(OVERSEERS, Village::Any), Body::Nothing, Id::None, 200),
    rule("GET", "/staff/berkas-kembali", Who::Staff(RETURN_READERS, Village::Any), Body::Nothing, Id::None, 200),
    rule("GET", "/staff/export.csv", Who::Staff(EXPORTERS, Village::Any), Body::Nothing, Id::None, 200),
    rule("GET", "/staff/laporan-desa", Who::Staff(OPERATOR, Village::Any), Body::Nothing, Id::None, 200),
    rule("GET", "/staff/admin", Who::Staff(ADMIN, Village::Any), Body::Nothing, Id::None, 200),
    rule("GET", "/staff/admin/access", Who::Staff(ADMIN, Village::Any), Body::Nothing, Id::None, 200),
    rule("GET", "/staff/admin/health", Who::Staff(ADMIN, Village::Any), Body::Nothing, Id::None, 200),
    rule("GET", "/staff/admin/access.csv", Who::Staff(ADMIN, Village::Any), Body::Nothing, Id::None, 200),
    // An empty alerts form: every threshold missing.
    rule("POST", "/staff/admin/health/alerts", Who::Staff(ADMIN, Village::Any), Body::Form(""), Id::None, 422),
    // Empty forms: refused for what they lack, or (disable, enable) an
    // account nobody has; ending a session nobody has is already done.
    rule("POST", "/staff/admin/staff", Who::Staff(ADMIN, Village::Any), Body::Form(""), Id::None, 422),
    rule("POST", "/staff/admin/staff/{id}/update", Who::Staff(ADMIN, Village::Any), Body::Form(""), Id::Unknown, 422),
    rule("POST", "/staff/admin/staff/{id}/disable", Who::Staff(ADMIN, Village::Any), Body::Form(""), Id::Unknown, 404),
    rule("POST", "/staff/admin/staff/{id}/enable", Who::Staff(ADMIN, Village::Any), Body::Form(""), Id::Unknown, 404),
    rule("POST", "/staff/admin/staff/{id}/password", Who::Staff(ADMIN, Village::Any), Body::Form(""), Id::Unknown, 422),
    rule("POST", "/staff/admin/sessions/{hash}/revoke", Who::Staff(ADMIN, Village::Any), Body::Form(""), Id::None, 303),
    // A key without a name; a key nobody has.
    rule("POST", "/staff/admin/keys", Who::Staff(ADMIN, Village::Any), Body::Form(""), Id::None, 422),
    rule("POST", "/staff/admin/keys/{id}/revoke", Who::Staff(ADMIN, Village::Any), Body::Form(""), Id::Unknown, 404),
];

/// What a caller must get from a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Status(u16),
    /// 303 to the staff login page.
    SignInFirst,
}

fn answer(rule: &RouteRule, kind: Kind, caller: Caller) -> Answer {
    let (roles, village) = match rule.who {
        Who::Anyone | Who::Signed => return Answer::Status(rule.ok),
        Who::Staff(roles, v)
        | Who::StaffOrCitizen(roles, v, _)
        | Who::StaffElseNotFound(roles, v) => (roles, v),
    };
    let refused = match rule.who {
        Who::StaffElseNotFound(..) => 404,
        _ => 403,
    };
    match (caller, rule.who) {
        (Caller::Anonymous, Who::StaffOrCitizen(_, _, status)) => Answer::Status(status),
        (Caller::Anonymous, Who::StaffElseNotFound(..)) => Answer::Status(404),
        (Caller::Anonymous, _) if kind == Kind::Json => Answer::Status(401),
        (Caller::Anonymous, _) => Answer::SignInFirst,
        (Caller::OtherVillage, _) if village == Village::Own => Answer::Status(refused),
        (caller, _) if caller.role().is_some_and(|r| roles.contains(&r)) => Answer::Status(rule.ok),
        _ => Answer::Status(refused),
    }
}

/// The probe's objects: an application of the operator's village with one
/// uploaded document, and a complaint ticket.
struct Objects {
    number: String,
    document: String,
    ticket: String,
}

const BOUNDARY: &str = "----pakpos-matrix-5b2e";

/// A multipart body: an `item` field and a small PNG.
fn upload_body(item: &str) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"item\"\r\n\r\n{item}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"surat.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(b"\x89PNG\r\n\x1a\n");
    body.extend((0..=255u8).cycle().take(512));
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

const UPLOAD_ITEM: &str = "kk_orang_tua";

fn objects(c: &Client) -> Result<Objects, String> {
    let number = c.submit_as_operator("pickup")?;
    let r = c.send(
        "POST",
        &format!("/api/v1/applications/{number}/documents"),
        c.bearer(Caller::Staff(VillageOperator)),
        Some((
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            upload_body(UPLOAD_ITEM),
        )),
    );
    ensure!(r.status == 201, "upload: {} {}", r.status, r.text);
    let document = r.body["id"].to_string();
    let r = c.json(
        "POST",
        "/api/v1/complaints",
        c.bearer(Caller::Staff(ComplaintsOfficer)),
        Some(&json!({"channel": "hotline", "name": "Sri Lestari", "phone": format!("+62857{:08}", seed()), "text": "Dokumen belum diterima setelah dua minggu."})),
    );
    ensure!(r.status == 201, "complaint: {} {}", r.status, r.text);
    let ticket = r.body["ticket"].as_str().unwrap_or_default().to_string();
    Ok(Objects {
        number,
        document,
        ticket,
    })
}

/// Sends `rule`'s probe as `caller`; what came back.
fn probe(
    c: &Client,
    rule: &RouteRule,
    kind: Kind,
    caller: Caller,
    o: &Objects,
) -> Result<Resp, String> {
    let id = match rule.id {
        Id::None => "",
        Id::Document => o.document.as_str(),
        Id::Unknown => "999999999",
    };
    let path = rule
        .pattern
        .replace("{number}", &o.number)
        .replace("{ticket}", &o.ticket)
        .replace("{id}", id)
        .replace("{hash}", &"0".repeat(64))
        .replace("{product}", "child_id_card")
        .replace("{token}", "AAAAAAAAAAAAAAAAAAAAAA")
        .replace(
            "{code}",
            pakpos::domain::ids::VerificationCode::generate(|| 7).as_str(),
        );
    let fresh;
    let token = match rule.send {
        Body::SignOut if caller != Caller::Anonymous => {
            fresh = c.sign_in(caller)?;
            Some(fresh.as_str())
        }
        _ => c.token(caller),
    };
    let auth = match (token, kind) {
        (None, _) => Auth::None,
        (Some(t), Kind::Json) => Auth::Bearer(t),
        (Some(t), Kind::Page) => Auth::Cookie(t),
    };
    let staff_form = matches!(rule.who, Who::Staff(..)) || matches!(rule.send, Body::SignOut);
    let csrf = match token {
        Some(t) if kind == Kind::Page && staff_form => {
            format!("csrf={}", pakpos::web::pages::csrf_token(t))
        }
        _ => String::new(),
    };
    let form = |fields: &str| {
        let body = [fields, csrf.as_str()]
            .into_iter()
            .filter(|f| !f.is_empty())
            .collect::<Vec<_>>()
            .join("&");
        Some(("application/x-www-form-urlencoded", body.into_bytes()))
    };
    let account = username(match caller {
        Caller::Anonymous => "front_office",
        other => other.name(),
    });
    let content = match (rule.send, kind) {
        (Body::Nothing, _) => None,
        (Body::Json(text), _) => Some(("application/json", text.as_bytes().to_vec())),
        (Body::Application, _) => Some((
            "application/json",
            application(seed(), "pickup").to_string().into_bytes(),
        )),
        (Body::Form(fields), _) => form(fields),
        (Body::Upload, _) => Some(("multipart", upload_body(UPLOAD_ITEM))),
        (Body::SignIn, Kind::Json) => Some((
            "application/json",
            json!({"username": account, "password": DEMO_PASSWORD})
                .to_string()
                .into_bytes(),
        )),
        (Body::SignIn, Kind::Page) => Some((
            "application/x-www-form-urlencoded",
            format!("username={account}&password={DEMO_PASSWORD}&next=%2Fstaff").into_bytes(),
        )),
        (Body::SignOut, Kind::Json) => None,
        (Body::SignOut, Kind::Page) => form(""),
    };
    let multipart = format!("multipart/form-data; boundary={BOUNDARY}");
    let content = content.map(|(t, b)| {
        (
            if t == "multipart" {
                multipart.as_str()
            } else {
                t
            },
            b,
        )
    });
    let method = if rule.method == "GET" { "GET" } else { "POST" };
    Ok(c.send(method, &path, auth, content))
}

/// Checks one answer; the reason it is wrong, if it is.
fn judge(rule: &RouteRule, kind: Kind, caller: Caller, r: &Resp) -> Option<String> {
    let want = answer(rule, kind, caller);
    let ok = match want {
        Answer::SignInFirst => {
            r.status == 303
                && r.header("location")
                    .is_some_and(|l| l.starts_with("/staff/login"))
        }
        Answer::Status(s) => r.status == s,
    };
    (!ok).then(|| {
        format!(
            "{} {} as {}: expected {want:?}, got {} {} {}",
            rule.method,
            rule.pattern,
            caller.name(),
            r.status,
            r.header("location").unwrap_or_default(),
            r.text.chars().take(160).collect::<String>()
        )
    })
}

fn every_route_answers_every_role_and_anonymous_as_its_access_rule_says(env: &Env) -> TestResult {
    let crate_roles: Vec<&str> = Role::ALL.into_iter().map(Role::code).collect();
    ensure!(
        crate_roles == DESIGN_ROLES,
        "the crate's roles {crate_roles:?} are not DESIGN.md's {DESIGN_ROLES:?}"
    );
    let demo: BTreeSet<&str> = include_str!("../../scripts/staff.mjs")
        .split("role: \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    ensure!(
        demo == DESIGN_ROLES.into_iter().collect(),
        "the demo accounts' roles {demo:?} are not DESIGN.md's"
    );

    // The route table and the rules name the same routes, each once.
    let table: BTreeMap<(String, &str), Kind> = ROUTES
        .iter()
        .map(|r| ((r.method.to_string(), r.pattern), r.kind))
        .collect();
    let ruled: BTreeSet<(String, &str)> = ACCESS
        .iter()
        .map(|r| (r.method.to_string(), r.pattern))
        .collect();
    ensure!(ruled.len() == ACCESS.len(), "a route has two rules");
    let keys: BTreeSet<(String, &str)> = table.keys().cloned().collect();
    let unruled: Vec<_> = keys.difference(&ruled).collect();
    let stale: Vec<_> = ruled.difference(&keys).collect();
    ensure!(
        unruled.is_empty() && stale.is_empty(),
        "routes without an access rule in tests/e2e/matrix.rs: {unruled:?}; rules for routes that no longer exist: {stale:?}"
    );

    let client = Client::new(env, 20)?;
    let o = objects(&client)?;
    let callers = Caller::all();
    // One thread per caller, each at its own client address.
    // Each caller at its own client address.
    let jobs: Vec<(usize, Caller)> = callers.iter().copied().enumerate().collect();
    let results = in_parallel(jobs, |(i, caller)| {
        let c = Client {
            ip: format!("203.0.113.{}", 30 + i),
            ..client.clone()
        };
        let mut wrong = Vec::new();
        for rule in ACCESS {
            let kind = table[&(rule.method.to_string(), rule.pattern)];
            let r = probe(&c, rule, kind, caller, &o)?;
            wrong.extend(judge(rule, kind, caller, &r));
        }
        Ok(wrong)
    });
    let mut wrong = Vec::new();
    for r in results {
        wrong.extend(r?);
    }
    println!(
        "routes: {} routes × {} callers: {} requests, {} answered otherwise than their rule",
        ACCESS.len(),
        callers.len(),
        ACCESS.len() * callers.len(),
        wrong.len()
    );
    ensure!(wrong.is_empty(), "{}", wrong.join("\n"));
    Ok(())
}
