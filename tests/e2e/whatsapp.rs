//! WhatsApp beside SMS (issue 11): an applicant who chooses WhatsApp at
//! submission gets each message on `whatsapp:+62…` with its approved
//! template's ContentSid (the stand-in's configured SIDs, `scripts/stack.mjs`
//! WHATSAPP); a message WhatsApp cannot deliver — the number is not on
//! WhatsApp (reported later, 63003), refused at once (21211), or the
//! message has no approved template — goes by SMS exactly once, both rows
//! visible to staff, and an officer's resend of it goes by SMS; an
//! application without a choice goes by SMS.

use std::time::Duration;

use serde_json::{json, Value};

use crate::api::{application, DEMO_PASSWORD};
use crate::dispatch::{record, wait_for};
use crate::public::{apply, filled_form, Phone};
use crate::ui::Browser;
use crate::workflow::{seed, walk_to};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        an_applicant_who_chose_whatsapp_gets_the_registration_message_on_whatsapp,
        a_default_application_still_goes_by_sms,
        a_message_without_an_approved_whatsapp_template_goes_by_sms_once,
        an_unknown_notification_channel_is_refused_naming_the_field,
        the_citizen_form_offers_whatsapp_and_keeps_the_choice,
    ]
}

/// Tests that change the stand-in's WhatsApp switches run alone.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![
        a_number_not_on_whatsapp_falls_back_to_sms_exactly_once,
        a_whatsapp_number_refused_at_once_falls_back_to_sms_exactly_once,
        a_lost_not_on_whatsapp_report_is_learnt_by_polling_and_falls_back_once,
    ]
}

/// `registration_received`'s content SID in the stack's WHATSAPP vars.
const REGISTRATION_SID: &str = "HX11111111111111111111111111111111";
const WHATSAPP_FROM: &str = "whatsapp:+6281100001111";
const NOT_ON_WHATSAPP: &str = "Twilio error 63003";
const NO_TEMPLATE: &str =
    "WhatsApp: belum ada template yang disetujui untuk pesan ini; dikirim lewat SMS";

/// Submits an application with `notify_channel` (none: the default);
/// returns its number and the applicant's phone (E.164).
fn submit(env: &Env, notify: Option<&str>) -> Result<(String, String), String> {
    let s = seed();
    let mut body = application(s, "pickup");
    if let Some(channel) = notify {
        body["notify_channel"] = json!(channel);
    }
    let r = env.api.submit(&body);
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    Ok((number, format!("+628123{s:07}")))
}

/// What the gateway stand-in received for `to` (`+62…` or `whatsapp:+62…`).
fn at_gateway(env: &Env, to: &str) -> Result<Vec<Value>, String> {
    let r = env.standins.get("/_records", None);
    ensure!(r.status == 200, "records: {}", r.text);
    Ok(r.body["sms"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["to"] == to)
        .cloned()
        .collect())
}

