//! The SMS gateway adapter, speaking Twilio's Messages API: a form-encoded
//! `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with Basic auth,
//! the Messages list (`GET …/Messages.json?To=…`, paged by `next_page_uri`)
//! that settles an in-doubt send before any resend, and the
//! `X-Twilio-Signature` check of its status callbacks. The protocol pieces
//! are pure functions (tested natively against Twilio's published vector);
//! only [`send`] and [`find_sent`] touch the network, each within a deadline.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha1::Sha1;

use super::timed;

/// Where and as whom to send.
#[derive(Debug, Clone)]
pub struct TwilioConfig {
    /// `https://api.twilio.com` in production; the local stand-in in development.
    pub api_base: String,
    pub account_sid: String,
    pub auth_token: String,
    /// A sender number or alphanumeric sender id (`From`) …
    pub from: Option<String>,
    /// … or a Messaging Service (`MessagingServiceSid`), which wins if both are set.
    pub messaging_service_sid: Option<String>,
    /// Our public `/webhooks/sms/twilio` URL, sent as `StatusCallback`.
    pub status_callback: Option<String>,
}

/// What became of one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Twilio took it: its MessageSid and initial status.
    Accepted { sid: String, status: String },
    /// Worth trying again later (network error, 429, 5xx).
    Retryable {
        error: String,
        retry_after: Option<u32>,
    },
    /// Will never succeed as it is (other 4xx): the provider's error.
    Permanent { error: String },
    /// No answer (timeout, network): Twilio may have taken it. The row is
    /// in doubt until a lookup settles it.
    Unknown { error: String },
}

pub fn messages_url(config: &TwilioConfig) -> String {
    format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        config.api_base.trim_end_matches('/'),
        config.account_sid
    )
}

pub fn basic_auth(config: &TwilioConfig) -> String {
    format!(
        "Basic {}",
        B64.encode(format!("{}:{}", config.account_sid, config.auth_token))
    )
}

/// The WhatsApp form of a message: Twilio's address prefix, and the
/// pre-approved template (Content API) it goes out with.
pub const WHATSAPP: &str = "whatsapp:";

/// A WhatsApp template message: our `whatsapp:+62…` sender and the
/// template's content SID; the SMS text is its variable `1`.
pub struct Template<'a> {
    pub from: &'a str,
    pub content_sid: &'a str,
}

/// The form body of a send: `Body` as SMS, or `ContentSid` and
/// `ContentVariables` (`{"1": body}`) from the WhatsApp sender.
pub fn form_body(
    config: &TwilioConfig,
    to: &str,
    body: &str,
    template: Option<&Template<'_>>,
) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("To", to);
    match (template, &config.messaging_service_sid, &config.from) {
        (Some(t), _, _) => form
            .append_pair("From", t.from)
            .append_pair("ContentSid", t.content_sid)
            .append_pair(
                "ContentVariables",
                &[
                    "{\"1\":",
                    &serde_json::to_string(body).unwrap_or_default(),
                    "}",
                ]
                .concat(),
            ),
        (None, service, from) => {
            form.append_pair("Body", body);
            match (service, from) {
                (Some(service), _) => form.append_pair("MessagingServiceSid", service),
                (None, Some(from)) => form.append_pair("From", from),
                (None, None) => &mut form,
            }
        }
    };
    if let Some(callback) = &config.status_callback {
        form.append_pair("StatusCallback", callback);
    }
    form.finish()
}

#[derive(Deserialize)]
struct Accepted {
    sid: String,
    status: Option<String>,
}

#[derive(Deserialize)]
struct TwilioError {
    code: Option<i64>,
    message: Option<String>,
}

