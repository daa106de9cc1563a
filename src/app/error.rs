//! The one error type of every use case. Each variant documents its HTTP
//! status; `crate::web` renders it once, as DESIGN.md's JSON
//! `{"error": {"code", "message"}}` (plus `field` when one field is at
//! fault) or as a page. An internal error keeps its cause chain for the log
//! (without personal data) and never shows it to the client.

use serde::Serialize;

use crate::domain::application::FieldError;
use crate::domain::workflow::WorkflowError;
use crate::store::StoreError;

/// The cause of an internal error, kept whole for the log.
pub type Cause = Box<dyn std::error::Error>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the body or query is not what the API takes at all.
    #[error("{0}")]
    Malformed(String),
    /// 401: no session, or it expired or was revoked.
    #[error("sesi tidak ada atau sudah berakhir; silakan masuk kembali")]
    Unauthenticated,
    /// 401: an `X-Api-Key` that is malformed, unknown or revoked; the
    /// message says which of the two.
    #[error("{0}")]
    BadApiKey(&'static str),
    /// 401 on login: deliberately does not say whether the username exists.
    #[error("nama pengguna atau kata sandi salah")]
    BadCredentials,
    /// 403: the caller's role or village may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 405; `allowed` goes out in the `Allow` header.
    #[error("metode {method} tidak didukung untuk alamat ini")]
    MethodNotAllowed {
        method: String,
        allowed: Vec<String>,
    },
    /// 409: not allowed in the current status, or someone else acted first.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// 413.
    #[error("isi permintaan terlalu besar (maksimal {0} byte)")]
    TooLarge(usize),
    /// 415: a body sent as another media type than the endpoint reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429: too many attempts (sign-ins, submissions, lookups, SMS to one
    /// number); the message says what to do and how long to wait.
    #[error("{0}")]
    TooManyAttempts(TooMany),
    /// 422: a field is invalid; the field is named.
    #[error("{0}")]
    InvalidField(FieldError),
    /// 502: an outside service we needed (the e-signature provider) gave
    /// no usable answer; nothing was changed and the request may be
    /// repeated.
    #[error("{message}")]
    Upstream { code: &'static str, message: String },
    /// 500: our fault. The cause goes to the log only.
    #[error("terjadi kesalahan pada server; silakan coba lagi")]
    Internal {
        context: String,
        #[source]
        cause: Cause,
    },
}

impl AppError {
    pub fn status(&self) -> u16 {
        match self {
            AppError::Malformed(_) => 400,
            AppError::Unauthenticated | AppError::BadCredentials | AppError::BadApiKey(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::MethodNotAllowed { .. } => 405,
            AppError::Conflict { .. } => 409,
            AppError::TooLarge(_) => 413,
            AppError::UnsupportedMediaType(_) => 415,
            AppError::TooManyAttempts(_) => 429,
            AppError::InvalidField(_) => 422,
            AppError::Upstream { .. } => 502,
            AppError::Internal { .. } => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Malformed(_) => "malformed_request",
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "invalid_credentials",
            AppError::BadApiKey(_) => "invalid_api_key",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::Conflict { code, .. } => code,
            AppError::TooLarge(_) => "payload_too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::TooManyAttempts(_) => "too_many_attempts",
            AppError::InvalidField(_) => "invalid_field",
            AppError::Upstream { code, .. } => code,
            AppError::Internal { .. } => "internal_error",
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::InvalidField(e) => Some(&e.field),
            AppError::TooManyAttempts(t) => t.field,
            _ => None,
        }
    }

    pub fn body(&self) -> ErrorBody<'_> {
        let message = match self {
            AppError::InvalidField(e) => format!("{}: {}", e.field, e.message),
            AppError::TooManyAttempts(TooMany {
                field: Some(field),
                message,
            }) => format!("{field}: {message}"),
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

    /// Our fault, with what we were doing and why it failed.
    pub fn internal(context: impl Into<String>, cause: impl Into<Cause>) -> AppError {
        AppError::Internal {
            context: context.into(),
            cause: cause.into(),
        }
    }

    pub fn is_internal(&self) -> bool {
        matches!(self, AppError::Internal { .. })
    }

    /// For the log: the context and every cause in the chain.
    pub fn log_chain(&self) -> String {
        let AppError::Internal { context, cause } = self else {
            return self.to_string();
        };
        let mut text = format!("{context}: {cause}");
        let mut next = cause.source();
        while let Some(e) = next {
            text.push_str(&format!(": {e}"));
            next = e.source();
        }
        text
    }

    /// The `Allow` header of a 405.
    pub fn allow(&self) -> Option<String> {
        match self {
            AppError::MethodNotAllowed { allowed, .. } => Some(allowed.join(", ")),
            _ => None,
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::InvalidField(FieldError::new(field, message))
    }

    /// 429 that lifts after `minutes` (at least one).
    pub fn wait_minutes(minutes: i64) -> AppError {
        AppError::TooManyAttempts(TooMany {
            field: None,
            message: format!(
                "terlalu banyak percobaan; coba lagi dalam {} menit",
                minutes.max(1)
            ),
        })
    }

    /// 429 with its own message, naming the input `field` when one is at
    /// fault (a phone number that had its SMS for the day).
    pub fn too_many(field: Option<&'static str>, message: impl Into<String>) -> AppError {
        AppError::TooManyAttempts(TooMany {
            field,
            message: message.into(),
        })
    }
}

/// What a 429 says: plain Indonesian, and the field at fault if any.
#[derive(Debug)]
pub struct TooMany {
    pub field: Option<&'static str>,
    pub message: String,
}

impl std::fmt::Display for TooMany {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
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

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::InvalidField(e)
    }
}

impl From<StoreError> for AppError {
    /// A concurrent change is the caller's to retry (409); anything else
    /// from the database is ours (500), with its cause kept.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => AppError::Conflict {
                code: "conflict",
                message:
                    "data ini baru saja diubah petugas lain; muat ulang untuk melihat yang terbaru"
                        .into(),
            },
            other => AppError::internal("database", other),
        }
    }
}

impl From<WorkflowError> for AppError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::RoleNotAllowed { .. } | WorkflowError::OtherVillage { .. } => {
                AppError::Forbidden(e.to_string())
            }
            WorkflowError::NotAllowedInStatus { .. } => AppError::Conflict {
                code: "action_not_allowed",
                message: e.to_string(),
            },
            WorkflowError::StaleVersion { .. } => AppError::Conflict {
                code: "stale_version",
                message: e.to_string(),
            },
            WorkflowError::Field(f) => AppError::InvalidField(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_field_names_the_field_in_the_body_and_the_message() {
        let e = AppError::invalid("applicant.nik", "NIK harus 16 digit");
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
        assert_eq!(AppError::from(role).status(), 403);
        let status = WorkflowError::NotAllowedInStatus {
            action: "sign",
            status: "submitted",
        };
        assert_eq!(AppError::from(status).status(), 409);
        let stale = AppError::from(WorkflowError::StaleVersion {
            expected: 1,
            current: 2,
        });
        assert_eq!((stale.status(), stale.code()), (409, "stale_version"));
    }

    #[test]
    fn an_internal_error_does_not_leak_its_cause_to_the_client() {
        let e = AppError::internal("d1", "UNIQUE constraint failed: staff.username");
        let json = serde_json::to_value(e.body()).unwrap_or_default();
        assert!(!json.to_string().contains("UNIQUE"));
        assert_eq!(e.status(), 500);
    }
}
