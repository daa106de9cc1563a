//! `GET /staff/admin/health`: the system's health for the administrator
//! (the agency's IT officer), in Indonesian — the same report as
//! `GET /api/v1/health/details` (`app::health`), with what needs attention
//! said first.

use askama::Template;
use worker::Request;

use super::{error_page, form, html, officer, redirect, PageResult, Session};
use serde_json::Value;

use crate::app::alerts::save_settings;
use crate::app::health::details;
use crate::app::{admin, Ctx};
use crate::domain::alerts::{Condition, SettingsFields};
use crate::domain::field_error::FieldError;
use crate::domain::time::{format_wib, parse_rfc3339};
use crate::web::request::query_param;

pub struct Backlog {
    pub channel: &'static str,
    pub status: &'static str,
    pub count: i64,
    pub oldest: String,
}

pub struct Failures {
    pub channel: &'static str,
    pub failed: i64,
    pub dead_lettered: i64,
    pub undelivered: i64,
}

pub struct Hour {
    pub hour: String,
    pub channel: &'static str,
    pub outcomes: i64,
    pub errors: i64,
    pub percent: String,
}

pub struct Row {
    pub label: &'static str,
    pub value: String,
}

/// A watched condition on the page: its name, threshold and where it stands.
pub struct Watched {
    pub label: &'static str,
    pub threshold: String,
    pub state: String,
    pub active: bool,
}

/// The alerts' form: the values shown (stored or as typed) and its errors.
pub struct AlertsForm {
    pub fields: SettingsFields,
    pub errors: Vec<FieldError>,
    pub saved: bool,
}

impl AlertsForm {
    /// The threshold fields in the form's order: name, value, hint.
    pub fn thresholds(&self) -> [(&'static str, &str, &'static str); 5] {
        let f = &self.fields;
        [
            (
                "sms_failure_percent",
                &f.sms_failure_percent,
                "Persentase SMS gagal sejak awal jam sebelumnya (dinilai setelah ada 10 hasil).",
            ),
            (
                "pending_minutes",
                &f.pending_minutes,
                "Umur pesan tertua yang belum sampai ke penyedia.",
            ),
            (
                "relay_silent_minutes",
                &f.relay_silent_minutes,
                "Lama relai pesan tidak berjalan tanpa galat.",
            ),
            (
                "dead_letters",
                &f.dead_letters,
                "Jumlah pesan gagal setelah semua percobaan sejak awal jam sebelumnya.",
            ),
            (
                "webhook_refusals",
                &f.webhook_refusals,
                "Jumlah webhook ditolak karena tanda tangan salah sejak awal jam sebelumnya.",
            ),
        ]
    }

    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// The form's label of a field (the error summary names fields by it).
pub fn alert_field_label(field: &str) -> &'static str {
    match field {
        "on_call" => "Nomor HP petugas jaga",
        "sms_failure_percent" => "SMS gagal (persen)",
        "pending_minutes" => "Pesan tertunda (menit)",
        "relay_silent_minutes" => "Relai berhenti (menit)",
        "dead_letters" => "Pesan gagal setelah semua percobaan",
        "webhook_refusals" => "Webhook ditolak",
        _ => "Isian",
    }
}

#[derive(Template)]
#[template(path = "health.html", whitespace = "minimize")]
struct HealthPage {
    session: Option<Session>,
    csrf: String,
    watched: Vec<Watched>,
    alerts: AlertsForm,
    version: String,
    generated: String,
    warnings: Vec<String>,
    backlog: Vec<Backlog>,
    failures: Vec<Failures>,
    hours: Vec<Hour>,
    cron: Option<Row>,
    refusals: Vec<Row>,
    sign_in: String,
    database: String,
    backup: String,
    tables: Vec<Row>,
}

/// Minutes without a cron run after which the page warns (it runs every
/// minute).
const CRON_SILENT_MINUTES: i64 = 5;

