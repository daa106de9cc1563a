//! Kode desa/kelurahan: the Kemendagri code of a village.

use super::IdError;

/// Kemendagri code of a desa/kelurahan, canonical "33.12.01.2001"
/// (province.regency.district.village). Format only: existence is a database question.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VillageCode(String);

canonical_string!(VillageCode);

impl VillageCode {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = input.trim().as_bytes();
        const DOTS: [usize; 3] = [2, 5, 8];
        let dotted = s.len() == 13 && DOTS.iter().all(|&i| s.get(i) == Some(&b'.'));
        let digits: Vec<u8> = if dotted {
            let keep = |(i, _): &(usize, &u8)| !DOTS.contains(i);
            s.iter().enumerate().filter(keep).map(|(_, &b)| b).collect()
        } else {
            s.to_vec()
        };
        if digits.len() != 10 || !digits.iter().all(u8::is_ascii_digit) {
            return Err(IdError::VillageCode);
        }
        let mut out = String::with_capacity(13);
        for (i, &b) in digits.iter().enumerate() {
            if matches!(i, 2 | 4 | 6) {
                out.push('.');
            }
            out.push(char::from(b));
        }
        Ok(Self(out))
    }

    /// The kecamatan (district) part, "33.12.01".
    pub fn kecamatan_code(&self) -> &str {
        self.0.get(..8).unwrap_or(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_village_code_with_or_without_dots_is_normalised_to_dotted() {
        for written in ["33.12.01.2001", "3312012001", " 33.12.01.2001\t"] {
            let code = VillageCode::parse(written);
            assert_eq!(code.as_ref().map(VillageCode::as_str), Ok("33.12.01.2001"));
            assert_eq!(
                code.as_ref().map(VillageCode::kecamatan_code),
                Ok("33.12.01")
            );
        }
    }

    #[test]
    fn malformed_village_codes_are_rejected() {
        for bad in [
            "",
            "33.12.01.200",
            "33.12.01.20011",
            "33-12-01-2001",
            "33.12.012001",
            "331.2.01.2001",
            "33.12.01.200a",
            "33.12.01.２001",
            "331201200",
        ] {
            assert_eq!(
                VillageCode::parse(bad),
                Err(IdError::VillageCode),
                "{bad:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn canonical_village_codes_are_fixed_points(digits in "[0-9]{10}") {
            let parsed = VillageCode::parse(&digits)
                .map(|v| (v.to_string().replace('.', ""), VillageCode::parse(v.as_str()) == Ok(v)));
            prop_assert_eq!(parsed, Ok((digits.clone(), true)));
        }
    }
}
