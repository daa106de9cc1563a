//! `GET /staff/applications/{n}?arsip`: the archived history of an
//! application (`app::archive`) as the JSON it was archived in — every
//! field of every row, read back from its R2 object (slower than the record
//! page), access-logged like it. A browser shows it as a tree.

use worker::ResponseBody;

use super::{PageResult, Session};
use crate::app::archive::read;
use crate::app::Ctx;
use crate::domain::ids::RegistrationNumber;
use crate::web::response::file_response;

/// The record page's `?arsip` (one route less in the Worker).
pub async fn download(ctx: &Ctx, session: &Session, number: &RegistrationNumber) -> PageResult {
    let line = read(ctx, &session.staff, number).await?;
    file_response(
        &format!("arsip-{}.json", number.as_str()),
        "application/json; charset=utf-8",
        ResponseBody::Body(line.into_bytes()),
    )
}