/// `GET /staff/admin/health`, and `POST /staff/admin/health/alerts` (the
/// on-call numbers and thresholds): one handler, so the session check and
/// the page are in the wasm once.
pub async fn page(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    if let Err(e) = admin::require_admin(&session.staff) {
        return error_page(&e, Some(session));
    }
    if req.method() != worker::Method::Post {
        let saved = query_param(&req, "disimpan").ok().flatten().is_some();
        return render(ctx, session, None, saved).await;
    }
    let f = form(req, &session).await?;
    let field = |name: &str| f.get(name).unwrap_or_default().to_string();
    let fields = SettingsFields {
        on_call: field("on_call"),
        sms_failure_percent: field("sms_failure_percent"),
        pending_minutes: field("pending_minutes"),
        relay_silent_minutes: field("relay_silent_minutes"),
        dead_letters: field("dead_letters"),
        webhook_refusals: field("webhook_refusals"),
    };
    match save_settings(ctx, &session.staff, &fields).await? {
        Ok(()) => redirect("/staff/admin/health?disimpan=1#peringatan"),
        Err(errors) => render(ctx, session, Some((fields, errors)), false).await,
    }
}

/// The page; `typed`: a refused alerts form, shown again with its errors.
async fn render(
    ctx: &Ctx,
    session: Session,
    typed: Option<(SettingsFields, Vec<FieldError>)>,
    saved: bool,
) -> PageResult {
    let report = details(ctx, &session.staff).await?;
    let report: Value = serde_json::from_str(&report)
        .map_err(|e| crate::app::AppError::internal("health report", e))?;
    let status = if typed.is_some() { 422 } else { 200 };
    let alerts = match typed {
        Some((fields, errors)) => AlertsForm {
            fields,
            errors,
            saved,
        },
        None => AlertsForm {
            fields: stored_fields(&report["alerts"]),
            errors: Vec::new(),
            saved,
        },
    };
    html(status, &view(session, &report, alerts))
}

/// The stored settings as the form shows them.
fn stored_fields(a: &Value) -> SettingsFields {
    let number = |key: &str| a[key].as_i64().map(|n| n.to_string()).unwrap_or_default();
    SettingsFields {
        on_call: items(a, "on_call")
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        sms_failure_percent: number("sms_failure_percent"),
        pending_minutes: number("pending_minutes"),
        relay_silent_minutes: number("relay_silent_minutes"),
        dead_letters: number("dead_letters"),
        webhook_refusals: number("webhook_refusals"),
    }
}

/// Each watched condition, in the form's order, with its last judgement.
fn watched(a: &Value) -> Vec<Watched> {
    Condition::ALL
        .iter()
        .map(|c| {
            let (limit, unit) = (int(a, c.setting()), c.unit());
            let row = items(a, "conditions")
                .iter()
                .find(|s| s["condition"] == c.code());
            let since = row
                .map(|s| str_of(s, "active_since"))
                .filter(|t| !t.is_empty());
            let told = row
                .map(|s| str_of(s, "notified_at"))
                .filter(|t| !t.is_empty());
            let value = row.map(|s| format!("{}{unit}", int(s, "value")));
            let state = match (since, value) {
                (Some(since), Some(v)) => format!(
                    "AKTIF sejak {} (terakhir {v}); SMS terakhir: {}",
                    at(since),
                    told.map_or_else(|| "belum".to_string(), at)
                ),
                (None, Some(v)) => format!("Normal (terakhir {v})"),
                _ => "Belum dinilai".into(),
            };
            Watched {
                label: c.label(),
                threshold: if limit == 0 {
                    "mati".into()
                } else {
                    format!("{limit}{unit}")
                },
                state,
                active: since.is_some(),
            }
        })
        .collect()
}

fn channel(code: &str) -> &'static str {
    match code {
        "sms" => "SMS",
        "whatsapp" => "WhatsApp",
        "courier" => "Kurir (PT Pos)",
        _ => "lainnya",
    }
}

fn backlog_status(code: &str) -> &'static str {
    match code {
        "pending" => "menunggu dikirim",
        "sending" => "sedang dikirim",
        "retrying" => "menunggu dicoba lagi",
        "awaiting_report" => "menunggu laporan sampai",
        _ => "lainnya",
    }
}

fn sender(code: &str) -> &'static str {
    match code {
        "twilio" => "Gateway SMS (Twilio)",
        "courier" => "Kurir (Biteship)",
        _ => "lainnya",
    }
}

