//! Administration: staff accounts and sessions.

use worker::Request;

use super::{error_page, require, PageResult};
use crate::http::error::ApiError;
use crate::http::Ctx;

pub async fn page(req: Request, ctx: &Ctx) -> PageResult {
    let session = match require(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    error_page(&ApiError::NotFound("Administrasi belum tersedia.".into()), Some(session))
}

pub async fn act(req: Request, ctx: &Ctx, _rest: &[&str]) -> PageResult {
    let session = match require(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    error_page(&ApiError::NotFound("Administrasi belum tersedia.".into()), Some(session))
}
