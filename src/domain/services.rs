//! The products a citizen can request through PAK POS and the requirement
//! documents (*berkas persyaratan*) each needs. The checklist is ticked by the
//! village operator at submission and by the pickup counter when the physical
//! documents arrive by post; an item shared by two services is one document.

use chrono::NaiveDate;

use super::coded_enum::coded_enum;
use super::set::SortedSet;

coded_enum! {
    /// A product a citizen can request (*layanan*).
    #[derive(Hash, PartialOrd, Ord)]
    pub enum Service {
        /// Akta Kelahiran (also produces the Register Akta Kelahiran).
        BirthCertificate = "birth_certificate" => "Akta Kelahiran",
        /// Kartu Keluarga (KK).
        FamilyCard = "family_card" => "Kartu Keluarga (KK)",
        /// Kartu Identitas Anak (KIA).
        ChildIdCard = "child_id_card" => "Kartu Identitas Anak (KIA)",
    }
}

impl Service {
    /// The documents this service needs, in the order the checklist shows them.
    pub fn requirements(self) -> &'static [Requirement] {
        match self {
            Service::BirthCertificate => &[
                SURAT_KETERANGAN_LAHIR,
                KK_ORANG_TUA,
                KTP_ORANG_TUA,
                BUKU_NIKAH,
                KTP_SAKSI,
            ],
            Service::FamilyCard => &[KK_LAMA, FORMULIR_F101, KTP_ORANG_TUA, BUKU_NIKAH],
            Service::ChildIdCard => &[KK_ORANG_TUA, AKTA_KELAHIRAN_ANAK, PAS_FOTO_ANAK],
        }
    }
}

/// One requirement document, by stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Requirement {
    pub code: &'static str,
    pub label: &'static str,
    /// The few words an SMS can spare for it.
    pub short: &'static str,
    /// Needed only once the child is this old (years); 0: always.
    pub from_age: u8,
}

const fn req(code: &'static str, label: &'static str, short: &'static str) -> Requirement {
    Requirement {
        code,
        label,
        short,
        from_age: 0,
    }
}

pub const SURAT_KETERANGAN_LAHIR: Requirement = req(
    "surat_keterangan_lahir",
    "Surat keterangan lahir dari dokter/bidan/rumah sakit",
    "surat ket. lahir",
);
pub const KK_ORANG_TUA: Requirement =
    req("kk_orang_tua", "Kartu Keluarga (KK) orang tua", "KK ortu");
pub const KTP_ORANG_TUA: Requirement =
    req("ktp_orang_tua", "KTP-el ayah dan ibu", "KTP-el ayah & ibu");
pub const BUKU_NIKAH: Requirement = req(
    "buku_nikah",
    "Buku nikah / akta perkawinan orang tua",
    "buku nikah/akta kawin",
);
pub const KTP_SAKSI: Requirement = req(
    "ktp_saksi",
    "KTP-el dua orang saksi kelahiran",
    "KTP-el 2 saksi",
);
pub const KK_LAMA: Requirement = req("kk_lama", "Kartu Keluarga (KK) lama yang asli", "KK lama");
pub const FORMULIR_F101: Requirement = req(
    "formulir_f101",
    "Formulir biodata keluarga (F-1.01)",
    "formulir F-1.01",
);
pub const AKTA_KELAHIRAN_ANAK: Requirement = req(
    "akta_kelahiran_anak",
    "Akta kelahiran anak (atau permohonannya dalam berkas ini)",
    "akta lahir anak",
);
/// A KIA needs the child's photo only from age 5 (Permendagri 2/2016,
/// article 15): not for a newborn.
pub const PAS_FOTO_ANAK: Requirement = Requirement {
    from_age: 5,
    ..req(
        "pas_foto_anak",
        "Pas foto anak 2x3 berwarna (untuk anak usia 5 tahun ke atas)",
        "pas foto anak 2x3",
    )
};

