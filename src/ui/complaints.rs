//! Placeholder: filled in by the issue-5 work (public pages, uploads, complaints).

use worker::{Method, Request};

use super::PageResult;
use crate::http::Ctx;

/// Routes this area's pages; `None` when the path is not theirs.
pub async fn route(_req: Request, _ctx: &Ctx, _method: &Method, _segments: &[&str]) -> Option<PageResult> {
    None
}
