//! The short links in SMS texts (`domain::messages::link`): `/l/{n}` opens
//! the tracking page and `/u/{n}` the upload page, with the registration
//! number filled in. Nothing is looked up, so a link tells nobody whether
//! a number exists: the pages behind it ask for the NIK.

use worker::Request;

use super::{redirect, PageResult};
use crate::app::{AppError, Ctx};
use crate::domain::ids::RegistrationNumber;

fn number(raw: &str) -> Result<RegistrationNumber, AppError> {
    RegistrationNumber::parse(raw)
        .map_err(|_| AppError::NotFound("nomor pendaftaran tidak ditemukan".into()))
}

/// `GET /l/{n}`: 303 to `/lacak?nomor=ABCD-EFGHK`.
pub async fn track(_req: Request, _ctx: &Ctx, raw: &str) -> PageResult {
    redirect(&format!("/lacak?nomor={}", number(raw)?.as_str()))
}

/// `GET /u/{n}`: 303 to `/unggah/ABCD-EFGHK`.
pub async fn upload(_req: Request, _ctx: &Ctx, raw: &str) -> PageResult {
    redirect(&format!("/unggah/{}", number(raw)?.as_str()))
}
