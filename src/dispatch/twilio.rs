//! The SMS gateway adapter, speaking Twilio's Messages API: a form-encoded
//! `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with Basic auth,
//! and the `X-Twilio-Signature` check of its status callbacks. The protocol
//! pieces are pure functions (tested natively against Twilio's published
//! vector); only [`send`] touches the network.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha1::Sha1;

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

/// The form body of a send.
pub fn form_body(config: &TwilioConfig, to: &str, body: &str) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("To", to).append_pair("Body", body);
    match (&config.messaging_service_sid, &config.from) {
        (Some(service), _) => form.append_pair("MessagingServiceSid", service),
        (None, Some(from)) => form.append_pair("From", from),
        (None, None) => &mut form,
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
        return match serde_json::from_str::<Accepted>(body) {
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
    let detail = serde_json::from_str::<TwilioError>(body)
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
    sorted.sort();
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

/// Sends one SMS. Network failures are retryable; the provider's answer is
/// classified by [`classify`].
pub async fn send(config: &TwilioConfig, to: &str, body: &str) -> SendOutcome {
    use worker::{Fetch, Headers, Method, Request, RequestInit};
    let headers = Headers::new();
    let prepared = headers
        .set("Authorization", &basic_auth(config))
        .and_then(|_| headers.set("Content-Type", "application/x-www-form-urlencoded"))
        .and_then(|_| headers.set("Accept", "application/json"));
    if let Err(e) = prepared {
        return SendOutcome::Retryable {
            error: format!("headers: {e}"),
            retry_after: None,
        };
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(form_body(config, to, body).into()));
    let request = match Request::new_with_init(&messages_url(config), &init) {
        Ok(r) => r,
        Err(e) => {
            return SendOutcome::Permanent {
                error: format!("bad gateway URL: {e}"),
            }
        }
    };
    let mut response = match Fetch::Request(request).send().await {
        Ok(r) => r,
        Err(e) => {
            return SendOutcome::Retryable {
                error: format!("network: {e}"),
                retry_after: None,
            }
        }
    };
    let retry_after = response
        .headers()
        .get("Retry-After")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok());
    let text = response.text().await.unwrap_or_default();
    classify(response.status_code(), &text, retry_after)
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
        let form = parse_form(form_body(&config, "+6281234567890", "Halo & selamat").as_bytes());
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
}
