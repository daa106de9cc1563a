//! `POST /api/v1/applications/{n}/documents` (the citizen with their NIK, a
//! village operator for their own village, or an officer) and `GET` of the
//! list for staff. The checks are `crate::app::documents`'; the upload page
//! `/unggah/{n}` saves through the same `save`, and only `GET
//! /documents/{id}` hands a file out, to staff.

use serde_json::{json as j, Value};
use worker::Request;

use crate::app::documents::{list_for_staff, save};
use crate::app::read::parse_number;
use crate::app::Ctx;
use crate::domain::services::requirement_label;
use crate::web::request::{abuse_key, optional_staff, read_upload, require_staff};
use crate::web::response::{json, WebResult};

/// `POST /api/v1/applications/{n}/documents` (multipart: `item`, `file`, and
/// `nik` for a citizen).
pub async fn upload(req: Request, ctx: &Ctx, raw_number: &str) -> WebResult {
    let number = parse_number(raw_number)?;
    let staff = optional_staff(&req, ctx).await?;
    let ip = abuse_key(&req);
    let form = read_upload(req).await?;
    let doc = save(ctx, staff.as_ref(), &ip, &number, form).await?;
    json(
        201,
        &j!({"id": doc.id, "item": doc.item, "filename": doc.filename, "content_type": doc.content_type, "size": doc.size}),
    )
}

/// `GET /api/v1/applications/{n}/documents`: staff who may see the application.
pub async fn list(req: Request, ctx: &Ctx, raw_number: &str) -> WebResult {
    let number = parse_number(raw_number)?;
    let staff = require_staff(&req, ctx).await?;
    let (registration_number, docs) = list_for_staff(ctx, &staff, &number).await?;
    let documents: Vec<Value> = docs
        .iter()
        .map(|d| {
            j!({"id": d.id, "item": d.item, "label": requirement_label(&d.item), "filename": d.filename,
                "content_type": d.content_type, "size": d.size, "sha256": d.sha256,
                "uploaded_by": d.uploaded_by, "created_at": d.created_at, "url": format!("/documents/{}", d.id)})
        })
        .collect();
    json(
        200,
        &j!({"registration_number": registration_number, "documents": documents}),
    )
}