/// The application's messages of `template`, oldest first.
fn rows_of(env: &Env, number: &str, template: &str) -> Result<Vec<Value>, String> {
    Ok(record(env, number)?["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["template"] == template)
        .cloned()
        .collect())
}

/// Waits until `template` has a failed WhatsApp row and a delivered SMS
/// row; returns (WhatsApp row, SMS row).
fn fell_back(env: &Env, number: &str, template: &str) -> Result<(Value, Value), String> {
    fell_back_ticking(env, number, template, || Ok(()))
}

/// [`fell_back`], running `tick` between looks.
fn fell_back_ticking(
    env: &Env,
    number: &str,
    template: &str,
    mut tick: impl FnMut() -> TestResult,
) -> Result<(Value, Value), String> {
    wait_for(
        &format!("{template} of {number} by SMS after WhatsApp"),
        Duration::from_secs(30),
        || {
            tick()?;
            let rows = rows_of(env, number, template)?;
            let wa = rows.iter().find(|m| {
                m["recipient"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("whatsapp:"))
                    && m["status"] == "failed"
            });
            let sms = rows.iter().find(|m| {
                m["recipient"].as_str().is_some_and(|r| r.starts_with('+'))
                    && m["status"] == "delivered"
            });
            Ok(wa.cloned().zip(sms.cloned()))
        },
    )
}

/// After a fallback: exactly one WhatsApp row and one SMS row for the
/// template, the SMS reached the gateway once with the same text, and the
/// record page names both channels.
fn exactly_one_sms(env: &Env, number: &str, phone: &str, template: &str) -> TestResult {
    let rows = rows_of(env, number, template)?;
    ensure!(rows.len() == 2, "{template}: {} rows: {rows:?}", rows.len());
    let body = rows[0]["body"].as_str().unwrap_or_default();
    ensure!(rows[1]["body"] == body, "the SMS carries the same text");
    let sms: Vec<Value> = at_gateway(env, phone)?
        .into_iter()
        .filter(|m| m["body"] == body)
        .collect();
    ensure!(sms.len() == 1, "{} SMS at the gateway: {sms:?}", sms.len());
    let browser = Browser::new(env);
    let cookie = browser.sign_in("fo", DEMO_PASSWORD)?;
    let page = browser.get(&format!("/staff/applications/{number}"), Some(&cookie));
    ensure!(page.status == 200, "record page: {}", page.status);
    ensure!(
        page.text.contains("· WhatsApp</td>") && page.text.contains("· SMS</td>"),
        "the record page shows both attempts with their channel"
    );
    Ok(())
}

fn an_applicant_who_chose_whatsapp_gets_the_registration_message_on_whatsapp(
    env: &Env,
) -> TestResult {
    let (number, phone) = submit(env, Some("whatsapp"))?;
    let wa = format!("whatsapp:{phone}");
    let row = wait_for(
        "the WhatsApp message delivered",
        Duration::from_secs(30),
        || {
            let rows = rows_of(env, &number, "registration_received")?;
            Ok(rows.into_iter().find(|m| m["status"] == "delivered"))
        },
    )?;
    ensure!(row["recipient"] == wa, "recipient {}", row["recipient"]);
    let sent = at_gateway(env, &wa)?;
    ensure!(
        sent.len() == 1,
        "{} WhatsApp messages: {sent:?}",
        sent.len()
    );
    let m = &sent[0];
    ensure!(
        m["content_sid"] == REGISTRATION_SID && m["from"] == WHATSAPP_FROM,
        "template and sender: {m}"
    );
    let variables: Value = serde_json::from_str(m["content_variables"].as_str().unwrap_or("null"))
        .map_err(|e| format!("ContentVariables: {e}"))?;
    ensure!(
        variables["1"] == row["body"] && row["body"].as_str().is_some_and(|b| b.contains(&number)),
        "the text travels as the template's variable: {variables}"
    );
    ensure!(m["sid"] == row["provider_id"], "provider id stored");
    ensure!(
        at_gateway(env, &phone)?.is_empty(),
        "no SMS besides the WhatsApp message"
    );
    Ok(())
}

fn a_default_application_still_goes_by_sms(env: &Env) -> TestResult {
    let (number, phone) = submit(env, None)?;
    let row = wait_for("the SMS delivered", Duration::from_secs(30), || {
        let rows = rows_of(env, &number, "registration_received")?;
        Ok(rows.into_iter().find(|m| m["status"] == "delivered"))
    })?;
    ensure!(row["recipient"] == phone, "recipient {}", row["recipient"]);
    let sms = at_gateway(env, &phone)?;
    ensure!(
        sms.len() == 1 && sms[0]["content_sid"].is_null() && sms[0]["from"] == "PAKPOS",
        "one plain SMS: {sms:?}"
    );
    ensure!(
        at_gateway(env, &format!("whatsapp:{phone}"))?.is_empty(),
        "no WhatsApp"
    );
    let (sms_number, _) = submit(env, Some("sms"))?;
    let rows = rows_of(env, &sms_number, "registration_received")?;
    ensure!(
        rows.len() == 1
            && rows[0]["recipient"]
                .as_str()
                .is_some_and(|r| r.starts_with('+')),
        "notify_channel sms: {rows:?}"
    );
    Ok(())
}

/// `approved_send_documents` has no content SID in the stack: the
/// WhatsApp row fails at once, saying so, and its SMS goes instead.
fn a_message_without_an_approved_whatsapp_template_goes_by_sms_once(env: &Env) -> TestResult {
    let (number, phone) = submit(env, Some("whatsapp"))?;
    walk_to(&env.api, &number, "awaiting_documents")?;
    let (wa, sms) = fell_back(env, &number, "approved_send_documents")?;
    ensure!(
        wa["last_error"] == NO_TEMPLATE,
        "reason: {}",
        wa["last_error"]
    );
    ensure!(
        wa["attempts"] == 1 && sms["recipient"] == phone,
        "{wa} {sms}"
    );
    let body = wa["body"].as_str().unwrap_or_default();
    ensure!(
        !at_gateway(env, &format!("whatsapp:{phone}"))?
            .iter()
            .any(|m| m["body"] == body),
        "nothing went to WhatsApp without a template"
    );
    exactly_one_sms(env, &number, &phone, "approved_send_documents")
}

fn an_unknown_notification_channel_is_refused_naming_the_field(env: &Env) -> TestResult {
    let mut body = application(seed(), "pickup");
    body["notify_channel"] = json!("telegram");
    let r = env.api.submit(&body);
    ensure!(
        r.status == 422 && r.error_field() == "notify_channel",
        "{} {}",
        r.status,
        r.text
    );
    Ok(())
}

/// The citizen form: the choice sits with the phone number, is shown on the
/// review, survives an error, and reaches the application.
fn the_citizen_form_offers_whatsapp_and_keeps_the_choice(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let mut form = filled_form(&crate::api::nik(seed()), "Wulan Sari");
    form.push(("notify_channel", "whatsapp".into()));
    let mut review = form.clone();
    review.push(("langkah", "periksa".into()));
    let pairs: Vec<(&str, &str)> = review.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = phone.post("/ajukan", &pairs);
    ensure!(
        r.status == 200 && r.text.contains("Pemberitahuan lewat") && r.text.contains("WhatsApp"),
        "review: {} {}",
        r.status,
        r.text
    );
    let mut broken = form.clone();
    if let Some(name) = broken.iter_mut().find(|(k, _)| *k == "applicant.name") {
        name.1 = String::new();
    }
    let pairs: Vec<(&str, &str)> = broken.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = phone.post("/ajukan", &pairs);
    ensure!(
        r.status == 422 || r.status == 200,
        "error page: {} {}",
        r.status,
        r.text
    );
    ensure!(
        r.text.contains("<legend>Pemberitahuan lewat</legend>")
            && r.text.contains("value=\"whatsapp\" checked"),
        "the choice is kept: {}",
        r.text
    );
    let number = apply(&phone, &form)?;
    let rows = rows_of(env, &number, "registration_received")?;
    ensure!(
        rows.len() == 1
            && rows[0]["recipient"]
                .as_str()
                .is_some_and(|r| r.starts_with("whatsapp:+62")),
        "{rows:?}"
    );
    Ok(())
}

/// Sets one WhatsApp switch of the stand-in to `numbers`; back to none
/// when dropped, even when the test fails.
struct Switch<'a>(&'a Env, &'static str);

impl<'a> Switch<'a> {
    fn set(env: &'a Env, name: &'static str, numbers: &[&str]) -> Result<Switch<'a>, String> {
        let r = env
            .standins
            .post("/_control", None, &json!({ name: numbers }));
        ensure!(r.status == 200, "switch {name}: {}", r.text);
        Ok(Switch(env, name))
    }
}