fn table(code: &str) -> &'static str {
    match code {
        "applications" => "Permohonan",
        "complaints" => "Pengaduan",
        "outbox" => "Pesan keluar (SMS dan kurir)",
        "message_status_history" => "Riwayat status pesan",
        "shipments" => "Pengiriman kurir",
        "access_log" => "Log akses",
        "documents" => "Dokumen unggahan",
        _ => "lainnya",
    }
}

/// "2 jam 5 menit", "3 menit".
fn minutes(m: i64) -> String {
    match (m / 60, m % 60) {
        (0, m) => format!("{m} menit"),
        (h, 0) => format!("{h} jam"),
        (h, m) => format!("{h} jam {m} menit"),
    }
}

/// A stored UTC timestamp for people, in WIB.
fn at(text: &str) -> String {
    parse_rfc3339(text)
        .map(format_wib)
        .unwrap_or_else(|| text.to_string())
}

/// `YYYY-MM-DDTHH` (UTC) as the WIB hour it starts.
fn hour(key: &str) -> String {
    Some(key)
        .filter(|k| k.len() == 13)
        .and_then(|k| parse_rfc3339(&format!("{k}:00:00Z")))
        .map_or_else(|| key.to_string(), format_wib)
}

/// Bytes as people read them: "1,2 GB", "340 MB".
fn size(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        let tenths = bytes / 100_000_000;
        format!("{},{} GB", tenths / 10, tenths % 10)
    } else {
        format!("{} MB", bytes / 1_000_000)
    }
}

/// `part / whole` in percent with one decimal: "12,3%".
fn percent(part: u64, whole: u64) -> String {
    let tenths = part.saturating_mul(1000) / whole.max(1);
    format!("{},{}%", tenths / 10, tenths % 10)
}

/// The items of `v`'s array field `key` (none if it is not one).
fn items<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v[key].as_array().map_or(&[], Vec::as_slice)
}

