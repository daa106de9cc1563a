//! The dashboard of the validator, the head of agency and the administrator,
//! and the CSV export of applications.

use worker::Request;

use super::{error_page, require, PageResult};
use crate::http::error::ApiError;
use crate::http::Ctx;

pub async fn page(req: Request, ctx: &Ctx) -> PageResult {
    let session = match require(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    error_page(&ApiError::NotFound("Dasbor belum tersedia.".into()), Some(session))
}

pub async fn export(req: Request, ctx: &Ctx) -> PageResult {
    let session = match require(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    error_page(&ApiError::NotFound("Ekspor belum tersedia.".into()), Some(session))
}