impl Drop for Switch<'_> {
    fn drop(&mut self) {
        let off = if self.1 == "drop_reports" {
            json!(false)
        } else {
            json!([])
        };
        self.0
            .standins
            .post("/_control", None, &json!({ self.1: off }));
    }
}

fn a_number_not_on_whatsapp_falls_back_to_sms_exactly_once(env: &Env) -> TestResult {
    let s = seed();
    let phone = format!("+628123{s:07}");
    let _switch = Switch::set(env, "whatsapp_not_registered", &[&phone])?;
    let r = env.api.submit(&{
        let mut body = application(s, "pickup");
        body["notify_channel"] = json!("whatsapp");
        body
    });
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (wa, sms) = fell_back(env, &number, "registration_received")?;
    ensure!(
        wa["last_error"] == NOT_ON_WHATSAPP,
        "reason: {}",
        wa["last_error"]
    );
    ensure!(sms["recipient"] == phone, "to the same number: {sms}");
    ensure!(
        at_gateway(env, &format!("whatsapp:{phone}"))?.len() == 1,
        "WhatsApp tried once"
    );
    // Twilio reports the failure again: still one SMS.
    let sid = wa["provider_id"].as_str().unwrap_or_default();
    let again = env.standins.post(
        "/_sms/callback",
        None,
        &json!({"sid": sid, "status": "failed", "error_code": "63003"}),
    );
    ensure!(again.status == 200, "repeat report: {}", again.text);
    ensure!(
        again.body["response_status"] == 200,
        "the Worker acknowledges it: {}",
        again.text
    );
    std::thread::sleep(Duration::from_secs(2));
    exactly_one_sms(env, &number, &phone, "registration_received")
}

