//! The files in R2 (binding `DOCUMENTS`): requirement documents, drafts and
//! signed PDFs. One place opens the bucket, writes, reads and removes
//! objects; the rows that name them live in D1 and are written after the
//! object (an object whose row was refused is removed again with
//! [`forget`]).

use worker::{HttpMetadata, ResponseBody};

use super::{AppError, Ctx};

pub const BUCKET: &str = "DOCUMENTS";

fn bucket(ctx: &Ctx) -> Result<worker::Bucket, AppError> {
    ctx.env
        .bucket(BUCKET)
        .map_err(|e| AppError::internal("R2 binding", e))
}

pub async fn put(ctx: &Ctx, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), AppError> {
    bucket(ctx)?
        .put(key.to_string(), bytes)
        .http_metadata(HttpMetadata {
            content_type: Some(content_type.into()),
            ..Default::default()
        })
        .execute()
        .await
        .map(|_| ())
        .map_err(|e| AppError::internal("R2 put", e))
}

/// A stored object; a missing one is an internal error (its row says it
/// exists).
async fn object(ctx: &Ctx, key: &str) -> Result<worker::Object, AppError> {
    bucket(ctx)?
        .get(key.to_string())
        .execute()
        .await
        .map_err(|e| AppError::internal("R2 get", e))?
        .ok_or_else(|| AppError::internal("R2 get", "object missing"))
}

fn no_body() -> AppError {
    AppError::internal("R2 get", "object without body")
}

/// An object's body, to stream in a response.
pub async fn response_body(ctx: &Ctx, key: &str) -> Result<ResponseBody, AppError> {
    object(ctx, key)
        .await?
        .body()
        .ok_or_else(no_body)?
        .response_body()
        .map_err(|e| AppError::internal("R2 body", e))
}

/// An object's bytes.
pub async fn read(ctx: &Ctx, key: &str) -> Result<Vec<u8>, AppError> {
    object(ctx, key)
        .await?
        .body()
        .ok_or_else(no_body)?
        .bytes()
        .await
        .map_err(|e| AppError::internal("R2 body", e))
}

/// Removes an object nothing refers to (its row was refused at commit).
pub async fn forget(ctx: &Ctx, key: &str) {
    if let Ok(bucket) = bucket(ctx) {
        if let Err(e) = bucket.delete(key.to_string()).await {
            crate::platform::log_event(
                crate::platform::Level::Error,
                "objects",
                &format!("R2 delete of an unrecorded object failed: {}", e),
            );
        }
    }
}
