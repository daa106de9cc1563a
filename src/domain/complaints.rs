//! Complaints and suggestions (*pengaduan, saran dan masukan*, seed section 4):
//! the seven channels they arrive through, their ticket numbers, what a
//! valid complaint is, and the one table of how their handling moves.
//! Pure Rust; tested natively.

use super::field_error::FieldError;
use super::check_symbol::{CheckedCode, ReadError};
use super::ids::{PhoneNumber, RegistrationNumber};
use super::roles::Role;

/// Who handles complaints: the Kepala Bidang Pelayanan Pencatatan Sipil
/// (`complaints_officer`) and the administrator.
pub fn may_handle(role: Role) -> bool {
    matches!(role, Role::ComplaintsOfficer | Role::Admin)
}

/// Where a complaint arrived (seed section 4, a–g).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Kotak saran at the Disdukcapil office.
    SuggestionBox,
    /// Told to an officer (Kepala Bidang Pelayanan Pencatatan Sipil).
    Officer,
    Email,
    Twitter,
    Facebook,
    /// The agency website, including the public form of PAK POS Online.
    Website,
    /// Hot line (0273) 321468 ext. 106.
    Hotline,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::SuggestionBox,
        Channel::Officer,
        Channel::Email,
        Channel::Twitter,
        Channel::Facebook,
        Channel::Website,
        Channel::Hotline,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::SuggestionBox => "suggestion_box",
            Channel::Officer => "officer",
            Channel::Email => "email",
            Channel::Twitter => "twitter",
            Channel::Facebook => "facebook",
            Channel::Website => "website",
            Channel::Hotline => "hotline",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::SuggestionBox => "Kotak saran",
            Channel::Officer => "Petugas (Kabid Pelayanan Pencatatan Sipil)",
            Channel::Email => "Email",
            Channel::Twitter => "Twitter",
            Channel::Facebook => "Facebook",
            Channel::Website => "Website",
            Channel::Hotline => "Hot line",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// Pengaduan or saran/masukan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Complaint,
    Suggestion,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Complaint, Kind::Suggestion];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Complaint => "complaint",
            Kind::Suggestion => "suggestion",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Complaint => "Pengaduan",
            Kind::Suggestion => "Saran/masukan",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    InProgress,
    Resolved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::InProgress,
        Status::Resolved,
        Status::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Open => "Baru",
            Status::InProgress => "Sedang ditangani",
            Status::Resolved => "Selesai ditanggapi",
            Status::Closed => "Ditutup",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Take it up: open → in progress.
    Start,
    /// Answer the complainant (SMS when there is a phone); stays in progress.
    Respond,
    /// Done, with a final answer: in progress → resolved.
    Resolve,
    /// Close: resolved → closed, or open/in progress → closed as spam or a
    /// duplicate, with a reason.
    Close,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Respond => "respond",
            Action::Resolve => "resolve",
            Action::Close => "close",
        }
    }

    pub fn parse(code: &str) -> Option<Action> {
        [
            Action::Start,
            Action::Respond,
            Action::Resolve,
            Action::Close,
        ]
        .into_iter()
        .find(|a| a.code() == code)
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

pub const RESPONSE_MAX_CHARS: usize = 2000;
pub const TEXT_MIN_CHARS: usize = 10;
pub const TEXT_MAX_CHARS: usize = 2000;

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
    Ok(v.to_string())
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
            input
                .reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(String::from),
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

/// Ticket prefix: keeps complaint tickets apart from registration numbers.
pub const TICKET_PREFIX: &str = "ADU-";

/// 6 random symbols and the check symbol.
type TicketCode = CheckedCode<7>;

/// Nomor tiket "ADU-XXXXXXC": 6 random symbols and a check symbol of the
/// registration number's scheme
/// ([`super::check_symbol`]), so one wrong symbol or a
/// swap is caught.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket(String);

impl Ticket {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Forgiving input: case, spaces, dashes, with or without the prefix,
    /// I/L read as 1.
    pub fn parse(input: &str) -> Result<Ticket, FieldError> {
        let upper = input.trim().to_ascii_uppercase();
        let body = upper.strip_prefix("ADU").unwrap_or(&upper);
        match TicketCode::read(body) {
            Ok(code) => Ok(Ticket::canonical(&code)),
            // A typo and a malformed ticket get the same answer: both mean
            // "check the number you typed".
            Err(ReadError::Format | ReadError::Check) => Err(FieldError::new(
                "ticket",
                "nomor tiket tidak valid (contoh: ADU-7K3QX9M)",
            )),
        }
    }

    /// 6 uniform symbols from a cryptographically secure byte source, and
    /// the check symbol. Bytes ≥ 248 are skipped so every symbol is equally
    /// likely.
    pub fn generate(next_byte: impl FnMut() -> u8) -> Ticket {
        Ticket::canonical(&TicketCode::generate(next_byte))
    }

    fn canonical(code: &TicketCode) -> Ticket {
        let mut out = String::from(TICKET_PREFIX);
        out.extend(code.symbols());
        Ticket(out)
    }
}

/// A complaint as received, before it has a ticket.
#[derive(Debug, Clone)]
pub struct NewComplaint {
    pub kind: Kind,
    pub channel: Channel,
    pub name: String,
    pub phone: Option<PhoneNumber>,
    pub text: String,
    /// Must exist: the caller checks that in the database.
    pub registration_number: Option<RegistrationNumber>,
}

/// The raw fields, as they come from JSON or a form.
#[derive(Debug, Clone, Default)]
pub struct ComplaintInput {
    pub kind: Option<String>,
    pub channel: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub text: Option<String>,
    pub registration_number: Option<String>,
}

fn blank_to_none(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

impl NewComplaint {
    /// Parses a complaint; `default_channel` is used when none is given (the
    /// public form is always the website).
    pub fn parse(
        input: &ComplaintInput,
        default_channel: Channel,
    ) -> Result<NewComplaint, FieldError> {
        let kind = match blank_to_none(input.kind.as_deref()) {
            None => Kind::Complaint,
            Some(k) => Kind::parse(k)
                .ok_or_else(|| FieldError::new("kind", "jenis harus complaint atau suggestion"))?,
        };
        let channel = match blank_to_none(input.channel.as_deref()) {
            None => default_channel,
            Some(c) => Channel::parse(c).ok_or_else(|| {
                FieldError::new("channel", "saluran harus salah satu dari suggestion_box, officer, email, twitter, facebook, website, hotline")
            })?,
        };
        let name = blank_to_none(input.name.as_deref())
            .ok_or_else(|| FieldError::new("name", "nama wajib diisi"))?;
        if name.chars().count() > 100 {
            return Err(FieldError::new("name", "nama paling banyak 100 karakter"));
        }
        let phone = match blank_to_none(input.phone.as_deref()) {
            None => None,
            Some(p) => {
                Some(PhoneNumber::parse(p).map_err(|e| FieldError::new("phone", e.to_string()))?)
            }
        };
        let text = input.text.as_deref().map(str::trim).unwrap_or_default();
        let len = text.chars().count();
        if !(TEXT_MIN_CHARS..=TEXT_MAX_CHARS).contains(&len) {
            return Err(FieldError::new(
                "text",
                format!("isi pengaduan {TEXT_MIN_CHARS}–{TEXT_MAX_CHARS} karakter"),
            ));
        }
        let registration_number = match blank_to_none(input.registration_number.as_deref()) {
            None => None,
            Some(n) => Some(
                RegistrationNumber::parse(n)
                    .map_err(|e| FieldError::new("registration_number", e.to_string()))?,
            ),
        };
        Ok(NewComplaint {
            kind,
            channel,
            name: name.to_string(),
            phone,
            text: text.to_string(),
            registration_number,
        })
    }
}

const SENDER: &str = "PAK POS Dukcapil Wonogiri";

/// The SMS when an officer answers: one GSM-7 segment, no personal data,
/// the ticket to look the answer up.
pub fn answered_sms(ticket: &Ticket) -> String {
    format!(
        "{SENDER}: pengaduan {} sudah ditanggapi. Lihat tanggapan di menu Pengaduan > Lacak dengan nomor tiket dan HP Anda.",
        ticket.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(bytes: &[u8]) -> impl FnMut() -> u8 + '_ {
        let mut i = 0;
        move || {
            let b = bytes[i % bytes.len()];
            i += 1;
            b
        }
    }

    #[test]
    fn a_generated_ticket_parses_back_and_is_forgiving_of_how_it_is_typed() {
        for start in 0..=255u8 {
            let bytes: Vec<u8> = (0..6).map(|k| start.wrapping_add(k * 37)).collect();
            let t = Ticket::generate(seq(&bytes));
            assert!(
                t.as_str().starts_with("ADU-") && t.as_str().len() == 11,
                "{}",
                t.as_str()
            );
            assert_eq!(Ticket::parse(t.as_str()).ok(), Some(t.clone()));
            assert_eq!(
                Ticket::parse(&t.as_str().to_lowercase().replace('-', " ")).ok(),
                Some(t.clone())
            );
            assert_eq!(Ticket::parse(&t.as_str()[4..]).ok(), Some(t));
        }
    }

    #[test]
    fn a_ticket_with_one_wrong_symbol_or_a_swap_is_refused() {
        let t = Ticket::generate(seq(&[3, 14, 15, 92, 65, 35]));
        let body: Vec<char> = t.as_str()[4..].chars().collect();
        for i in 0..body.len() {
            for c in crate::domain::check_symbol::ALPHABET
                .chars()
                .filter(|&c| c != body[i])
            {
                let mut wrong = body.clone();
                wrong[i] = c;
                assert!(Ticket::parse(&wrong.iter().collect::<String>()).is_err());
            }
            for j in i + 1..body.len() {
                if body[i] != body[j] {
                    let mut swapped = body.clone();
                    swapped.swap(i, j);
                    assert!(Ticket::parse(&swapped.iter().collect::<String>()).is_err());
                }
            }
        }
    }

    #[test]
    fn the_handling_table_moves_open_to_in_progress_to_resolved_to_closed() {
        let answer = StepInput {
            response: Some("Sudah kami cek".into()),
            reason: None,
        };
        let none = StepInput::default();
        let s = decide(Status::Open, Action::Start, &none).map(|s| s.to);
        assert_eq!(s, Ok(Status::InProgress));
        let r = decide(Status::InProgress, Action::Respond, &answer);
        assert_eq!(
            r.as_ref().map(|s| (s.to, s.notify)),
            Ok((Status::InProgress, true))
        );
        assert_eq!(
            decide(Status::InProgress, Action::Resolve, &answer).map(|s| s.to),
            Ok(Status::Resolved)
        );
        assert_eq!(
            decide(Status::Resolved, Action::Close, &none).map(|s| (s.to, s.notify)),
            Ok((Status::Closed, false))
        );
    }

    #[test]
    fn spam_or_a_duplicate_is_closed_from_open_only_with_a_reason() {
        let none = StepInput::default();
        assert!(
            matches!(decide(Status::Open, Action::Close, &none), Err(StepError::Field(f)) if f.field == "reason")
        );
        let why = StepInput {
            response: None,
            reason: Some("duplikat ADU-1".into()),
        };
        assert_eq!(
            decide(Status::Open, Action::Close, &why).map(|s| s.to),
            Ok(Status::Closed)
        );
    }

    #[test]
    fn nothing_moves_a_closed_complaint_and_answers_need_text() {
        let answer = StepInput {
            response: Some("ok, sudah".into()),
            reason: Some("x".into()),
        };
        for action in [
            Action::Start,
            Action::Respond,
            Action::Resolve,
            Action::Close,
        ] {
            assert!(matches!(
                decide(Status::Closed, action, &answer),
                Err(StepError::NotAllowed { .. })
            ));
        }
        assert!(matches!(
            decide(Status::Open, Action::Resolve, &answer),
            Err(StepError::NotAllowed { .. })
        ));
        let blank = StepInput {
            response: Some("  ".into()),
            reason: None,
        };
        assert!(
            matches!(decide(Status::InProgress, Action::Respond, &blank), Err(StepError::Field(f)) if f.field == "response")
        );
    }

    #[test]
    fn every_status_and_action_is_either_a_defined_step_or_an_error() {
        let input = StepInput {
            response: Some("tanggapan".into()),
            reason: Some("alasan".into()),
        };
        for from in Status::ALL {
            for action in [
                Action::Start,
                Action::Respond,
                Action::Resolve,
                Action::Close,
            ] {
                if let Ok(step) = decide(from, action, &input) {
                    assert_eq!(step.from, from);
                    assert_eq!(
                        step.notify,
                        matches!(action, Action::Respond | Action::Resolve)
                    );
                }
            }
        }
    }

    fn input(text: &str) -> ComplaintInput {
        ComplaintInput {
            name: Some("Sri".into()),
            text: Some(text.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_complaint_needs_a_name_and_a_text_of_10_to_2000_characters() {
        assert!(NewComplaint::parse(&input("Akta belum jadi sebulan"), Channel::Website).is_ok());
        assert_eq!(
            NewComplaint::parse(&input("pendek"), Channel::Website)
                .unwrap_err()
                .field,
            "text"
        );
        assert_eq!(
            NewComplaint::parse(&input(&"a".repeat(2001)), Channel::Website)
                .unwrap_err()
                .field,
            "text"
        );
        let mut no_name = input("Akta belum jadi sebulan");
        no_name.name = Some(" ".into());
        assert_eq!(
            NewComplaint::parse(&no_name, Channel::Website)
                .unwrap_err()
                .field,
            "name"
        );
    }

    #[test]
    fn phone_channel_and_registration_number_are_checked_when_given() {
        let mut i = input("Akta belum jadi sebulan");
        i.phone = Some("12345".into());
        assert_eq!(
            NewComplaint::parse(&i, Channel::Website).unwrap_err().field,
            "phone"
        );
        i.phone = Some("0812 3456 7890".into());
        i.channel = Some("fax".into());
        assert_eq!(
            NewComplaint::parse(&i, Channel::Website).unwrap_err().field,
            "channel"
        );
        i.channel = Some("hotline".into());
        i.registration_number = Some("ABCD-EFGH1".into());
        assert_eq!(
            NewComplaint::parse(&i, Channel::Website).unwrap_err().field,
            "registration_number"
        );
        i.registration_number = None;
        let ok = NewComplaint::parse(&i, Channel::Website).unwrap();
        assert_eq!(ok.channel, Channel::Hotline);
        assert!(ok.phone.is_some());
    }

    #[test]
    fn the_answered_sms_fits_one_gsm7_segment() {
        let t = Ticket::generate(seq(&[1, 2, 3, 4, 5, 6]));
        let sms = answered_sms(&t);
        assert!(sms.chars().count() <= 160, "{} chars", sms.chars().count());
        assert!(sms.is_ascii());
        assert!(sms.contains(t.as_str()));
    }

    #[test]
    fn every_channel_of_the_procedure_has_a_code_and_an_indonesian_label() {
        assert_eq!(Channel::ALL.len(), 7);
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.code()), Some(c));
            assert!(!c.label().is_empty());
        }
    }
}
