//! The staff side of the documents (steps h–j): production attaches a
//! product's draft from the record page, officers download drafts and
//! signed files, and production prints the cover letter (*surat
//! pengantar*) with each signed document's QR code.

use askama::Template;
use worker::Request;

use super::record::render;
use super::{error_page, html, officer, redirect, PageResult};
use crate::app::products::{self as app, parse_product, Which};
use crate::app::read::{parse_number, staff_record};
use crate::app::{AppError, Ctx};
use crate::web::qr;
use crate::web::request::{draft_form, read_multipart, DRAFT_FIELDS};
use crate::web::response::pdf_response;

/// `POST /staff/applications/{n}/products/{product}/draft` (multipart,
/// with the session's form token).
pub async fn attach_draft(req: Request, ctx: &Ctx, raw_number: &str, product: &str) -> PageResult {
    let session = officer!(&req, ctx);
    let number = parse_number(raw_number)?;
    let kind = parse_product(Some(product))?;
    app::may_attach(&session.staff)?;
    let form = read_multipart(req, app::MAX_PDF_BYTES, &DRAFT_FIELDS).await?;
    let token = form.field("csrf").unwrap_or_default();
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        token.as_bytes(),
        session.csrf.as_bytes(),
    )) {
        return Err(AppError::Forbidden(
            "token formulir tidak valid; muat ulang halaman lalu coba lagi".into(),
        ));
    }
    let mut draft = draft_form(form)?;
    draft.product = Some(kind.code().to_string());
    match app::attach_draft(ctx, &session.staff, &number, draft).await {
        Ok(_) => redirect(&format!(
            "/staff/applications/{}?done=attach_draft#dokumen",
            number.as_str()
        )),
        Err(AppError::InvalidField(e)) => {
            let message = format!("Draf {} belum dilampirkan: {}", kind.label(), e.message);
            render(ctx, session, &number, None, Some(message), 422).await
        }
        Err(AppError::TooLarge(_)) => {
            let message = format!(
                "Draf {} belum dilampirkan: berkas lebih dari 10 MB",
                kind.label()
            );
            render(ctx, session, &number, None, Some(message), 413).await
        }
        Err(e @ AppError::Conflict { .. }) => {
            let message = format!("Tidak ada yang diubah: {e}");
            render(ctx, session, &number, None, Some(message), 409).await
        }
        Err(e) => error_page(&e, Some(session)),
    }
}

/// `GET /staff/applications/{n}/products/{product}/draft`.
pub async fn draft(req: Request, ctx: &Ctx, raw_number: &str, product: &str) -> PageResult {
    download(req, ctx, raw_number, product, Which::Draft).await
}

/// `GET /staff/applications/{n}/products/{product}/signed`.
pub async fn signed(req: Request, ctx: &Ctx, raw_number: &str, product: &str) -> PageResult {
    download(req, ctx, raw_number, product, Which::Signed).await
}

async fn download(
    req: Request,
    ctx: &Ctx,
    raw_number: &str,
    product: &str,
    which: Which,
) -> PageResult {
    let gone = || AppError::NotFound("berkas tidak ditemukan".into());
    let staff = super::uploads::downloader(&req, ctx)
        .await
        .ok_or_else(gone)?;
    let number = parse_number(raw_number).map_err(|_| gone())?;
    let kind = parse_product(Some(product)).map_err(|_| gone())?;
    let (name, body) = app::open(ctx, &staff, &number, kind, which).await?;
    pdf_response(&name, body)
}

pub struct Letter {
    pub label: &'static str,
    pub number_label: &'static str,
    pub document_number: String,
    pub code: String,
    pub url: String,
    pub qr: String,
}

#[derive(Template)]
#[template(path = "cover_letter.html", whitespace = "minimize")]
struct CoverLetter {
    number: String,
    name: String,
    address: String,
    village: String,
    delivery: &'static str,
    letters: Vec<Letter>,
    base_url: String,
}

/// `GET /staff/applications/{n}/surat-pengantar`: one printable page per
/// application listing each signed document with its verification code and
/// QR code, to go with the posted or collected documents.
pub async fn cover_letter(req: Request, ctx: &Ctx, raw_number: &str) -> PageResult {
    let session = officer!(&req, ctx);
    let number = parse_number(raw_number)?;
    let record = staff_record(ctx, &session.staff, &number).await?;
    let a = &record.application;
    let base_url = ctx.public_base_url();
    let mut letters = Vec::new();
    for p in a.products()? {
        let (Some(code), Some(document_number)) = (p.signed, p.document_number) else {
            continue;
        };
        let url = format!("{base_url}/verifikasi/{code}");
        let label = format!("Kode QR verifikasi {}", p.kind.label());
        let qr = qr::svg(&url, &label).unwrap_or_default();
        letters.push(Letter {
            label: p.kind.label(),
            number_label: p.kind.number_label(),
            document_number,
            code: code.to_string(),
            url,
            qr,
        });
    }
    if letters.is_empty() {
        return Err(AppError::Conflict {
            code: "not_signed",
            message: "belum ada dokumen yang ditandatangani untuk permohonan ini".into(),
        });
    }
    html(
        200,
        &CoverLetter {
            number: a.registration_number.clone(),
            name: a.applicant_name.clone(),
            address: a
                .delivery_address
                .clone()
                .unwrap_or_else(|| a.applicant_address.clone()),
            village: format!(
                "{}, Kec. {}",
                a.village_name.clone().unwrap_or_default(),
                a.kecamatan_name.clone().unwrap_or_default()
            ),
            delivery: a.delivery_method.label(),
            letters,
            base_url,
        },
    )
}
