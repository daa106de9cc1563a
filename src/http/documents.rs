//! Placeholder: filled in by the issue-5 work.

use worker::{Method, Request};

use super::{ApiResult, Ctx};

/// Routes this area's API calls; `None` when the path is not theirs.
pub async fn route(_req: Request, _ctx: &Ctx, _method: &Method, _segments: &[&str]) -> Option<ApiResult> {
    None
}
