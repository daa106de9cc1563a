//! The identifiers that citizens and officers type into PAK POS Online — NIK, nomor KK,
//! nomor HP, kode desa/kelurahan and nomor pendaftaran — each parsed once, at the edge,
//! into a newtype whose only constructor checks the format ("parse, don't validate").
//! Code holding a `Nik` therefore knows it is well formed and in canonical form, and
//! never re-checks it. Everything here is pure and total: any string yields either a
//! value or an [`IdError`] whose message is short Indonesian fit to show the citizen,
//! never a panic. NIK, KK and phone numbers are personal data, so their `Debug` output
//! is masked and they cannot leak into logs through a stray `{:?}`.

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
    #[error("kode verifikasi tidak valid: 16 huruf/angka, contoh ABCD-EFGH-JKMN-PQRS")]
    VerificationFormat,
    #[error("kode verifikasi salah ketik — periksa kembali kode pada dokumen")]
    VerificationCheck,
}

/// `as_str`, `Display` and `Serialize` are identical for every type: all expose the
/// canonical string, which is the only thing the field ever holds. Paths are absolute
/// because each identifier's file invokes it.
macro_rules! canonical_string {
    ($($t:ident),*) => {$(
        impl $t {
            /// The canonical form.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl ::serde::Serialize for $t {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    )*};
}

/// Debug for personal identifiers prints only the masked form, so logs never hold them.
macro_rules! masked_debug {
    ($($t:ident),*) => {$(
        impl ::std::fmt::Debug for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($t)).field(&self.masked()).finish()
            }
        }
    )*};
}

// The identifiers, each beside its own parser; declared after the macros
// above so that each file can use them.
mod family_card_number;
mod nik;
mod phone_number;
mod registration_number;
mod verification_code;
mod village_code;

pub use family_card_number::FamilyCardNumber;
pub use nik::Nik;
pub use phone_number::PhoneNumber;
pub use registration_number::{RegistrationNumber, REGISTRATION_NUMBER_ALPHABET};
pub use verification_code::VerificationCode;
pub use village_code::VillageCode;

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        fn no_parser_panics_on_arbitrary_input(s in prop_oneof![any::<String>(), "[0-9 .+()ILOilo\\-é８]{0,20}"]) {
            let _ = Nik::parse(&s);
            let _ = FamilyCardNumber::parse(&s);
            let _ = PhoneNumber::parse(&s);
            let _ = VillageCode::parse(&s);
            let _ = RegistrationNumber::parse(&s);
        }
    }
}
