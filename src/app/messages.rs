//! Dispatch bookkeeping for officers: resending a failed SMS, putting a
//! stuck message back on its queue, and the daily reconciliation of courier
//! fees, with what the cron learnt by polling the providers when a report
//! never came.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::limits::RESENDS_PER_NUMBER_PER_DAY;
use super::{after_commit, AppError, Ctx, Staff};
use crate::domain::roles::Role;
use crate::platform::{timestamp, wib_date};
use crate::store::dispatch as store;
use crate::store::outbox::NewOutboxRow;
use crate::store::StoreError;

/// Resends a failed SMS for an officer (API and staff UI); returns the new
/// outbox row and the application's number. At most
/// `RESENDS_PER_NUMBER_PER_DAY` resends per application in 24 hours, so
/// the citizen's phone is not flooded however often the button is pressed.
pub async fn resend_sms(
    ctx: &Ctx,
    staff: &Staff,
    id: i64,
) -> Result<(NewOutboxRow, String), AppError> {
    if !may_resend(staff.role) {
        return Err(AppError::Forbidden(format!(
            "peran {} tidak mengirim ulang SMS",
            staff.role.code()
        )));
    }
    let since = timestamp(ctx.now - Duration::days(1));
    let message = store::find_for_resend(&ctx.db, id, &since)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("pesan #{id} tidak ditemukan")))?;
    if message.template == "download_code" {
        return Err(AppError::Conflict {
            code: "not_resendable",
            message:
                "kode unduh tidak dikirim ulang; pemohon meminta kode baru di halaman cetak mandiri"
                    .into(),
        });
    }
    if message.channel != "sms" {
        return Err(AppError::Conflict {
            code: "not_resendable",
            message: "hanya SMS yang dapat dikirim ulang".into(),
        });
    }
    if !matches!(message.status.as_str(), "failed" | "undelivered") {
        return Err(AppError::Conflict {
            code: "not_resendable",
            message: format!(
                "SMS #{id} berstatus '{}'; hanya SMS gagal yang dapat dikirim ulang",
                message.status
            ),
        });
    }
    if message.resends >= RESENDS_PER_NUMBER_PER_DAY {
        return Err(AppError::too_many(
            None,
            format!(
                "SMS permohonan {} sudah dikirim ulang {} kali dalam 24 jam terakhir; \
                 coba lagi besok atau hubungi pemohon lewat telepon",
                message.registration_number, RESENDS_PER_NUMBER_PER_DAY
            ),
        ));
    }
    let row = match store::resend(&ctx.db, id, staff.id, &ctx.now_text()).await {
        Ok(Some(row)) => row,
        Ok(None) => {
            return Err(AppError::Conflict {
                code: "conflict",
                message: format!("status SMS #{id} baru saja berubah"),
            })
        }
        Err(StoreError::Unique(_)) => {
            return Err(AppError::Conflict {
                code: "already_resent",
                message: format!("SMS #{id} sudah dikirim ulang"),
            });
        }
        Err(e) => return Err(AppError::internal("resend", e)),
    };
    after_commit(ctx, std::slice::from_ref(&row)).await;
    Ok((row, message.registration_number))
}

/// Who may resend an SMS: the officers of the workflow and the administrator.
pub fn may_resend(role: Role) -> bool {
    !matches!(role, Role::VillageOperator | Role::ComplaintsOfficer)
}

const MAX_DAYS: i64 = 366;

fn parse_day(field: &str, raw: Option<String>, default: NaiveDate) -> Result<NaiveDate, AppError> {
    match raw {
        None => Ok(default),
        Some(v) => crate::domain::time::parse_day(&v)
            .ok_or_else(|| AppError::invalid(field, "tanggal harus berformat TTTT-BB-HH")),
    }
}

/// A message put back on its queue (admin).
#[derive(Debug, Serialize)]
pub struct Requeued {
    pub outbox_id: i64,
    pub channel: String,
    pub status: String,
}

/// Puts an outbox row on its queue again, whatever its state — for a
/// message that looks stuck (admin only). The consumers are idempotent on
/// the outbox id, so a row already with the provider, or being sent, is not
/// sent twice.
pub async fn requeue(ctx: &Ctx, staff: &Staff, id: i64) -> Result<Requeued, AppError> {
    if staff.role != Role::Admin {
        return Err(AppError::Forbidden(
            "hanya administrator yang dapat memasukkan ulang pesan ke antrean".into(),
        ));
    }
    let message = store::find_outbox(&ctx.db, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("pesan #{id} tidak ditemukan")))?;
    let row = NewOutboxRow {
        outbox_id: id,
        outbox_channel: message.channel.clone(),
    };
    after_commit(ctx, std::slice::from_ref(&row)).await;
    Ok(Requeued {
        outbox_id: id,
        channel: message.channel,
        status: message.status,
    })
}

/// Most recovered rows listed in one reconciliation.
const RECOVERED_ROWS: u32 = 100;

/// Per WIB day from `from` to `to` (default: the last 30 days), the fees
/// expected (courier booked), collected (courier reported), and still
/// outstanding of that day's expected, with their totals; what the cron
/// learnt by polling the providers (`app::recover`) because their report
/// never came — messages and courier orders whose state a poll moved
/// forward, newest first (at most [`RECOVERED_ROWS`]), and the fees whose
/// collection only a poll told us of (already counted in the days); and
/// the papers sent back after cancellations. The JSON text of
/// `Reconciliation` in the OpenAPI document, written by SQLite.
pub async fn reconciliation(
    ctx: &Ctx,
    staff: &Staff,
    from: Option<String>,
    to: Option<String>,
) -> Result<String, AppError> {
    if !matches!(
        staff.role,
        Role::Admin | Role::HeadOfAgency | Role::Validator | Role::PickupCounter
    ) {
        return Err(AppError::Forbidden(format!(
            "peran {} tidak melihat rekonsiliasi biaya",
            staff.role.code()
        )));
    }
    let today = wib_date(ctx.now);
    let to = parse_day("to", to, today)?;
    let from = parse_day("from", from, to - Duration::days(29))?;
    if from > to {
        return Err(AppError::invalid(
            "from",
            "'from' harus sebelum atau sama dengan 'to'",
        ));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(AppError::invalid(
            "to",
            format!("rentang paling lama {MAX_DAYS} hari"),
        ));
    }
    Ok(store::reconciliation(&ctx.db, &from.to_string(), &to.to_string(), RECOVERED_ROWS).await?)
}
