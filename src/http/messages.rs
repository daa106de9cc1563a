//! Staff actions on dispatch: resending a failed SMS, and the daily
//! reconciliation of courier fees.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde_json::{json as j, Value};
use worker::Request;

use super::auth::require_staff;
use super::error::ApiError;
use super::{after_commit, json, query_param, ApiResult, Ctx, Staff};
use crate::domain::roles::Role;
use crate::platform::wib_date;
use crate::store::applications::NewOutboxRow;
use crate::store::dispatch::{self as store, DayTotals};
use crate::store::StoreError;

/// `POST /api/v1/messages/{id}/resend`: a failed or undelivered SMS is sent
/// again as a new outbox row that records who asked for it.
pub async fn resend(req: Request, ctx: &Ctx, raw_id: &str) -> ApiResult {
    let staff = require_staff(&req, ctx).await?;
    let id: i64 = raw_id
        .parse()
        .map_err(|_| ApiError::invalid("id", "nomor pesan harus angka"))?;
    let (row, number) = resend_sms(ctx, &staff, id).await?;
    json(
        201,
        &j!({"outbox_id": row.outbox_id, "resend_of": id, "registration_number": number, "status": "pending"}),
    )
}

/// Resends a failed SMS for an officer (API and staff UI); returns the new
/// outbox row and the application's number.
pub async fn resend_sms(
    ctx: &Ctx,
    staff: &Staff,
    id: i64,
) -> Result<(NewOutboxRow, String), ApiError> {
    if !may_resend(staff.role) {
        return Err(ApiError::Forbidden(format!(
            "peran {} tidak mengirim ulang SMS",
            staff.role.code()
        )));
    }
    let message = store::find_outbox(&ctx.db, id)
        .await
        .map_err(|e| ApiError::internal("find message", e))?
        .ok_or_else(|| ApiError::NotFound(format!("pesan #{id} tidak ditemukan")))?;
    if message.channel != "sms" {
        return Err(ApiError::Conflict {
            code: "not_resendable",
            message: "hanya SMS yang dapat dikirim ulang".into(),
        });
    }
    if !matches!(message.status.as_str(), "failed" | "undelivered") {
        return Err(ApiError::Conflict {
            code: "not_resendable",
            message: format!(
                "SMS #{id} berstatus '{}'; hanya SMS gagal yang dapat dikirim ulang",
                message.status
            ),
        });
    }
    let row = match store::resend(&ctx.db, id, staff.id, &ctx.now_text()).await {
        Ok(Some(row)) => row,
        Ok(None) => {
            return Err(ApiError::Conflict {
                code: "conflict",
                message: format!("status SMS #{id} baru saja berubah"),
            })
        }
        Err(StoreError::Unique(_)) => {
            return Err(ApiError::Conflict {
                code: "already_resent",
                message: format!("SMS #{id} sudah dikirim ulang"),
            });
        }
        Err(e) => return Err(ApiError::internal("resend", e)),
    };
    after_commit(ctx, std::slice::from_ref(&row)).await;
    Ok((row, message.registration_number))
}

/// Who may resend an SMS: the officers of the workflow and the administrator.
pub fn may_resend(role: Role) -> bool {
    !matches!(role, Role::VillageOperator | Role::ComplaintsOfficer)
}

/// `POST /api/v1/messages/{id}/requeue` (admin): puts an outbox row on its
/// queue again, whatever its state — for a message that looks stuck. The
/// consumers are idempotent on the outbox id, so a row already with the
/// provider, or being sent, is not sent twice.
pub async fn requeue(req: Request, ctx: &Ctx, raw_id: &str) -> ApiResult {
    let staff = require_staff(&req, ctx).await?;
    if staff.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "hanya administrator yang dapat memasukkan ulang pesan ke antrean".into(),
        ));
    }
    let id: i64 = raw_id
        .parse()
        .map_err(|_| ApiError::invalid("id", "nomor pesan harus angka"))?;
    let message = store::find_outbox(&ctx.db, id)
        .await
        .map_err(|e| ApiError::internal("find message", e))?
        .ok_or_else(|| ApiError::NotFound(format!("pesan #{id} tidak ditemukan")))?;
    let row = crate::store::applications::NewOutboxRow {
        outbox_id: id,
        outbox_channel: message.channel.clone(),
    };
    after_commit(ctx, std::slice::from_ref(&row)).await;
    json(
        202,
        &j!({"outbox_id": id, "channel": message.channel, "status": message.status}),
    )
}

const MAX_DAYS: i64 = 366;

fn parse_day(field: &str, raw: Option<String>, default: NaiveDate) -> Result<NaiveDate, ApiError> {
    match raw {
        None => Ok(default),
        Some(v) => NaiveDate::parse_from_str(&v, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid(field, "tanggal harus berformat TTTT-BB-HH")),
    }
}

/// `GET /api/v1/fees/reconciliation?from=&to=`: per WIB day, the fees
/// expected (courier booked), collected (courier reported), and still
/// outstanding of that day's expected. Defaults to the last 30 days.
pub async fn reconciliation(req: Request, ctx: &Ctx) -> ApiResult {
    let staff = require_staff(&req, ctx).await?;
    if !matches!(
        staff.role,
        Role::Admin | Role::HeadOfAgency | Role::Validator | Role::PickupCounter
    ) {
        return Err(ApiError::Forbidden(format!(
            "peran {} tidak melihat rekonsiliasi biaya",
            staff.role.code()
        )));
    }
    let today = wib_date(ctx.now);
    let to = parse_day("to", query_param(&req, "to")?, today)?;
    let from = parse_day("from", query_param(&req, "from")?, to - Duration::days(29))?;
    if from > to {
        return Err(ApiError::invalid(
            "from",
            "'from' harus sebelum atau sama dengan 'to'",
        ));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::invalid(
            "to",
            format!("rentang paling lama {MAX_DAYS} hari"),
        ));
    }
    let (expected, collected, outstanding) =
        store::reconciliation(&ctx.db, &from.to_string(), &to.to_string())
            .await
            .map_err(|e| ApiError::internal("reconciliation", e))?;
    let mut days: BTreeMap<String, [(i64, i64); 3]> = BTreeMap::new();
    for (i, list) in [expected, collected, outstanding].iter().enumerate() {
        for DayTotals { day, count, amount } in list {
            days.entry(day.clone()).or_default()[i] = (*count, *amount);
        }
    }
    let pair = |(count, amount): (i64, i64)| j!({"count": count, "amount": amount});
    let mut totals = [(0i64, 0i64); 3];
    let rows: Vec<Value> = days
        .iter()
        .map(|(day, t)| {
            for i in 0..3 {
                totals[i].0 += t[i].0;
                totals[i].1 += t[i].1;
            }
            j!({"day": day, "expected": pair(t[0]), "collected": pair(t[1]), "outstanding": pair(t[2])})
        })
        .collect();
    json(
        200,
        &j!({
            "from": from.to_string(),
            "to": to.to_string(),
            "currency": "IDR",
            "days": rows,
            "totals": {"expected": pair(totals[0]), "collected": pair(totals[1]), "outstanding": pair(totals[2])},
        }),
    )
}
