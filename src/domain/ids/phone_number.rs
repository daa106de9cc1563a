//! Nomor HP: an Indonesian mobile number, in the three ways people write it.

use super::{mask_middle, IdError};

/// An Indonesian mobile number, stored as E.164 ("+6281234567890") so that the three
/// ways people write it compare equal and the SMS gateway gets one format.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

canonical_string!(PhoneNumber);
masked_debug!(PhoneNumber);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        // People group digits with these; anything else (letters, tabs, '/') is rejected.
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let national = compact
            .strip_prefix("+62")
            .or_else(|| compact.strip_prefix("62"))
            .or_else(|| compact.strip_prefix('0'))
            .ok_or(IdError::PhoneNumber)?
            .as_bytes();
        // Mobile prefixes are 81x–83x and 85x–89x; 84 is unassigned and landlines
        // start with area codes, so neither can receive our SMS.
        let is_mobile = (9..=12).contains(&national.len())
            && national.iter().all(u8::is_ascii_digit)
            && national.first() == Some(&b'8')
            && matches!(national.get(1), Some(b'1'..=b'3' | b'5'..=b'9'));
        if !is_mobile {
            return Err(IdError::PhoneNumber);
        }
        let mut e164 = String::from("+62");
        e164.extend(national.iter().map(|&b| char::from(b)));
        Ok(Self(e164))
    }

    /// "+62812*****890": the operator prefix and last digits let the owner recognise it.
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 6, 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_usual_way_of_writing_a_mobile_number_gives_the_same_e164() {
        for written in [
            "081234567890",
            "6281234567890",
            "+6281234567890",
            " +62 812-3456-7890 ",
            "(0812) 3456.7890",
        ] {
            let phone = PhoneNumber::parse(written);
            assert_eq!(
                phone.as_ref().map(PhoneNumber::as_str),
                Ok("+6281234567890"),
                "{written}"
            );
            assert_eq!(format!("{phone:?}"), r#"Ok(PhoneNumber("+62812*****890"))"#);
        }
        // Shortest (9) and longest (12) national significant numbers.
        assert!(PhoneNumber::parse("0812345678").is_ok());
        assert!(PhoneNumber::parse("0895123456789").is_ok());
    }

    #[test]
    fn landlines_foreign_numbers_and_wrong_lengths_are_not_mobile_numbers() {
        for bad in [
            "",
            "0273321123",
            "0841234567",
            "081234567",
            "08123456789012",
            "+6581234567",
            "+62 0812 3456 7890",
            "0812a4567890",
            "0812\t34567890",
            "+",
            "62",
        ] {
            assert_eq!(
                PhoneNumber::parse(bad),
                Err(IdError::PhoneNumber),
                "{bad:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn canonical_phone_numbers_are_fixed_points(national in "8[1-35-9][0-9]{7,10}") {
            let parsed = PhoneNumber::parse(&format!("0{national}"))
                .map(|p| (p.to_string(), PhoneNumber::parse(p.as_str()) == Ok(p)));
            prop_assert_eq!(parsed, Ok((format!("+62{national}"), true)));
        }
    }
}
