//! `GET /api/v1/openapi.json`: the machine-readable contract of the API,
//! kept beside the code as a static document.

use worker::Request;

use crate::app::{AppError, Ctx};
use crate::web::response::{json, WebResult};

const DOCUMENT: &str = include_str!("../../http/openapi.json");

pub async fn document(_req: Request, _ctx: &Ctx) -> WebResult {
    let value: serde_json::Value =
        serde_json::from_str(DOCUMENT).map_err(|e| AppError::internal("openapi.json", e))?;
    json(200, &value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openapi_document_is_valid_json_and_names_every_route() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap_or_default();
        assert!(doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3."));
        for path in [
            "/health",
            "/api/v1/auth/login",
            "/api/v1/auth/logout",
            "/api/v1/applications",
            "/api/v1/applications/{registration_number}",
            "/api/v1/applications/{registration_number}/actions",
            "/api/v1/applications/{registration_number}/events",
            "/api/v1/queue",
            "/api/v1/messages/{id}/resend",
            "/api/v1/messages/{id}/requeue",
            "/api/v1/fees/reconciliation",
            "/webhooks/sms/twilio",
            "/webhooks/courier",
            "/api/v1/villages",
            "/api/v1/applications/{registration_number}/documents",
            "/api/v1/complaints",
            "/api/v1/complaints/{ticket}",
            "/api/v1/complaints/{ticket}/actions",
        ] {
            assert!(doc["paths"].get(path).is_some(), "missing {path}");
        }
    }
}
