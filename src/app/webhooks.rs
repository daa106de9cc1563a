//! Authenticated reports from the outside services: Twilio's signed SMS
//! status reports and Biteship's courier reports (its dashboard-set secret
//! header). A bad or missing signature or secret is a 403 and changes
//! nothing; a repeat is acknowledged and changes nothing twice.
//! `crate::web::api::webhooks` hands over the URL, headers and raw body.

use serde::Deserialize;

use super::{after_commit, AppError, Ctx};
use crate::dispatch::courier::{self, CourierEvent, Webhook};
use crate::dispatch::status::{from_twilio, MessageStatus};
use crate::dispatch::{twilio, Config};
use crate::domain::courier::{CourierLeg, ShipmentStatus};
use crate::domain::courier_report::{check_report, courier_status, LegTerms};
use crate::domain::papers::Papers;
use crate::domain::roles::Actor;
use crate::domain::text::is_bidi_control;
use crate::domain::workflow::{decide, Command, Reason, Status};
use crate::platform::{self, wib_date};
use crate::store::applications::{self as app_store, Stamp, StepWrite};
use crate::store::dispatch::{self as store, CourierReport};
use crate::store::StoreError;

/// The header Biteship's dashboard sends with the webhook secret.
pub use crate::dispatch::courier::WEBHOOK_HEADER as COURIER_HEADER;

fn forbidden(why: &str) -> AppError {
    AppError::Forbidden(format!("tanda tangan webhook ditolak: {why}"))
}

/// `checked` as it is, a refusal counted first for the health page
/// (`webhook_refusals_hourly`, per `sender`): a forger trying, or a secret
/// rotated on one side only. The count is best effort: the refusal stands
/// whether or not it is written.
pub(crate) async fn counted<T>(
    ctx: &Ctx,
    sender: &str,
    checked: Result<T, AppError>,
) -> Result<T, AppError> {
    if let Err(AppError::Forbidden(_)) = &checked {
        let hour = super::health::hour_of(ctx.now);
        if let Err(e) = crate::store::health::count_refusal(&ctx.db, &hour, sender).await {
            crate::platform::log_event(
                crate::platform::Level::Warn,
                "webhooks",
                &format!("refusal not counted: {e}"),
            );
        }
    }
    checked
}

/// What became of a report.
pub type Outcome = &'static str;

/// A delivery report for one message from Twilio, posted to
/// `path_and_query` with `signature` (`X-Twilio-Signature`) over the form
/// body `raw`.
pub async fn twilio_report(
    ctx: &Ctx,
    path_and_query: &str,
    signature: Option<String>,
    raw: &[u8],
) -> Result<Outcome, AppError> {
    let params = signed_twilio_form(ctx, path_and_query, signature, raw);
    let params = counted(ctx, "twilio", params).await?;
    let field = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let sid = field("MessageSid")
        .or_else(|| field("SmsSid"))
        .unwrap_or_default();
    let reported = field("MessageStatus")
        .or_else(|| field("SmsStatus"))
        .unwrap_or_default();
    let Some(status) = from_twilio(reported) else {
        crate::platform::log_event(
            crate::platform::Level::Info,
            "twilio_webhook",
            &format!("ignoring status {reported:?} for {sid}"),
        );
        return Ok("ignored");
    };
    let detail = field("ErrorCode")
        .filter(|c| !c.is_empty())
        .map(|c| format!("Twilio error {c}"));
    let now = ctx.now_text();
    let before = store::provider_report(&ctx.db, sid, status, detail.as_deref(), &now).await?;
    fall_back_to_sms(ctx, sid, detail.as_deref(), &now).await?;
    match before {
        None => {
            crate::platform::log_event(
                crate::platform::Level::Info,
                "twilio_webhook",
                &format!("unknown MessageSid {sid}, acknowledged"),
            );
            Ok("unknown_message")
        }
        Some(row) => {
            let applied = MessageStatus::parse(&row.status).is_some_and(|s| s.may_become(status));
            Ok(if applied { "applied" } else { "unchanged" })
        }
    }
}

/// A WhatsApp message reported failed because WhatsApp cannot reach the
/// person (`detail` as recorded, `Twilio error 63003`) gets its one SMS
/// (`store::dispatch::sms_fallback`), queued at once. Shared by the status
/// callback and the poll that replaces a missing one.
pub(crate) async fn fall_back_to_sms(
    ctx: &Ctx,
    sid: &str,
    detail: Option<&str>,
    now: &str,
) -> Result<(), StoreError> {
    if detail.is_some_and(twilio::whatsapp_falls_back) {
        let fallback = store::sms_fallback(&ctx.db, 0, Some(sid), now)?;
        after_commit(ctx, &store::write(&ctx.db, vec![fallback]).await?).await;
    }
    Ok(())
}

