//! `/cetak/{token}`: cetak mandiri, the citizen's side (see
//! `crate::app::self_print`). The link from the SMS asks for the NIK, the
//! code from the next SMS opens the downloads (a cookie of its own, 30
//! minutes, this site only), and an expired link can be renewed. No
//! JavaScript needed; nothing personal in any URL.

use askama::Template;
use worker::Request;

use super::{html, redirect_with_cookie, PageResult};
use crate::app::products::parse_product;
use crate::app::self_print::{self as app, LinkState};
use crate::app::{AppError, Ctx};
use crate::web::qr;
use crate::web::request::{abuse_key, cookies, read_form, Body};
use crate::web::response::pdf_response;

/// The download session's cookie.
const COOKIE: &str = "__Host-pakpos-unduh";

pub struct Offered {
    pub product: &'static str,
    pub label: &'static str,
    pub number_label: &'static str,
    pub document_number: String,
    pub code: String,
    pub qr: String,
}

#[derive(Template, Default)]
#[template(path = "self_print.html", whitespace = "minimize")]
struct SelfPrintPage {
    token: String,
    /// `nik`, `kode`, `dokumen`, `kedaluwarsa` or `terkirim`.
    stage: &'static str,
    error: Option<String>,
    error_field: &'static str,
    notice: Option<String>,
    documents: Vec<Offered>,
}

impl SelfPrintPage {
    fn new(token: &str, stage: &'static str) -> SelfPrintPage {
        SelfPrintPage {
            token: token.to_string(),
            stage,
            ..Default::default()
        }
    }

    /// The same page again with what went wrong, linked to its field.
    fn failed(mut self, e: &AppError) -> Result<(u16, SelfPrintPage), AppError> {
        let (field, message) = match e {
            AppError::InvalidField(f) => (f.field.clone(), f.message.clone()),
            AppError::TooManyAttempts(t) => (t.field.unwrap_or("nik").to_string(), e.to_string()),
            AppError::Conflict { .. } => {
                self.stage = "kedaluwarsa";
                ("nik".into(), e.to_string())
            }
            AppError::Forbidden(_) => {
                self.stage = "nik";
                ("nik".into(), e.to_string())
            }
            _ => return Err(clone_error(e)),
        };
        self.error_field = if field == "kode" { "kode" } else { "nik" };
        self.error = Some(capitalise(&message));
        Ok((e.status(), self))
    }
}

fn clone_error(e: &AppError) -> AppError {
    match e {
        AppError::NotFound(m) => AppError::NotFound(m.clone()),
        other => AppError::Malformed(other.to_string()),
    }
}

/// The text with its first letter upper-case: ASCII only (the messages
/// are ours, in Indonesian), so the Worker carries no Unicode case tables
/// (`str::to_uppercase` and friends cost 17 KB of gzipped wasm).
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn render(result: Result<(u16, SelfPrintPage), AppError>) -> PageResult {
    let (status, page) = result?;
    html(status, &page)
}

/// `GET /cetak/{token}`: the NIK form, or the renewal form of an expired link.
pub async fn page(_req: Request, ctx: &Ctx, token: &str) -> PageResult {
    let (_, state) = app::link(ctx, token).await?;
    let stage = match state {
        LinkState::Open(_) => "nik",
        LinkState::Expired(_) => "kedaluwarsa",
    };
    html(200, &SelfPrintPage::new(token, stage))
}

/// `POST /cetak/{token}` (`nik`): sends the one-time code.
pub async fn send_code(mut req: Request, ctx: &Ctx, token: &str) -> PageResult {
    let form = read_form(&mut req, Body::PublicForm).await?;
    let nik = form.get("nik").unwrap_or_default().trim().to_string();
    let page = SelfPrintPage::new(token, "nik");
    render(
        match app::send_code(ctx, &abuse_key(&req), token, &nik).await {
            Ok(()) => Ok((200, SelfPrintPage::new(token, "kode"))),
            Err(e) => page.failed(&e),
        },
    )
}

/// `POST /cetak/{token}/kode` (`kode`): the right code opens the downloads.
pub async fn verify_code(mut req: Request, ctx: &Ctx, token: &str) -> PageResult {
    let form = read_form(&mut req, Body::PublicForm).await?;
    let typed = form.get("kode").unwrap_or_default().to_string();
    match app::verify_code(ctx, token, &typed).await {
        Ok(session) => {
            let cookie = format!(
                "{COOKIE}={session}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=1800"
            );
            redirect_with_cookie(&format!("/cetak/{token}/dokumen"), Some(&cookie))
        }
        Err(e) => render(SelfPrintPage::new(token, "kode").failed(&e)),
    }
}

/// `GET /cetak/{token}/dokumen`: the signed documents, each with its QR code.
pub async fn documents(req: Request, ctx: &Ctx, token: &str) -> PageResult {
    let session = cookies(&req).remove(COOKIE);
    let base = ctx.public_base_url();
    match app::offered(ctx, token, session.as_deref()).await {
        Ok((_, list)) => {
            let mut page = SelfPrintPage::new(token, "dokumen");
            page.documents = list
                .into_iter()
                .map(|d| {
                    let url = format!("{base}/verifikasi/{}", d.code);
                    let label = format!("Kode QR verifikasi {}", d.kind.label());
                    Offered {
                        product: d.kind.code(),
                        label: d.kind.label(),
                        number_label: d.kind.number_label(),
                        document_number: d.document_number,
                        qr: qr::svg(&url, &label).unwrap_or_default(),
                        code: d.code,
                    }
                })
                .collect();
            html(200, &page)
        }
        Err(e) => render(SelfPrintPage::new(token, "nik").failed(&e)),
    }
}

/// `GET /cetak/{token}/dokumen/{product}`: one signed PDF.
pub async fn download(req: Request, ctx: &Ctx, token: &str, product: &str) -> PageResult {
    let session = cookies(&req).remove(COOKIE);
    let kind = parse_product(Some(product))
        .map_err(|_| AppError::NotFound("dokumen tidak ditemukan".into()))?;
    match app::download(ctx, token, session.as_deref(), kind).await {
        Ok((name, body)) => pdf_response(&name, body),
        Err(e) => render(SelfPrintPage::new(token, "nik").failed(&e)),
    }
}

/// `POST /cetak/{token}/baru` (`nik`): a new link by SMS.
pub async fn renew(mut req: Request, ctx: &Ctx, token: &str) -> PageResult {
    let form = read_form(&mut req, Body::PublicForm).await?;
    let nik = form.get("nik").unwrap_or_default().trim().to_string();
    render(match app::renew(ctx, &abuse_key(&req), token, &nik).await {
        Ok(()) => Ok((200, SelfPrintPage::new(token, "terkirim"))),
        Err(e) => SelfPrintPage::new(token, "kedaluwarsa").failed(&e),
    })
}
