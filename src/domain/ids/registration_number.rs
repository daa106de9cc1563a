//! Nomor pendaftaran: the number a citizen tracks an application with.

use crate::domain::check_symbol::{self, CheckedCode, ReadError};

use super::IdError;

/// The symbols of a registration number, shared with complaint tickets.
pub const REGISTRATION_NUMBER_ALPHABET: &str = check_symbol::ALPHABET;

/// 8 random symbols and the check symbol.
type RegistrationCode = CheckedCode<9>;

/// Nomor pendaftaran "ABCD-EFGHK": 8 random symbols and a check symbol (see
/// [`check_symbol`]), so that any single wrong symbol and any swap of two
/// different symbols is caught before it hits the database.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistrationNumber(String);

canonical_string!(RegistrationNumber);

impl RegistrationNumber {
    /// Forgiving of how people type: case, spaces and dashes are ignored, and I/L are
    /// read as 1 because that is what they were meant to be.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        match RegistrationCode::read(input.trim()) {
            Ok(code) => Ok(Self::canonical(&code)),
            Err(ReadError::Format) => Err(IdError::RegistrationFormat),
            Err(ReadError::Check) => Err(IdError::RegistrationCheck),
        }
    }

    /// Draws 8 uniform symbols from `next_byte`, which must be a cryptographically
    /// secure source (numbers must not be guessable), and appends the check symbol.
    /// Bytes ≥ 248 are skipped, so a source that only ever returns those never ends.
    pub fn generate(next_byte: impl FnMut() -> u8) -> Self {
        Self::canonical(&RegistrationCode::generate(next_byte))
    }

    /// "ABCD-EFGHK": a dash after the fourth symbol.
    fn canonical(code: &RegistrationCode) -> Self {
        let mut out = String::with_capacity(10);
        for (i, symbol) in code.symbols().enumerate() {
            if i == 4 {
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
    use proptest::prelude::*;

    /// Feeds `bytes` in order, then zeros, so the closure never needs to panic.
    fn byte_source(bytes: Vec<u8>) -> impl FnMut() -> u8 {
        let mut it = bytes.into_iter();
        move || it.next().unwrap_or(0)
    }

    #[test]
    fn generating_from_fixed_bytes_gives_the_hand_computed_number_skipping_bytes_from_248() {
        // Values 0,1,2,(248 skipped),30,(255 skipped),31%31=0,62%31=0,100%31=7,247%31=30
        // → symbols 1 2 3 Z 1 1 8 Z. Weighted sum 2+6+120+49+240 = 417 ≡ 14 (mod 31);
        // check = 7·(31−14) mod 31 = 119 mod 31 = 26 → 'V'; 417 + 9·26 = 651 = 21·31.
        let bytes = vec![0, 1, 2, 248, 30, 255, 31, 62, 100, 247];
        let number = RegistrationNumber::generate(byte_source(bytes));
        assert_eq!(number.as_str(), "123Z-118ZV");
        assert_eq!(RegistrationNumber::parse("123Z-118ZV"), Ok(number));
    }

    #[test]
    fn registration_parse_forgives_case_spaces_dashes_and_i_or_l_for_one() {
        for typed in [
            "123Z-118ZV",
            " 123z118zv ",
            "i23z-ll8zv",
            "1 2 3 Z - 1 1 8 Z V",
            "-123Z118ZV-",
        ] {
            assert_eq!(
                RegistrationNumber::parse(typed).map(|n| n.to_string()),
                Ok("123Z-118ZV".to_owned()),
                "{typed:?}"
            );
        }
        let json = RegistrationNumber::parse("123z118zv").map(|n| serde_json::to_string(&n).ok());
        assert_eq!(json, Ok(Some(r#""123Z-118ZV""#.to_owned())));
    }

    #[test]
    fn registration_numbers_with_foreign_symbols_or_wrong_length_are_invalid() {
        for bad in [
            "",
            "023Z-118ZV",
            "O23Z-118ZV",
            "U23Z-118ZV",
            "123Z-118Z",
            "123Z-118ZVV",
            "123Z_118ZV",
            "123Z-118ZÉ",
        ] {
            assert_eq!(
                RegistrationNumber::parse(bad),
                Err(IdError::RegistrationFormat),
                "{bad:?}"
            );
        }
        assert_eq!(
            RegistrationNumber::parse("123Z-118ZW"),
            Err(IdError::RegistrationCheck)
        );
    }

    fn parse_symbols(symbols: &[char]) -> Result<RegistrationNumber, IdError> {
        RegistrationNumber::parse(&symbols.iter().collect::<String>())
    }

    /// Tries every single substitution and every swap of two unequal symbols.
    fn assert_every_typo_is_caught(number: &RegistrationNumber) {
        let original: Vec<char> = number.as_str().chars().filter(|&c| c != '-').collect();
        assert_eq!(parse_symbols(&original).as_ref(), Ok(number));
        for pos in 0..original.len() {
            for symbol in REGISTRATION_NUMBER_ALPHABET
                .chars()
                .filter(|&s| s != original[pos])
            {
                let mut typo = original.clone();
                typo[pos] = symbol;
                assert_eq!(
                    parse_symbols(&typo),
                    Err(IdError::RegistrationCheck),
                    "{typo:?}"
                );
            }
        }
        for i in 0..original.len() {
            for j in (i + 1..original.len()).filter(|&j| original[i] != original[j]) {
                let mut typo = original.clone();
                typo.swap(i, j);
                assert_eq!(
                    parse_symbols(&typo),
                    Err(IdError::RegistrationCheck),
                    "{typo:?}"
                );
            }
        }
    }

    #[test]
    fn every_single_substitution_and_every_swap_is_detected() {
        for bytes in [
            vec![0, 1, 2, 30, 0, 0, 7, 30],
            vec![30; 8],
            vec![0; 8],
            (9..17).collect(),
        ] {
            assert_every_typo_is_caught(&RegistrationNumber::generate(byte_source(bytes)));
        }
    }

    proptest! {
        #[test]
        fn generated_registration_numbers_parse_back_to_themselves(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let number = RegistrationNumber::generate(byte_source(bytes));
            prop_assert_eq!(number.as_str().len(), 10);
            prop_assert_eq!(RegistrationNumber::parse(number.as_str()), Ok(number.clone()));
        }

        #[test]
        fn any_typo_in_a_random_registration_number_is_detected(values in proptest::collection::vec(0u8..31, 8)) {
            assert_every_typo_is_caught(&RegistrationNumber::generate(byte_source(values)));
        }
    }
}
