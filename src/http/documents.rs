//! Requirement-document uploads: `POST /api/v1/applications/{n}/documents`
//! (the citizen with their NIK, a village operator for their own village, or
//! an officer) and `GET` of the list for staff. The upload page `/unggah/{n}`
//! saves through the same `save`. A file is accepted by its first bytes
//! (JPEG, PNG or PDF), never by the type the browser declares; it goes to R2
//! under a random key, and only `GET /documents/{id}` (src/ui/uploads.rs)
//! hands it out, to staff.

use serde_json::{json as j, Value};
use subtle::ConstantTimeEq;
use worker::{FormEntry, HttpMetadata, Method, Request};

use super::applications::{check_village, not_found, parse_number};
use super::auth::{client_ip, optional_staff, require_staff};
use super::error::ApiError;
use super::{json, limits, ApiResult, Ctx, Staff};
use crate::domain::ids::{Nik, RegistrationNumber};
use crate::domain::roles::Role;
use crate::domain::services::{required_items, requirement_label};
use crate::platform;
use crate::store::applications::{self as applications_store, ApplicationRow};
use crate::store::documents::{self as store, DocumentRow, NewDocument, MAX_PER_APPLICATION};

/// The largest file accepted: 5 MB.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Room for the multipart framing and the small fields around the file.
const MAX_FORM_OVERHEAD: usize = 64 * 1024;
/// The longest stored file name, in characters.
const MAX_FILENAME_CHARS: usize = 100;
/// The R2 binding.
pub const BUCKET: &str = "DOCUMENTS";

/// Routes this area's API calls; `None` when the path is not theirs.
pub async fn route(
    req: Request,
    ctx: &Ctx,
    method: &Method,
    segments: &[&str],
) -> Option<ApiResult> {
    let result = match (method, segments) {
        (Method::Post, ["api", "v1", "applications", number, "documents"]) => {
            upload(req, ctx, number).await
        }
        (Method::Get, ["api", "v1", "applications", number, "documents"]) => {
            list(req, ctx, number).await
        }
        (_, ["api", "v1", "applications", _, "documents"]) => {
            Err(ApiError::MethodNotAllowed(method.to_string()))
        }
        _ => return None,
    };
    Some(result)
}

/// A file as received, before any check.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The fields of an upload form. Absent fields are `None`; `save` says which
/// one is missing.
#[derive(Default)]
pub struct UploadForm {
    pub nik: Option<String>,
    pub item: Option<String>,
    pub file: Option<Upload>,
}

/// What the type of a file is by its first bytes, if it is one we take.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// A file name safe to store and to put in a header: the last path part,
/// letters, digits, `.`, `-`, `_` and spaces only, at most 100 characters.
pub fn sanitise_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let name: String = trimmed.chars().take(MAX_FILENAME_CHARS).collect();
    if name.is_empty() {
        "berkas".into()
    } else {
        name
    }
}

fn too_large() -> ApiError {
    ApiError::TooLarge(MAX_FILE_BYTES)
}

/// The field-level message shown for a file over the limit.
pub const TOO_LARGE_MESSAGE: &str = "berkas terlalu besar: maksimal 5 MB per berkas";

/// Reads a multipart upload form, refusing an oversized body before reading it.
pub async fn read_form(mut req: Request) -> Result<UploadForm, ApiError> {
    if let Ok(Some(len)) = req.headers().get("Content-Length") {
        if len
            .trim()
            .parse::<usize>()
            .is_ok_and(|n| n > MAX_FILE_BYTES + MAX_FORM_OVERHEAD)
        {
            return Err(too_large());
        }
    }
    let content_type = req
        .headers()
        .get("Content-Type")
        .ok()
        .flatten()
        .unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(ApiError::Malformed(
            "kirim sebagai multipart/form-data dengan kolom item dan file".into(),
        ));
    }
    let form = req
        .form_data()
        .await
        .map_err(|e| ApiError::Malformed(format!("formulir unggahan tidak terbaca: {e}")))?;
    let field = |name: &str| match form.get(name) {
        Some(FormEntry::Field(v)) => Some(v.trim().to_string()).filter(|v| !v.is_empty()),
        _ => None,
    };
    let mut out = UploadForm {
        nik: field("nik"),
        item: field("item"),
        file: None,
    };
    if let Some(FormEntry::File(f)) = form.get("file") {
        if f.size() > MAX_FILE_BYTES {
            return Err(too_large());
        }
        let bytes = f
            .bytes()
            .await
            .map_err(|e| ApiError::Malformed(format!("berkas tidak terbaca: {e}")))?;
        if !(f.name().is_empty() && bytes.is_empty()) {
            out.file = Some(Upload {
                name: f.name(),
                bytes,
            });
        }
    }
    Ok(out)
}

