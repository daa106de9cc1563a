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
        every_roll_up_equals_a_recount_then_archiving_keeps_every_count,
        the_export_streams_every_application_of_the_range_once_in_order,
        the_dashboard_shows_what_the_database_holds,
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
        (QueueScope::RoleOfSession("k"), "applications_queue"),
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
    // Marked used at most once a minute: a request right after reads the
    // session without writing it.
    let seen = |t: &str| {
        env.server
            .query(&format!(
                "SELECT last_seen_at FROM sessions WHERE token_hash = '{}'",
                hash(t)
            ))
            .map(|rows| rows[0]["last_seen_at"].clone())
    };
    let before = seen(&busy)?;
    ensure!(
        api.get("/api/v1/queue", Some(&busy)).status == 200,
        "used again"
    );
    let after = seen(&busy)?;
    ensure!(
        before.is_string() && before == after,
        "a session used twice within a minute is written once: {before} then {after}"
    );
    let stored = env.server.query(&format!(
        "SELECT count(*) AS n FROM sessions WHERE token_hash = '{busy}'"
    ))?;
    ensure!(stored[0]["n"] == 0, "the token itself is never stored");
    Ok(())
}

/// migrations/0018_roll_ups.sql keeps counts by trigger so the dashboard and
/// the reconciliation never count the history. After the whole suite has
/// moved applications, SMS and fees every way it can, each roll-up must
/// equal a recount from the raw tables, read in one statement (one snapshot).
/// The roll-ups equal a recount of the raw rows; then an application's
/// history goes to the archive and no roll-up changes (they never decrement
/// on delete). In one test: the recount must run before anything is
/// archived, since the archived rows can no longer be counted.
fn every_roll_up_equals_a_recount_then_archiving_keeps_every_count(env: &Env) -> TestResult {
    every_roll_up_equals_a_recount_of_the_raw_rows(env)?;
    archiving_moves_a_closed_history_to_r2_and_keeps_every_count(env)
}

/// The SMS roll-up's `[[day, status, count], …]` (JSON text) as each
/// day's total, e.g. `2026-12-03=437`; an error if it is not that or empty
/// (so the comparison cannot pass on two empty readings).
fn sms_per_day(rows: &serde_json::Value) -> Result<String, String> {
    let parsed: Vec<(String, String, i64)> = serde_json::from_str(rows.as_str().unwrap_or(""))
        .map_err(|e| format!("sms roll-up {rows}: {e}"))?;
    let mut days = std::collections::BTreeMap::<String, i64>::new();
    for (day, _, count) in parsed {
        *days.entry(day).or_default() += count;
    }
    ensure!(!days.is_empty(), "sms roll-up is empty: {rows}");
    let days: Vec<String> = days.iter().map(|(d, n)| format!("{d}={n}")).collect();
    Ok(days.join(" "))
}

/// Fails if a row of `before` (JSON text: `[[key…, count], …]`) is missing
/// from `after` or has a smaller count there.
fn never_less(before: &serde_json::Value, after: &serde_json::Value) -> TestResult {
    let read = |v: &serde_json::Value| -> Result<Vec<Vec<serde_json::Value>>, String> {
        serde_json::from_str(v.as_str().unwrap_or("")).map_err(|e| format!("{v}: {e}"))
    };
    let (before, after) = (read(before)?, read(after)?);
    ensure!(!before.is_empty(), "nothing to compare");
    for row in &before {
        let (key, count) = row.split_at(row.len().saturating_sub(1));
        let now = after
            .iter()
            .find(|r| r.len() == row.len() && &r[..key.len()] == key)
            .and_then(|r| r.last().and_then(serde_json::Value::as_i64));
        let was = count.first().and_then(serde_json::Value::as_i64);
        ensure!(
            now.is_some() && now >= was,
            "{key:?} went from {was:?} to {now:?}"
        );
    }
    Ok(())
}

