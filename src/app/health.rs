//! The administrator's view of the system's health (issue 13): the outbox
//! backlog and its age, failures of the last 24 hours, the provider error
//! rate per hour, the last cron run, refused webhooks, sign-in failures,
//! storage and the deployed version. One D1 round trip after the session
//! check (`store::health`, where SQLite sums and writes each part); the page
//! (`/staff/admin/health`) and its JSON twin (`GET /api/v1/health/details`)
//! show the same report, whose shape is `HealthReport` in the OpenAPI
//! document.

use chrono::{DateTime, Duration, Timelike, Utc};

use super::{admin, AppError, Ctx, Staff};
use crate::platform::timestamp;
use crate::store::health::{self as store, Health};

/// D1's size limit per database.
pub const DATABASE_LIMIT_BYTES: u64 = 10_000_000_000;

/// The git commit this Worker was built from (`scripts/build-worker.sh`
/// sets `PAKPOS_COMMIT`), or `dev` for a build outside a checkout.
pub fn version() -> &'static str {
    option_env!("PAKPOS_COMMIT").unwrap_or("dev")
}

/// The report as JSON text, for the administrator only.
pub async fn details(ctx: &Ctx, staff: &Staff) -> Result<String, AppError> {
    admin::require_admin(staff)?;
    let since = ctx.now - Duration::hours(24);
    let health = store::read(&ctx.db, &hour_of(since), &timestamp(since), &ctx.now_text()).await?;
    Ok(report(version(), &ctx.now_text(), health))
}

/// `YYYY-MM-DDTHH` of `at`, the key of the hourly tables (by hand, not
/// with chrono's pattern machinery: see `domain::time`).
pub fn hour_of(at: DateTime<Utc>) -> String {
    format!("{}T{:02}", at.date_naive(), at.hour())
}

/// The report's JSON: the parts SQLite wrote, joined, with the version and
/// the time of the read.
pub fn report(version: &str, now: &str, h: Health) -> String {
    // A string from the build environment: quoted and escaped as JSON.
    let version = serde_json::to_string(version).unwrap_or_else(|_| "\"dev\"".into());
    let database = h
        .database_bytes
        .map_or_else(|| "null".to_string(), |b| b.to_string());
    format!(
        "{{\"version\":{version},\"generated_at\":\"{now}\",\"outbox\":{},\"failures_24h\":{},\
         \"provider_errors\":{},\"last_cron\":{},\"webhook_refusals_24h\":{},\
         \"sign_in_failures_24h\":{},\"alerts\":{},\"backup\":{},\"storage\":{{\"database_bytes\":{database},\
         \"limit_bytes\":{DATABASE_LIMIT_BYTES},\"tables\":{}}}}}",
        h.outbox,
        h.failures,
        h.provider_errors,
        h.last_cron,
        h.refusals,
        h.sign_in_failures,
        h.alerts,
        h.backup,
        h.tables
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_join_into_one_json_object_with_an_escaped_version() {
        let h = Health {
            outbox: r#"[{"channel":"sms","status":"retrying","count":3}]"#.into(),
            failures: "[]".into(),
            provider_errors: "[]".into(),
            refusals: "[]".into(),
            sign_in_failures: r#"{"pairs":1,"failures":3}"#.into(),
            last_cron: "null".into(),
            tables: "[]".into(),
            alerts: "null".into(),
            backup: "null".into(),
            database_bytes: None,
        };
        let text = report("abc\"}", "2026-12-03T10:00:00.000Z", h);
        let v: serde_json::Value = serde_json::from_str(&text).expect("one JSON object");
        assert_eq!(v["version"], "abc\"}");
        assert_eq!(v["outbox"][0]["count"], 3);
        assert_eq!(v["sign_in_failures_24h"]["failures"], 3);
        assert!(v["last_cron"].is_null());
        assert!(v["storage"]["database_bytes"].is_null());
        assert_eq!(v["storage"]["limit_bytes"], 10_000_000_000u64);
        let parsed = parse_rfc3339_ok(&v["generated_at"]);
        assert!(parsed);
        assert_eq!(
            hour_of(crate::domain::time::parse_rfc3339("2026-12-03T10:59:00Z").unwrap_or_default()),
            "2026-12-03T10"
        );
    }

    fn parse_rfc3339_ok(v: &serde_json::Value) -> bool {
        v.as_str()
            .and_then(crate::domain::time::parse_rfc3339)
            .is_some()
    }
}
