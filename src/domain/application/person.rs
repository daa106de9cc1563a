//! The free-text fields about a person, checked the same way wherever they
//! appear: a name as written on civil documents, an address, a birth date.

use chrono::NaiveDate;

use crate::domain::field_error::FieldError;
use crate::domain::text::{check_text, Lines};

/// The longest name (and birth place) a civil document holds.
pub(super) const MAX_NAME: usize = 100;
const MAX_ADDRESS: usize = 300;

/// A person's name as written on civil documents: letters, spaces and the
/// punctuation Indonesian names use (apostrophe, dot, comma, hyphen).
pub fn parse_person_name(field: &str, value: &str) -> Result<String, FieldError> {
    check_text(field, value, Lines::One)?;
    let name = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(FieldError::new(field, "wajib diisi"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(FieldError::new(
            field,
            format!("paling banyak {MAX_NAME} karakter"),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '\'' | '.' | ',' | '-'))
    {
        return Err(FieldError::new(
            field,
            "hanya boleh berisi huruf, spasi, titik, koma, tanda petik dan tanda hubung",
        ));
    }
    Ok(name)
}

/// A postal address, on one line.
pub fn parse_address(field: &str, value: &str) -> Result<String, FieldError> {
    check_text(field, value, Lines::One)?;
    let address = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if address.chars().count() < 5 {
        return Err(FieldError::new(
            field,
            "alamat terlalu pendek; tulis jalan/dusun, RT/RW",
        ));
    }
    if address.chars().count() > MAX_ADDRESS {
        return Err(FieldError::new(
            field,
            format!("paling banyak {MAX_ADDRESS} karakter"),
        ));
    }
    Ok(address)
}

/// A date `YYYY-MM-DD` that is not after `today` (births are not in the future).
pub fn parse_birth_date(
    field: &str,
    value: &str,
    today: NaiveDate,
) -> Result<NaiveDate, FieldError> {
    let date = crate::domain::time::parse_day(value.trim()).ok_or_else(|| {
        FieldError::new(
            field,
            "tanggal harus berformat TTTT-BB-HH, contoh 2026-11-01",
        )
    })?;
    if date > today {
        return Err(FieldError::new(
            field,
            "tanggal lahir tidak boleh di masa depan",
        ));
    }
    if date < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(date) {
        return Err(FieldError::new(field, "tanggal lahir terlalu lampau"));
    }
    Ok(date)
}