/// The parameters of a form Twilio posted to `path_and_query`, once its
/// `X-Twilio-Signature` is checked (a status report here, an incoming
/// message in `app::inbound`): nothing is read before.
pub(crate) fn signed_twilio_form(
    ctx: &Ctx,
    path_and_query: &str,
    signature: Option<String>,
    raw: &[u8],
) -> Result<Vec<(String, String)>, AppError> {
    let config = Config::from_env(&ctx.env);
    let params = twilio::parse_form(raw);
    let Some(token) = config.twilio.as_ref().map(|t| t.auth_token.clone()) else {
        crate::platform::log_event(
            crate::platform::Level::Error,
            "twilio_webhook",
            "TWILIO_AUTH_TOKEN not configured; refusing",
        );
        return Err(forbidden("gateway not configured"));
    };
    let Some(url) = signed_url(ctx, path_and_query) else {
        crate::platform::log_event(
            crate::platform::Level::Error,
            "twilio_webhook",
            "PUBLIC_BASE_URL not configured; refusing",
        );
        return Err(forbidden("PUBLIC_BASE_URL not configured"));
    };
    if !signature.is_some_and(|s| twilio::verify(&token, &url, &params, &s)) {
        return Err(forbidden("X-Twilio-Signature"));
    }
    Ok(params)
}

/// The URL Twilio signed: the address we gave it (`PUBLIC_BASE_URL`, the
/// origin of every status callback we ask for) plus the path and query the
/// report came to. Never the request's own `Host`, which the sender picks:
/// a signature made for another host must not pass here.
fn signed_url(ctx: &Ctx, path_and_query: &str) -> Option<String> {
    let base = ctx.env.var("PUBLIC_BASE_URL").ok()?.to_string();
    let base = base.trim().trim_end_matches('/');
    (!base.is_empty()).then(|| format!("{base}{path_and_query}"))
}

/// A shipment report from Biteship, carrying `secret` (the
/// [`courier::WEBHOOK_HEADER`] its dashboard sends) over the JSON body
/// `raw`. A delivered delivery completes the application; a returned or
/// failed one sends it to the pickup counter, with its SMS. Events other
/// than `order.status` are acknowledged and ignored.
pub async fn courier_report(
    ctx: &Ctx,
    secret: Option<String>,
    raw: &[u8],
) -> Result<Outcome, AppError> {
    let config = Config::from_env(&ctx.env);
    let Some(expected) = config.courier.as_ref().map(|c| c.webhook_secret.clone()) else {
        crate::platform::log_event(
            crate::platform::Level::Error,
            "courier_webhook",
            "COURIER_WEBHOOK_SECRET not configured; refusing",
        );
        return Err(forbidden("courier not configured"));
    };
    let verified =
        courier::verify(&expected, secret.as_deref()).map_err(|e| forbidden(&e.to_string()));
    counted(ctx, "courier", verified).await?;
    let mut de = serde_json::Deserializer::from_slice(raw);
    let webhook = Webhook::deserialize(&mut de)
        .map_err(|e| AppError::Malformed(crate::domain::json_path::describe(raw, &e)))?;
    de.end()
        .map_err(|e| AppError::Malformed(format!("ada data setelah objek JSON: {e}")))?;
    match webhook.into_event() {
        Some(event) => Ok(record_courier_event(ctx, &event).await?.outcome),
        None => Ok("ignored"),
    }
}

/// What became of one courier report, and whether it collected money.
pub struct Recorded {
    pub outcome: Outcome,
    pub collected: bool,
}

