//! The SMS texts a citizen receives (seed steps c, d, f, g, h, m), in
//! Indonesian, each fitting one 160-character GSM-7 segment where the content
//! allows. They never contain the NIK or other personal data beyond the
//! registration number: the SMS travels through third parties.

use super::coded_enum::coded_enum;
use super::ids::RegistrationNumber;
use super::papers::Papers;
use super::status::Status;

coded_enum! {
    /// Which message this is; stored with the outbox row so staff can filter.
    #[derive(Hash)]
    pub enum SmsTemplate {
        /// Step c: the registration number.
        RegistrationReceived = "registration_received" => "Nomor pendaftaran",
        /// Step f: approved, send the physical documents through PT Pos.
        ApprovedSendDocuments = "approved_send_documents" => "Disetujui, kirim berkas",
        /// Step f for a resubmission whose papers the agency still holds.
        ApprovedPapersHeld = "approved_papers_held" => "Disetujui, berkas sudah di Dinas",
        /// Step g: the documents arrived at Disdukcapil.
        DocumentsReceived = "documents_received" => "Berkas diterima",
        /// Step m: finished, collect at the Loker Pengambilan.
        ReadyForPickup = "ready_for_pickup" => "Dokumen siap diambil",
        /// Step m: finished, coming by PT Pos with cash on delivery.
        OutForDelivery = "out_for_delivery" => "Dokumen dikirim (COD)",
        /// Step m, cetak mandiri: finished, download with the link.
        ReadyForDownload = "ready_for_download" => "Dokumen siap diunduh (cetak mandiri)",
        /// Cetak mandiri: the one-time code that opens the downloads.
        DownloadCode = "download_code" => "Kode unduh (cetak mandiri)",
        /// Cetak mandiri: a new link, asked for by the citizen.
        DownloadLink = "download_link" => "Tautan unduh baru",
        /// The courier could not deliver: collect at the counter.
        DeliveryReturned = "delivery_returned" => "Gagal antar, ambil di loket",
        /// Steps d, f, g, h: cancelled, with the reason.
        Cancelled = "cancelled" => "Pembatalan",
    }
}

/// The most a cancellation may take when its reason does not fit one segment:
/// two concatenated GSM-7 segments (2 × 153 characters). The reason is what
/// the citizen must act on, so it is worth a second segment; past that it is
/// cut, and the whole reason stays in the audit trail and on the tracking page.
pub const TWO_SEGMENTS_CHARS: usize = 306;

/// The fee the courier collects for each leg, in rupiah (seed section 3).
pub const COURIER_FEE_RUPIAH: u32 = 10_000;

/// How every SMS starts, so the citizen knows who writes.
pub const SENDER: &str = "PAK POS Dukcapil Wonogiri";

/// One GSM-7 SMS segment.
pub const SEGMENT_CHARS: usize = 160;

pub fn text(template: SmsTemplate, number: &RegistrationNumber) -> String {
    let n = number.as_str();
    match template {
        SmsTemplate::RegistrationReceived => {
            format!("{SENDER}: permohonan Anda terdaftar, No. Pendaftaran {n}. Simpan nomor ini untuk cek status.")
        }
        SmsTemplate::ApprovedSendDocuments => format!(
            "{SENDER}: permohonan {n} disetujui. Kirim berkas fisik persyaratan lewat PT Pos; kurir menjemput, biaya Rp10.000 dibayar ke kurir."
        ),
        SmsTemplate::ApprovedPapersHeld => format!(
            "{SENDER}: permohonan {n} disetujui. Berkas fisik Anda sudah di Disdukcapil, tidak perlu dikirim lagi."
        ),
        SmsTemplate::DocumentsReceived => {
            format!("{SENDER}: berkas permohonan {n} sudah diterima dan sedang diproses.")
        }
        SmsTemplate::ReadyForPickup => {
            format!("{SENDER}: dokumen permohonan {n} sudah selesai dan dapat diambil di Loket Pengambilan Disdukcapil.")
        }
        SmsTemplate::OutForDelivery => format!(
            "{SENDER}: dokumen permohonan {n} sudah selesai dan dikirim PT Pos ke alamat Anda. Siapkan Rp10.000 (COD) untuk kurir."
        ),
        SmsTemplate::DeliveryReturned => format!(
            "{SENDER}: dokumen {n} gagal diantar PT Pos. Silakan ambil di Loket Pengambilan Disdukcapil Wonogiri."
        ),
        SmsTemplate::Cancelled => format!("{SENDER}: permohonan {n} dibatalkan."),
        // With their link or code, by their own functions below.
        SmsTemplate::ReadyForDownload | SmsTemplate::DownloadLink => {
            format!("{SENDER}: dokumen {n} dapat diunduh lewat tautan di SMS berikutnya.")
        }
        SmsTemplate::DownloadCode => format!("{SENDER}: kode unduh dokumen {n} dikirim terpisah."),
    }
}