/// Each roll-up's rows (`{name}_kept`) and their recount (`{name}_counted`),
/// as JSON text, in one statement.
fn roll_up_sql() -> String {
    const PAIRS: [(&str, &str, &str); 7] = [
        (
            "status",
            "SELECT status, count FROM status_counts WHERE count != 0 ORDER BY 1",
            "SELECT status, count(*) AS count FROM applications GROUP BY 1 ORDER BY 1",
        ),
        (
            "outcomes",
            "SELECT day, kecamatan_code, completed, cancelled FROM daily_outcomes
             WHERE completed != 0 OR cancelled != 0 ORDER BY 1, 2",
            "SELECT date(e.created_at, '+7 hours') AS day, v.kecamatan_code,
                    sum(e.to_status = 'completed') AS completed, sum(e.to_status = 'cancelled') AS cancelled
             FROM events e JOIN applications a ON a.registration_number = e.registration_number
             JOIN villages v ON v.code = a.village_code
             WHERE e.to_status IN ('completed', 'cancelled') AND e.from_status IS NOT e.to_status
             GROUP BY 1, 2 ORDER BY 1, 2",
        ),
        (
            "sms",
            "SELECT day, status, count FROM daily_sms WHERE count != 0 ORDER BY 1, 2",
            "SELECT date(created_at, '+7 hours') AS day, status, count(*) AS count FROM outbox
             WHERE channel = 'sms' GROUP BY 1, 2 ORDER BY 1, 2",
        ),
        (
            "fees",
            "SELECT day, expected_count, expected_amount, outstanding_count, outstanding_amount,
                    collected_count, collected_amount FROM daily_fees
             WHERE expected_count != 0 OR outstanding_count != 0 OR collected_count != 0
                OR expected_amount != 0 OR outstanding_amount != 0 OR collected_amount != 0 ORDER BY 1",
            "SELECT day, sum(ec) AS expected_count, sum(ea) AS expected_amount, sum(oc) AS outstanding_count,
                    sum(oa) AS outstanding_amount, sum(cc) AS collected_count, sum(ca) AS collected_amount
             FROM (SELECT expected_day AS day, status != 'void' AS ec, CASE WHEN status != 'void' THEN amount ELSE 0 END AS ea,
                          status = 'expected' AS oc, CASE WHEN status = 'expected' THEN amount ELSE 0 END AS oa,
                          0 AS cc, 0 AS ca
                   FROM fees WHERE amount > 0
                   UNION ALL
                   SELECT collected_day, 0, 0, 0, 0, 1, coalesce(collected_amount, 0)
                   FROM fees WHERE status = 'collected' AND collected_day IS NOT NULL)
             GROUP BY day
             HAVING sum(ec) != 0 OR sum(ea) != 0 OR sum(oc) != 0 OR sum(oa) != 0 OR sum(cc) != 0 OR sum(ca) != 0
             ORDER BY day",
        ),
        (
            "open",
            "SELECT role, kecamatan_code, count FROM open_counts WHERE count != 0 ORDER BY 1, 2",
            "SELECT a.awaiting_role AS role, coalesce(v.kecamatan_code, '') AS kecamatan_code, count(*) AS count
             FROM applications a LEFT JOIN villages v ON v.code = a.village_code
             WHERE a.awaiting_role IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
        ),
        (
            "complaints",
            "SELECT status, count FROM complaint_counts WHERE count != 0 ORDER BY 1",
            "SELECT status, count(*) AS count FROM complaints GROUP BY 1 ORDER BY 1",
        ),
        (
            "hourly",
            "SELECT hour, channel, status, source, count FROM message_outcomes_hourly
             WHERE count != 0 ORDER BY 1, 2, 3, 4",
            "SELECT substr(h.created_at, 1, 13) AS hour, coalesce(o.channel, 'sms') AS channel,
                    h.status, h.source, count(*) AS count
             FROM message_status_history h LEFT JOIN outbox o ON o.id = h.outbox_id
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
        ),
    ];
    let mut sql = String::from("SELECT ");
    for (i, (name, kept, counted)) in PAIRS.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(SELECT json_group_array(json(r)) FROM (SELECT json_array({cols}) AS r FROM ({kept}))) AS {name}_kept,
             (SELECT json_group_array(json(r)) FROM (SELECT json_array({cols}) AS r FROM ({counted}))) AS {name}_counted",
            cols = roll_up_columns(name),
        ));
    }
    sql
}