/// Staff roles that may add documents to an application.
fn may_upload(role: Role) -> bool {
    matches!(
        role,
        Role::VillageOperator
            | Role::FrontOffice
            | Role::PickupCounter
            | Role::Production
            | Role::Validator
    )
}

/// Loads the application and checks that the caller may add to it: the
/// citizen proves it with the applicant's NIK (a wrong one answers like an
/// unknown number, and every such miss counts against `TRACK_MISS` for the
/// caller's address, as tracking does), staff by role and village.
pub async fn authorize_upload(
    ctx: &Ctx,
    staff: Option<&Staff>,
    ip: &str,
    number: &RegistrationNumber,
    nik: Option<&str>,
) -> Result<ApplicationRow, ApiError> {
    if let Some(s) = staff {
        if !may_upload(s.role) {
            return Err(ApiError::Forbidden(format!(
                "peran {} tidak mengunggah berkas",
                s.role.code()
            )));
        }
    }
    let nik = match staff {
        Some(_) => None,
        None => {
            let raw = nik.ok_or_else(|| ApiError::invalid("nik", "NIK pemohon wajib diisi"))?;
            Some(Nik::parse(raw).map_err(|e| ApiError::invalid("nik", e.to_string()))?)
        }
    };
    let found = applications_store::load(&ctx.db, number)
        .await
        .map_err(|e| ApiError::internal("load application", e))?;
    match (staff, nik) {
        (Some(s), _) => {
            let app = found.ok_or_else(|| not_found(number))?;
            check_village(s, &app.village_code)?;
            Ok(app)
        }
        (None, nik) => {
            let matched = found.filter(|app| {
                nik.as_ref().is_some_and(|n| {
                    bool::from(app.applicant_nik.as_bytes().ct_eq(n.as_str().as_bytes()))
                })
            });
            match matched {
                Some(app) => Ok(app),
                None => {
                    limits::hit(ctx, limits::TRACK_MISS, &format!("upload:{ip}")).await?;
                    Err(not_found(number))
                }
            }
        }
    }
}