/// Step f: approved; the exact papers to post for the chosen services (the
/// list may take a second segment; it is what the citizen must act on).
pub fn approved_text(number: &RegistrationNumber, papers: &[&str]) -> String {
    let head = format!(
        "{SENDER}: permohonan {} disetujui. Kirim berkas fisik persyaratan lewat PT Pos (kurir menjemput, Rp10.000 ke kurir): ",
        number.as_str()
    );
    let list = papers.join(", ");
    let room = TWO_SEGMENTS_CHARS.saturating_sub(head.chars().count() + 1);
    format!("{head}{}.", shorten(&list, room))
}

/// Cetak mandiri: the documents are signed; the link opens the download page
/// (the link is a random token, no personal data).
pub fn download_ready_text(number: &RegistrationNumber, link: &str) -> String {
    format!(
        "{SENDER}: dokumen {} selesai. Unduh & cetak di {link} (30 hari)",
        number.as_str()
    )
}

/// Cetak mandiri: a new link the citizen asked for.
pub fn download_link_text(number: &RegistrationNumber, link: &str) -> String {
    format!(
        "{SENDER}: tautan baru unduh dokumen {}: {link} (30 hari)",
        number.as_str()
    )
}

/// Cetak mandiri: the one-time code, which nobody else should hear.
pub fn download_code_text(number: &RegistrationNumber, code: &str) -> String {
    format!(
        "{SENDER}: kode unduh dokumen {}: {code}. Berlaku 10 menit. Jangan berikan kepada siapa pun, termasuk petugas.",
        number.as_str()
    )
}

