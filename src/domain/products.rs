//! The documents an application produces (*produk*), one per civil document:
//! a birth certificate request yields the Akta Kelahiran and the Register
//! Akta Kelahiran (seed step k), a family card the KK, a child ID card the
//! KIA. SIAK produces each document; PAK POS carries its draft (step h),
//! its validation (i) and signature (j) one product at a time, and the
//! application moves on when every product is through.

use super::coded_enum::coded_enum;
use super::field_error::FieldError;
use super::ids::{FamilyCardNumber, Nik, VerificationCode};
use super::services::Service;
use super::set::SortedSet;

coded_enum! {
    /// One civil document.
    #[derive(Hash, PartialOrd, Ord)]
    pub enum ProductKind {
        BirthCertificate = "birth_certificate" => "Akta Kelahiran",
        BirthRegister = "birth_register" => "Register Akta Kelahiran",
        FamilyCard = "family_card" => "Kartu Keluarga (KK)",
        ChildIdCard = "child_id_card" => "Kartu Identitas Anak (KIA)",
    }
}

impl ProductKind {
    /// The products of the requested services, in service order.
    pub fn of(services: &[Service]) -> Vec<ProductKind> {
        let mut out = Vec::with_capacity(services.len() + 1);
        for s in services {
            match s {
                Service::BirthCertificate => {
                    out.extend([ProductKind::BirthCertificate, ProductKind::BirthRegister])
                }
                Service::FamilyCard => out.push(ProductKind::FamilyCard),
                Service::ChildIdCard => out.push(ProductKind::ChildIdCard),
            }
        }
        out.into_iter().collect::<SortedSet<_>>().into_vec()
    }

    /// A product code typed by a client, as the field `field`.
    pub fn parse_field(field: &str, code: &str) -> Result<ProductKind, FieldError> {
        ProductKind::parse(code).ok_or_else(|| {
            FieldError::new(
                field,
                format!(
                    "dokumen '{code}' tidak dikenal; pilih salah satu: {}",
                    ProductKind::CODES.join(", ")
                ),
            )
        })
    }

    /// What the document's number is called on the document itself.
    pub fn number_label(self) -> &'static str {
        match self {
            ProductKind::BirthCertificate => "Nomor akta kelahiran",
            ProductKind::BirthRegister => "Nomor register akta",
            ProductKind::FamilyCard => "Nomor KK",
            ProductKind::ChildIdCard => "Nomor KIA (NIK anak)",
        }
    }

    /// Checks and normalises the document number production copies from
    /// SIAK: a KK number is a nomor KK, a KIA number is the child's NIK, an
    /// akta or register number is SIAK's printable form (e.g.
    /// `3312-LT-01122026-0001`).
    pub fn parse_number(self, field: &str, value: &str) -> Result<String, FieldError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(FieldError::new(
                field,
                format!("{} wajib diisi", self.number_label()),
            ));
        }
        match self {
            ProductKind::FamilyCard => FamilyCardNumber::parse(value)
                .map(|n| n.as_str().to_string())
                .map_err(|e| FieldError::from_id(field, e)),
            ProductKind::ChildIdCard => Nik::parse(value)
                .map(|n| n.as_str().to_string())
                .map_err(|e| FieldError::from_id(field, e)),
            ProductKind::BirthCertificate | ProductKind::BirthRegister => {
                let upper = value.to_ascii_uppercase();
                let ok = (5..=40).contains(&upper.len())
                    && upper.bytes().any(|b| b.is_ascii_digit())
                    && upper
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-./".contains(&b));
                if ok {
                    Ok(upper)
                } else {
                    Err(FieldError::new(
                        field,
                        format!(
                            "{} 5–40 karakter: huruf, angka, - . /, contoh 3312-LT-01122026-0001",
                            self.number_label()
                        ),
                    ))
                }
            }
        }
    }
}

/// A file kept in R2: its key, its SHA-256 (hex) and its size in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub object_key: String,
    pub sha256: String,
    pub size: u64,
}

/// Where one product stands, as the workflow reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductState {
    pub kind: ProductKind,
    pub document_number: Option<String>,
    /// The attached draft PDF.
    pub draft: Option<StoredFile>,
    pub validated: bool,
    /// The verification code of the current signature.
    pub signed: Option<VerificationCode>,
}

impl ProductState {
    pub fn new(kind: ProductKind) -> ProductState {
        ProductState {
            kind,
            document_number: None,
            draft: None,
            validated: false,
            signed: None,
        }
    }

    /// Ready to be submitted for signature: a number and a draft.
    pub fn has_draft(&self) -> bool {
        self.document_number.is_some() && self.draft.is_some()
    }
}

/// The products of `services` with what is stored of them: every product of
/// the services appears, stored or not yet, in product order; stored rows of
/// products the services no longer have are dropped.
pub fn merge(services: &[Service], stored: Vec<ProductState>) -> Vec<ProductState> {
    ProductKind::of(services)
        .into_iter()
        .map(|kind| {
            stored
                .iter()
                .find(|p| p.kind == kind)
                .cloned()
                .unwrap_or_else(|| ProductState::new(kind))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_birth_certificate_yields_the_akta_and_its_register_and_products_are_not_repeated() {
        use ProductKind as P;
        assert_eq!(
            ProductKind::of(&[Service::BirthCertificate]),
            vec![P::BirthCertificate, P::BirthRegister]
        );
        assert_eq!(
            ProductKind::of(&[
                Service::ChildIdCard,
                Service::BirthCertificate,
                Service::FamilyCard,
                Service::ChildIdCard
            ]),
            vec![
                P::BirthCertificate,
                P::BirthRegister,
                P::FamilyCard,
                P::ChildIdCard
            ]
        );
    }

    #[test]
    fn document_numbers_are_checked_per_product() {
        let kk = ProductKind::FamilyCard;
        assert_eq!(
            kk.parse_number("n", " 3312010101200003 ").as_deref(),
            Ok("3312010101200003")
        );
        assert_eq!(
            kk.parse_number("n", "12").map_err(|e| e.field),
            Err("n".into())
        );
        let kia = ProductKind::ChildIdCard;
        assert!(kia.parse_number("n", "3312014502900001").is_ok());
        assert!(kia.parse_number("n", "3312019902900001").is_err());
        let akta = ProductKind::BirthCertificate;
        assert_eq!(
            akta.parse_number("n", "3312-lt-01122026-0001").as_deref(),
            Ok("3312-LT-01122026-0001")
        );
        for bad in ["", "ABCDE", "12<script>", "1234 5678", &"1".repeat(41)] {
            assert!(akta.parse_number("n", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn merging_keeps_stored_progress_and_adds_missing_products() {
        let mut kk = ProductState::new(ProductKind::FamilyCard);
        kk.document_number = Some("3312010101200003".into());
        let stale = ProductState::new(ProductKind::ChildIdCard);
        let merged = merge(
            &[Service::FamilyCard, Service::BirthCertificate],
            vec![kk.clone(), stale],
        );
        let kinds: Vec<_> = merged.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            vec![
                ProductKind::BirthCertificate,
                ProductKind::BirthRegister,
                ProductKind::FamilyCard
            ]
        );
        assert_eq!(merged[2], kk);
    }
}
