//! Kode verifikasi: the code printed (and in the QR code) on every signed
//! document, behind the public page `/verifikasi/{code}`.

use crate::domain::check_symbol::{CheckedCode, ReadError};

use super::IdError;

/// 15 random symbols and the check symbol: 31^15 ≈ 2^74 codes, so a code
/// cannot be guessed, and a mistyped one is caught by the check symbol
/// before any lookup.
type Code = CheckedCode<16>;

/// "ABCD-EFGH-JKMN-PQRS": four groups of four.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VerificationCode(String);

canonical_string!(VerificationCode);

impl VerificationCode {
    /// Forgiving of how people type (case, spaces, dashes; I/L read as 1).
    pub fn parse(input: &str) -> Result<Self, IdError> {
        match Code::read(input.trim()) {
            Ok(code) => Ok(Self::canonical(&code)),
            Err(ReadError::Format) => Err(IdError::VerificationFormat),
            Err(ReadError::Check) => Err(IdError::VerificationCheck),
        }
    }

    /// From a cryptographically secure byte source (see [`CheckedCode::generate`]).
    pub fn generate(next_byte: impl FnMut() -> u8) -> Self {
        Self::canonical(&Code::generate(next_byte))
    }

    fn canonical(code: &Code) -> Self {
        let mut out = String::with_capacity(19);
        for (i, symbol) in code.symbols().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            out.push(symbol);
        }
        Self(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counting() -> impl FnMut() -> u8 {
        let mut n = 0u8;
        move || {
            n = n.wrapping_add(37);
            n
        }
    }

    #[test]
    fn a_generated_code_reads_back_in_any_typed_form_and_a_typo_is_caught() {
        let code = VerificationCode::generate(counting());
        assert_eq!(code.as_str().len(), 19);
        assert_eq!(code.as_str().matches('-').count(), 3);
        assert_eq!(VerificationCode::parse(code.as_str()), Ok(code.clone()));
        let typed = code.as_str().replace('-', " ").to_lowercase();
        assert_eq!(VerificationCode::parse(&typed), Ok(code.clone()));
        let mut wrong: Vec<char> = code.as_str().chars().collect();
        wrong[0] = if wrong[0] == 'A' { 'B' } else { 'A' };
        let wrong: String = wrong.into_iter().collect();
        assert_eq!(
            VerificationCode::parse(&wrong),
            Err(IdError::VerificationCheck)
        );
        assert_eq!(
            VerificationCode::parse("ABCD"),
            Err(IdError::VerificationFormat)
        );
        assert_eq!(
            VerificationCode::parse("../../etc/passwd"),
            Err(IdError::VerificationFormat)
        );
    }
}
