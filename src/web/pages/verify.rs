//! `/verifikasi`: anyone checks a signed document by the code under its QR
//! code — what it is, whose (name masked), when it was signed and whether
//! it still holds — and, in the browser, whether the PDF they were given is
//! byte for byte the signed file (public/static/verify.js hashes it
//! locally; nothing is uploaded).

use askama::Template;
use worker::Request;

use super::{html, PageResult};
use crate::app::products::{self, Standing, Verification, SIGNER_OFFICE};
use crate::app::{AppError, Ctx};
use crate::domain::time::day_label;
use crate::web::request::query_param;

pub struct Found {
    pub code: String,
    pub label: &'static str,
    pub number_label: &'static str,
    pub document_number: String,
    pub holder: String,
    pub issued_on: String,
    pub signer: &'static str,
    pub sha256: String,
    pub standing: String,
    pub valid: bool,
}

impl From<Verification> for Found {
    fn from(v: Verification) -> Found {
        let (standing, valid) = match &v.standing {
            Standing::Valid => ("Berlaku: dokumen ini sah dan tercatat.".to_string(), true),
            Standing::Replaced { on } => (
                format!(
                    "Diganti: dokumen ini sudah diganti dengan dokumen perbaikan pada {}; gunakan dokumen yang baru.",
                    day_label(*on)
                ),
                false,
            ),
            Standing::Revoked { on } => (
                format!("Dicabut: dokumen ini tidak berlaku sejak {}.", day_label(*on)),
                false,
            ),
        };
        Found {
            code: v.code.to_string(),
            label: v.kind.label(),
            number_label: v.kind.number_label(),
            document_number: v.document_number,
            holder: v.holder,
            issued_on: day_label(v.signed_on),
            signer: SIGNER_OFFICE,
            sha256: v.sha256,
            standing,
            valid,
        }
    }
}

#[derive(Template)]
#[template(path = "verify.html", whitespace = "minimize")]
struct VerifyPage {
    code: String,
    error: Option<String>,
    found: Option<Found>,
}

/// `GET /verifikasi` (`?kode=` from its own form): the form, or the code's
/// page.
pub async fn form(req: Request, ctx: &Ctx) -> PageResult {
    match query_param(&req, "kode")? {
        Some(code) if !code.trim().is_empty() => show(ctx, &code).await,
        _ => html(
            200,
            &VerifyPage {
                code: String::new(),
                error: None,
                found: None,
            },
        ),
    }
}

/// `GET /verifikasi/{code}`: where the QR code leads.
pub async fn page(_req: Request, ctx: &Ctx, code: &str) -> PageResult {
    show(ctx, code).await
}

async fn show(ctx: &Ctx, code: &str) -> PageResult {
    let typed: String = code.chars().take(40).collect();
    let (status, error, found) = match products::verify(ctx, &typed).await {
        Ok(Some(v)) => (200, None, Some(Found::from(v))),
        Ok(None) => (
            404,
            Some("Kode verifikasi tidak terdaftar. Periksa kembali kode pada dokumen; bila benar, dokumen ini tidak diterbitkan melalui PAK POS Online.".to_string()),
            None,
        ),
        Err(AppError::InvalidField(e)) => (422, Some(e.message), None),
        // A typo caught by the check symbol: no such code, say why.
        Err(AppError::NotFound(m)) => (404, Some(m), None),
        Err(e) => return Err(e),
    };
    html(
        status,
        &VerifyPage {
            code: found.as_ref().map(|f| f.code.clone()).unwrap_or(typed),
            error,
            found,
        },
    )
}