const ROLL_UPS: [&str; 7] = [
    "status",
    "outcomes",
    "sms",
    "fees",
    "open",
    "complaints",
    "hourly",
];

fn every_roll_up_equals_a_recount_of_the_raw_rows(env: &Env) -> TestResult {
    let rows = env.server.query(&roll_up_sql())?;
    let row = &rows[0];
    for name in ROLL_UPS {
        let kept = row[format!("{name}_kept")].as_str().unwrap_or("?");
        let counted = row[format!("{name}_counted")].as_str().unwrap_or("?");
        ensure!(
            kept == counted,
            "{name} roll-up differs from the raw rows:\n kept    {kept}\n counted {counted}"
        );
    }
    // The suite completed applications, texted and booked the courier: a
    // recount of nothing would make the comparison prove nothing.
    let sum = |name: &str, column: usize| -> i64 {
        let text = row[format!("{name}_counted")].as_str().unwrap_or("[]");
        serde_json::from_str::<Vec<Vec<serde_json::Value>>>(text)
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r.get(column).and_then(serde_json::Value::as_i64))
            .sum()
    };
    for (name, column, what) in [
        ("status", 1, "applications"),
        ("outcomes", 2, "completions"),
        ("sms", 2, "SMS"),
        ("fees", 1, "expected fees"),
        ("open", 2, "open applications"),
        ("hourly", 4, "message outcomes"),
    ] {
        ensure!(sum(name, column) > 0, "no {what} to compare");
    }
    Ok(())
}

