//! The identifiers that citizens and officers type into PAK POS Online — NIK, nomor KK,
//! nomor HP, kode desa/kelurahan and nomor pendaftaran — each parsed once, at the edge,
//! into a newtype whose only constructor checks the format ("parse, don't validate").
//! Code holding a `Nik` therefore knows it is well formed and in canonical form, and
//! never re-checks it. Everything here is pure and total: any string yields either a
//! value or an [`IdError`] whose message is short Indonesian fit to show the citizen,
//! never a panic. NIK, KK and phone numbers are personal data, so their `Debug` output
//! is masked and they cannot leak into logs through a stray `{:?}`.

use serde::{Serialize, Serializer};
use std::fmt;

use super::check_symbol::{self, CheckedCode, ReadError};

/// Why an identifier was rejected. Messages are shown to citizens and officers as is;
/// the caller prefixes the field name where needed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("NIK harus terdiri dari 16 digit angka")]
    NikFormat,
    #[error("tanggal lahir pada NIK tidak valid")]
    NikBirthDay,
    #[error("bulan lahir pada NIK tidak valid")]
    NikBirthMonth,
    #[error("4 digit terakhir NIK tidak boleh 0000")]
    NikSerialZero,
    #[error("nomor KK harus terdiri dari 16 digit angka")]
    FamilyCardFormat,
    #[error("4 digit terakhir nomor KK tidak boleh 0000")]
    FamilyCardSerialZero,
    #[error("nomor HP harus nomor seluler Indonesia, contoh 081234567890")]
    PhoneNumber,
    #[error("kode desa/kelurahan tidak valid, contoh 33.12.01.2001")]
    VillageCode,
    #[error("nomor pendaftaran tidak valid")]
    RegistrationFormat,
    #[error("karakter pemeriksa nomor pendaftaran tidak cocok — periksa kembali nomor Anda")]
    RegistrationCheck,
}

/// `as_str`, `Display` and `Serialize` are identical for every type: all expose the
/// canonical string, which is the only thing the field ever holds.
macro_rules! canonical_string {
    ($($t:ident),*) => {$(
        impl $t {
            /// The canonical form.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    )*};
}

/// Debug for personal identifiers prints only the masked form, so logs never hold them.
macro_rules! masked_debug {
    ($($t:ident),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($t)).field(&self.masked()).finish()
            }
        }
    )*};
}

canonical_string!(
    Nik,
    FamilyCardNumber,
    PhoneNumber,
    VillageCode,
    RegistrationNumber
);
masked_debug!(Nik, FamilyCardNumber, PhoneNumber);

/// The digit values of `s` if it is exactly 16 ASCII digits. Converting to a fixed-size
/// array up front lets callers index positions without any chance of a panic.
fn sixteen_digits(s: &str) -> Option<[u8; 16]> {
    let bytes: [u8; 16] = s.as_bytes().try_into().ok()?;
    bytes
        .iter()
        .all(u8::is_ascii_digit)
        .then(|| bytes.map(|b| b - b'0'))
}

/// Replaces every char except the first `keep_start` and last `keep_end` with '*'.
fn mask_middle(s: &str, keep_start: usize, keep_end: usize) -> String {
    let len = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if i < keep_start || i + keep_end >= len {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Nomor Induk Kependudukan: 6-digit region, DDMMYY birth date (day +40 for women),
/// 4-digit serial.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik(String);

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

/// Nomor Kartu Keluarga: 16 digits, the last four a non-zero serial.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FamilyCardNumber(String);

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

/// An Indonesian mobile number, stored as E.164 ("+6281234567890") so that the three
/// ways people write it compare equal and the SMS gateway gets one format.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

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

/// Kemendagri code of a desa/kelurahan, canonical "33.12.01.2001"
/// (province.regency.district.village). Format only: existence is a database question.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VillageCode(String);

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

/// The symbols of a registration number, shared with complaint tickets.
pub const REGISTRATION_NUMBER_ALPHABET: &str = check_symbol::ALPHABET;

/// 8 random symbols and the check symbol.
type RegistrationCode = CheckedCode<9>;

/// Nomor pendaftaran "ABCD-EFGHK": 8 random symbols and a check symbol (see
/// [`check_symbol`]), so that any single wrong symbol and any swap of two
/// different symbols is caught before it hits the database.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistrationNumber(String);

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

    fn canonical_nik() -> impl Strategy<Value = String> {
        let day = prop_oneof![1u8..=31, 41u8..=71];
        (0u32..1_000_000, day, 1u8..=12, 0u8..100, 1u16..=9999)
            .prop_map(|(r, d, m, y, s)| format!("{r:06}{d:02}{m:02}{y:02}{s:04}"))
    }

    proptest! {
        #[test]
        fn canonical_niks_and_family_card_numbers_are_fixed_points(nik in canonical_nik(), kk in canonical_nik()) {
            let parsed = Nik::parse(&nik).map(|n| (n.to_string(), Nik::parse(n.as_str()) == Ok(n)));
            prop_assert_eq!(parsed, Ok((nik.clone(), true)));
            let parsed = FamilyCardNumber::parse(&kk)
                .map(|k| (k.to_string(), FamilyCardNumber::parse(k.as_str()) == Ok(k)));
            prop_assert_eq!(parsed, Ok((kk.clone(), true)));
        }

        #[test]
        fn canonical_phone_numbers_are_fixed_points(national in "8[1-35-9][0-9]{7,10}") {
            let parsed = PhoneNumber::parse(&format!("0{national}"))
                .map(|p| (p.to_string(), PhoneNumber::parse(p.as_str()) == Ok(p)));
            prop_assert_eq!(parsed, Ok((format!("+62{national}"), true)));
        }

        #[test]
        fn canonical_village_codes_are_fixed_points(digits in "[0-9]{10}") {
            let parsed = VillageCode::parse(&digits)
                .map(|v| (v.to_string().replace('.', ""), VillageCode::parse(v.as_str()) == Ok(v)));
            prop_assert_eq!(parsed, Ok((digits.clone(), true)));
        }

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

        #[test]
        fn no_parser_panics_on_arbitrary_input(s in prop_oneof![any::<String>(), "[0-9 .+()ILOilo\\-é８]{0,20}"]) {
            let _ = Nik::parse(&s);
            let _ = FamilyCardNumber::parse(&s);
            let _ = PhoneNumber::parse(&s);
            let _ = VillageCode::parse(&s);
            let _ = RegistrationNumber::parse(&s);
        }
    }
}