/// The cancellation SMS carries the reason (seed steps d, f, g) and, when
/// production cancels for faulty documents (step h), asks the citizen to
/// complete them.
pub fn cancelled_text(
    number: &RegistrationNumber,
    cancelled_in: Status,
    reason: &str,
    papers: Option<Papers>,
) -> String {
    let n = number.as_str();
    let (head, tail) = if cancelled_in == Status::InProduction {
        (
            format!("{SENDER}: permohonan {n} dibatalkan, berkas belum memenuhi syarat: "),
            ". Lengkapi lalu ajukan lagi.",
        )
    } else {
        (format!("{SENDER}: permohonan {n} dibatalkan. Alasan: "), "")
    };
    // Where the citizen's own papers are, when the agency had them.
    let tail = match papers {
        Some(Papers::ReturningByPos) => {
            format!("{tail} Berkas fisik Anda dikirim kembali lewat PT Pos.")
        }
        Some(Papers::AtCounter) => {
            format!("{tail} Berkas fisik Anda dapat diambil di Loket Pengambilan.")
        }
        _ => tail.to_string(),
    };
    let frame = head.chars().count() + tail.chars().count();
    let reason = squeeze(reason);
    let room = if frame + reason.chars().count() <= SEGMENT_CHARS {
        SEGMENT_CHARS
    } else {
        TWO_SEGMENTS_CHARS
    };
    format!(
        "{head}{}{tail}",
        shorten(&reason, room.saturating_sub(frame))
    )
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cuts a text to at most `max` characters on a word boundary, marking the cut.
fn shorten(text: &str, max: usize) -> String {
    let text = squeeze(text);
    if text.chars().count() <= max {
        return text;
    }
    let mut out: String = text.chars().take(max.saturating_sub(3)).collect();
    if let Some(space) = out.rfind(' ') {
        if space > max / 2 {
            out.truncate(space);
        }
    }
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number() -> RegistrationNumber {
        RegistrationNumber::generate(|| 200)
    }

    /// The GSM 03.38 basic character set: text outside it forces UCS-2 and
    /// 70-character segments.
    fn is_gsm7(c: char) -> bool {
        c.is_ascii_alphanumeric() || " .,:;!?()'\"-+/@&%=\n".contains(c)
    }

    #[test]
    fn every_template_fits_one_gsm7_segment_and_names_the_registration_number() {
        let n = number();
        for t in SmsTemplate::ALL {
            let body = text(t, &n);
            assert!(
                body.chars().count() <= 160,
                "{t:?} is {} chars: {body}",
                body.chars().count()
            );
            assert!(
                body.chars().all(is_gsm7),
                "{t:?} has a non-GSM character: {body}"
            );
            assert!(body.contains(n.as_str()));
        }
    }

    #[test]
    fn the_approval_lists_every_paper_to_post_within_two_segments() {
        use crate::domain::services::{requirements_for, Service};
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default();
        let papers: Vec<&str> = requirements_for(&Service::ALL, None, today)
            .iter()
            .map(|r| r.short)
            .collect();
        let body = approved_text(&number(), &papers);
        assert!(body.chars().count() <= TWO_SEGMENTS_CHARS, "{body}");
        assert!(body.chars().all(is_gsm7), "{body}");
        for p in &papers {
            assert!(body.contains(p), "{p} missing: {body}");
        }
        assert!(!body.contains("asli"));
    }

    #[test]
    fn self_print_texts_fit_one_segment_with_the_production_link() {
        let n = number();
        // PUBLIC_BASE_URL + /cetak/ + a 22-character token.
        let link = format!(
            "https://pakpos.disdukcapil.wonogirikab.go.id/cetak/{}",
            "A".repeat(22)
        );
        for body in [
            download_ready_text(&n, &link),
            download_link_text(&n, &link),
            download_code_text(&n, "012345"),
        ] {
            assert!(
                body.chars().count() <= 160,
                "{} chars: {body}",
                body.chars().count()
            );
            assert!(body.chars().all(is_gsm7), "non-GSM: {body}");
        }
    }

    #[test]
    fn a_short_reason_fits_one_segment_and_a_long_one_is_carried_whole_in_two() {
        let short = cancelled_text(&number(), Status::InProduction, "KTP ibu buram", None);
        assert!(short.chars().count() <= SEGMENT_CHARS, "{short}");
        let reason = "Surat keterangan lahir tidak terbaca dan nama ibu berbeda dengan yang tertulis pada buku nikah orang tua";
        for (status, papers) in [
            (Status::Submitted, None),
            (Status::InProduction, Some(Papers::ReturningByPos)),
            (Status::AwaitingDocuments, Some(Papers::AtCounter)),
        ] {
            let body = cancelled_text(&number(), status, reason, papers);
            assert!(
                body.chars().count() <= TWO_SEGMENTS_CHARS,
                "{} chars: {body}",
                body.chars().count()
            );
            assert!(body.contains(reason), "{body}");
        }
    }

    #[test]
    fn a_reason_longer_than_two_segments_is_cut_on_a_word_and_marked() {
        let reason = "berkas tidak lengkap ".repeat(30);
        let body = cancelled_text(
            &number(),
            Status::Submitted,
            &reason,
            Some(Papers::AtCounter),
        );
        assert!(
            body.chars().count() <= TWO_SEGMENTS_CHARS,
            "{} chars",
            body.chars().count()
        );
        assert!(body.contains("..."), "{body}");
        assert!(
            body.ends_with("diambil di Loket Pengambilan."),
            "where the papers are is never cut: {body}"
        );
    }

    #[test]
    fn a_production_cancellation_asks_the_citizen_to_complete_the_documents() {
        let body = cancelled_text(
            &number(),
            Status::InProduction,
            "akta nikah tidak ada",
            None,
        );
        assert!(body.contains("belum memenuhi syarat: akta nikah tidak ada. Lengkapi"));
        let body = cancelled_text(&number(), Status::Submitted, "NIK ganda", None);
        assert!(body.contains("Alasan: NIK ganda"));
    }

    #[test]
    fn a_cancellation_says_where_the_papers_are() {
        let body = cancelled_text(
            &number(),
            Status::InProduction,
            "KTP ibu buram",
            Some(Papers::ReturningByPos),
        );
        assert!(
            body.ends_with("Berkas fisik Anda dikirim kembali lewat PT Pos."),
            "{body}"
        );
        assert!(body.chars().count() <= TWO_SEGMENTS_CHARS && body.chars().all(is_gsm7));
        let body = cancelled_text(&number(), Status::AwaitingDocuments, "x y z", None);
        assert!(!body.contains("Berkas fisik"), "{body}");
    }

    #[test]
    fn the_approval_names_pt_pos_and_the_fee() {
        let body = text(SmsTemplate::ApprovedSendDocuments, &number());
        assert!(body.contains("PT Pos") && body.contains("Rp10.000"));
        let body = text(SmsTemplate::OutForDelivery, &number());
        assert!(body.contains("COD") && body.contains("Rp10.000"));
    }
}
