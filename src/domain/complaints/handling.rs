//! How handling a complaint moves: its statuses, the officer's actions, and
//! the one table that decides a step.

use crate::domain::coded_enum::coded_enum;
use crate::domain::field_error::FieldError;
use crate::domain::text::{check_text, Lines};

coded_enum! {
    /// Where a complaint stands.
    pub enum Status {
        Open = "open" => "Baru",
        InProgress = "in_progress" => "Sedang ditangani",
        Resolved = "resolved" => "Selesai ditanggapi",
        Closed = "closed" => "Ditutup",
    }
}

coded_enum! {
    /// What the complaints officer does with a complaint. The label is the
    /// one on the button of the complaint page.
    pub enum Action {
        /// Take it up: open → in progress.
        Start = "start" => "Mulai tangani",
        /// Answer the complainant (SMS when there is a phone); stays in progress.
        Respond = "respond" => "Kirim tanggapan",
        /// Done, with a final answer: in progress → resolved.
        Resolve = "resolve" => "Tanggapi dan selesaikan",
        /// Close: resolved → closed, or open/in progress → closed as spam or a
        /// duplicate, with a reason.
        Close = "close" => "Tutup pengaduan",
    }
}

coded_enum! {
    /// What one row of a complaint's history records: its receipt, or one of
    /// the officer's actions. The label is what the history list shows.
    pub enum EventAction {
        /// The complaint arrived (the first row, written with the complaint).
        Receive = "receive" => "Diterima",
        Start = "start" => "Mulai ditangani",
        Respond = "respond" => "Ditanggapi",
        Resolve = "resolve" => "Diselesaikan",
        Close = "close" => "Ditutup",
    }
}

impl From<Action> for EventAction {
    fn from(action: Action) -> Self {
        match action {
            Action::Start => EventAction::Start,
            Action::Respond => EventAction::Respond,
            Action::Resolve => EventAction::Resolve,
            Action::Close => EventAction::Close,
        }
    }
}

/// What a step needs besides the action.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub response: Option<String>,
    pub reason: Option<String>,
}

/// A decided step: the next status, the text recorded, and whether the
/// complainant is told by SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub from: Status,
    pub to: Status,
    pub response: Option<String>,
    pub reason: Option<String>,
    pub notify: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("tindakan {action} tidak dapat dilakukan pada pengaduan berstatus {status}")]
    NotAllowed {
        action: &'static str,
        status: &'static str,
    },
    #[error("{}: {}", .0.field, .0.message)]
    Field(FieldError),
}

/// The longest answer or reason an officer may write.
pub const RESPONSE_MAX_CHARS: usize = 2000;

fn required_text(field: &str, value: Option<&str>, what: &str) -> Result<String, StepError> {
    let v = value.map(str::trim).unwrap_or_default();
    if v.is_empty() {
        return Err(StepError::Field(FieldError::new(
            field,
            format!("{what} wajib diisi"),
        )));
    }
    if v.chars().count() > RESPONSE_MAX_CHARS {
        return Err(StepError::Field(FieldError::new(
            field,
            format!("{what} paling banyak {RESPONSE_MAX_CHARS} karakter"),
        )));
    }
    check_text(field, v, Lines::Many).map_err(StepError::Field)?;
    Ok(v.to_string())
}

/// An optional text (a reason that may be left out): blank is `None`; given,
/// it follows the rules of a required one.
fn optional_text(
    field: &str,
    value: Option<&str>,
    what: &str,
) -> Result<Option<String>, StepError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => required_text(field, Some(v), what).map(Some),
        None => Ok(None),
    }
}

/// The transition table, as one `match`:
///
/// | from        | action  | to          | needs    |
/// |-------------|---------|-------------|----------|
/// | open        | start   | in_progress |          |
/// | open        | respond | in_progress | response |
/// | in_progress | respond | in_progress | response |
/// | in_progress | resolve | resolved    | response |
/// | resolved    | close   | closed      |          |
/// | open        | close   | closed      | reason   |
/// | in_progress | close   | closed      | reason   |
///
/// A response (respond, resolve) goes to the complainant by SMS.
pub fn decide(from: Status, action: Action, input: &StepInput) -> Result<Step, StepError> {
    use Action as A;
    use Status as S;
    let step = |to, response: Option<String>, reason: Option<String>| Step {
        from,
        to,
        notify: response.is_some(),
        response,
        reason,
    };
    match (from, action) {
        (S::Open, A::Start) => Ok(step(S::InProgress, None, None)),
        (S::Open | S::InProgress, A::Respond) => Ok(step(
            S::InProgress,
            Some(required_text(
                "response",
                input.response.as_deref(),
                "tanggapan",
            )?),
            None,
        )),
        (S::InProgress, A::Resolve) => Ok(step(
            S::Resolved,
            Some(required_text(
                "response",
                input.response.as_deref(),
                "tanggapan",
            )?),
            None,
        )),
        (S::Resolved, A::Close) => Ok(step(
            S::Closed,
            None,
            optional_text("reason", input.reason.as_deref(), "alasan penutupan")?,
        )),
        (S::Open | S::InProgress, A::Close) => Ok(step(
            S::Closed,
            None,
            Some(required_text(
                "reason",
                input.reason.as_deref(),
                "alasan penutupan",
            )?),
        )),
        (status, action) => Err(StepError::NotAllowed {
            action: action.code(),
            status: status.code(),
        }),
    }
}
