//! The documents of an application (steps h–j): production's draft upload,
//! staff downloads of drafts and signed files, and the public verification
//! of a signed file by its code. Signing itself is the `sign` action
//! (`POST …/actions`), which carries the passphrase to the provider.

use serde_json::json as j;
use worker::Request;

use crate::app::auth::staff_and_application;
use crate::app::products::{self, parse_product, Standing, Which};
use crate::app::read::parse_number;
use crate::app::{AppError, Ctx};
use crate::web::api::applications::step_json;
use crate::web::request::{bearer_token, optional_staff, read_draft};
use crate::web::response::{json, pdf_response, WebResult};

/// `POST /api/v1/applications/{n}/products/{product}/draft` (multipart:
/// `document_number`, `file` — the PDF exported from SIAK — and optional
/// `expected_version`): production, in production. Two round trips, as a
/// step: the session and the application in one batch, then the write.
pub async fn attach_draft(req: Request, ctx: &Ctx, raw_number: &str, product: &str) -> WebResult {
    let number = parse_number(raw_number)?;
    let kind = parse_product(Some(product))?;
    let token = bearer_token(&req).ok_or(AppError::Unauthenticated)?;
    let (staff, row) = staff_and_application(ctx, &token, &number).await?;
    let staff = staff.ok_or(AppError::Unauthenticated)?;
    products::may_attach(&staff)?;
    let mut form = read_draft(req).await?;
    form.product = Some(kind.code().to_string());
    let (transition, now) = products::attach_draft_on(ctx, &staff, &number, row, form).await?;
    step_json(&transition, &now)
}

/// `GET …/products/{product}/draft`: the draft PDF, for staff who may see
/// the application.
pub async fn draft(req: Request, ctx: &Ctx, raw_number: &str, product: &str) -> WebResult {
    download(req, ctx, raw_number, product, Which::Draft).await
}

/// `GET …/products/{product}/signed`: the current signed PDF.
pub async fn signed(req: Request, ctx: &Ctx, raw_number: &str, product: &str) -> WebResult {
    download(req, ctx, raw_number, product, Which::Signed).await
}

async fn download(
    req: Request,
    ctx: &Ctx,
    raw_number: &str,
    product: &str,
    which: Which,
) -> WebResult {
    // Like /documents/{id}: without a session the answer is the same 404
    // as for a file that does not exist, so a URL alone tells nothing.
    let gone = || AppError::NotFound("berkas tidak ditemukan".into());
    let staff = optional_staff(&req, ctx).await?.ok_or_else(gone)?;
    let number = parse_number(raw_number).map_err(|_| gone())?;
    let kind = parse_product(Some(product)).map_err(|_| gone())?;
    let (name, body) = products::open(ctx, &staff, &number, kind, which).await?;
    pdf_response(&name, body)
}

/// `GET /api/v1/verifications/{code}`: what `/verifikasi/{code}` shows, as
/// JSON (public; no personal data beyond the masked holder name).
pub async fn verification(_req: Request, ctx: &Ctx, code: &str) -> WebResult {
    let v = products::verify(ctx, code)
        .await?
        .ok_or_else(|| AppError::NotFound("kode verifikasi tidak terdaftar".into()))?;
    let (status, since) = match &v.standing {
        Standing::Valid => ("valid", None),
        Standing::Replaced { on } => ("replaced", Some(on.to_string())),
        Standing::Revoked { on } => ("revoked", Some(on.to_string())),
    };
    json(
        200,
        &j!({
            "verification_code": v.code.as_str(),
            "product": v.kind.code(),
            "label": v.kind.label(),
            "document_number": v.document_number,
            "holder": v.holder,
            "issued_on": v.signed_on.to_string(),
            "signed_by": products::SIGNER_OFFICE,
            "status": status,
            "status_since": since,
            "sha256": v.sha256,
        }),
    )
}