/// Reads Twilio's answer: 2xx with a `sid` is accepted; 429 and 5xx are
/// retryable; any other status is permanent, with Twilio's code and message.
pub fn classify(status: u16, body: &str, retry_after: Option<u32>) -> SendOutcome {
    if (200..300).contains(&status) {
        return match serde_json::from_slice::<Accepted>(body.as_bytes()) {
            Ok(a) => SendOutcome::Accepted {
                sid: a.sid,
                status: a.status.unwrap_or_else(|| "queued".into()),
            },
            Err(e) => SendOutcome::Retryable {
                error: format!("HTTP {status} without a message sid: {e}"),
                retry_after: None,
            },
        };
    }
    let detail = serde_json::from_slice::<TwilioError>(body.as_bytes())
        .map(|e| {
            format!(
                "{} {}",
                e.code.map(|c| c.to_string()).unwrap_or_default(),
                e.message.unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let error = format!("HTTP {status} {}", detail.trim())
        .trim()
        .to_string();
    if status == 429 || status >= 500 {
        SendOutcome::Retryable { error, retry_after }
    } else {
        SendOutcome::Permanent { error }
    }
}

type HmacSha1 = Hmac<Sha1>;

fn signing_mac(auth_token: &str, url: &str, params: &[(String, String)]) -> Option<HmacSha1> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_unstable();
    let mut mac = HmacSha1::new_from_slice(auth_token.as_bytes()).ok()?;
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    Some(mac)
}

/// `X-Twilio-Signature`: Base64(HMAC-SHA1(auth token, URL + each POST
/// parameter's name and value, sorted by name)).
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    signing_mac(auth_token, url, params)
        .map(|m| B64.encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// The URL with and without its scheme's default port: Twilio may sign
/// either form, depending on how the callback URL was written.
pub fn url_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_string()];
    for (scheme, port) in [("https://", ":443"), ("http://", ":80")] {
        let Some(rest) = url.strip_prefix(scheme) else {
            continue;
        };
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (host, tail) = rest.split_at(end);
        match host.strip_suffix(port) {
            Some(bare) => variants.push(format!("{scheme}{bare}{tail}")),
            None if !host.contains(':') => variants.push(format!("{scheme}{host}{port}{tail}")),
            None => {}
        }
    }
    variants
}

/// Checks a callback's signature in constant time against the URL as
/// received, with and without the default port.
pub fn verify(auth_token: &str, url: &str, params: &[(String, String)], header: &str) -> bool {
    let Ok(expected) = B64.decode(header.trim()) else {
        return false;
    };
    url_variants(url).iter().any(|u| {
        signing_mac(auth_token, u, params).is_some_and(|m| m.verify_slice(&expected).is_ok())
    })
}

pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The Basic-auth headers of every call, plus `extra`.
pub(super) fn headers(
    config: &TwilioConfig,
    extra: &[(&str, &str)],
) -> Result<worker::Headers, String> {
    let headers = worker::Headers::new();
    headers
        .set("Authorization", &basic_auth(config))
        .and_then(|_| headers.set("Accept", "application/json"))
        .map_err(|e| format!("headers: {e}"))?;
    for (name, value) in extra {
        headers
            .set(name, value)
            .map_err(|e| format!("headers: {e}"))?;
    }
    Ok(headers)
}

/// Twilio's errors that mean a WhatsApp message cannot reach this person
/// on WhatsApp, so the same text goes by SMS instead: 63003 (the number is
/// not on WhatsApp), 63016 (outside the 24-hour window without an approved
/// template), 63024 (not a valid WhatsApp recipient), 63032 (a WhatsApp
/// limitation for this user) and 21211 (an invalid `whatsapp:` To).
const FALLBACK_CODES: [&str; 5] = ["63003", "63016", "63024", "63032", "21211"];

/// Whether a failed WhatsApp message's error (as recorded: `HTTP 400 63003
/// …` from a send, `Twilio error 63003` from a status report) sends it by
/// SMS. Other failures (our credentials, a bad template) would fail the
/// same way again or are for staff to see, so they do not.
pub fn whatsapp_falls_back(error: &str) -> bool {
    error
        .split(' ')
        .take(4)
        .any(|word| FALLBACK_CODES.contains(&word))
}

/// Sends one message within `limit`. No answer (timeout, network) is
/// [`SendOutcome::Unknown`]; an answer is classified by [`classify`].
pub async fn send(
    config: &TwilioConfig,
    to: &str,
    body: &str,
    template: Option<&Template<'_>>,
    limit: Duration,
) -> SendOutcome {
    let headers = match headers(
        config,
        &[("Content-Type", "application/x-www-form-urlencoded")],
    ) {
        Ok(h) => h,
        Err(error) => {
            return SendOutcome::Retryable {
                error,
                retry_after: None,
            }
        }
    };
    let body = Some(form_body(config, to, body, template).into());
    let request = match crate::platform::request(&messages_url(config), "POST", &headers, body) {
        Ok(r) => r,
        Err(e) => {
            return SendOutcome::Permanent {
                error: format!("bad gateway URL: {e}"),
            }
        }
    };
    match timed::fetch(request, limit).await {
        Ok(answer) => classify(answer.status, &answer.body, answer.retry_after),
        Err(error) => SendOutcome::Unknown { error },
    }
}

// ------------------------------------------------ in-doubt recovery (issue 9)

/// One message of Twilio's Messages list, as far as recovery needs it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedMessage {
    pub sid: String,
    pub to: String,
    pub body: String,
    pub status: String,
    /// RFC 2822, e.g. `Wed, 02 Dec 2026 00:15:55 +0000`.
    pub date_created: String,
    pub direction: Option<String>,
}