/// The union of the requirement codes of several services, deduplicated and
/// sorted, which is what the pickup counter must confirm.
pub fn required_items(services: &[Service]) -> Vec<&'static str> {
    services
        .iter()
        .flat_map(|s| s.requirements().iter().map(|r| r.code))
        .collect::<SortedSet<_>>()
        .into_vec()
}

/// The requirements of several services, each once, in checklist order,
/// less those the child's age rules out (unknown age rules out nothing).
pub fn requirements_for(
    services: &[Service],
    child_born: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<Requirement> {
    let mut out: Vec<Requirement> = Vec::new();
    for r in services.iter().flat_map(|s| s.requirements().iter()) {
        if !out.iter().any(|o| o.code == r.code) && applies(r, child_born, today) {
            out.push(*r);
        }
    }
    out
}

/// The requirement codes of `requirements_for`, sorted: what the counter
/// must confirm.
pub fn required_for(
    services: &[Service],
    child_born: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<&'static str> {
    // Each code is once in `requirements_for`: the set only sorts them.
    requirements_for(services, child_born, today)
        .iter()
        .map(|r| r.code)
        .collect::<SortedSet<_>>()
        .into_vec()
}

fn applies(r: &Requirement, child_born: Option<NaiveDate>, today: NaiveDate) -> bool {
    r.from_age == 0
        || child_born
            .is_none_or(|born| today.years_since(born).unwrap_or(0) >= u32::from(r.from_age))
}

/// The subject's birth date as stored (`YYYY-MM-DD`), if any.
pub fn child_born(birth_date: Option<&str>) -> Option<NaiveDate> {
    crate::domain::time::parse_day(birth_date?)
}

/// Finds a requirement's label by code, for any service.
pub fn requirement_label(code: &str) -> Option<&'static str> {
    Service::ALL
        .iter()
        .flat_map(|s| s.requirements().iter())
        .find(|r| r.code == code)
        .map(|r| r.label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newborn_bundle_needs_each_shared_document_once() {
        let items = required_items(&Service::ALL);
        assert_eq!(items.iter().filter(|c| **c == "kk_orang_tua").count(), 1);
        assert!(items.contains(&"surat_keterangan_lahir"));
        assert!(items.contains(&"kk_lama"));
        assert!(items.contains(&"pas_foto_anak"));
    }

    #[test]
    fn the_papers_of_several_services_are_listed_once_in_order() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default();
        let papers = requirements_for(
            &[Service::BirthCertificate, Service::ChildIdCard],
            None,
            today,
        );
        let codes: Vec<&str> = papers.iter().map(|r| r.code).collect();
        assert_eq!(
            codes,
            [
                "surat_keterangan_lahir",
                "kk_orang_tua",
                "ktp_orang_tua",
                "buku_nikah",
                "ktp_saksi",
                "akta_kelahiran_anak",
                "pas_foto_anak"
            ]
        );
        assert!(papers
            .iter()
            .all(|r| !r.short.is_empty() && r.short.len() < r.label.len()));
    }

    #[test]
    fn a_kia_needs_the_childs_photo_only_from_age_five() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default();
        let kia = [Service::ChildIdCard];
        let photo = |born: &str| {
            required_for(&kia, child_born(Some(born)), today).contains(&"pas_foto_anak")
        };
        assert!(!photo("2026-11-01"), "a newborn");
        assert!(!photo("2021-12-03"), "a day before turning five");
        assert!(photo("2021-12-02"), "five today");
        assert!(photo("2015-01-01"));
        assert!(
            required_for(&kia, None, today).contains(&"pas_foto_anak"),
            "age unknown"
        );
        assert!(required_for(&kia, child_born(Some("2026-11-01")), today).contains(&"kk_orang_tua"));
    }

    #[test]
    fn every_service_code_parses_back() {
        for s in Service::ALL {
            assert_eq!(Service::parse(s.code()), Some(s));
        }
        assert_eq!(Service::parse("ktp"), None);
    }

    #[test]
    fn every_requirement_has_a_label() {
        for s in Service::ALL {
            for r in s.requirements() {
                assert_eq!(requirement_label(r.code), Some(r.label));
            }
        }
    }
}
