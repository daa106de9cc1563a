//! The citizen's upload page (`/unggah/{n}`: NIK, requirement item, file;
//! works without JavaScript) and the staff-only download of a stored file
//! (`/documents/{id}`). The page saves through `app::documents::save`, the
//! same path as the API. A download needs a signed-in officer allowed to see
//! the application (bearer token or the staff cookie) and is written to the
//! access log; anyone else gets 404, so a URL alone grants nothing.

use askama::Template;
use worker::{Headers, Request, Response};

use super::{html, session, PageResult};
use crate::app::documents::{
    citizen_upload, is_form_key, open_for_staff, upload_items, TOO_LARGE_MESSAGE,
};
use crate::app::submit::KEY_HOURS;
use crate::app::{AppError, Ctx, Staff};
use crate::domain::ids::RegistrationNumber;
use crate::domain::services::requirement_label;
use crate::web::request::{abuse_key, cookies, optional_staff, read_upload, same_site_form};

#[derive(Template, Default)]
#[template(path = "upload.html", whitespace = "minimize")]
struct UploadPage {
    number: String,
    /// (code, label) of each required item.
    items: Vec<(String, String)>,
    selected: String,
    nik: String,
    notice: Option<String>,
    error: Option<String>,
    nik_error: Option<String>,
    item_error: Option<String>,
    file_error: Option<String>,
    /// (label, file name) of what is already uploaded: shown only after the NIK matched.
    uploaded: Vec<(String, String)>,
    /// The papers not uploaded yet (known once the NIK was checked).
    missing: Vec<String>,
    /// This phone sent the application (its form's key is in a cookie): no
    /// NIK asked, unless the key turns out not to open it.
    known_phone: bool,
}

impl UploadPage {
    fn has_errors(&self) -> bool {
        self.error.is_some()
            || self.nik_error.is_some()
            || self.item_error.is_some()
            || self.file_error.is_some()
    }
}

fn parse_number(raw: &str) -> Result<RegistrationNumber, AppError> {
    RegistrationNumber::parse(raw)
        .map_err(|_| AppError::NotFound("nomor pendaftaran tidak ditemukan".into()))
}

/// The cookie the application form leaves on the phone that sent it: the
/// form's key, under the application's number, for as long as the key
/// opens the upload (`KEY_HOURS`).
pub fn device_cookie(number: &str, key: &str) -> String {
    format!(
        "{}={key}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={}",
        cookie_name(number),
        KEY_HOURS * 3600
    )
}

fn cookie_name(number: &str) -> String {
    format!("__Host-kunci-{number}")
}

/// The form's key this phone kept for `number`, if it has that shape.
fn device_key(req: &Request, number: &str) -> Option<String> {
    cookies(req)
        .remove(&cookie_name(number))
        .filter(|k| is_form_key(k))
}

fn label(code: &str) -> String {
    requirement_label(code).unwrap_or(code).to_string()
}

/// The page for an application, with its required items.
async fn blank(ctx: &Ctx, number: &RegistrationNumber) -> Result<UploadPage, AppError> {
    let (registration_number, items) = upload_items(ctx, number).await?;
    let items = items
        .into_iter()
        .map(|c| (c.to_string(), label(c)))
        .collect();
    Ok(UploadPage {
        number: registration_number,
        items,
        ..Default::default()
    })
}

pub async fn page(req: Request, ctx: &Ctx, raw: &str) -> PageResult {
    let number = parse_number(raw)?;
    let mut page = blank(ctx, &number).await?;
    page.known_phone = device_key(&req, number.as_str()).is_some();
    html(200, &page)
}

