//! The e-signature adapter: the head of agency (Kepala Dinas) signs each
//! product's PDF through a signing service shaped like BSrE's (Balai
//! Sertifikasi Elektronik, BSSN) **Esign Client Service** API, the one
//! Indonesian agencies sign with.
//!
//! **Sign a PDF**: `POST {ESIGN_API_BASE}/api/sign/pdf` with HTTP Basic auth
//! (`ESIGN_USERNAME:ESIGN_PASSWORD`, the agency's client-service account)
//! and a `multipart/form-data` body:
//! - `file`: the PDF (`Content-Type: application/pdf`);
//! - `nik`: the signer's NIK, the one the certificate was issued to;
//! - `passphrase`: the signer's certificate passphrase, typed at signing time;
//! - `tampilan`: `invisible`, or `visible` with `image` = `false` (no
//!   signature image), `linkQR` (the URL the QR code on the page holds),
//!   `page` (1-based), `xAxis`, `yAxis`, `width`, `height` (PDF points; see
//!   [`QR_PAGE`] and below);
//! - `reason`, `location`: written into the signature.
//!
//! Success is `200` with the signed PDF as the body (`Content-Type:
//! application/pdf`) and the service's document id in the `id_dokumen`
//! header. A failure is JSON `{"error": "<message>", "status_code": <int>}`
//! (HTTP 400 for a refused signer): `2011` the NIK is not registered,
//! `2031` the passphrase is wrong; other codes (the certificate expired,
//! revoked or suspended — the stand-in answers `2051`) are refusals the
//! signer must sort out with BSrE. 401 means our client account was refused.
//!
//! **Signer status**: `GET {ESIGN_API_BASE}/api/user/status/{nik}` tells
//! whether a NIK's certificate is active. This adapter does not call it: it
//! puts the NIK in a URL, which this project never does with personal data,
//! and the sign call refuses an inactive signer with its own code anyway.
//! The stand-in serves it for completeness.
//!
//! Sources: BSrE, *Petunjuk Teknis Penggunaan API Esign Client Service*
//! v2.0 (January 2024; sections Authorization, Sign PDF, Download, Verify),
//! <https://id.scribd.com/document/710812206/Petunjuk-Teknis-API-Esign-Client-Service-v-2-2-1-sign-2>,
//! read against public integrations of the same API (Laravel and Go clients
//! sending these fields with Basic auth, reading `id_dokumen`, and mapping
//! `status_code` 2011 and 2031). The `2051` code for an inactive certificate
//! is this project's assumption (no public source names one).
//!
//! **Secrets**: the passphrase is sent once, in the request body, and is
//! never logged, stored or put into an error; the NIK is personal data and
//! is never logged either. No provider text reaches an [`EsignError`] (it
//! could echo either); errors carry our own words and the numeric code.
//!
//! **Retry**: signing has no side effect at the provider beyond its own
//! audit trail, so a call that timed out or failed may simply be repeated;
//! the caller keeps the product unsigned until a signed PDF is in hand.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use worker::Env;

use super::consumers::env_text;
use super::timed;
use crate::domain::hex;

/// How long one signing call may take (upload, signing, download); the
/// timeout's error message says 30 s.
pub const SIGN_LIMIT: Duration = Duration::from_secs(30);
/// The largest signed PDF accepted.
pub const MAX_SIGNED_BYTES: usize = 10 * 1024 * 1024;
/// Where a visible signature's QR code goes: the first page, bottom right
/// of an A4 page, 90 pt square (PDF points from the lower-left corner).
pub const QR_PAGE: &str = "1";
const QR_BOX: [(&str, &str); 4] = [
    ("xAxis", "470"),
    ("yAxis", "40"),
    ("width", "90"),
    ("height", "90"),
];

/// The signing service's endpoint and the agency's client account.
pub struct EsignConfig {
    pub api_base: String,
    pub username: String,
    pub password: String,
}

