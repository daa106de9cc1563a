//! Free text that a citizen or an officer types — names, addresses, places,
//! complaints, answers, reasons — checked by one rule wherever it arrives.
//! What is refused: control characters (a NUL byte, escape sequences, line
//! breaks in a one-line field), which no form produces and which corrupt
//! exports, SMS and logs; and the invisible characters that reverse or
//! isolate the direction of text (U+202E "RIGHT-TO-LEFT OVERRIDE" and kin),
//! with which a line can be made to read differently from what it holds.

use super::field_error::FieldError;

/// Whether a field may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// A name, an address, a place: one line, no tab.
    One,
    /// A complaint, an answer, a reason: line breaks (`\n`, or `\r\n` as a
    /// browser sends them) and tabs are allowed.
    Many,
}

/// Directional formatting characters: the embeddings and overrides
/// (U+202A–U+202E), the isolates (U+2066–U+2069), the left-to-right and
/// right-to-left marks (U+200E, U+200F) and the Arabic letter mark (U+061C).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Refuses `value` of `field` when it holds a control character (other than
/// the line breaks and tabs of a [`Lines::Many`] field) or a directional
/// formatting character; the message says which, in plain Indonesian.
pub fn check_text(field: &str, value: &str, lines: Lines) -> Result<(), FieldError> {
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if is_bidi_control(c) {
            return Err(FieldError::new(
                field,
                "berisi karakter tersembunyi pengatur arah tulisan; ketik ulang tanpa menyalin dari tempat lain",
            ));
        }
        if !c.is_control() {
            continue;
        }
        let line_break = c == '\n' || (c == '\r' && chars.peek() == Some(&'\n'));
        match lines {
            Lines::Many if line_break || c == '\t' => {}
            Lines::One if line_break || c == '\t' => {
                return Err(FieldError::new(
                    field,
                    "harus ditulis dalam satu baris (tanpa baris baru atau tab)",
                ));
            }
            _ => {
                return Err(FieldError::new(
                    field,
                    "berisi karakter kontrol yang tidak diizinkan; ketik ulang isinya",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_indonesian_text_passes() {
        for one in [
            "Siti Nur'aini, S.Pd.",
            "Jl. Pemuda No. 5, RT 01/RW 02",
            "Wonogiri",
        ] {
            assert_eq!(check_text("f", one, Lines::One), Ok(()));
        }
        let many = "Akta belum jadi.\r\nSudah sebulan.\n\tTerima kasih.";
        assert_eq!(check_text("f", many, Lines::Many), Ok(()));
    }

    #[test]
    fn a_nul_byte_or_an_escape_is_refused_everywhere() {
        for lines in [Lines::One, Lines::Many] {
            for bad in ["Sri\0", "Sri\u{1b}[31m", "Sri\u{7f}", "Sri\u{85}", "a\rb"] {
                let err = check_text("name", bad, lines).unwrap_err();
                assert_eq!(err.field, "name");
                assert!(err.message.contains("kontrol"), "{bad:?}: {err}");
            }
        }
    }

    #[test]
    fn a_one_line_field_refuses_line_breaks_and_tabs() {
        for bad in ["Jl. Pemuda\nRT 01", "Jl. Pemuda\r\nRT 01", "Jl.\tPemuda"] {
            let err = check_text("applicant.address", bad, Lines::One).unwrap_err();
            assert!(err.message.contains("satu baris"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn every_directional_formatting_character_is_refused() {
        let bidi = ('\u{202A}'..='\u{202E}')
            .chain('\u{2066}'..='\u{2069}')
            .chain(['\u{200E}', '\u{200F}', '\u{061C}']);
        for c in bidi {
            for lines in [Lines::One, Lines::Many] {
                let err = check_text("f", &format!("Jl. {c}Pemuda"), lines).unwrap_err();
                assert!(err.message.contains("arah tulisan"), "{c:?}");
            }
        }
        // Neighbours that are ordinary text stay allowed.
        assert_eq!(check_text("f", "a\u{2010}b", Lines::One), Ok(()));
    }
}