pub async fn submit(req: Request, ctx: &Ctx, raw: &str) -> PageResult {
    // Before anything is looked up or counted: only our own page posts here.
    same_site_form(&req)?;
    let number = parse_number(raw)?;
    let mut page = blank(ctx, &number).await?;
    let ip = abuse_key(&req);
    let key = device_key(&req, number.as_str());
    page.known_phone = key.is_some();
    let mut form = match read_upload(req).await {
        Ok(f) => f,
        Err(e) => {
            show_error(&mut page, &e);
            return html(e.status(), &page);
        }
    };
    form.device_key = key;
    page.nik = form.nik.clone().unwrap_or_default();
    page.selected = form.item.clone().unwrap_or_default();
    let nik = form.nik.clone();
    match citizen_upload(ctx, &ip, &number, form).await {
        Ok((doc, docs)) => {
            page.notice = Some(format!(
                "Berkas \"{}\" untuk {} berhasil diunggah.",
                doc.filename,
                label(&doc.item)
            ));
            // The NIK matched: the citizen may see what has been uploaded (names only).
            page.uploaded = docs
                .iter()
                .map(|d| (label(&d.item), d.filename.clone()))
                .collect();
            page.missing = page
                .items
                .iter()
                .filter(|(code, _)| !docs.iter().any(|d| &d.item == code))
                .map(|(_, name)| name.clone())
                .collect();
            page.selected.clear();
            html(200, &page)
        }
        Err(e) => {
            if nik.is_some() && matches!(e, AppError::NotFound(_)) {
                page.nik_error =
                    Some("NIK tidak cocok dengan pemohon nomor pendaftaran ini".into());
            } else {
                show_error(&mut page, &e);
            }
            // Asked for the NIK after all (the kept key did not open it).
            page.known_phone &= page.nik_error.is_none();
            html(e.status(), &page)
        }
    }
}

/// Puts an error next to its field, or above the form.
fn show_error(page: &mut UploadPage, e: &AppError) {
    let text = match e {
        AppError::InvalidField(f) => Some((f.field.as_str(), f.message.clone())),
        AppError::TooLarge(_) => Some(("file", TOO_LARGE_MESSAGE.to_string())),
        _ => None,
    };
    match text {
        Some(("nik", m)) => page.nik_error = Some(m),
        Some(("item", m)) => page.item_error = Some(m),
        Some(("file", m)) => page.file_error = Some(m),
        _ => page.error = Some(e.to_string()),
    }
}

/// The officer of a download: bearer first, then the staff cookie. Any
/// failure is "nobody".
pub(super) async fn downloader(req: &Request, ctx: &Ctx) -> Option<Staff> {
    if let Ok(Some(staff)) = optional_staff(req, ctx).await {
        return Some(staff);
    }
    session(req, ctx).await.ok().map(|s| s.staff)
}

/// `GET /documents/{id}`.
pub async fn download(req: Request, ctx: &Ctx, raw_id: &str) -> PageResult {
    let gone = || AppError::NotFound("berkas tidak ditemukan".into());
    let id: i64 = raw_id.parse().map_err(|_| gone())?;
    let staff = downloader(&req, ctx).await.ok_or_else(gone)?;
    let (doc, body) = open_for_staff(ctx, &staff, id).await?;
    let disposition = if doc.content_type == "application/pdf" {
        "attachment"
    } else {
        "inline"
    };
    let headers = Headers::new();
    for (k, v) in [
        ("Content-Type", doc.content_type.as_str()),
        (
            "Content-Disposition",
            &format!("{disposition}; filename=\"{}\"", doc.filename),
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "private, no-store"),
        ("Content-Security-Policy", "default-src 'none'; sandbox"),
        ("Referrer-Policy", "no-referrer"),
    ] {
        headers
            .set(k, v)
            .map_err(|e| AppError::internal("header", e))?;
    }
    Ok(Response::from_body(body)
        .map_err(|e| AppError::internal("response", e))?
        .with_headers(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oversized_file_is_reported_next_to_the_file_field() {
        let mut page = UploadPage::default();
        show_error(&mut page, &AppError::TooLarge(1));
        assert_eq!(page.file_error.as_deref(), Some(TOO_LARGE_MESSAGE));
        show_error(&mut page, &AppError::invalid("item", "salah"));
        assert_eq!(page.item_error.as_deref(), Some("salah"));
        assert!(page.error.is_none());
    }
}
