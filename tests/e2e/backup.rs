//! The nightly export and its way back (issue 13): the daily cron starts an
//! export of every table to the local R2 bucket, the minutely cron finishes
//! it, and `scripts/restore.mjs` rebuilds a fresh local D1 from it — every
//! table's rows, every application's version equal to its events, every
//! outbox row of a step belonging to its event, all checked here on the
//! restored database itself.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::{ensure, Env, TestResult};

/// Reads the stack's D1 and R2 from a second process: run alone.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![an_export_restores_into_a_fresh_database_whole_and_consistent]
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn node(args: &[&str]) -> Result<(i32, String, String), String> {
    let out = Command::new("node")
        .args(args)
        .current_dir(root())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("node {args:?}: {e}"))?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// One query on the restored database.
fn query(persist: &str, sql: &str) -> Result<Value, String> {
    let out = Command::new(root().join("node_modules/.bin/wrangler"))
        .args([
            "d1",
            "execute",
            "DB",
            "--local",
            "--json",
            "--persist-to",
            persist,
            "--command",
            sql,
        ])
        .current_dir(root())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true")
        .output()
        .map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&out.stderr)))?;
    Ok(v[0]["results"][0].clone())
}

fn an_export_restores_into_a_fresh_database_whole_and_consistent(env: &Env) -> TestResult {
    // Something of every kind is there by now; one more application.
    env.api.submitted()?;
    let token = env.api.token("admin")?;
    let backup = || -> Result<Value, String> {
        let r = env.api.get("/api/v1/health/details", Some(&token));
        ensure!(r.status == 200, "health details: {} {}", r.status, r.text);
        Ok(r.body["backup"].clone())
    };
    let before = backup()?;
    let daily = env.api.get("/__scheduled?cron=0+18+*+*+*", None);
    ensure!(
        daily.status == 200,
        "daily cron: {} {}",
        daily.status,
        daily.text
    );
    let finished =
        crate::dispatch::wait_for("the export to finish", Duration::from_secs(120), || {
            let b = backup()?;
            if b["running"].is_null()
                && b["last_finished"] != before["last_finished"]
                && !b["last_finished"].is_null()
            {
                return Ok(Some(b["last_finished"].clone()));
            }
            let tick = env.api.get("/__scheduled?cron=*+*+*+*+*", None);
            ensure!(tick.status == 200, "cron: {} {}", tick.status, tick.text);
            Ok(None)
        })?;
    // (That every table is in it, restore.mjs checks against the schema.)
    ensure!(
        finished["parts"].as_i64().is_some_and(|n| n > 0),
        "no parts: {finished}"
    );
    let live = env.server.query(
        "SELECT (SELECT count(*) FROM applications) AS applications, (SELECT count(*) FROM events) AS events,
                (SELECT count(*) FROM outbox) AS outbox, (SELECT count(*) FROM message_status_history) AS history",
    )?;
    let live = live
        .as_array()
        .and_then(|a| a.first())
        .cloned()
        .unwrap_or_default();

    let target = std::env::temp_dir().join(format!("pakpos-restore-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&target);
    let target = target.to_string_lossy().into_owned();
    let persist = env.server.persist_dir.to_string_lossy().into_owned();
    let restore = [
        "scripts/restore.mjs",
        "--source",
        "local",
        "--source-persist-to",
        &persist,
        "--local",
        "--persist-to",
        &target,
    ];
    let (code, out, err) = node(&restore)?;
    ensure!(code == 0, "restore: exit {code}\n{out}\n{err}");
    let report: Value = serde_json::from_str(&out).map_err(|e| format!("{e}: {out}"))?;
    ensure!(
        report["export"] == finished["id"] && report["wrong_counts"] == serde_json::json!([]),
        "restore report: {report}"
    );
    // Checked again here, on the restored database, against the live one.
    let restored = query(
        &target,
        "SELECT (SELECT count(*) FROM applications) AS applications, (SELECT count(*) FROM events) AS events,
                (SELECT count(*) FROM outbox) AS outbox, (SELECT count(*) FROM message_status_history) AS history,
                (SELECT count(*) FROM applications a WHERE a.archived_at IS NULL AND a.version !=
                   (SELECT count(*) FROM events e WHERE e.registration_number = a.registration_number)) AS wrong_versions,
                (SELECT count(*) FROM outbox o WHERE o.event_seq IS NOT NULL AND NOT EXISTS
                   (SELECT 1 FROM events e WHERE e.registration_number = o.registration_number
                      AND e.seq = o.event_seq)) AS orphans,
                (SELECT count(*) FROM villages) AS villages, (SELECT count(*) FROM staff) AS staff",
    )?;
    // Only steps write applications, events and outbox rows, and none ran
    // since the export; the consumers go on adding message history.
    for table in ["applications", "events", "outbox"] {
        ensure!(
            restored[table] == live[table] && live[table].as_i64().is_some_and(|n| n > 0),
            "{table}: live {} restored {}",
            live[table],
            restored[table]
        );
    }
    ensure!(
        restored["history"].as_i64() <= live["history"].as_i64(),
        "history: live {} restored {}",
        live["history"],
        restored["history"]
    );
    ensure!(
        restored["wrong_versions"] == 0 && restored["orphans"] == 0,
        "restored database inconsistent: {restored}"
    );
    ensure!(
        restored["villages"] == 294 && restored["staff"].as_i64().is_some_and(|n| n >= 9),
        "seeded tables: {restored}"
    );
    // The triggers are back: the roll-ups count what is written after.
    let triggers = query(
        &target,
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger'",
    )?;
    ensure!(
        triggers["n"].as_i64().is_some_and(|n| n > 5),
        "triggers: {triggers}"
    );
    // A database that holds applications is never a target.
    let (code, _, err) = node(&restore)?;
    ensure!(
        code == 1 && err.contains("already holds"),
        "a second restore into the same database: exit {code} {err}"
    );
    let _ = std::fs::remove_dir_all(&target);
    Ok(())
}