fn a_whatsapp_number_refused_at_once_falls_back_to_sms_exactly_once(env: &Env) -> TestResult {
    let s = seed();
    let phone = format!("+628123{s:07}");
    let _switch = Switch::set(env, "whatsapp_invalid_numbers", &[&phone])?;
    let mut body = application(s, "pickup");
    body["notify_channel"] = json!("whatsapp");
    let r = env.api.submit(&body);
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (wa, _) = fell_back(env, &number, "registration_received")?;
    ensure!(
        wa["last_error"]
            .as_str()
            .is_some_and(|e| e.starts_with("HTTP 400 21211")),
        "reason: {}",
        wa["last_error"]
    );
    ensure!(wa["provider_id"].is_null(), "never accepted: {wa}");
    exactly_one_sms(env, &number, &phone, "registration_received")?;
    // An officer's resend of the failed WhatsApp message goes by SMS.
    let id = wa["id"].as_i64().unwrap_or_default();
    let r = env.api.post(
        &format!("/api/v1/messages/{id}/resend"),
        Some(&env.api.token("front_office")?),
        &json!({}),
    );
    ensure!(r.status == 201, "resend: {} {}", r.status, r.text);
    let rows = rows_of(env, &number, "registration_received")?;
    ensure!(
        rows.iter()
            .any(|m| m["resend_of"] == id && m["recipient"] == phone),
        "the resend is an SMS: {rows:?}"
    );
    Ok(())
}

/// Twilio's failure report is lost (the stand-in drops every report): the
/// cron asks Twilio about the accepted WhatsApp message, learns 63003, and
/// sends the SMS once.
fn a_lost_not_on_whatsapp_report_is_learnt_by_polling_and_falls_back_once(env: &Env) -> TestResult {
    let s = seed();
    let phone = format!("+628123{s:07}");
    let _switch = Switch::set(env, "whatsapp_not_registered", &[&phone])?;
    let r = env
        .standins
        .post("/_control", None, &json!({"drop_reports": true}));
    ensure!(r.status == 200, "drop_reports: {}", r.text);
    let _reports = Switch(env, "drop_reports");
    let mut body = application(s, "pickup");
    body["notify_channel"] = json!("whatsapp");
    let r = env.api.submit(&body);
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let cron = || {
        std::thread::sleep(Duration::from_millis(500));
        let tick = env.api.get("/__scheduled?cron=*+*+*+*+*", None);
        ensure!(tick.status == 200, "cron: {} {}", tick.status, tick.text);
        Ok(())
    };
    let (wa, _) = fell_back_ticking(env, &number, "registration_received", cron)?;
    ensure!(
        wa["last_error"] == NOT_ON_WHATSAPP,
        "reason: {}",
        wa["last_error"]
    );
    exactly_one_sms(env, &number, &phone, "registration_received")
}