impl EsignConfig {
    /// `ESIGN_API_BASE` from `[vars]`, `ESIGN_USERNAME` and `ESIGN_PASSWORD`
    /// from Worker secrets. A missing one is [`EsignError::Unavailable`]:
    /// nothing can be signed until it is set, and then a retry works.
    pub fn from_env(env: &Env) -> Result<EsignConfig, EsignError> {
        match (
            env_text(env, "ESIGN_API_BASE"),
            env_text(env, "ESIGN_USERNAME"),
            env_text(env, "ESIGN_PASSWORD"),
        ) {
            (Some(api_base), Some(username), Some(password)) => Ok(EsignConfig {
                api_base,
                username,
                password,
            }),
            _ => Err(EsignError::Unavailable(
                "ESIGN_API_BASE, ESIGN_USERNAME or ESIGN_PASSWORD is not set".into(),
            )),
        }
    }
}

/// One document to sign. Deliberately not `Debug`: it holds the passphrase.
pub struct SignRequest<'a> {
    pub pdf: &'a [u8],
    pub nik: &'a str,
    pub passphrase: &'a str,
    /// A visible signature: a QR code of `link_qr` on the page.
    pub visible: bool,
    pub reason: &'a str,
    pub location: &'a str,
    pub link_qr: Option<&'a str>,
}

/// The signed PDF and the service's id for it (`id_dokumen`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub pdf: Vec<u8>,
    pub document_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EsignError {
    /// The service refused the signer (wrong passphrase, NIK not
    /// registered, certificate not active) or our account: someone must act
    /// before a retry can work. `message` is for the officer, in Indonesian.
    #[error("signing refused, code {code}")]
    Refused { code: u32, message: &'static str },
    /// No usable answer (network, timeout, 5xx, not configured): safe to retry.
    #[error("signing service unavailable: {0}")]
    Unavailable(String),
    /// An answer that is not a signed PDF within bounds.
    #[error("signing service answer unusable: {0}")]
    Malformed(String),
}

impl EsignError {
    /// What the signing officer reads, in Indonesian.
    pub fn officer_message(&self) -> &'static str {
        match self {
            EsignError::Refused { message, .. } => message,
            EsignError::Unavailable(_) => {
                "Layanan tanda tangan elektronik sedang tidak dapat dihubungi. Dokumen belum ditandatangani; silakan coba lagi."
            }
            EsignError::Malformed(_) => {
                "Layanan tanda tangan elektronik mengirim jawaban yang tidak dapat dipakai. Dokumen belum ditandatangani; silakan coba lagi atau hubungi admin."
            }
        }
    }
}

const NOT_REGISTERED: &str =
    "NIK penanda tangan tidak terdaftar di BSrE. Hubungi admin untuk pendaftaran sertifikat elektronik.";
const WRONG_PASSPHRASE: &str = "Passphrase salah. Periksa kembali lalu coba lagi.";
const OTHER_REFUSAL: &str =
    "Penandatanganan ditolak oleh BSrE. Pastikan sertifikat elektronik penanda tangan masih aktif, lalu coba lagi.";
const ACCOUNT_REFUSED: &str =
    "Akun aplikasi pada layanan tanda tangan elektronik ditolak. Hubungi admin.";

/// The officer's message for a refusal code of the service.
fn refusal(code: u32) -> &'static str {
    match code {
        2011 => NOT_REGISTERED,
        2031 => WRONG_PASSPHRASE,
        _ => OTHER_REFUSAL,
    }
}

/// Appends one form field (the `file` field as a PDF file part).
fn part(body: &mut Vec<u8>, boundary: &str, name: &str, value: &[u8]) {
    body.extend_from_slice(b"--");
    body.extend_from_slice(boundary.as_bytes());
    body.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(if name == "file" {
        b"\"; filename=\"dokumen.pdf\"\r\nContent-Type: application/pdf\r\n\r\n".as_slice()
    } else {
        b"\"\r\n\r\n".as_slice()
    });
    body.extend_from_slice(value);
    body.extend_from_slice(b"\r\n");
}