fn int(v: &Value, key: &str) -> i64 {
    v[key].as_i64().unwrap_or(0)
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

fn cron_row(run: &Value) -> Row {
    let failed = ["relayed", "polled", "retained", "alerted", "backup"]
        .iter()
        .any(|job| run["detail"][job].get("error").is_some());
    let ago = run["minutes_ago"].as_i64().map(minutes).unwrap_or_default();
    Row {
        label: if failed {
            "Ada tugas yang gagal (lihat log: kind = cron)"
        } else {
            "Berjalan normal"
        },
        value: format!("{} ({ago} lalu)", at(str_of(run, "at"))),
    }
}

/// The nightly export: the last finished one and the one going on.
fn backup_line(b: &Value) -> String {
    let last = &b["last_finished"];
    let mut line = if last.is_null() {
        "belum ada yang selesai".to_string()
    } else {
        format!(
            "terakhir selesai {} (folder backups/{}/, {} bagian)",
            at(str_of(last, "finished_at")),
            str_of(last, "id"),
            int(last, "parts")
        )
    };
    if !b["running"].is_null() {
        line.push_str("; satu ekspor sedang berjalan");
    }
    line
}

fn view(session: Session, r: &Value, alerts: AlertsForm) -> HealthPage {
    let mut warnings = Vec::new();
    let watched = watched(&r["alerts"]);
    for w in watched.iter().filter(|w| w.active) {
        warnings.push(format!("Peringatan aktif: {}.", w.label));
    }
    if items(&r["alerts"], "on_call").is_empty() {
        warnings
            .push("Belum ada nomor HP petugas jaga: peringatan tidak dikirim lewat SMS.".into());
    }
    let run = &r["last_cron"];
    let cron_age = run["minutes_ago"].as_i64();
    if run.is_null() {
        warnings.push("Cron belum pernah tercatat berjalan.".to_string());
    } else if let Some(m) = cron_age.filter(|m| *m > CRON_SILENT_MINUTES) {
        warnings.push(format!(
            "Cron terakhir berjalan {} lalu: pesan yang tertunda tidak dikirim ulang.",
            minutes(m)
        ));
    }
    let dead: i64 = items(r, "failures_24h")
        .iter()
        .map(|f| int(f, "dead_lettered"))
        .sum();
    if dead > 0 {
        warnings.push(format!(
            "{dead} pesan gagal setelah semua percobaan dalam 24 jam terakhir: kirim ulang dari halaman permohonannya."
        ));
    }
    let forged: i64 = items(r, "webhook_refusals_24h")
        .iter()
        .map(|s| int(s, "count"))
        .sum();
    if forged > 0 {
        warnings.push(format!(
            "{forged} panggilan webhook ditolak karena tanda tangan atau rahasia salah dalam 24 jam terakhir."
        ));
    }
    let storage = &r["storage"];
    let limit = storage["limit_bytes"].as_u64().unwrap_or(1);
    let bytes = storage["database_bytes"].as_u64();
    if bytes.is_some_and(|b| b > limit / 10 * 8) {
        warnings.push("Basis data sudah lebih dari 80% batas 10 GB.".into());
    }
    let sign_in = &r["sign_in_failures_24h"];
    HealthPage {
        csrf: session.csrf.clone(),
        watched,
        alerts,
        session: Some(session),
        version: str_of(r, "version").to_string(),
        generated: at(str_of(r, "generated_at")),
        warnings,
        backlog: items(r, "outbox")
            .iter()
            .map(|b| Backlog {
                channel: channel(str_of(b, "channel")),
                status: backlog_status(str_of(b, "status")),
                count: int(b, "count"),
                oldest: b["oldest_minutes"]
                    .as_i64()
                    .map(minutes)
                    .unwrap_or_default(),
            })
            .collect(),
        failures: items(r, "failures_24h")
            .iter()
            .map(|f| Failures {
                channel: channel(str_of(f, "channel")),
                failed: int(f, "failed"),
                dead_lettered: int(f, "dead_lettered"),
                undelivered: int(f, "undelivered"),
            })
            .collect(),
        hours: items(r, "provider_errors")
            .iter()
            .rev()
            .map(|h| Hour {
                hour: hour(str_of(h, "hour")),
                channel: channel(str_of(h, "channel")),
                outcomes: int(h, "outcomes"),
                errors: int(h, "errors"),
                percent: format!("{}%", int(h, "error_percent")),
            })
            .collect(),
        cron: (!run.is_null()).then(|| cron_row(run)),
        refusals: items(r, "webhook_refusals_24h")
            .iter()
            .map(|s| Row {
                label: sender(str_of(s, "sender")),
                value: int(s, "count").to_string(),
            })
            .collect(),
        sign_in: format!(
            "{} kali gagal, dari {} pasangan akun dan alamat",
            int(sign_in, "failures"),
            int(sign_in, "pairs")
        ),
        backup: backup_line(&r["backup"]),
        database: match bytes {
            Some(b) => format!("{} dari batas 10 GB ({})", size(b), percent(b, limit)),
            None => "tidak dilaporkan oleh runtime".into(),
        },
        tables: items(storage, "tables")
            .iter()
            .map(|t| {
                let rows = int(t, "rows");
                Row {
                    label: table(str_of(t, "name")),
                    value: if t["exact"] == true || rows == 0 {
                        rows.to_string()
                    } else {
                        format!("± {rows}")
                    },
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_sizes_read_as_people_say_them() {
        assert_eq!(minutes(3), "3 menit");
        assert_eq!(minutes(120), "2 jam");
        assert_eq!(minutes(125), "2 jam 5 menit");
        assert_eq!(
            Some(hour("2026-12-03T10")),
            parse_rfc3339("2026-12-03T10:00:00Z").map(format_wib)
        );
        assert_eq!(hour("2026-12-03T1"), "2026-12-03T1");
        assert_eq!(percent(1_234, 10_000), "12,3%");
        assert!(
            hour("2026-12-03T10").contains("17:00 WIB"),
            "{}",
            hour("2026-12-03T10")
        );
        assert_eq!(size(1_234_000_000), "1,2 GB");
        assert_eq!(size(340_000_000), "340 MB");
        assert_eq!(backlog_status("retrying"), "menunggu dicoba lagi");
    }
}
