//! The products a citizen can request through PAK POS and the requirement
//! documents (*berkas persyaratan*) each needs. The checklist is ticked by the
//! village operator at submission and by the pickup counter when the physical
//! documents arrive by post; an item shared by two services is one document.

use super::coded_enum::coded_enum;

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
}

const fn req(code: &'static str, label: &'static str, short: &'static str) -> Requirement {
    Requirement { code, label, short }
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
pub const PAS_FOTO_ANAK: Requirement = req(
    "pas_foto_anak",
    "Pas foto anak 2x3 berwarna (untuk anak usia 5 tahun ke atas)",
    "pas foto anak 2x3",
);

/// The union of the requirement codes of several services, deduplicated and
/// sorted, which is what the pickup counter must confirm.
pub fn required_items(services: &[Service]) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = services
        .iter()
        .flat_map(|s| s.requirements().iter().map(|r| r.code))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// The requirements of several services, each once, in checklist order.
pub fn requirements_of(services: &[Service]) -> Vec<Requirement> {
    let mut out: Vec<Requirement> = Vec::new();
    for r in services.iter().flat_map(|s| s.requirements().iter()) {
        if !out.iter().any(|o| o.code == r.code) {
            out.push(*r);
        }
    }
    out
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
        let papers = requirements_of(&[Service::BirthCertificate, Service::ChildIdCard]);
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
