//! Requirement-document uploads: who may add a file to which application,
//! what a file must be (JPEG, PNG or PDF by its first bytes, never by the
//! type the browser declares; at most 5 MB; at most 20 per application),
//! and storing it in R2 under a random key. Only staff read them back.

use subtle::ConstantTimeEq;

use super::read::{check_village, not_found};
use super::{limits, objects, AppError, Ctx, Staff};
use crate::domain::hex;
use crate::domain::ids::{Nik, RegistrationNumber};
use crate::domain::roles::Role;
use crate::domain::workflow::Status;
use crate::platform;
use crate::store::applications::{self as applications_store, ApplicationRow};
use crate::store::documents::{self as store, DocumentRow, NewDocument, MAX_PER_APPLICATION};
use crate::store::Timestamp;

/// The largest file accepted: 5 MB.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

/// The longest stored file name, in characters.
const MAX_FILENAME_CHARS: usize = 100;

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
    /// The key of the form this phone sent the application with (its
    /// cookie, a day long): stands in for the NIK on the upload page.
    pub device_key: Option<String>,
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

fn too_large() -> AppError {
    AppError::TooLarge(MAX_FILE_BYTES)
}

/// The field-level message shown for a file over the limit.
pub const TOO_LARGE_MESSAGE: &str = "berkas terlalu besar: maksimal 5 MB per berkas";

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

/// Loads the application and checks that the caller may add to it: staff
/// by role and village; a citizen with the applicant's NIK, as tracking
/// does — the upload counts against the caller's `UPLOAD` limit, a wrong
/// NIK answers like an unknown number and counts against the address
/// (`TRACK_MISS`, shared with tracking: the same secret) and the number
/// (`NUMBER_MISS`), and once either is used up the NIK is not even
/// compared, so a right guess is refused too. `ip` is the abuse key.
/// Instead of the NIK, the phone that sent the application may show the
/// form's key it kept (`device_key`: 128 random bits, its hash written
/// with the application, valid for a day); a key that does not open this
/// application is ignored and the NIK asked for; a NIK typed in wins.
pub async fn authorize_upload(
    ctx: &Ctx,
    staff: Option<&Staff>,
    ip: &str,
    number: &RegistrationNumber,
    nik: Option<&str>,
    device_key: Option<&str>,
) -> Result<ApplicationRow, AppError> {
    if let Some(s) = staff {
        if !may_upload(s.role) {
            return Err(AppError::Forbidden(format!(
                "peran {} tidak mengunggah berkas",
                s.role.code()
            )));
        }
        let app = applications_store::load(&ctx.db, number)
            .await?
            .ok_or_else(|| not_found(number))?;
        check_village(s, &app.village_code)?;
        return Ok(app);
    }
    if let (None, Some(key)) = (nik, device_key.filter(|k| is_form_key(k))) {
        limits::hit(ctx, limits::UPLOAD, ip).await?;
        let since =
            platform::timestamp(ctx.now - chrono::TimeDelta::hours(super::submit::KEY_HOURS));
        let key_hash = platform::sha256_hex(key.as_bytes());
        if applications_store::key_opens(&ctx.db, &key_hash, number.as_str(), &since).await? {
            if let Some(app) = applications_store::load(&ctx.db, number).await? {
                return Ok(app);
            }
        }
    }
    let raw = nik.ok_or_else(|| AppError::invalid("nik", "NIK pemohon wajib diisi"))?;
    let nik = Nik::parse(raw).map_err(|e| AppError::invalid("nik", e.to_string()))?;
    let number_key = limits::number_key(number);
    limits::guard(
        ctx,
        &[
            limits::count(limits::UPLOAD, ip),
            limits::read(limits::TRACK_MISS, ip),
            limits::read(limits::NUMBER_MISS, &number_key),
        ],
    )
    .await?;
    let found = applications_store::load(&ctx.db, number).await?;
    match found
        .filter(|app| bool::from(app.applicant_nik.as_bytes().ct_eq(nik.as_str().as_bytes())))
    {
        Some(app) => Ok(app),
        None => {
            limits::record(
                ctx,
                &[
                    limits::count(limits::TRACK_MISS, ip),
                    limits::count(limits::NUMBER_MISS, &number_key),
                ],
            )
            .await?;
            Err(not_found(number))
        }
    }
}

