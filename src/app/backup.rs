//! The nightly export (issue 13): every table, as gzip JSON lines, to the
//! agency's own R2 bucket (binding `BACKUPS`), for a restore into a fresh
//! database (`scripts/restore.mjs`) when D1 Time Travel cannot help.
//!
//! The daily cron (`0 18 * * *`, 01:00 WIB) starts an export; every cron
//! run goes on with it for a bounded time, from the cursor it left in
//! `backup_runs`, until every step is written; then the manifest
//! (`backups/<id>/manifest.json`, and `backups/latest.json`) says it is
//! whole. A day without a manifest is unfinished and is never restored.
//!
//! Consistency without a snapshot across runs: an application goes in one
//! D1 batch (one transaction) with its events, outbox rows and message
//! history, so in the export every application's version equals its
//! events and every outbox row's event is there, however busy the day.
//! The other tables go children first: a row exported earlier points at a
//! parent that still exists when the parent's table is exported later. The
//! restore loads in the reverse order, parents first.
//!
//! A run cut anywhere loses nothing: a chunk's objects are written under
//! keys fixed by its step and part, then the chunk is recorded; a chunk
//! cut before its record is written again, over the same keys. Exports
//! older than `BACKUP_KEEP_DAYS` (default 30) are deleted, one a run, never
//! the newest finished one.

use chrono::Duration;
use wasm_bindgen::JsValue;

use super::{AppError, Ctx};
use crate::platform::{export_run, timestamp};
use crate::store::backup as store;

/// The R2 binding of the exports.
pub const BUCKET: &str = "BACKUPS";
/// The daily schedule that starts an export.
pub const DAILY: &str = "0 18 * * *";
const DEFAULT_KEEP_DAYS: u32 = 30;
/// Rows of a step's first table per chunk (`BACKUP_CHUNK_ROWS`).
const DEFAULT_CHUNK_ROWS: u32 = 1000;
/// How long one cron run goes on with an export (wall clock).
const RUN_BUDGET_MS: u32 = 15_000;

/// One step: `table` read by its primary key `key` (keyset, `filter`
/// narrowing it), and with each chunk the rows of `with`'s tables that
/// belong to it (`{chunk}`: the chunk's `chunk_key` values).
pub struct Step {
    pub name: &'static str,
    pub table: &'static str,
    pub key: &'static [&'static str],
    pub filter: &'static str,
    pub chunk_key: &'static str,
    pub with: &'static [(&'static str, &'static str)],
}

const fn table(table: &'static str, key: &'static [&'static str]) -> Step {
    Step {
        name: table,
        table,
        key,
        filter: "",
        chunk_key: "",
        with: &[],
    }
}

/// Every table, children before their parents (restore: the reverse). The
/// e2e restore test fails if a table of the database is missing here;
/// `backup_runs`, the exports' own bookkeeping, is left out on purpose.
pub const STEPS: &[Step] = &[
    table("shipment_events", &["event_id"]),
    table("download_codes", &["id"]),
    table("provider_polls", &["outbox_id"]),
    table("shipments", &["id"]),
    table("fees", &["id"]),
    table("download_links", &["token_hash"]),
    table("documents", &["id"]),
    table("requirement_checks", &["registration_number", "item"]),
    table("application_services", &["registration_number", "service"]),
    table("products", &["registration_number", "kind"]),
    table("signatures", &["code"]),
    table("idempotency_keys", &["key_hash"]),
    table("complaint_events", &["ticket", "seq"]),
    // Messages of no application step (complaint answers, SMS replies,
    // alerts), with their history.
    Step {
        name: "outbox_other",
        table: "outbox",
        key: &["id"],
        filter: "event_seq IS NULL",
        chunk_key: "id",
        with: &[(
            "message_status_history",
            "outbox_id IN ({chunk}) ORDER BY id",
        )],
    },
    table("complaints", &["ticket"]),
    Step {
        name: "applications",
        table: "applications",
        key: &["registration_number"],
        filter: "",
        chunk_key: "registration_number",
        with: &[
            (
                "events",
                "registration_number IN ({chunk}) ORDER BY registration_number, seq",
            ),
            (
                "outbox",
                "registration_number IN ({chunk}) AND event_seq IS NOT NULL ORDER BY id",
            ),
            (
                "message_status_history",
                "outbox_id IN (SELECT id FROM outbox WHERE registration_number IN ({chunk}) \
                 AND event_seq IS NOT NULL) ORDER BY id",
            ),
        ],
    },
    table("access_log", &["id"]),
    table("sessions", &["token_hash"]),
    table("api_keys", &["id"]),
    table("login_failures", &["username", "address"]),
    table("login_attempts", &["key"]),
    table("rate_limits", &["bucket", "key"]),
    table("sms_inbound", &["message_sid"]),
    table("sms_opt_outs", &["phone"]),
    table("alert_state", &["condition"]),
    table("alert_settings", &["id"]),
    table("ops_state", &["key"]),
    table("status_counts", &["status"]),
    table("daily_outcomes", &["day", "kecamatan_code"]),
    table("daily_sms", &["day", "status"]),
    table("daily_fees", &["day"]),
    table("open_counts", &["role", "kecamatan_code"]),
    table("complaint_counts", &["status"]),
    table(
        "message_outcomes_hourly",
        &["hour", "channel", "status", "source"],
    ),
    table("webhook_refusals_hourly", &["hour", "sender"]),
    table("staff", &["id"]),
    table("villages", &["code"]),
    table("kecamatan", &["code"]),
];

/// A step's statements (its table first, with `__k` key columns) and their
/// tables, each list joined by U+0001 (what `platform::export_run`
/// takes); `after`: whether a cursor is bound (?1… its values, then the
/// limit).
pub fn statements(step: &Step, after: bool) -> (String, String) {
    let keys = step.key.join(", ");
    let mut range = String::new();
    let mut params = String::new();
    let mut named = String::new();
    for (i, k) in step.key.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        params += &format!("{sep}?{}", i + 1);
        named += &format!("{sep}{k} AS __k{i}");
    }
    let mut and = " WHERE ";
    if !step.filter.is_empty() {
        range += and;
        range += step.filter;
        and = " AND ";
    }
    if after {
        range += &format!("{and}({keys}) > ({params})");
    }
    let limit = if after { step.key.len() + 1 } else { 1 };
    range += &format!(" ORDER BY {keys} LIMIT ?{limit}");
    let mut sql = format!("SELECT {named}, * FROM {}{range}", step.table);
    let mut tables = step.table.to_string();
    let chunk = format!("SELECT {} FROM {}{range}", step.chunk_key, step.table);
    for (t, condition) in step.with {
        sql += &format!(
            "\u{1}SELECT * FROM {t} WHERE {}",
            condition.replace("{chunk}", &chunk)
        );
        tables += &format!("\u{1}{t}");
    }
    (sql, tables)
}

