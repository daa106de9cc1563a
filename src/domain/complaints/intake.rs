//! A complaint as it arrives: through which of the seven channels, whether it
//! is a complaint or a suggestion, and what makes it valid.

use crate::domain::application::parse_person_name;
use crate::domain::coded_enum::coded_enum;
use crate::domain::field_error::FieldError;
use crate::domain::ids::{PhoneNumber, RegistrationNumber};
use crate::domain::text::{check_text, Lines};

coded_enum! {
    /// Where a complaint arrived (seed section 4, a–g).
    pub enum Channel {
        /// Kotak saran at the Disdukcapil office.
        SuggestionBox = "suggestion_box" => "Kotak saran",
        /// Told to an officer (Kepala Bidang Pelayanan Pencatatan Sipil).
        Officer = "officer" => "Petugas (Kabid Pelayanan Pencatatan Sipil)",
        Email = "email" => "Email",
        Twitter = "twitter" => "Twitter",
        Facebook = "facebook" => "Facebook",
        /// The agency website, including the public form of PAK POS Online.
        Website = "website" => "Website",
        /// Hot line (0273) 321468 ext. 106.
        Hotline = "hotline" => "Hot line",
    }
}

coded_enum! {
    /// Pengaduan or saran/masukan.
    pub enum Kind {
        Complaint = "complaint" => "Pengaduan",
        Suggestion = "suggestion" => "Saran/masukan",
    }
}

/// How long the text of a complaint may be, in characters.
pub const TEXT_MIN_CHARS: usize = 10;
pub const TEXT_MAX_CHARS: usize = 2000;

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
    /// public form is always the website). The first error in form order.
    pub fn parse(
        input: &ComplaintInput,
        default_channel: Channel,
    ) -> Result<NewComplaint, FieldError> {
        Self::check(input, default_channel).map_err(|errors| {
            errors
                .into_iter()
                .next()
                .unwrap_or_else(|| FieldError::new("text", "isi pengaduan wajib diisi"))
        })
    }

    /// Every field's error at once, in the public form's order (kind, name,
    /// phone, registration number, text).
    pub fn check(
        input: &ComplaintInput,
        default_channel: Channel,
    ) -> Result<NewComplaint, Vec<FieldError>> {
        let mut errors = crate::domain::field_error::Errors::default();
        let kind = errors.take(match blank_to_none(input.kind.as_deref()) {
            None => Ok(Kind::Complaint),
            Some(k) => Kind::parse(k)
                .ok_or_else(|| FieldError::new("kind", "jenis harus complaint atau suggestion")),
        });
        let channel = errors.take(match blank_to_none(input.channel.as_deref()) {
            None => Ok(default_channel),
            Some(c) => Channel::parse(c).ok_or_else(|| {
                FieldError::new(
                    "channel",
                    format!(
                        "saluran harus salah satu dari {}",
                        Channel::CODES.join(", ")
                    ),
                )
            }),
        });
        // A person's name, by the rule of civil documents: no markup, no
        // control or direction characters reach the staff list or an SMS.
        let name = errors.take(
            blank_to_none(input.name.as_deref())
                .ok_or_else(|| FieldError::new("name", "nama wajib diisi"))
                .and_then(|n| parse_person_name("name", n)),
        );
        let phone = errors.take(match blank_to_none(input.phone.as_deref()) {
            None => Ok(None),
            Some(p) => PhoneNumber::parse(p)
                .map(Some)
                .map_err(|e| FieldError::new("phone", e.to_string())),
        });
        let registration_number =
            errors.take(match blank_to_none(input.registration_number.as_deref()) {
                None => Ok(None),
                Some(n) => RegistrationNumber::parse(n)
                    .map(Some)
                    .map_err(|e| FieldError::new("registration_number", e.to_string())),
            });
        let text = input.text.as_deref().map(str::trim).unwrap_or_default();
        let text = errors.take(check_text("text", text, Lines::Many).and_then(|()| {
            if (TEXT_MIN_CHARS..=TEXT_MAX_CHARS).contains(&text.chars().count()) {
                Ok(text.to_string())
            } else {
                Err(FieldError::new(
                    "text",
                    format!("isi pengaduan {TEXT_MIN_CHARS}–{TEXT_MAX_CHARS} karakter"),
                ))
            }
        }));
        match (kind, channel, name, phone, registration_number, text) {
            (
                Some(kind),
                Some(channel),
                Some(name),
                Some(phone),
                Some(registration_number),
                Some(text),
            ) => Ok(NewComplaint {
                kind,
                channel,
                name,
                phone,
                text,
                registration_number,
            }),
            _ => Err(errors.0),
        }
    }
}