/// An application closed (in 2010: only it is older than the test stack's
/// `ARCHIVE_AFTER_DAYS`) is archived by the cron: its history leaves D1 for
/// an R2 object the officer can read back whole, the row stays (search, the
/// citizen's status check) with a summary, no roll-up changes, a second run
/// leaves it alone, and events stay undeletable for every other application.
fn archiving_moves_a_closed_history_to_r2_and_keeps_every_count(env: &Env) -> TestResult {
    let api = &env.api;
    let (number, applicant_nik) = api.submitted()?;
    crate::workflow::walk_to(api, &number, "ready_for_pickup")?;
    let done = crate::workflow::step(
        api,
        "pickup_counter",
        &number,
        serde_json::json!({"action": "hand_over", "collector": {"name": "Sri Lestari", "nik": crate::api::nik(1)}}),
    )?;
    ensure!(done["status"] == "completed", "hand over: {done}");
    let (other, _) = api.submitted()?;
    let n = |sql: String| -> Result<i64, String> {
        let rows = env.server.query(&sql)?;
        rows[0]["n"]
            .as_i64()
            .ok_or_else(|| format!("{sql}: {rows}"))
    };
    // The archive leaves an application whose messages are still on their
    // way; wait until the gateway's reports are in, so the roll-ups are still.
    // Watched through the API, not by opening the database from this
    // process: a reader here locks the file for a moment, and the
    // consumer's write of a send it just made could meet SQLITE_BUSY (the
    // send is then recorded by the recovery sweep, minutes later).
    let on_its_way = |m: &serde_json::Value| {
        let status = m["status"].as_str().unwrap_or("pending");
        ["pending", "sending", "retrying"].contains(&status)
            || (m["channel"] == "sms" && ["accepted", "sent"].contains(&status))
    };
    let mut waiting = Vec::new();
    for _ in 0..60 {
        let record = api.read("admin", &number)?;
        ensure!(record.status == 200, "read: {}", record.text);
        waiting = record.body["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(on_its_way)
            .collect();
        if waiting.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    ensure!(
        waiting.is_empty(),
        "the application's messages never settled: {waiting:?}"
    );
    let record = api.read("admin", &number)?;
    ensure!(record.status == 200, "read: {}", record.text);
    let messages = record.body["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let provider_ids: Vec<String> = messages
        .iter()
        .filter_map(|m| m["provider_id"].as_str().map(String::from))
        .collect();
    let events = api.events("admin", &number)?;
    ensure!(
        !provider_ids.is_empty() && events.len() >= 5,
        "a completed application has messages and events: {} / {}",
        provider_ids.len(),
        events.len()
    );
    const HISTORY: [&str; 8] = [
        "events",
        "outbox",
        "message_status_history h JOIN outbox o ON o.id = h.outbox_id",
        "requirement_checks",
        "fees",
        "shipments",
        "products",
        "download_links",
    ];
    let history = || -> Result<i64, String> {
        let counts: Vec<String> = HISTORY
            .iter()
            .map(|t| {
                let column = if t.starts_with("message") { "o." } else { "" };
                format!("(SELECT COUNT(*) FROM {t} WHERE {column}registration_number = '{number}')")
            })
            .collect();
        n(format!("SELECT {} AS n", counts.join(" + ")))
    };
    ensure!(history()? > 0, "nothing to archive");
    let before = env.server.query(&roll_up_sql())?;
    env.server.query(&format!(
        "UPDATE applications SET status_since = '2010-01-15T03:00:00.000Z' WHERE registration_number = '{number}'"
    ))?;
    let tick = api.get("/__scheduled?cron=*+*+*+*+*", None);
    ensure!(tick.status == 200, "cron: {} {}", tick.status, tick.text);

    let kept = env.server.query(&format!(
        "SELECT archive_key, archive_summary, version, status
         FROM applications WHERE registration_number = '{number}'"
    ))?;
    let key = kept[0]["archive_key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // What the messages came to, as the record page says it.
    let mut sms = std::collections::BTreeMap::<String, usize>::new();
    for m in messages.iter().filter(|m| m["channel"] == "sms") {
        *sms.entry(m["status"].as_str().unwrap_or("?").to_string())
            .or_default() += 1;
    }
    fn label(status: &str) -> &str {
        match status {
            "delivered" => "sampai ke HP",
            "undelivered" => "tidak sampai",
            "failed" => "gagal",
            "sent" => "terkirim",
            "accepted" => "diterima gateway",
            other => other,
        }
    }
    let sms_text: Vec<String> = sms
        .iter()
        .map(|(s, n)| format!("{n} {}", label(s)))
        .collect();
    let summary = format!(
        "{} langkah; SMS: {}; {} pesanan kurir",
        events.len(),
        sms_text.join(", "),
        messages
            .iter()
            .filter(|m| m["channel"] == "courier")
            .count()
    );
    ensure!(
        key.starts_with("arsip/2010-01/")
            && key.starts_with(&format!("arsip/2010-01/{number}-"))
            && key.ends_with(".jsonl.gz")
            && kept[0]["archive_summary"] == summary.as_str()
            && kept[0]["status"] == "completed",
        "the application row after the run: {kept}; summary expected {summary:?}"
    );
    ensure!(history()? == 0, "history left in D1: {}", history()?);
    let after = env.server.query(&roll_up_sql())?;
    for name in ROLL_UPS {
        let field = format!("{name}_kept");
        // A delivery report of an earlier test's SMS may still land between
        // the two reads and move its count from one status to another on
        // the same day; what archiving must not change is each day's total.
        // Likewise a late report adds to an hour: archiving must only not
        // take anything away from one.
        if name == "hourly" {
            never_less(&before[0][&field], &after[0][&field])?;
            continue;
        }
        let (was, is) = if name == "sms" {
            (
                sms_per_day(&before[0][&field])?,
                sms_per_day(&after[0][&field])?,
            )
        } else {
            (before[0][&field].to_string(), after[0][&field].to_string())
        };
        ensure!(
            was == is,
            "archiving changed the {name} roll-up:\n before {}\n after  {}",
            before[0][&field],
            after[0][&field]
        );
    }

    // The officer reads it back whole, from R2; the read is logged.
    let b = crate::ui::Browser::new(env);
    let admin = b.sign_in("admin", crate::api::DEMO_PASSWORD)?;
    let page = b.get(&format!("/staff/applications/{number}"), Some(&admin));
    ensure!(
        page.status == 200
            && page.text.contains("id=\"diarsipkan\"")
            && page.text.contains(&summary)
            && page
                .text
                .contains(&format!("/staff/applications/{number}?arsip=1")),
        "the record page does not say it is archived: {}",
        page.status
    );
    // The officer's page: every step by its Indonesian name, the applicant.
    let shown = b.get(
        &format!("/staff/applications/{number}?arsip=1"),
        Some(&admin),
    );
    let steps = shown
        .text
        .split("id=\"arsip-events\"")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .unwrap_or_default();
    ensure!(
        shown.status == 200
            && shown.text.contains("Riwayat langkah")
            && shown.text.contains(&applicant_nik)
            && steps.matches("<tr>").count() == events.len() + 1,
        "the archive page: {} {}",
        shown.status,
        shown.text
    );
    for e in &events {
        let action = e["action"].as_str().unwrap_or("?");
        let label = pakpos::domain::workflow::Action::parse(action)
            .map(|a| a.label())
            .unwrap_or(action);
        ensure!(
            steps.contains(&format!("<td>{label}</td>")),
            "the archive page lacks the step {label:?}"
        );
    }
    let archive = b.get(
        &format!("/staff/applications/{number}?arsip=json"),
        Some(&admin),
    );
    ensure!(
        archive.status == 200
            && archive.header("content-type") == Some("application/json; charset=utf-8")
            && archive.header("cache-control") == Some("private, no-store"),
        "arsip: {} {:?} {}",
        archive.status,
        archive.header("content-type"),
        archive.text
    );
    let line: serde_json::Value = serde_json::from_str(&archive.text)
        .map_err(|e| format!("the archive is not JSON: {e}: {}", archive.text))?;
    let actions = |list: &serde_json::Value| -> Vec<String> {
        list.as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| e["action"].as_str().unwrap_or("?").to_string())
            .collect()
    };
    let archived_actions = actions(&line["events"]);
    let live_actions = actions(&serde_json::Value::Array(events.clone()));
    ensure!(
        line["registration_number"] == number.as_str() && archived_actions == live_actions,
        "the archive's events {archived_actions:?} are not the application's {live_actions:?}"
    );
    let archived_ids: Vec<&str> = line["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["provider_id"].as_str()).collect())
        .unwrap_or_default();
    ensure!(
        archived_ids.len() == provider_ids.len()
            && provider_ids
                .iter()
                .all(|id| archived_ids.contains(&id.as_str())),
        "the archive's messages {archived_ids:?}, the application's {provider_ids:?}"
    );
    ensure!(
        line["messages"][0]["history"]
            .as_array()
            .is_some_and(|h| !h.is_empty())
            && line["application"]["applicant_nik"] == applicant_nik.as_str()
            && line["requirement_checks"]
                .as_array()
                .is_some_and(|r| !r.is_empty()),
        "the archive lacks a message's status history, the applicant or the checks: {line}"
    );
    ensure!(
        n(format!(
            "SELECT COUNT(*) AS n FROM access_log WHERE registration_number = '{number}' AND what = 'archive'"
        ))? == 2,
        "the two archive reads are not in the access log"
    );
    // Not archived: the page says so and changes nothing.
    let not_yet = b.get(
        &format!("/staff/applications/{other}?arsip=1"),
        Some(&admin),
    );
    ensure!(
        not_yet.status == 409 && not_yet.text.contains("belum dipindahkan ke arsip"),
        "arsip of an open application: {} {}",
        not_yet.status,
        not_yet.text
    );

    // The citizen still finds it.
    let status = api.post(
        &format!("/api/v1/applications/{number}/status"),
        None,
        &serde_json::json!({"nik": applicant_nik}),
    );
    ensure!(
        status.status == 200 && status.body["status"] == "completed",
        "status check of an archived application: {} {}",
        status.status,
        status.text
    );

    // A second run leaves it where it is.
    let tick = api.get("/__scheduled?cron=*+*+*+*+*", None);
    ensure!(tick.status == 200, "cron: {} {}", tick.status, tick.text);
    let again = env.server.query(&format!(
        "SELECT archive_key FROM applications WHERE registration_number = '{number}'"
    ))?;
    ensure!(
        again[0]["archive_key"] == key.as_str(),
        "a second run moved it: {again}"
    );
    // Every other application's events are still append-only.
    let refused = env.server.query(&format!(
        "DELETE FROM events WHERE registration_number = '{other}'"
    ));
    ensure!(
        refused.as_ref().is_err_and(|e| e.contains("append-only")),
        "deleting an open application's events: {refused:?}"
    );
    ensure!(
        n(format!(
            "SELECT COUNT(*) AS n FROM events WHERE registration_number = '{other}'"
        ))? == 1,
        "the open application lost its events"
    );
    Ok(())
}

/// The columns of each roll-up's rows, for `json_array`.
fn roll_up_columns(name: &str) -> &'static str {
    match name {
        "status" | "complaints" => "status, count",
        "open" => "role, kecamatan_code, count",
        "outcomes" => "day, kecamatan_code, completed, cancelled",
        "sms" => "day, status, count",
        "hourly" => "hour, channel, status, source, count",
        _ => "day, expected_count, expected_amount, outstanding_count, outstanding_amount, collected_count, collected_amount",
    }
}

/// The CSV export streams page after page (7 rows a page in the test stack,
/// `EXPORT_PAGE_ROWS`): across every page boundary, each application created
/// in the range comes exactly once, in the order of the index, and nothing
/// else — compared with the database itself.
fn the_export_streams_every_application_of_the_range_once_in_order(env: &Env) -> TestResult {
    let b = crate::ui::Browser::new(env);
    let kadis = b.sign_in("kadis", crate::api::DEMO_PASSWORD)?;
    let csv = b.get("/staff/export.csv", Some(&kadis));
    ensure!(csv.status == 200, "export: {} {}", csv.status, csv.text);
    let mut lines = csv.text.split("\r\n");
    let header = lines.next().unwrap_or_default();
    ensure!(
        header
            .trim_start_matches('\u{feff}')
            .starts_with("No. Pendaftaran,"),
        "header: {header}"
    );
    let exported: Vec<String> = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').next().unwrap_or_default().to_string())
        .collect();
    let rows = env.server.query(
        "SELECT registration_number FROM applications
         WHERE date(created_at, '+7 hours') BETWEEN date('now', '+7 hours', '-29 days') AND date('now', '+7 hours')
         ORDER BY created_at, registration_number",
    )?;
    let stored: Vec<String> = rows
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r["registration_number"].as_str().map(String::from))
        .collect();
    ensure!(
        stored.len() > 3 * 7,
        "too few applications to cross pages: {}",
        stored.len()
    );
    ensure!(
        exported == stored,
        "export ({} rows) differs from the database ({} rows); first difference at {:?}",
        exported.len(),
        stored.len(),
        exported.iter().zip(&stored).position(|(a, b)| a != b)
    );
    Ok(())
}

/// The number in the `<strong>` after the card labelled `label`.
fn card(page: &str, label: &str) -> Option<String> {
    let rest = page
        .split(&format!("<span>{label}</span><strong>"))
        .nth(1)?;
    rest.split("</strong>").next().map(String::from)
}

/// The cells after each row heading of the table that follows `heading`.
fn table_rows(page: &str, heading: &str) -> Vec<(String, Vec<String>)> {
    let table = page
        .split(heading)
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap_or_default();
    table
        .split("<th scope=\"row\">")
        .skip(1)
        .map(|row| {
            let row = row.split("</tr>").next().unwrap_or_default();
            let label = row.split("</th>").next().unwrap_or_default().to_string();
            let cells = row
                .split("<td>")
                .skip(1)
                .map(|c| c.split("</td>").next().unwrap_or_default().to_string())
                .collect();
            (label, cells)
        })
        .collect()
}

fn digits(text: &str) -> i64 {
    text.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(-1)
}

/// The dashboard reads maintained counts and roll-ups in one batch (one row
/// shape for its tallies); what it shows must be what the rows say: every
/// application and the open ones, complaints per status, the five queues'
/// waiting counts, and the courier fees of the 30-day window.
fn the_dashboard_shows_what_the_database_holds(env: &Env) -> TestResult {
    let b = crate::ui::Browser::new(env);
    let kadis = b.sign_in("kadis", crate::api::DEMO_PASSWORD)?;
    let page = b.get("/staff/dashboard", Some(&kadis));
    ensure!(
        page.status == 200,
        "dashboard: {} {}",
        page.status,
        page.text
    );
    let rows = env.server.query(
        "SELECT (SELECT count(*) FROM applications) AS all_total,
                (SELECT count(*) FROM applications WHERE status NOT IN ('completed', 'cancelled')) AS open_total,
                (SELECT count(*) FROM complaints WHERE status = 'open') AS c_open,
                (SELECT count(*) FROM complaints WHERE status = 'in_progress') AS c_in_progress,
                (SELECT count(*) FROM complaints WHERE status = 'resolved') AS c_resolved,
                (SELECT count(*) FROM applications WHERE awaiting_role IN
                   ('front_office', 'validator', 'pickup_counter', 'production', 'head_of_agency')) AS waiting,
                (SELECT json_array(coalesce(sum(expected_count), 0), coalesce(sum(expected_amount), 0),
                                   coalesce(sum(collected_count), 0), coalesce(sum(collected_amount), 0),
                                   coalesce(sum(outstanding_count), 0), coalesce(sum(outstanding_amount), 0))
                   FROM daily_fees
                  WHERE day BETWEEN date('now', '+7 hours', '-29 days') AND date('now', '+7 hours')) AS fees",
    )?;
    let row = &rows[0];
    let stored = |name: &str| row[name].as_i64().unwrap_or(-1);
    ensure!(
        stored("open_total") > 0
            && stored("c_open") + stored("c_in_progress") + stored("c_resolved") > 0,
        "the suite left applications and complaints to count: {row}"
    );
    for (label, column) in [
        ("Seluruh permohonan", "all_total"),
        ("Masih berjalan", "open_total"),
        ("Baru", "c_open"),
        ("Sedang ditangani", "c_in_progress"),
        ("Selesai ditanggapi", "c_resolved"),
    ] {
        let shown = card(&page.text, label).map(|c| digits(&c));
        ensure!(
            shown == Some(stored(column)),
            "{label}: the dashboard shows {shown:?}, the database holds {}",
            stored(column)
        );
    }
    let oldest = card(&page.text, "Terlama belum selesai").unwrap_or_default();
    ensure!(
        (oldest == "—") == (stored("c_open") + stored("c_in_progress") == 0),
        "the oldest unfinished complaint: {oldest:?} with {row}"
    );
    let queues = table_rows(&page.text, "Lama menunggu per antrian");
    let waiting: i64 = queues
        .iter()
        .map(|(_, cells)| cells.first().map_or(0, |c| digits(c)))
        .sum();
    ensure!(
        queues.len() == 5 && waiting == stored("waiting"),
        "queues {queues:?} wait {waiting}, the database holds {}",
        stored("waiting")
    );
    let fees: Vec<i64> =
        serde_json::from_str(row["fees"].as_str().unwrap_or("[]")).unwrap_or_default();
    let shown: Vec<i64> = table_rows(&page.text, "Biaya kurir PT Pos")
        .iter()
        .flat_map(|(_, cells)| cells.iter().map(|c| digits(c)))
        .collect();
    ensure!(
        shown == fees && fees.len() == 6,
        "fees shown {shown:?}, the roll-up holds {fees:?}"
    );
    Ok(())
}
