//! The API's one error type. Each variant documents its HTTP status; the
//! JSON shape is DESIGN.md's `{"error": {"code", "message"}}`, plus `field`
//! when one field is at fault. Internal causes are logged (without personal
//! data) and never sent to the client.

use serde::Serialize;

use crate::domain::application::FieldError;
use crate::domain::workflow::WorkflowError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body or query is not what the API takes at all.
    #[error("{0}")]
    Malformed(String),
    /// 401: no session, or it expired or was revoked.
    #[error("sesi tidak ada atau sudah berakhir; silakan masuk kembali")]
    Unauthenticated,
    /// 401 on login: deliberately does not say whether the username exists.
    #[error("nama pengguna atau kata sandi salah")]
    BadCredentials,
    /// 403: the caller's role or village may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 405.
    #[error("metode {0} tidak didukung untuk alamat ini")]
    MethodNotAllowed(String),
    /// 409: not allowed in the current status, or someone else acted first.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// 413.
    #[error("isi permintaan terlalu besar (maksimal {0} byte)")]
    TooLarge(usize),
    /// 429: too many attempts (sign-ins, submissions, lookups); the minutes to wait.
    #[error("terlalu banyak percobaan; coba lagi dalam {0} menit")]
    TooManyAttempts(i64),
    /// 422: a field is invalid; the field is named.
    #[error("{0}")]
    InvalidField(FieldError),
    /// 500: our fault. The cause goes to the log only.
    #[error("terjadi kesalahan pada server; silakan coba lagi")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Malformed(_) => 400,
            ApiError::Unauthenticated | ApiError::BadCredentials => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed(_) => 405,
            ApiError::Conflict { .. } => 409,
            ApiError::TooLarge(_) => 413,
            ApiError::TooManyAttempts(_) => 429,
            ApiError::InvalidField(_) => 422,
            ApiError::Internal(_) => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "malformed_request",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::BadCredentials => "invalid_credentials",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::Conflict { code, .. } => code,
            ApiError::TooLarge(_) => "payload_too_large",
            ApiError::TooManyAttempts(_) => "too_many_attempts",
            ApiError::InvalidField(_) => "invalid_field",
            ApiError::Internal(_) => "internal_error",
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::InvalidField(e) => Some(&e.field),
            _ => None,
        }
    }

    pub fn body(&self) -> ErrorBody<'_> {
        let message = match self {
            ApiError::InvalidField(e) => format!("{}: {}", e.field, e.message),
            other => other.to_string(),
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                field: self.field(),
            },
        }
    }

    pub fn internal(context: &str, cause: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(format!("{context}: {cause}"))
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::InvalidField(FieldError::new(field, message))
    }
}

#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

#[derive(Debug, Serialize)]
pub struct ErrorDetail<'a> {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'a str>,
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::InvalidField(e)
    }
}

impl From<WorkflowError> for ApiError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::RoleNotAllowed { .. } | WorkflowError::OtherVillage { .. } => {
                ApiError::Forbidden(e.to_string())
            }
            WorkflowError::NotAllowedInStatus { .. } => ApiError::Conflict {
                code: "action_not_allowed",
                message: e.to_string(),
            },
            WorkflowError::StaleVersion { .. } => ApiError::Conflict {
                code: "stale_version",
                message: e.to_string(),
            },
            WorkflowError::Field(f) => ApiError::InvalidField(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_field_names_the_field_in_the_body_and_the_message() {
        let e = ApiError::invalid("applicant.nik", "NIK harus 16 digit");
        let json = serde_json::to_value(e.body()).unwrap_or_default();
        assert_eq!(e.status(), 422);
        assert_eq!(json["error"]["code"], "invalid_field");
        assert_eq!(json["error"]["field"], "applicant.nik");
        assert!(json["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("applicant.nik"));
    }

    #[test]
    fn workflow_errors_map_to_403_409_and_422() {
        let role = WorkflowError::RoleNotAllowed {
            role: "validator",
            action: "sign",
        };
        assert_eq!(ApiError::from(role).status(), 403);
        let status = WorkflowError::NotAllowedInStatus {
            action: "sign",
            status: "submitted",
        };
        assert_eq!(ApiError::from(status).status(), 409);
        let stale = ApiError::from(WorkflowError::StaleVersion {
            expected: 1,
            current: 2,
        });
        assert_eq!((stale.status(), stale.code()), (409, "stale_version"));
    }

    #[test]
    fn an_internal_error_does_not_leak_its_cause_to_the_client() {
        let e = ApiError::internal("d1", "UNIQUE constraint failed: staff.username");
        let json = serde_json::to_value(e.body()).unwrap_or_default();
        assert!(!json.to_string().contains("UNIQUE"));
        assert_eq!(e.status(), 500);
    }
}