/// Records one courier report, however it reached us: a signed webhook, or
/// the tracking the cron polls for reports that never came
/// (`app::recover`), so both follow the same rules and a report seen twice
/// (by its event id) changes nothing twice.
pub(crate) async fn record_courier_event(
    ctx: &Ctx,
    event: &CourierEvent,
) -> Result<Recorded, AppError> {
    let (shipment, seen) =
        store::shipment_for_event(&ctx.db, &event.order_id, &event.event_id).await?;
    let Some(shipment) = shipment else {
        return Err(AppError::NotFound(format!(
            "order {} tidak dikenal",
            event.order_id
        )));
    };
    // Authenticated is not the same as right: the status and time are read
    // against the leg, and the amounts come from our record of it.
    let recorded = |outcome| Recorded {
        outcome,
        collected: false,
    };
    let Some(status) = courier_status(&event.status)? else {
        return Ok(recorded("ignored"));
    };
    let terms = LegTerms {
        leg: shipment.leg,
        fee_amount: shipment.fee_amount,
        cod_amount: shipment.cod_amount,
    };
    let checked = check_report(terms, status, event.occurred_at.as_deref(), ctx.now)?;
    if seen {
        return Ok(recorded("duplicate"));
    }
    let now = ctx.now_text();
    let day = wib_date(ctx.now).to_string();
    let occurred_at = platform::timestamp(checked.occurred_at);
    let report = CourierReport {
        shipment_id: shipment.id,
        event_id: &event.event_id,
        status: status.code(),
        cod_collected: checked.cod_collected,
        fee_collected: checked.fee_collected,
        occurred_at: &occurred_at,
        now: &now,
        day: &day,
    };
    let mut statements = store::courier_report(&ctx.db, &report)?;
    if shipment.leg == CourierLeg::ReturnDocuments
        && matches!(status, ShipmentStatus::Returned | ShipmentStatus::Failed)
    {
        // The papers could not be brought back: they come back to the office
        // and wait at the counter (no COD owed), with the report.
        statements.extend(store::return_came_back(
            &ctx.db,
            &shipment.registration_number,
            &now,
        )?);
    }

    let command = match (shipment.leg, status) {
        (CourierLeg::DeliverDocuments, ShipmentStatus::Delivered) => {
            Some(Command::RecordDelivered {
                receipt: shipment.waybill.clone(),
            })
        }
        (CourierLeg::DeliverDocuments, ShipmentStatus::Returned | ShipmentStatus::Failed) => {
            Some(Command::RecordReturned)
        }
        // The citizen's papers are back with them.
        (CourierLeg::ReturnDocuments, ShipmentStatus::Delivered) => Some(Command::ReturnPapers {
            collector: None,
            receipt: Some(shipment.waybill.clone()),
        }),
        _ => None,
    };
    let collected = checked.fee_collected.is_some() || checked.cod_collected.is_some();
    let mut outcome = "recorded";
    let written = match command {
        Some(command) => {
            let number =
                crate::domain::ids::RegistrationNumber::parse(&shipment.registration_number)
                    .map_err(|e| AppError::internal("shipment number", e))?;
            let row = app_store::load(&ctx.db, &number).await?.ok_or_else(|| {
                AppError::internal(
                    "shipment without application",
                    shipment.registration_number.clone(),
                )
            })?;
            let state = row.to_state()?;
            // Not already settled at the counter.
            let open = match shipment.leg {
                CourierLeg::ReturnDocuments => state.papers == Some(Papers::ReturningByPos),
                _ => state.status == Status::OutForDelivery,
            };
            if open {
                let transition = decide(
                    &state,
                    &command,
                    &Actor::Courier,
                    courier_note(event.note.as_deref()).as_deref(),
                    None,
                    platform::today_wib(),
                    &ctx.public_base_url(),
                )?;
                outcome = "applied";
                let step = StepWrite {
                    transition: &transition,
                    actor: &Actor::Courier,
                    at: Stamp {
                        now: &now,
                        day: &day,
                    },
                };
                app_store::commit_step(&ctx.db, &step, statements).await
            } else {
                // Already settled at the counter: record the report only.
                store::write(&ctx.db, statements).await.map(|_| Vec::new())
            }
        }
        None => store::write(&ctx.db, statements).await.map(|_| Vec::new()),
    };
    match written {
        Ok(rows) => {
            after_commit(ctx, &rows).await;
            Ok(Recorded { outcome, collected })
        }
        Err(e) if store::is_replayed_event(&e) => Ok(recorded("duplicate")),
        Err(StoreError::Conflict) => Err(AppError::Conflict {
            code: "conflict",
            message: "permohonan sedang diubah; kirim ulang laporan ini".into(),
        }),
        Err(e) => Err(AppError::internal("courier webhook", e)),
    }
}

/// The courier's note, as the reason of the step it drives: bounded to what
/// a reason may hold, and dropped when too short to say anything. A long
/// note must never make a real delivery report fail.
fn courier_note(note: Option<&str>) -> Option<String> {
    // Control and direction characters are dropped, not refused (a note
    // must not fail a report): the note is shown to officers as a reason.
    let clean: String = note?
        .chars()
        .filter(|c| !is_bidi_control(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text: String = clean
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(Reason::MAX_CHARS)
        .collect();
    (text.chars().count() >= 3).then_some(text)
}