/// The export's folder name for a start at `now`: `2026-12-03T18-00-00Z`.
pub fn export_id(now: &str) -> String {
    format!("{}Z", now.get(..19).unwrap_or(now).replace(':', "-"))
}

/// Starts today's export (the daily cron).
pub async fn start(ctx: &Ctx) -> Result<(), AppError> {
    let now = ctx.now_text();
    Ok(store::start(&ctx.db, &export_id(&now), &now).await?)
}

/// One cron run's share: goes on with the current export for a bounded
/// time (`platform::export_run` moves the rows), or deletes one expired
/// export. How many chunks it wrote.
pub async fn work(ctx: &Ctx) -> Result<u64, AppError> {
    let bucket: JsValue = ctx
        .env
        .bucket(BUCKET)
        .map_err(|e| AppError::internal("R2 binding BACKUPS", e))?
        .as_ref()
        .clone();
    let db: JsValue = ctx
        .env
        .d1("DB")
        .map_err(|e| AppError::internal("D1 binding", e))?
        .as_ref()
        .clone();
    let mut plan = String::new();
    for s in STEPS {
        let (first, tables) = statements(s, false);
        let (after, _) = statements(s, true);
        if !plan.is_empty() {
            plan.push('\u{2}');
        }
        plan += &format!("{}\u{3}{tables}\u{3}{first}\u{3}{after}", s.name);
    }
    let queries = [
        store::CURRENT,
        store::ADVANCE,
        store::MANIFEST,
        store::FINISH,
        store::EXPIRED,
        store::FORGET,
    ]
    .join("\u{2}");
    let days = ctx.var_u32("BACKUP_KEEP_DAYS", DEFAULT_KEEP_DAYS);
    let before = export_id(&timestamp(ctx.now - Duration::days(i64::from(days))));
    let chunk = ctx
        .var_u32("BACKUP_CHUNK_ROWS", DEFAULT_CHUNK_ROWS)
        .clamp(1, 5000);
    export_run(
        &db,
        &bucket,
        &plan,
        &queries,
        chunk,
        RUN_BUDGET_MS,
        &ctx.now_text(),
        &before,
    )
    .await
    .map_err(|e| AppError::internal("backup", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_reads_by_its_key_and_takes_what_belongs_to_each_chunk() {
        let apps = STEPS
            .iter()
            .find(|s| s.name == "applications")
            .expect("step");
        let (first, tables) = statements(apps, false);
        assert_eq!(
            tables,
            "applications\u{1}events\u{1}outbox\u{1}message_status_history"
        );
        let first: Vec<&str> = first.split('\u{1}').collect();
        assert_eq!(first.len(), 4);
        assert_eq!(
            first[0],
            "SELECT registration_number AS __k0, * FROM applications ORDER BY registration_number LIMIT ?1"
        );
        let (next, _) = statements(apps, true);
        let next: Vec<&str> = next.split('\u{1}').collect();
        assert!(next[0]
            .contains("WHERE (registration_number) > (?1) ORDER BY registration_number LIMIT ?2"));
        assert!(next[1].starts_with(
            "SELECT * FROM events WHERE registration_number IN (SELECT registration_number FROM applications WHERE (registration_number) > (?1)"
        ));
        let rate = STEPS
            .iter()
            .find(|s| s.name == "rate_limits")
            .expect("step");
        let (sql, _) = statements(rate, true);
        assert_eq!(
            sql,
            "SELECT bucket AS __k0, key AS __k1, * FROM rate_limits WHERE (bucket, key) > (?1, ?2) ORDER BY bucket, key LIMIT ?3"
        );
        let other = STEPS
            .iter()
            .find(|s| s.name == "outbox_other")
            .expect("step");
        let (sql, _) = statements(other, true);
        assert!(
            sql.contains("WHERE event_seq IS NULL AND (id) > (?1)"),
            "{sql}"
        );
    }

    #[test]
    fn every_table_is_exported_once_and_ids_sort_as_time() {
        let mut names: Vec<&str> = STEPS
            .iter()
            .flat_map(|s| std::iter::once(s.table).chain(s.with.iter().map(|w| w.0)))
            .collect();
        let all = names.len();
        names.sort_unstable();
        names.dedup();
        // outbox and message_status_history come in two steps each.
        assert_eq!(all - names.len(), 2);
        assert_eq!(
            export_id("2026-12-03T18:00:00.123Z"),
            "2026-12-03T18-00-00Z"
        );
        assert!(export_id("2026-12-03T18:00:00.000Z") < export_id("2026-12-04T09:00:00.000Z"));
    }
}
