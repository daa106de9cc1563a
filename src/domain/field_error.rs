//! The error of one input field, shared by every parser that reads a form or
//! a JSON body: the application, a workflow command's data, a complaint.

use super::ids::IdError;

/// A field that failed validation: the dotted path as the client sent it and
/// a message for the person who typed it (Indonesian).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An identifier error, under the field it was read from.
    pub(crate) fn from_id(field: &str, err: IdError) -> Self {
        FieldError::new(field, err.to_string())
    }
}

/// Field errors gathered in one pass: a form shows every one at once.
#[derive(Default)]
pub(crate) struct Errors(pub Vec<FieldError>);

impl Errors {
    /// The value, or `None` with its error kept.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }
}