/// Checks and stores one upload: the application must be open, the item one
/// of its requirements, the file a JPEG, PNG or PDF of at most 5 MB, and the
/// application under its 20 files. R2 first, then the row; a row refused by
/// the limit removes its object again.
/// `ip` is the caller's address, for the limit on wrong NIKs.
pub async fn save(
    ctx: &Ctx,
    staff: Option<&Staff>,
    ip: &str,
    number: &RegistrationNumber,
    form: UploadForm,
) -> Result<DocumentRow, ApiError> {
    let app = authorize_upload(ctx, staff, ip, number, form.nik.as_deref()).await?;
    if matches!(app.status.as_str(), "completed" | "cancelled") {
        return Err(ApiError::Conflict {
            code: "application_closed",
            message: "permohonan sudah selesai atau dibatalkan; berkas tidak dapat ditambahkan"
                .into(),
        });
    }
    let items = required_items(&app.service_list());
    let item = form
        .item
        .ok_or_else(|| ApiError::invalid("item", "pilih jenis berkas persyaratan"))?;
    if !items.contains(&item.as_str()) {
        return Err(ApiError::invalid(
            "item",
            format!(
                "bukan persyaratan permohonan ini; pilih salah satu: {}",
                items.join(", ")
            ),
        ));
    }
    let file = form
        .file
        .ok_or_else(|| ApiError::invalid("file", "pilih berkas yang akan diunggah"))?;
    if file.bytes.is_empty() {
        return Err(ApiError::invalid("file", "berkas kosong"));
    }
    if file.bytes.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let content_type = sniff(&file.bytes).ok_or_else(|| {
        ApiError::invalid(
            "file",
            "jenis berkas tidak diterima; unggah foto JPEG/PNG atau PDF",
        )
    })?;
    let full = || ApiError::Conflict {
        code: "too_many_documents",
        message: format!(
            "permohonan ini sudah memiliki {MAX_PER_APPLICATION} berkas (batas maksimal)"
        ),
    };
    let stored = store::count(&ctx.db, &app.registration_number)
        .await
        .map_err(|e| ApiError::internal("count documents", e))?;
    if stored >= MAX_PER_APPLICATION {
        return Err(full());
    }

    let random =
        platform::random_bytes::<16>().map_err(|e| ApiError::internal("document key", e))?;
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let key = format!("applications/{}/{hex}", app.registration_number);
    let filename = sanitise_filename(&file.name);
    let sha256 = platform::sha256_hex(&file.bytes);
    let size = file.bytes.len();
    let bucket = ctx
        .env
        .bucket(BUCKET)
        .map_err(|e| ApiError::internal("R2 binding", e))?;
    bucket
        .put(key.clone(), file.bytes)
        .http_metadata(HttpMetadata {
            content_type: Some(content_type.into()),
            ..Default::default()
        })
        .execute()
        .await
        .map_err(|e| ApiError::internal("R2 put", e))?;
    let now = ctx.now_text();
    let row = NewDocument {
        registration_number: &app.registration_number,
        item: &item,
        object_key: &key,
        filename: &filename,
        content_type,
        size: size as i64,
        sha256: &sha256,
        uploaded_by: staff.map(|s| s.id),
        created_at: &now,
    };
    let inserted = store::insert(&ctx.db, &row).await;
    let id = match inserted {
        Ok(Some(id)) => id,
        other => {
            // Nothing refers to the object: take it back out of R2.
            if let Err(e) = bucket.delete(key.clone()).await {
                worker::console_error!("R2 delete after refused insert failed: {}", e);
            }
            return match other {
                Err(e) => Err(ApiError::internal("insert document", e)),
                _ => Err(full()),
            };
        }
    };
    Ok(DocumentRow {
        id,
        registration_number: app.registration_number.clone(),
        item,
        object_key: key,
        filename,
        content_type: content_type.into(),
        size: size as i64,
        sha256,
        uploaded_by: staff.map(|s| s.id),
        created_at: now,
        village_code: Some(app.village_code.clone()),
    })
}

/// `POST /api/v1/applications/{n}/documents` (multipart: `item`, `file`, and
/// `nik` for a citizen).
pub async fn upload(req: Request, ctx: &Ctx, raw_number: &str) -> ApiResult {
    let number = parse_number(raw_number)?;
    let staff = optional_staff(&req, ctx).await?;
    let ip = client_ip(&req);
    if staff.is_none() {
        limits::hit(ctx, limits::UPLOAD, &ip).await?;
    }
    let form = read_form(req).await?;
    let doc = save(ctx, staff.as_ref(), &ip, &number, form).await?;
    json(
        201,
        &j!({"id": doc.id, "item": doc.item, "filename": doc.filename, "content_type": doc.content_type, "size": doc.size}),
    )
}

/// `GET /api/v1/applications/{n}/documents`: staff who may see the application.
pub async fn list(req: Request, ctx: &Ctx, raw_number: &str) -> ApiResult {
    let number = parse_number(raw_number)?;
    let staff = require_staff(&req, ctx).await?;
    let app = applications_store::load(&ctx.db, &number)
        .await
        .map_err(|e| ApiError::internal("load application", e))?
        .ok_or_else(|| not_found(&number))?;
    check_village(&staff, &app.village_code)?;
    let docs = store::list(&ctx.db, &app.registration_number)
        .await
        .map_err(|e| ApiError::internal("list documents", e))?;
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
        &j!({"registration_number": app.registration_number, "documents": documents}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_their_first_bytes_not_their_name() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"hello, I am text.png"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn file_names_lose_paths_and_odd_characters_and_stay_short() {
        assert_eq!(
            sanitise_filename("C:\\Users\\sri\\KK asli.pdf"),
            "KK asli.pdf"
        );
        assert_eq!(sanitise_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitise_filename("\"a\";b<c>.png"), "_a__b_c_.png");
        assert_eq!(sanitise_filename("..."), "berkas");
        assert_eq!(sanitise_filename(&"x".repeat(300)).len(), 100);
    }
}
