//! Tests that look into the local D1 database itself (the access log,
//! sessions, query plans) through `wrangler d1 execute`. A second process on
//! the SQLite file can make the Worker's own statements fail with
//! SQLITE_BUSY — an artefact of local development that real D1 does not
//! have — so these run alone, after the others (see `main.rs`).

use crate::workflow::submit;
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        a_staff_read_is_recorded_in_the_access_log,
        every_queue_query_is_an_index_range_scan_without_a_sort,
        a_session_ends_after_idle_time_and_after_its_absolute_lifetime,
    ]
}

fn a_staff_read_is_recorded_in_the_access_log(env: &Env) -> TestResult {
    let api = &env.api;
    let number = submit(api, "pickup")?;
    let r = api.read("validator", &number)?;
    ensure!(
        r.status == 200
            && r.body["applicant"]["nik"]
                .as_str()
                .is_some_and(|n| n.len() == 16),
        "staff sees the full record"
    );
    api.events("validator", &number)?;
    // A second process reads the SQLite file: under load its view can trail
    // the Worker's commit for a moment, so look a few times before failing.
    let mut got: Vec<(String, String)> = Vec::new();
    for _ in 0..20 {
        let rows = env.server.query(&format!(
            "SELECT a.what, s.username FROM access_log a JOIN staff s ON s.id = a.staff_id WHERE a.registration_number = '{number}' ORDER BY a.id"
        ))?;
        got = rows
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| {
                (
                    r["what"].as_str().unwrap_or("").into(),
                    r["username"].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        if got.len() >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    ensure!(
        got == [
            ("record".into(), "validator".into()),
            ("events".into(), "validator".into())
        ],
        "access log: {got:?}"
    );
    Ok(())
}

/// DESIGN.md: "every list query index-backed with keyset pagination, so a
/// queue page costs the same at 1,000 and at 1,000,000 applications". The plan
/// of each queue query, asked of the real local D1: an index range search, no
/// table scan, no sort.
fn every_queue_query_is_an_index_range_scan_without_a_sort(env: &Env) -> TestResult {
    use pakpos::store::applications::{queue_sql, QueueScope};
    for (scope, index) in [
        (QueueScope::Role("front_office"), "applications_queue"),
        (QueueScope::Status("submitted"), "applications_by_status"),
        (
            QueueScope::Village("33.12.01.2001"),
            "applications_by_village",
        ),
        (QueueScope::AllOpen, "applications_open"),
    ] {
        // `wrangler d1 execute` binds no parameters: put literals in their place.
        let sql = queue_sql(&scope)
            .replace("?1", "'k'")
            .replace("?2", "''")
            .replace("?3", "''")
            .replace("?4", "51");
        let plan = env.server.query(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let details: Vec<String> = plan
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r["detail"].as_str().map(String::from))
            .collect();
        ensure!(!details.is_empty(), "no plan for {index}");
        ensure!(
            details
                .iter()
                .any(|d| d.starts_with("SEARCH a USING INDEX") && d.contains(index)),
            "{index}: {details:?}"
        );
        ensure!(
            !details
                .iter()
                .any(|d| d.starts_with("SCAN") || d.contains("TEMP B-TREE")),
            "{index}: {details:?}"
        );
    }
    Ok(())
}

fn token_hash(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Sessions are backdated in the database rather than waited out: 30 minutes
/// idle and 12 hours absolute are too long for a test run.
fn a_session_ends_after_idle_time_and_after_its_absolute_lifetime(env: &Env) -> TestResult {
    let api = &env.api;
    let idle = api.fresh_token("validator")?;
    let busy = api.fresh_token("validator")?;
    let old = api.fresh_token("validator")?;
    for t in [&idle, &busy, &old] {
        ensure!(
            api.get("/api/v1/queue", Some(t)).status == 200,
            "fresh sessions work"
        );
    }
    let hash = |t: &str| token_hash(t);
    env.server.query(&format!(
        "UPDATE sessions SET last_seen_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-31 minutes') WHERE token_hash = '{}'",
        hash(&idle)
    ))?;
    env.server.query(&format!(
        "UPDATE sessions SET last_seen_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-29 minutes') WHERE token_hash = '{}'",
        hash(&busy)
    ))?;
    env.server.query(&format!(
        "UPDATE sessions SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 minutes') WHERE token_hash = '{}'",
        hash(&old)
    ))?;
    ensure!(
        api.get("/api/v1/queue", Some(&idle)).status == 401,
        "idle for 31 minutes: expired"
    );
    ensure!(
        api.get("/api/v1/queue", Some(&busy)).status == 200,
        "idle for 29 minutes: still valid"
    );
    ensure!(
        api.get("/api/v1/queue", Some(&old)).status == 401,
        "past its absolute expiry"
    );
    let rows = env.server.query(&format!("SELECT last_seen_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 minutes') AS renewed FROM sessions WHERE token_hash = '{}'", hash(&busy)))?;
    ensure!(rows[0]["renewed"] == 1, "use renews the idle timer: {rows}");
    let stored = env.server.query(&format!(
        "SELECT count(*) AS n FROM sessions WHERE token_hash = '{busy}'"
    ))?;
    ensure!(stored[0]["n"] == 0, "the token itself is never stored");
    Ok(())
}
