//! What a citizen's SMS to us asks (Twilio's incoming-message webhook,
//! `app::inbound`): the status of an application ("CEK ABCD-EFGHK", in any
//! case, with or without the dash or spaces, or just the number), to stop
//! optional messages (BERHENTI, or STOP) or to have them again (MULAI, or
//! START). Anything else is [`Inbound::Other`] and gets the one generic
//! answer. The text itself is never kept or logged: a citizen may type
//! their NIK into it.

use super::ids::RegistrationNumber;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    Status(RegistrationNumber),
    Stop,
    Start,
    Other,
}

/// Reads an SMS body.
pub fn parse(body: &str) -> Inbound {
    let text = body
        .trim()
        .trim_end_matches(['.', '!'])
        .trim()
        .to_ascii_uppercase();
    match text.as_str() {
        "BERHENTI" | "STOP" => return Inbound::Stop,
        "MULAI" | "START" => return Inbound::Start,
        _ => {}
    }
    // "CEK" is followed by the number, or the whole text is the number; the
    // number's check symbol keeps a word from passing for one.
    let asked = text
        .strip_prefix("CEK")
        .map(|rest| rest.trim_start_matches([' ', ':', '#', '\t', '\n']))
        .and_then(|rest| RegistrationNumber::parse(rest).ok());
    match asked.or_else(|| RegistrationNumber::parse(&text).ok()) {
        Some(number) => Inbound::Status(number),
        None => Inbound::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number() -> RegistrationNumber {
        RegistrationNumber::generate(|| 200)
    }

    #[test]
    fn cek_with_the_number_is_read_in_any_case_spacing_and_dash() {
        let n = number();
        let compact = n.as_str().replace('-', "");
        let (head, tail) = n.as_str().split_at(4);
        for body in [
            format!("CEK {}", n.as_str()),
            format!("cek {}", n.as_str().to_lowercase()),
            format!("  Cek   {compact}  "),
            format!("CEK{compact}"),
            format!("cek: {head} {}", &tail[1..]),
            n.as_str().to_string(),
            compact.to_lowercase(),
            format!("CEK {}.", n.as_str()),
        ] {
            assert_eq!(parse(&body), Inbound::Status(n.clone()), "{body:?}");
        }
    }

    #[test]
    fn the_opt_out_and_opt_in_words_are_read_alone_in_any_case() {
        for body in ["BERHENTI", "berhenti", " Stop ", "stop."] {
            assert_eq!(parse(body), Inbound::Stop, "{body:?}");
        }
        for body in ["MULAI", "mulai", "Start!"] {
            assert_eq!(parse(body), Inbound::Start, "{body:?}");
        }
    }

    #[test]
    fn anything_else_is_other_and_a_mistyped_number_is_not_a_number() {
        let n = number();
        let mut wrong = n.as_str().to_string();
        wrong.replace_range(0..1, if wrong.starts_with('A') { "B" } else { "A" });
        for body in [
            String::new(),
            "halo".into(),
            "CEK".into(),
            "berhenti kirim sms".into(),
            format!("CEK {wrong}"),
            format!("CEK {} 3312014502900001", n.as_str()),
            "3312014502900001".into(),
        ] {
            assert_eq!(parse(&body), Inbound::Other, "{body:?}");
        }
    }
}