/// Whether `key` has the shape of the key the application form carries
/// (32 lowercase hex digits): anything else is never looked up.
pub fn is_form_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
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
) -> Result<DocumentRow, AppError> {
    let app = authorize_upload(
        ctx,
        staff,
        ip,
        number,
        form.nik.as_deref(),
        form.device_key.as_deref(),
    )
    .await?;
    if matches!(app.status, Status::Completed | Status::Cancelled) {
        return Err(AppError::Conflict {
            code: "application_closed",
            message: "permohonan sudah selesai atau dibatalkan; berkas tidak dapat ditambahkan"
                .into(),
        });
    }
    let items = app.required_papers(platform::today_wib())?;
    let item = form
        .item
        .ok_or_else(|| AppError::invalid("item", "pilih jenis berkas persyaratan"))?;
    if !items.contains(&item.as_str()) {
        return Err(AppError::invalid(
            "item",
            format!(
                "bukan persyaratan permohonan ini; pilih salah satu: {}",
                items.join(", ")
            ),
        ));
    }
    let file = form
        .file
        .ok_or_else(|| AppError::invalid("file", "pilih berkas yang akan diunggah"))?;
    if file.bytes.is_empty() {
        return Err(AppError::invalid("file", "berkas kosong"));
    }
    if file.bytes.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let content_type = sniff(&file.bytes).ok_or_else(|| {
        AppError::invalid(
            "file",
            "jenis berkas tidak diterima; unggah foto JPEG/PNG atau PDF",
        )
    })?;
    let full = || AppError::Conflict {
        code: "too_many_documents",
        message: format!(
            "permohonan ini sudah memiliki {MAX_PER_APPLICATION} berkas (batas maksimal)"
        ),
    };
    let stored = store::count(&ctx.db, &app.registration_number).await?;
    if stored >= MAX_PER_APPLICATION {
        return Err(full());
    }

    let random =
        platform::random_bytes::<16>().map_err(|e| AppError::internal("document key", e))?;
    let key = format!(
        "applications/{}/{}",
        app.registration_number,
        hex::encode(&random)
    );
    let filename = sanitise_filename(&file.name);
    let sha256 = platform::sha256_hex(&file.bytes);
    let size = file.bytes.len();
    objects::put(ctx, &key, file.bytes, content_type).await?;
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
            objects::forget(ctx, &key).await;
            return match other {
                Err(e) => Err(AppError::internal("insert document", e)),
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
        created_at: Timestamp(ctx.now),
        village_code: Some(app.village_code.clone()),
    })
}

/// The documents of an application, for staff who may see it.
pub async fn list_for_staff(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
) -> Result<(String, Vec<DocumentRow>), AppError> {
    let app = applications_store::load(&ctx.db, number)
        .await?
        .ok_or_else(|| not_found(number))?;
    check_village(staff, &app.village_code)?;
    let docs = store::list(&ctx.db, &app.registration_number).await?;
    Ok((app.registration_number, docs))
}

/// The requirement items an application may receive files for (the upload
/// page's choices): its number as stored and the item codes.
pub async fn upload_items(
    ctx: &Ctx,
    number: &RegistrationNumber,
) -> Result<(String, Vec<&'static str>), AppError> {
    let app = applications_store::load(&ctx.db, number)
        .await?
        .ok_or_else(|| not_found(number))?;
    Ok((
        app.registration_number.clone(),
        app.required_papers(platform::today_wib())?,
    ))
}

/// A citizen's upload from the page: `save`, then — the NIK matched — the
/// files the application now has, which the citizen may see (names only).
pub async fn citizen_upload(
    ctx: &Ctx,
    ip: &str,
    number: &RegistrationNumber,
    form: UploadForm,
) -> Result<(DocumentRow, Vec<DocumentRow>), AppError> {
    let doc = save(ctx, None, ip, number, form).await?;
    let all = store::list(&ctx.db, &doc.registration_number).await?;
    Ok((doc, all))
}

/// A stored file for an officer who may see its application: the row and
/// the object's body. Anyone else, and an unknown id, get the same 404, so
/// a file's URL alone grants nothing; the read is access-logged.
pub async fn open_for_staff(
    ctx: &Ctx,
    staff: &Staff,
    id: i64,
) -> Result<(DocumentRow, worker::ResponseBody), AppError> {
    let gone = || AppError::NotFound("berkas tidak ditemukan".into());
    let doc = store::find(&ctx.db, id).await?.ok_or_else(gone)?;
    if check_village(staff, doc.village_code.as_deref().unwrap_or_default()).is_err() {
        // Another village's file: the same 404 as an unknown id, but the
        // attempt is on the record as a refusal (UU PDP).
        log_download(ctx, staff, &doc.registration_number, true).await?;
        return Err(gone());
    }
    let body = objects::response_body(ctx, &doc.object_key).await?;
    log_download(ctx, staff, &doc.registration_number, false).await?;
    Ok((doc, body))
}

async fn log_download(
    ctx: &Ctx,
    staff: &Staff,
    number: &str,
    refused: bool,
) -> Result<(), AppError> {
    let now = ctx.now_text();
    store::log_download(&ctx.db, staff.id, staff.role.code(), number, &now, refused).await?;
    Ok(())
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