/// The `multipart/form-data` body of a sign call, framed by `boundary`
/// (random per call, so no document or passphrase can contain it).
pub fn form_body(request: &SignRequest<'_>, boundary: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(request.pdf.len() + 2048);
    let mut fields: Vec<(&str, &str)> =
        vec![("nik", request.nik), ("passphrase", request.passphrase)];
    if request.visible {
        fields.extend([("tampilan", "visible"), ("image", "false")]);
        if let Some(link) = request.link_qr {
            fields.push(("linkQR", link));
        }
        fields.push(("page", QR_PAGE));
        fields.extend(QR_BOX);
    } else {
        fields.push(("tampilan", "invisible"));
    }
    fields.extend([("reason", request.reason), ("location", request.location)]);
    part(&mut body, boundary, "file", request.pdf);
    for (name, value) in fields {
        part(&mut body, boundary, name, value.as_bytes());
    }
    body.extend_from_slice(b"--");
    body.extend_from_slice(boundary.as_bytes());
    body.extend_from_slice(b"--\r\n");
    body
}

/// Classifies the service's answer: a bounded PDF is signed; a known
/// refusal code is refused whatever the HTTP status; 401/403 is our account
/// refused; 408, 429 and 5xx are unavailable; anything else is malformed.
pub fn read_answer(
    status: u16,
    body: Vec<u8>,
    document_id: Option<String>,
) -> Result<Signed, EsignError> {
    if status == 200 && body.starts_with(b"%PDF-") {
        if body.len() > MAX_SIGNED_BYTES {
            return Err(EsignError::Malformed("signed PDF over 10 MiB".into()));
        }
        let document_id = document_id.filter(|id| !id.trim().is_empty());
        return Ok(Signed {
            pdf: body,
            document_id,
        });
    }
    // Read as a JSON value from text: the parse the other adapters already use.
    let code = std::str::from_utf8(&body)
        .ok()
        .and_then(|text| serde_json::from_slice::<serde_json::Value>(text.as_bytes()).ok())
        .and_then(|failure| failure["status_code"].as_u64())
        .and_then(|code| u32::try_from(code).ok());
    match (status, code) {
        (401 | 403, _) => Err(EsignError::Refused {
            code: u32::from(status),
            message: ACCOUNT_REFUSED,
        }),
        (_, Some(code @ (2011 | 2031))) => Err(EsignError::Refused {
            code,
            message: refusal(code),
        }),
        (408 | 429 | 500.., _) => Err(EsignError::Unavailable(format!("HTTP {status}"))),
        (400..=499, Some(code)) => Err(EsignError::Refused {
            code,
            message: refusal(code),
        }),
        _ => Err(EsignError::Malformed(format!(
            "HTTP {status} without a PDF"
        ))),
    }
}

/// The request headers: Basic auth, what we accept, the multipart type.
fn headers(config: &EsignConfig, boundary: &str) -> worker::Result<worker::Headers> {
    let headers = worker::Headers::new();
    let credentials = B64.encode(format!("{}:{}", config.username, config.password));
    headers.set("Authorization", &format!("Basic {credentials}"))?;
    headers.set("Accept", "application/pdf, application/json")?;
    headers.set(
        "Content-Type",
        &format!("multipart/form-data; boundary={boundary}"),
    )?;
    Ok(headers)
}

