//! SMS that link and answer (issue 11): a citizen's SMS reaches the Worker
//! as Twilio posts it (the stand-in's `POST /_sms/inbound` signs and
//! forwards it), "CEK <nomor>" is answered with the status only on the
//! applicant's own phone, a MessageSid is answered once, forged posts are
//! refused, BERHENTI stops optional messages until MULAI, a flood gets a
//! few answers an hour; and the short links in the texts open the right page
//! with the number filled in.

use std::time::Duration;

use serde_json::{json, Value};

use crate::api::application;
use crate::dispatch::{record, wait_for};
use crate::self_print::texts_to;
use crate::ui::Browser;
use crate::workflow::{seed, walk_to};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        a_cek_from_the_applicants_phone_is_answered_with_the_status,
        a_cek_from_another_phone_gets_the_generic_answer_without_the_status,
        the_same_message_sid_twice_is_answered_once,
        a_forged_or_missing_signature_is_refused_and_sends_nothing,
        berhenti_stops_an_optional_sms_but_an_essential_one_still_goes,
        mulai_resumes_the_optional_sms,
        a_flood_from_one_number_gets_at_most_five_answers_an_hour,
        the_sms_links_open_the_tracking_and_upload_pages_with_the_number,
    ]
}

/// A submitted application: its number and the applicant's phone (E.164).
fn submitted(env: &Env) -> Result<(String, String), String> {
    let s = seed();
    let r = env.api.submit(&application(s, "pickup"));
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    Ok((number, format!("+628123{s:07}")))
}

/// A phone number no application of the run has.
fn stranger() -> String {
    format!("+628124{:07}", seed())
}

/// A citizen's SMS, posted by the stand-in as Twilio posts it; the
/// Worker's answer must be the empty TwiML.
fn sms_in(env: &Env, from: &str, body: &str, sid: Option<&str>) -> Result<Value, String> {
    let mut input = json!({"from": from, "body": body});
    if let Some(sid) = sid {
        input["message_sid"] = json!(sid);
    }
    let r = env.standins.post("/_sms/inbound", None, &input);
    ensure!(r.status == 200, "stand-in: {} {}", r.status, r.text);
    ensure!(
        r.body["response_status"] == 200
            && r.body["response_body"]
                .as_str()
                .is_some_and(|b| b.ends_with("<Response/>")),
        "the Worker's answer: {}",
        r.body
    );
    Ok(r.body)
}

/// Waits until `phone` has received `n` SMS containing `marker`.
fn wait_texts(env: &Env, phone: &str, marker: &str, n: usize) -> Result<Vec<String>, String> {
    wait_for(
        &format!("{n} SMS with {marker:?}"),
        Duration::from_secs(20),
        || {
            let found: Vec<String> = texts_to(env, phone)?
                .into_iter()
                .filter(|t| t.contains(marker))
                .collect();
            Ok((found.len() >= n).then_some(found))
        },
    )
}

/// The SMS `phone` received containing `marker`, after letting any late
/// one arrive.
fn settled_texts(env: &Env, phone: &str, marker: &str) -> Result<Vec<String>, String> {
    std::thread::sleep(Duration::from_secs(2));
    Ok(texts_to(env, phone)?
        .into_iter()
        .filter(|t| t.contains(marker))
        .collect())
}

fn has_digit_run(text: &str, len: usize) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() >= len)
}

const GENERIC: &str = "/lacak dengan No. Pendaftaran";

fn a_cek_from_the_applicants_phone_is_answered_with_the_status(env: &Env) -> TestResult {
    let (number, phone) = submitted(env)?;
    // Any case, extra spaces, no dash.
    let asked = format!("  cek   {}  ", number.replace('-', "").to_lowercase());
    sms_in(env, &phone, &asked, None)?;
    let reply = wait_texts(env, &phone, "sedang diperiksa petugas", 1)?.remove(0);
    ensure!(
        reply.contains(&number) && reply.contains(&format!("/l/{}", number.replace('-', ""))),
        "the status and the tracking link: {reply}"
    );
    ensure!(!has_digit_run(&reply, 16), "no NIK: {reply}");
    // Staff see the answer with the application's messages.
    let body = record(env, &number)?;
    let answered = body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|m| m["template"] == "status_reply" && m["event_seq"].is_null());
    ensure!(
        answered,
        "the answer is on the record: {}",
        body["messages"]
    );
    Ok(())
}

fn a_cek_from_another_phone_gets_the_generic_answer_without_the_status(env: &Env) -> TestResult {
    let (number, phone) = submitted(env)?;
    let other = stranger();
    sms_in(env, &other, &format!("CEK {number}"), None)?;
    let reply = wait_texts(env, &other, GENERIC, 1)?.remove(0);
    ensure!(
        !reply.contains(&number)
            && !reply.contains(&number.replace('-', ""))
            && !reply.contains("diperiksa"),
        "nothing about the application: {reply}"
    );
    // The same answer as to a text nobody could read.
    let third = stranger();
    sms_in(env, &third, "halo, dokumen saya sudah jadi?", None)?;
    let unread = wait_texts(env, &third, GENERIC, 1)?.remove(0);
    ensure!(unread == reply, "one generic answer: {unread} / {reply}");
    ensure!(
        settled_texts(env, &phone, "diperiksa")?.is_empty(),
        "the applicant got no answer either"
    );
    Ok(())
}