/// One page of the Messages list; `next_page_uri` is relative to the API base.
#[derive(Debug, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<ListedMessage>,
    pub next_page_uri: Option<String>,
}

/// Pages read at most per lookup: a citizen's number gets a handful of
/// messages a day, so more means something is wrong; the lookup then fails
/// (the row stays in doubt) rather than guess.
const MAX_PAGES: usize = 5;

/// The first page of our messages to `to`: `GET …/Messages.json?To=…&PageSize=50`.
///
/// Deliberately without `DateSent>=`: a message Twilio accepted but has not
/// sent yet has no `date_sent` and matches no DateSent filter — and that is
/// exactly the message an interrupted attempt may have left. The window is
/// applied to `date_created` instead ([`find_match`]); one citizen's number
/// gets a handful of messages, so the unfiltered list stays short.
pub fn list_url(config: &TwilioConfig, to: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("To", to)
        .append_pair("PageSize", "50")
        .finish();
    format!("{}?{query}", messages_url(config))
}

/// The message an in-doubt row already produced: outbound, to the same
/// number, the same text, created no earlier than the second the first
/// unanswered attempt was claimed. The earliest such, if several. A
/// WhatsApp message's listed text is its template's, not ours: it matches
/// on the address alone.
pub fn find_match<'a>(
    messages: &'a [ListedMessage],
    to: &str,
    body: &str,
    since: DateTime<Utc>,
) -> Option<&'a ListedMessage> {
    let since = since.timestamp();
    messages
        .iter()
        .filter(|m| m.to == to && (m.body == body || to.starts_with(WHATSAPP)))
        .filter(|m| {
            m.direction
                .as_deref()
                .is_none_or(|d| d.starts_with("outbound"))
        })
        .filter_map(|m| {
            crate::domain::time::parse_rfc2822(&m.date_created)
                .map(|created| (created.timestamp(), m))
        })
        .filter(|(created, _)| *created >= since)
        .min_by_key(|(created, _)| *created)
        .map(|(_, m)| m)
}

/// What asking the gateway about an in-doubt row gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    /// It already has it: record this, do not send again.
    Found(T),
    /// It has nothing: safe to send.
    NotFound,
    /// No usable answer: still in doubt, ask again later.
    Failed(String),
}

/// Asks Twilio whether it took the message to `to` with `body` since
/// `since`, following `next_page_uri`; the whole lookup within `limit`.
pub async fn find_sent(
    config: &TwilioConfig,
    to: &str,
    body: &str,
    since: DateTime<Utc>,
    limit: Duration,
) -> Lookup<ListedMessage> {
    let deadline = crate::platform::now() + limit;
    let mut url = list_url(config, to);
    for _ in 0..MAX_PAGES {
        let left = (deadline - crate::platform::now())
            .to_std()
            .unwrap_or_default();
        let page = match get_page(config, &url, left).await {
            Ok(page) => page,
            Err(error) => return Lookup::Failed(error),
        };
        if let Some(found) = find_match(&page.messages, to, body, since) {
            return Lookup::Found(found.clone());
        }
        match page.next_page_uri.filter(|u| !u.is_empty()) {
            Some(next) => url = format!("{}{next}", config.api_base.trim_end_matches('/')),
            None => return Lookup::NotFound,
        }
    }
    Lookup::Failed(format!("more than {MAX_PAGES} pages of messages"))
}

