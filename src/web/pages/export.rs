//! `GET /staff/export.csv?from=&to=`: the CSV export as a download. The
//! file — range, paging, masking, formula guard — is
//! `app::reports::export`'s; this page only reads the query and streams the
//! file out, page after page, under every page's security headers.

use worker::{Headers, Request, Response};

use super::officer;
use super::{error_page, PageResult};
use futures_util::StreamExt;

use crate::app::reports::{export, Export, ExportQuery};
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
        Ok((file, first)) => csv_stream(file, first),
        // Our own fault goes up to the edge, which logs its cause.
        Err(e) if e.is_internal() => Err(e),
        Err(e) => error_page(&e, Some(session)),
    }
}

/// The export's first piece, then each next page as D1 gives it. An error
/// mid-file errors the stream, so the download fails visibly instead of
/// ending short.
fn csv_stream(file: Export, first: String) -> PageResult {
    let headers = csv_headers(&file.filename)?;
    let rest = futures_util::stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        match file.next_chunk().await {
            Ok(Some(chunk)) => Some((Ok(chunk.into_bytes()), Some(file))),
            Ok(None) => None,
            Err(e) => Some((Err(worker::Error::RustError(e.to_string())), None)),
        }
    });
    let body = futures_util::stream::once(async move { Ok(first.into_bytes()) }).chain(rest);
    Ok(Response::from_stream(body)
        .map_err(|e| AppError::internal("response", e))?
        .with_headers(headers))
}

/// The same security headers as every page, plus the download's type and
/// name (also the access log's CSV).
pub(super) fn csv_response(filename: &str, body: String) -> PageResult {
    let headers = csv_headers(filename)?;
    Ok(Response::ok(body)
        .map_err(|e| AppError::internal("response", e))?
        .with_headers(headers))
}

fn csv_headers(filename: &str) -> Result<Headers, AppError> {
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
    Ok(headers)
}