/// Signs one PDF within [`SIGN_LIMIT`]. The answer is checked to be a PDF
/// of at most [`MAX_SIGNED_BYTES`] before anything is returned.
pub async fn sign(config: &EsignConfig, request: &SignRequest<'_>) -> Result<Signed, EsignError> {
    use worker::Fetch;
    let unavailable = |e: &dyn std::fmt::Display| EsignError::Unavailable(e.to_string());
    let random = crate::platform::random_bytes::<16>().map_err(|e| unavailable(&e))?;
    let boundary = format!("pakpos-{}", hex::encode(&random));
    let body = form_body(request, &boundary);
    let headers = headers(config, &boundary).map_err(|e| unavailable(&e))?;
    let bytes = js_sys::Uint8Array::from(body.as_slice()).into();
    drop(body);
    let url = format!("{}/api/sign/pdf", config.api_base.trim_end_matches('/'));
    let outgoing = crate::platform::request(&url, "POST", &headers, Some(bytes))
        .map_err(|e| unavailable(&e))?;
    let answer = timed::within(SIGN_LIMIT, |signal| async move {
        let mut response = Fetch::Request(outgoing)
            .send_with_signal(&signal)
            .await
            .map_err(|e| unavailable(&e))?;
        let header = |name: &str| response.headers().get(name).ok().flatten();
        let length = header("Content-Length").and_then(|v| v.trim().parse::<usize>().ok());
        if length.is_some_and(|n| n > MAX_SIGNED_BYTES) {
            return Err(EsignError::Malformed("answer over 10 MiB".into()));
        }
        let document_id = header("id_dokumen");
        let bytes = response.bytes().await.map_err(|e| unavailable(&e))?;
        read_answer(response.status_code(), bytes, document_id)
    })
    .await;
    answer.unwrap_or_else(|| Err(EsignError::Unavailable("no answer within 30 s".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n";

    fn request(visible: bool) -> SignRequest<'static> {
        SignRequest {
            pdf: PDF,
            nik: "3312010101700001",
            passphrase: "rahasia-kepala-dinas",
            visible,
            reason: "Dokumen kependudukan",
            location: "Wonogiri",
            link_qr: Some("https://pakpos.example/verifikasi/AB12-CD34"),
        }
    }

    /// The fields of a multipart body as (name, value), split the way a
    /// server would: on the boundary, then on the blank line.
    fn fields(body: &[u8], boundary: &str) -> Vec<(String, Vec<u8>)> {
        let text = String::from_utf8_lossy(body).into_owned();
        let close = format!("--{boundary}--\r\n");
        assert!(text.ends_with(&close), "closing boundary");
        text[..text.len() - close.len()]
            .split(&format!("--{boundary}\r\n"))
            .skip(1)
            .map(|part| {
                let (head, value) = part.split_once("\r\n\r\n").unwrap_or_default();
                let name = head
                    .split("name=\"")
                    .nth(1)
                    .and_then(|n| n.split('"').next())
                    .unwrap_or_default()
                    .to_string();
                let value = value.strip_suffix("\r\n").unwrap_or_default();
                (name, value.as_bytes().to_vec())
            })
            .collect()
    }

    fn names(fields: &[(String, Vec<u8>)]) -> Vec<&str> {
        fields.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn an_invisible_signature_sends_the_file_and_the_signer_only() {
        let body = form_body(&request(false), "b0undary");
        let got = fields(&body, "b0undary");
        assert_eq!(
            names(&got),
            [
                "file",
                "nik",
                "passphrase",
                "tampilan",
                "reason",
                "location"
            ]
        );
        assert_eq!(got[0].1, PDF);
        assert_eq!(got[3].1, b"invisible");
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains(
            "name=\"file\"; filename=\"dokumen.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-"
        ));
    }

    #[test]
    fn a_visible_signature_places_a_qr_code_of_the_link() {
        let got = fields(&form_body(&request(true), "xyz"), "xyz");
        assert_eq!(
            names(&got),
            [
                "file",
                "nik",
                "passphrase",
                "tampilan",
                "image",
                "linkQR",
                "page",
                "xAxis",
                "yAxis",
                "width",
                "height",
                "reason",
                "location"
            ]
        );
        let value = |name: &str| {
            got.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        };
        assert_eq!(value("tampilan").as_deref(), Some("visible"));
        assert_eq!(value("image").as_deref(), Some("false"));
        assert_eq!(
            value("linkQR").as_deref(),
            Some("https://pakpos.example/verifikasi/AB12-CD34")
        );
        assert_eq!(value("page").as_deref(), Some("1"));
        assert_eq!(value("nik").as_deref(), Some("3312010101700001"));
    }

    #[test]
    fn a_bounded_pdf_answer_is_the_signed_document() {
        let signed = read_answer(200, PDF.to_vec(), Some("doc-7".into()));
        assert_eq!(
            signed,
            Ok(Signed {
                pdf: PDF.to_vec(),
                document_id: Some("doc-7".into())
            })
        );
        assert_eq!(
            read_answer(200, PDF.to_vec(), Some(" ".into())).map(|s| s.document_id),
            Ok(None)
        );
    }

    #[test]
    fn an_answer_that_is_not_a_bounded_pdf_is_malformed() {
        let html = b"<html>signed</html>".to_vec();
        assert!(matches!(
            read_answer(200, html, None),
            Err(EsignError::Malformed(_))
        ));
        assert!(matches!(
            read_answer(200, Vec::new(), None),
            Err(EsignError::Malformed(_))
        ));
        let mut huge = b"%PDF-1.7\n".to_vec();
        huge.resize(MAX_SIGNED_BYTES + 1, b' ');
        assert!(matches!(
            read_answer(200, huge, None),
            Err(EsignError::Malformed(_))
        ));
        assert!(matches!(
            read_answer(302, Vec::new(), None),
            Err(EsignError::Malformed(_))
        ));
        assert!(matches!(
            read_answer(404, b"Not Found".to_vec(), None),
            Err(EsignError::Malformed(_))
        ));
    }

    fn failure(code: u32) -> Vec<u8> {
        format!(r#"{{"error":"x","status_code":{code}}}"#).into_bytes()
    }

    #[test]
    fn refusals_name_what_the_officer_must_fix() {
        assert_eq!(
            read_answer(400, failure(2031), None),
            Err(EsignError::Refused {
                code: 2031,
                message: WRONG_PASSPHRASE
            })
        );
        assert_eq!(
            read_answer(400, failure(2011), None),
            Err(EsignError::Refused {
                code: 2011,
                message: NOT_REGISTERED
            })
        );
        // BSrE behind some gateways answers a refusal with 500 or even 200.
        for status in [200, 500] {
            assert!(matches!(
                read_answer(status, failure(2031), None),
                Err(EsignError::Refused { code: 2031, .. })
            ));
        }
        assert_eq!(
            read_answer(400, failure(2051), None),
            Err(EsignError::Refused {
                code: 2051,
                message: OTHER_REFUSAL
            })
        );
        assert_eq!(
            read_answer(401, br#"{"error":"Unauthorized"}"#.to_vec(), None),
            Err(EsignError::Refused {
                code: 401,
                message: ACCOUNT_REFUSED
            })
        );
    }

    #[test]
    fn a_busy_or_broken_service_is_retryable() {
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(matches!(
                read_answer(status, b"{}".to_vec(), None),
                Err(EsignError::Unavailable(_))
            ));
        }
        assert!(matches!(
            read_answer(503, failure(9999), None),
            Err(EsignError::Unavailable(_))
        ));
    }

    #[test]
    fn no_error_carries_the_passphrase_or_the_nik() {
        let echo = br#"{"error":"passphrase rahasia-kepala-dinas untuk NIK 3312010101700001 salah","status_code":2031}"#;
        for status in [200, 400, 401, 404, 500] {
            let error = read_answer(status, echo.to_vec(), None).err();
            let error = error
                .as_ref()
                .map(|e| (e.to_string(), format!("{e:?}"), e.officer_message()));
            let text = format!("{error:?}");
            assert!(!text.contains("rahasia"), "{text}");
            assert!(!text.contains("3312010101700001"), "{text}");
        }
    }

    #[test]
    fn every_error_has_an_indonesian_message_for_the_officer() {
        let errors = [
            EsignError::Refused {
                code: 2031,
                message: WRONG_PASSPHRASE,
            },
            EsignError::Unavailable("HTTP 503".into()),
            EsignError::Malformed("HTTP 200 without a PDF".into()),
        ];
        for error in errors {
            let message = error.officer_message();
            assert!(
                !message.is_empty() && !message.contains("HTTP"),
                "{message}"
            );
        }
    }
}
