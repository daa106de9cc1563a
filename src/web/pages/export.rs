//! `GET /staff/export.csv?from=&to=`: the CSV export as a download. The
//! file — range, limits, masking, formula guard — is
//! `app::reports::export`'s; this page only reads the query and answers
//! with the file under every page's security headers.

use worker::{Headers, Request, Response};

use super::officer;
use super::{error_page, PageResult};
use crate::app::reports::{export, ExportQuery};
use crate::app::{AppError, Ctx};
use crate::web::request::query_pairs;
use crate::web::response::secure;

pub async fn download(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    let query = query_pairs(&req)?;
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let asked = ExportQuery {
        from: get("from"),
        to: get("to"),
    };
    match export(ctx, &session.staff, asked).await {
        Ok(file) => csv_response(&file.filename, file.body),
        // Our own fault goes up to the edge, which logs its cause.
        Err(e) if e.is_internal() => Err(e),
        Err(e) => error_page(&e, Some(session)),
    }
}

/// The same security headers as every page, plus the download's type and
/// name (also the access log's CSV).
pub(super) fn csv_response(filename: &str, body: String) -> PageResult {
    let headers = Headers::new();
    secure(&headers)?;
    for (k, v) in [
        ("Content-Type", "text/csv; charset=utf-8"),
        (
            "Content-Disposition",
            &format!("attachment; filename=\"{filename}\""),
        ),
    ] {
        headers
            .set(k, v)
            .map_err(|e| AppError::internal("header", e))?;
    }
    Ok(Response::ok(body)
        .map_err(|e| AppError::internal("response", e))?
        .with_headers(headers))
}