fn the_same_message_sid_twice_is_answered_once(env: &Env) -> TestResult {
    let (number, phone) = submitted(env)?;
    let sid = format!("SM{:032x}", u128::from(seed()) * 7_919);
    sms_in(env, &phone, &format!("CEK {number}"), Some(&sid))?;
    sms_in(env, &phone, &format!("CEK {number}"), Some(&sid))?;
    wait_texts(env, &phone, "sedang diperiksa petugas", 1)?;
    let replies = settled_texts(env, &phone, "sedang diperiksa petugas")?;
    ensure!(replies.len() == 1, "one answer: {replies:?}");
    Ok(())
}

fn a_forged_or_missing_signature_is_refused_and_sends_nothing(env: &Env) -> TestResult {
    let (number, phone) = submitted(env)?;
    let form = format!(
        "MessageSid=SM{:032x}&AccountSid=AC0&From={}&To=%2B15005550006&Body=CEK+{number}&NumMedia=0",
        u128::from(seed()),
        phone.replace('+', "%2B")
    );
    for headers in [
        vec![("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==")],
        vec![],
    ] {
        let r = env.api.raw_post(
            "/webhooks/sms/inbound",
            "application/x-www-form-urlencoded",
            &headers,
            &form,
        );
        ensure!(r.status == 403, "{headers:?}: {} {}", r.status, r.text);
    }
    ensure!(
        settled_texts(env, &phone, "diperiksa")?.is_empty(),
        "nothing was sent"
    );
    Ok(())
}

/// The application's SMS row of `template`, once the consumer is done with it.
fn settled_row(env: &Env, number: &str, template: &str) -> Result<Value, String> {
    wait_for(
        &format!("the {template} row to settle"),
        Duration::from_secs(20),
        || {
            let body = record(env, number)?;
            Ok(body["messages"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|m| {
                    m["template"] == template
                        && !["pending", "sending", "retrying"]
                            .contains(&m["status"].as_str().unwrap_or("pending"))
                })
                .cloned())
        },
    )
}

fn berhenti_stops_an_optional_sms_but_an_essential_one_still_goes(env: &Env) -> TestResult {
    let (number, phone) = submitted(env)?;
    sms_in(env, &phone, "Berhenti", None)?;
    wait_texts(env, &phone, "SMS info dihentikan", 1)?;
    // approve (what to send: essential), then receive_documents (the
    // papers arrived: optional).
    walk_to(&env.api, &number, "in_production")?;
    let received = settled_row(env, &number, "documents_received")?;
    ensure!(
        received["status"] == "failed"
            && received["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("BERHENTI")),
        "skipped, and staff see why: {received}"
    );
    let approved = settled_row(env, &number, "approved_send_documents")?;
    ensure!(approved["status"] != "failed", "{approved}");
    wait_texts(env, &phone, "disetujui", 1)?;
    ensure!(
        settled_texts(env, &phone, "berkas diterima")?.is_empty(),
        "the optional SMS never reached the gateway"
    );
    Ok(())
}

fn mulai_resumes_the_optional_sms(env: &Env) -> TestResult {
    let (number, phone) = submitted(env)?;
    sms_in(env, &phone, "STOP", None)?;
    wait_texts(env, &phone, "SMS info dihentikan", 1)?;
    sms_in(env, &phone, "mulai", None)?;
    wait_texts(env, &phone, "SMS info aktif lagi", 1)?;
    walk_to(&env.api, &number, "in_production")?;
    wait_texts(env, &phone, "berkas diterima", 1)?;
    Ok(())
}

fn a_flood_from_one_number_gets_at_most_five_answers_an_hour(env: &Env) -> TestResult {
    let other = stranger();
    for i in 0..7 {
        sms_in(env, &other, &format!("halo {i}"), None)?;
    }
    wait_texts(env, &other, GENERIC, 5)?;
    let answers = settled_texts(env, &other, GENERIC)?;
    ensure!(
        answers.len() == 5,
        "five answers, then silence: {}",
        answers.len()
    );
    Ok(())
}

fn the_sms_links_open_the_tracking_and_upload_pages_with_the_number(env: &Env) -> TestResult {
    let (number, phone) = submitted(env)?;
    let compact = number.replace('-', "");
    let registered = wait_texts(env, &phone, "terdaftar", 1)?.remove(0);
    let upload = format!("{}/u/{compact}", env.api.base);
    ensure!(registered.ends_with(&upload), "{registered}");
    ensure!(!has_digit_run(&registered, 16), "no NIK: {registered}");
    let b = Browser::new(env);
    let r = b.get(&format!("/u/{compact}"), None);
    ensure!(
        r.status == 303 && r.header("location") == Some(format!("/unggah/{number}").as_str()),
        "upload link: {} {:?}",
        r.status,
        r.header("location")
    );
    let r = b.get(&format!("/l/{}", compact.to_lowercase()), None);
    let tracking = format!("/lacak?nomor={number}");
    ensure!(
        r.status == 303 && r.header("location") == Some(tracking.as_str()),
        "tracking link: {} {:?}",
        r.status,
        r.header("location")
    );
    let page = b.get(&tracking, None);
    ensure!(
        page.status == 200 && page.text.contains(&format!("value=\"{number}\"")),
        "the number is filled in: {}",
        page.status
    );
    let r = b.get("/l/BUKAN-NOMOR", None);
    ensure!(r.status == 404, "not a number: {}", r.status);
    Ok(())
}
