//! Nomor KK, the 16-digit number of a family card (*Kartu Keluarga*).

use super::{mask_middle, sixteen_digits, IdError};

/// Nomor Kartu Keluarga: 16 digits, the last four a non-zero serial.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FamilyCardNumber(String);

canonical_string!(FamilyCardNumber);
masked_debug!(FamilyCardNumber);

impl FamilyCardNumber {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = input.trim();
        let d = sixteen_digits(s).ok_or(IdError::FamilyCardFormat)?;
        if d[12..].iter().all(|&x| x == 0) {
            return Err(IdError::FamilyCardSerialZero);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn masked(&self) -> String {
        mask_middle(&self.0, 4, 4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_card_number_needs_16_digits_and_a_nonzero_tail() {
        let kk = FamilyCardNumber::parse(" 3312010203040005 ");
        assert_eq!(
            format!("{kk:?}"),
            r#"Ok(FamilyCardNumber("3312********0005"))"#
        );
        assert_eq!(kk.map(|k| k.to_string()), Ok("3312010203040005".to_owned()));
        assert_eq!(
            FamilyCardNumber::parse("3312010203040000"),
            Err(IdError::FamilyCardSerialZero)
        );
        assert_eq!(
            FamilyCardNumber::parse("33120102030400"),
            Err(IdError::FamilyCardFormat)
        );
        assert_eq!(
            FamilyCardNumber::parse("331201020304000a"),
            Err(IdError::FamilyCardFormat)
        );
    }
}
