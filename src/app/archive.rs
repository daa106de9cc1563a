//! The archive: an application closed more than `ARCHIVE_AFTER_DAYS`
//! (default 365) ago has its history — events, requirement checks,
//! messages with their status history and polls, shipments, fees, products,
//! download links — moved to R2 as one JSON line in a gzip object per closing
//! month and run (`arsip/YYYY-MM/<first number>-<run>.jsonl.gz`), so D1 keeps
//! about one kilobyte per application for the regency's lifetime. What
//! stays in D1: the application row (search, the citizen's status check)
//! with a summary of its messages, its services, its signatures (the public
//! check of a printed document) and complaints. The roll-ups keep counting
//! it (they never decrement on delete).
//!
//! A run is the cron's, bounded (`ARCHIVE_BATCH`, default 50 applications)
//! and safe to cut anywhere: the object is written first under a key no
//! other run uses, and the one statement that marks the applications (and
//! whose trigger deletes their rows) is all or nothing. A run cut after the object keeps nothing
//! from it (the applications are archived again, into a new object; the
//! orphan holds copies only); one whose application changed meanwhile
//! leaves that application for the next run.

use chrono::Duration;

use super::read::{check_village, not_found, reader};
use super::{objects, AppError, Ctx, Staff};
use crate::domain::ids::RegistrationNumber;
use crate::platform::{gunzip_line, gzip, timestamp};
use crate::store::archive as store;

pub const DEFAULT_ARCHIVE_DAYS: u32 = 365;
const DEFAULT_BATCH: u32 = 50;

/// Archives the oldest due applications of one month; how many.
pub async fn archive_due(ctx: &Ctx) -> Result<usize, AppError> {
    let days = ctx.var_u32("ARCHIVE_AFTER_DAYS", DEFAULT_ARCHIVE_DAYS);
    let closed_before = timestamp(ctx.now - Duration::days(i64::from(days)));
    let batch = ctx.var_u32("ARCHIVE_BATCH", DEFAULT_BATCH).clamp(1, 500);
    let lines = store::due(&ctx.db, &closed_before, batch).await?;
    let Some(first) = lines.first() else {
        return Ok(0);
    };
    let key = format!(
        "{}{}.jsonl.gz",
        first.key_prefix,
        ctx.now.timestamp_millis()
    );
    let mut text = String::new();
    let mut entries = String::from("[");
    for (i, l) in lines.iter().enumerate() {
        text.push_str(&l.line);
        text.push('\n');
        if i > 0 {
            entries.push(',');
        }
        entries.push_str(&l.entry);
    }
    entries.push(']');
    let packed = gzip(text.as_bytes())
        .await
        .map_err(|e| AppError::internal("gzip", e.to_string()))?;
    objects::put(ctx, &key, packed, "application/gzip").await?;
    Ok(store::commit(&ctx.db, &entries, &key, &ctx.now_text()).await?)
}

/// The archived history of `number` (its JSON line), for an officer who
/// may see the application; the read is access-logged.
pub async fn read(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
) -> Result<String, AppError> {
    let located = store::locate(&ctx.db, number.as_str(), &reader(staff), &ctx.now_text())
        .await?
        .ok_or_else(|| not_found(number))?;
    check_village(staff, &located.village_code)?;
    let key = located.archive_key.ok_or_else(|| AppError::Conflict {
        code: "not_archived",
        message: "riwayat permohonan ini belum dipindahkan ke arsip; lihat halaman permohonan"
            .into(),
    })?;
    let packed = objects::read(ctx, &key).await?;
    let start = format!("{{\"registration_number\":\"{}\"", number.as_str());
    gunzip_line(&packed, &start)
        .await
        .map_err(|e| AppError::internal("gunzip", e.to_string()))?
        .ok_or_else(|| AppError::internal("archive", "line missing from its object"))
}
