//! NIK (*Nomor Induk Kependudukan*), the citizen's 16-digit population number.

use super::{mask_middle, sixteen_digits, IdError};

/// Nomor Induk Kependudukan: 6-digit region, DDMMYY birth date (day +40 for women),
/// 4-digit serial.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik(String);

canonical_string!(Nik);
masked_debug!(Nik);

impl Nik {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = input.trim();
        let d = sixteen_digits(s).ok_or(IdError::NikFormat)?;
        // The region code (first six digits) is deliberately not checked: people move,
        // and their NIK keeps the region where it was first issued.
        if !matches!(d[6] * 10 + d[7], 1..=31 | 41..=71) {
            return Err(IdError::NikBirthDay);
        }
        if !matches!(d[8] * 10 + d[9], 1..=12) {
            return Err(IdError::NikBirthMonth);
        }
        if d[12..].iter().all(|&x| x == 0) {
            return Err(IdError::NikSerialZero);
        }
        Ok(Self(s.to_owned()))
    }

    /// "3312********0001": enough for a citizen to recognise their own number.
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 4, 4)
    }

    /// Women's NIKs carry the birth day plus 40, so the tens digit is 4..=7.
    pub fn is_female(&self) -> bool {
        self.0.as_bytes().get(6).is_some_and(|&b| b >= b'4')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_nik_is_accepted_after_trimming() {
        let nik = Nik::parse(" 3312011505900001\n");
        assert_eq!(nik.as_ref().map(Nik::as_str), Ok("3312011505900001"));
        assert_eq!(nik.map(|n| n.is_female()), Ok(false));
    }

    #[test]
    fn a_nik_with_day_41_is_a_woman_and_valid() {
        assert_eq!(
            Nik::parse("3312014105900001").map(|n| n.is_female()),
            Ok(true)
        );
        assert_eq!(
            Nik::parse("3312017112900001").map(|n| n.is_female()),
            Ok(true)
        );
    }

    #[test]
    fn a_nik_that_is_not_exactly_16_ascii_digits_is_rejected() {
        for bad in [
            "",
            "331201150590001",
            "33120115059000011",
            "3312 011505900001",
            "3312O11505900001",
            "３３１２０１１５０５９０００１",
            "33120115059000é",
        ] {
            assert_eq!(Nik::parse(bad), Err(IdError::NikFormat), "{bad:?}");
        }
    }

    #[test]
    fn a_nik_with_an_impossible_birth_day_or_month_is_rejected() {
        for day in ["00", "32", "40", "72", "99"] {
            let nik = format!("331201{day}05900001");
            assert_eq!(Nik::parse(&nik), Err(IdError::NikBirthDay), "{nik}");
        }
        for month in ["00", "13", "99"] {
            let nik = format!("33120115{month}900001");
            assert_eq!(Nik::parse(&nik), Err(IdError::NikBirthMonth), "{nik}");
        }
    }

    #[test]
    fn a_nik_ending_in_0000_is_rejected_but_any_region_is_accepted() {
        assert_eq!(Nik::parse("3312011505900000"), Err(IdError::NikSerialZero));
        assert!(Nik::parse("0000001505900001").is_ok());
        assert!(Nik::parse("9999991505900001").is_ok());
    }

    #[test]
    fn nik_debug_shows_only_the_masked_form_while_serde_shows_it_whole() {
        let nik = Nik::parse("3312011505900001");
        assert_eq!(
            nik.as_ref().map(Nik::masked),
            Ok("3312********0001".to_owned())
        );
        assert_eq!(format!("{nik:?}"), r#"Ok(Nik("3312********0001"))"#);
        let json = nik.map(|n| serde_json::to_string(&n).ok());
        assert_eq!(json, Ok(Some(r#""3312011505900001""#.to_owned())));
    }
}
