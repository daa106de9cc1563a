//! SMS that answer: Twilio's incoming-message webhook
//! (`POST /webhooks/sms/inbound`, signed like the status reports). "CEK
//! <nomor>" from the applicant's own phone is answered with the status and
//! the next step; every other sender or text gets the one generic answer,
//! which says nothing about any application. BERHENTI / STOP stops optional
//! messages to the number (`SmsTemplate::is_essential`), MULAI / START
//! resumes them, each confirmed. The reply goes through the outbox like
//! every SMS; the inbound MessageSid is written in the same batch, so a
//! webhook delivered twice is answered once; a sender gets at most
//! [`REPLIES_PER_HOUR`] replies an hour, then silence. The text is never
//! kept or logged.

use chrono::Duration;
use subtle::ConstantTimeEq;

use super::webhooks::signed_twilio_form;
use super::{after_commit, AppError, Ctx};
use crate::domain::ids::PhoneNumber;
use crate::domain::inbound::{parse, Inbound};
use crate::domain::messages::{self, SmsTemplate};
use crate::platform::{sha256_hex, timestamp};
use crate::store::applications as app_store;
use crate::store::inbound::{self as store, Answer, OptChange};

/// Replies one number may get in an hour (`SMS_REPLIES_PER_HOUR`): enough
/// for a citizen checking and opting out, too few to be worth a flood.
pub const REPLIES_PER_HOUR: u32 = 5;

/// What became of an incoming message.
pub type Outcome = &'static str;

/// One incoming message, posted to `path_and_query` with `signature` over
/// the form body `raw`.
pub async fn receive(
    ctx: &Ctx,
    path_and_query: &str,
    signature: Option<String>,
    raw: &[u8],
) -> Result<Outcome, AppError> {
    let params = signed_twilio_form(ctx, path_and_query, signature, raw);
    let params = super::webhooks::counted(ctx, "twilio", params).await?;
    let field = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let sid = field("MessageSid");
    if sid.is_empty() {
        return Err(AppError::Malformed("MessageSid wajib diisi".into()));
    }
    // Only Indonesian mobiles are answered: an SMS abroad costs more and
    // no applicant has such a number.
    let Ok(phone) = PhoneNumber::parse(field("From")) else {
        return Ok("not_answered");
    };
    let base = ctx.public_base_url();
    let asked = parse(field("Body"));
    let mut about = None;
    let (template, body, opt) = match &asked {
        Inbound::Stop => (
            SmsTemplate::OptedOut,
            messages::OPTED_OUT_TEXT.to_string(),
            Some(OptChange::Stop),
        ),
        Inbound::Start => (
            SmsTemplate::OptedIn,
            messages::OPTED_IN_TEXT.to_string(),
            Some(OptChange::Start),
        ),
        Inbound::Status(number) => match app_store::load(&ctx.db, number).await? {
            // The applicant's own phone, compared in constant time.
            Some(row)
                if bool::from(
                    row.applicant_phone
                        .as_bytes()
                        .ct_eq(phone.as_str().as_bytes()),
                ) =>
            {
                about = Some(row.registration_number.clone());
                (
                    SmsTemplate::StatusReply,
                    messages::status_reply(number, row.status, &base),
                    None,
                )
            }
            _ => help(&base),
        },
        Inbound::Other => help(&base),
    };
    let now = ctx.now_text();
    let since = timestamp(ctx.now - Duration::hours(1));
    let answer = Answer {
        message_sid: sid,
        phone: phone.as_str(),
        sender_sha256: &sha256_hex(phone.as_str().as_bytes()),
        opt,
        registration_number: about.as_deref(),
        template: template.code(),
        body: &body,
        since: &since,
        max_replies: ctx.var_u32("SMS_REPLIES_PER_HOUR", REPLIES_PER_HOUR),
        now: &now,
    };
    Ok(match store::answer(&ctx.db, &answer).await? {
        None => "duplicate",
        Some(rows) if rows.is_empty() => "over_limit",
        Some(rows) => {
            after_commit(ctx, &rows).await;
            "answered"
        }
    })
}

/// The generic answer: nothing about any application.
fn help(base: &str) -> (SmsTemplate, String, Option<OptChange>) {
    (SmsTemplate::InboundHelp, messages::inbound_help(base), None)
}