async fn get_page(
    config: &TwilioConfig,
    url: &str,
    limit: Duration,
) -> Result<MessagePage, String> {
    let answer = timed::get(url, headers(config, &[])?, limit).await?;
    if answer.status != 200 {
        return Err(format!("message list: HTTP {}", answer.status));
    }
    serde_json::from_slice(answer.body.as_bytes()).map_err(|e| format!("message list: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Twilio's published example (DESIGN.md).
    fn vector() -> Vec<(String, String)> {
        params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ])
    }

    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    #[test]
    fn twilios_published_signature_vector_matches() {
        assert_eq!(
            signature("12345", URL, &vector()),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
        assert!(verify(
            "12345",
            URL,
            &vector(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
    }

    #[test]
    fn parameter_order_does_not_matter_but_every_byte_does() {
        let mut shuffled = vector();
        shuffled.reverse();
        assert!(verify(
            "12345",
            URL,
            &shuffled,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        let mut tampered = vector();
        tampered[2].1 = "1235".into();
        assert!(!verify(
            "12345",
            URL,
            &tampered,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(!verify(
            "54321",
            URL,
            &vector(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(!verify(
            "12345",
            "https://mycompany.com/other.php?foo=1&bar=2",
            &vector(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(!verify("12345", URL, &vector(), "not base64!"));
        assert!(!verify("12345", URL, &vector(), ""));
    }

    #[test]
    fn a_signature_over_the_url_with_or_without_the_default_port_is_accepted() {
        let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        let signed_with_port = signature("12345", with_port, &vector());
        assert!(verify("12345", URL, &vector(), &signed_with_port));
        assert!(verify(
            "12345",
            with_port,
            &vector(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert_eq!(
            url_variants("http://127.0.0.1:8787/x"),
            vec!["http://127.0.0.1:8787/x".to_string()]
        );
        assert_eq!(url_variants("http://a.b/x")[1], "http://a.b:80/x");
    }

    #[test]
    fn the_send_form_carries_to_body_sender_and_callback() {
        let config = TwilioConfig {
            api_base: "https://api.twilio.com/".into(),
            account_sid: "AC1".into(),
            auth_token: "t".into(),
            from: Some("PAKPOS".into()),
            messaging_service_sid: None,
            status_callback: Some("https://x.id/webhooks/sms/twilio".into()),
        };
        let form =
            parse_form(form_body(&config, "+6281234567890", "Halo & selamat", None).as_bytes());
        assert!(form.contains(&("To".into(), "+6281234567890".into())));
        assert!(form.contains(&("Body".into(), "Halo & selamat".into())));
        assert!(form.contains(&("From".into(), "PAKPOS".into())));
        assert!(form.contains(&(
            "StatusCallback".into(),
            "https://x.id/webhooks/sms/twilio".into()
        )));
        assert_eq!(
            messages_url(&config),
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
        );
        assert_eq!(
            basic_auth(&config),
            format!("Basic {}", B64.encode("AC1:t"))
        );
    }

    #[test]
    fn a_whatsapp_send_carries_the_template_and_its_variable_instead_of_a_body() {
        let config = TwilioConfig {
            api_base: "https://api.twilio.com".into(),
            account_sid: "AC1".into(),
            auth_token: "t".into(),
            from: Some("PAKPOS".into()),
            messaging_service_sid: Some("MG1".into()),
            status_callback: Some("https://x.id/webhooks/sms/twilio".into()),
        };
        let template = Template {
            from: "whatsapp:+6281100000000",
            content_sid: "HX0123",
        };
        let form = parse_form(
            form_body(
                &config,
                "whatsapp:+6281234567890",
                "Halo \"Ibu\"",
                Some(&template),
            )
            .as_bytes(),
        );
        assert!(form.contains(&("To".into(), "whatsapp:+6281234567890".into())));
        assert!(form.contains(&("From".into(), "whatsapp:+6281100000000".into())));
        assert!(form.contains(&("ContentSid".into(), "HX0123".into())));
        assert!(form.contains(&("ContentVariables".into(), r#"{"1":"Halo \"Ibu\""}"#.into())));
        assert!(form
            .iter()
            .all(|(k, _)| k != "Body" && k != "MessagingServiceSid"));
        assert!(form.contains(&(
            "StatusCallback".into(),
            "https://x.id/webhooks/sms/twilio".into()
        )));
    }

    #[test]
    fn only_not_on_whatsapp_failures_fall_back_to_sms() {
        for error in [
            "Twilio error 63003",
            "Twilio error 63016",
            "Twilio error 63024",
            "Twilio error 63032",
            "HTTP 400 63003 Channel could not find To address",
            "HTTP 400 21211 Invalid 'To' Phone Number",
        ] {
            assert!(whatsapp_falls_back(error), "{error}");
        }
        for error in [
            "Twilio error 30003",
            "Twilio error 63007",
            "HTTP 401 20003 Authenticate",
            "HTTP 400 21655 The ContentSid is Invalid",
            "HTTP 400 21610 Attempt to send to unsubscribed recipient",
            "HTTP 400 21610 mentions 63003 later in its message text",
            "",
        ] {
            assert!(!whatsapp_falls_back(error), "{error}");
        }
    }

    #[test]
    fn answers_are_classified_as_accepted_retryable_or_permanent() {
        let ok = classify(201, r#"{"sid":"SM123","status":"queued"}"#, None);
        assert_eq!(
            ok,
            SendOutcome::Accepted {
                sid: "SM123".into(),
                status: "queued".into()
            }
        );
        assert!(matches!(
            classify(
                429,
                r#"{"code":20429,"message":"Too Many Requests"}"#,
                Some(2)
            ),
            SendOutcome::Retryable {
                retry_after: Some(2),
                ..
            }
        ));
        assert!(matches!(
            classify(503, "", None),
            SendOutcome::Retryable { .. }
        ));
        let permanent = classify(
            400,
            r#"{"code":21211,"message":"Invalid 'To' Phone Number"}"#,
            None,
        );
        assert_eq!(
            permanent,
            SendOutcome::Permanent {
                error: "HTTP 400 21211 Invalid 'To' Phone Number".into()
            }
        );
    }

    fn listed(sid: &str, to: &str, body: &str, created: &str) -> ListedMessage {
        ListedMessage {
            sid: sid.into(),
            to: to.into(),
            body: body.into(),
            status: "delivered".into(),
            date_created: created.into(),
            direction: Some("outbound-api".into()),
        }
    }

    #[test]
    fn an_in_doubt_sms_matches_only_the_same_text_to_the_same_number_since_its_claim() {
        let since = DateTime::parse_from_rfc3339("2026-12-02T00:15:55.700Z")
            .unwrap()
            .with_timezone(&Utc);
        let to = "+6281234567890";
        let list = vec![
            listed(
                "SMold",
                to,
                "Berkas diterima",
                "Wed, 02 Dec 2026 00:10:00 +0000",
            ),
            listed(
                "SMother",
                "+6281111111111",
                "Berkas diterima",
                "Wed, 02 Dec 2026 00:16:00 +0000",
            ),
            listed(
                "SMtext",
                to,
                "Berkas ditolak",
                "Wed, 02 Dec 2026 00:16:00 +0000",
            ),
            listed(
                "SMlater",
                to,
                "Berkas diterima",
                "Wed, 02 Dec 2026 00:17:00 +0000",
            ),
            listed(
                "SMours",
                to,
                "Berkas diterima",
                "Wed, 02 Dec 2026 00:15:55 +0000",
            ),
        ];
        let found = find_match(&list, to, "Berkas diterima", since);
        assert_eq!(found.map(|m| m.sid.as_str()), Some("SMours"));
        assert_eq!(find_match(&list[..3], to, "Berkas diterima", since), None);
        let mut inbound = listed(
            "SMin",
            to,
            "Berkas diterima",
            "Wed, 02 Dec 2026 00:16:00 +0000",
        );
        inbound.direction = Some("inbound".into());
        assert_eq!(find_match(&[inbound], to, "Berkas diterima", since), None);
        let wa = "whatsapp:+6281234567890";
        let template = listed(
            "SMwa",
            wa,
            "Pemberitahuan: Berkas diterima",
            "Wed, 02 Dec 2026 00:16:00 +0000",
        );
        assert_eq!(
            find_match(&[template], wa, "Berkas diterima", since).map(|m| m.sid.as_str()),
            Some("SMwa")
        );
    }

    #[test]
    fn the_list_query_filters_by_number_only() {
        let config = TwilioConfig {
            api_base: "https://api.twilio.com".into(),
            account_sid: "AC1".into(),
            auth_token: "t".into(),
            from: None,
            messaging_service_sid: None,
            status_callback: None,
        };
        assert_eq!(
            list_url(&config, "+6281234567890"),
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?To=%2B6281234567890&PageSize=50"
        );
        let page: MessagePage = serde_json::from_str(
            r#"{"messages":[{"sid":"SM1","to":"+62","body":"x","status":"sent","date_created":"Wed, 02 Dec 2026 00:15:55 +0000","direction":"outbound-api","price":null}],"next_page_uri":null,"page":0}"#,
        )
        .unwrap();
        assert_eq!(page.messages.len(), 1);
        assert!(page.next_page_uri.is_none());
    }
}
