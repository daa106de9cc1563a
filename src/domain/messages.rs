//! The SMS texts a citizen receives (seed steps c, d, f, g, h, m) and the
//! answers to the SMS they send us, in Indonesian. Each fits one
//! 160-character GSM-7 segment with our production address, and each that
//! concerns an application carries a short link to the page the citizen
//! needs next (`{PUBLIC_BASE_URL}/l/ABCDEFGHK` for tracking, `/u/` for the
//! upload page, the self-print link for cetak mandiri), where whatever does
//! not fit (the papers to send, a long cancellation reason, where the papers
//! are) is shown in full. They never contain the NIK or other personal data
//! beyond the registration number, which alone opens nothing (tracking asks
//! for the NIK): the SMS travels through third parties.

use super::coded_enum::coded_enum;
use super::ids::RegistrationNumber;
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
        DeliveryReturned = "delivery_returned" => "Gagal antar, ambil di Loket Pengambilan",
        /// Steps d, f, g, h: cancelled, with the reason.
        Cancelled = "cancelled" => "Pembatalan",
        /// The answer to "CEK <nomor>" from the applicant's own phone.
        StatusReply = "status_reply" => "Balasan CEK status",
        /// The one answer to any other SMS: how to check, nothing else.
        InboundHelp = "inbound_help" => "Balasan SMS masuk",
        /// The answer to BERHENTI (STOP).
        OptedOut = "opted_out" => "Berhenti SMS info",
        /// The answer to MULAI (START).
        OptedIn = "opted_in" => "Mulai lagi SMS info",
    }
}

impl SmsTemplate {
    /// Whether the message goes even to a number that sent BERHENTI: all
    /// that the citizen must act on (the number, what to send, the codes and
    /// links, collecting, COD, a cancellation, a failed delivery) or asked
    /// for (answers to their own SMS). Only news that asks nothing of the
    /// citizen is optional: the papers arrived, or need not be sent again.
    pub fn is_essential(self) -> bool {
        !matches!(
            self,
            SmsTemplate::DocumentsReceived | SmsTemplate::ApprovedPapersHeld
        )
    }
}

/// The fee the courier collects for each leg, in rupiah (seed section 3).
pub const COURIER_FEE_RUPIAH: u32 = 10_000;

/// How every SMS starts, so the citizen knows who writes.
pub const SENDER: &str = "PAK POS Dukcapil Wonogiri";

/// One GSM-7 SMS segment.
pub const SEGMENT_CHARS: usize = 160;

/// The short link to an application's page: `/l/` opens the tracking page
/// and `/u/` the upload page with the number filled in (`web::pages::links`
/// redirects). The number without its dash keeps the link short.
pub fn link(base: &str, page: char, number: &RegistrationNumber) -> String {
    format!("{base}/{page}/{}", number.as_str().replace('-', ""))
}

/// What a message says, shared by a step's SMS and the answer to "CEK".
const APPROVED: &str = "disetujui. Kurir PT Pos menjemput berkas (Rp10.000)";
const IN_PRODUCTION: &str = "berkas diterima, dokumen sedang diproses";
const PICKUP: &str = "selesai, ambil di Loket Pengambilan (bawa KTP-el)";
const COD: &str = "selesai, diantar PT Pos. Siapkan Rp10.000 (COD)";

/// "PAK POS …: ABCD-EFGHK {now}. {label}: {tracking link}".
fn tracked(number: &RegistrationNumber, now: &str, label: &str, base: &str) -> String {
    format!(
        "{SENDER}: {} {now}. {label}: {}",
        number.as_str(),
        link(base, 'l', number)
    )
}

/// The text of an application's message, with its link. Cetak mandiri's
/// link and code, a cancellation, the answers to the citizen's SMS have
/// their own functions below (here they get a pointer to the tracking page).
pub fn text(template: SmsTemplate, number: &RegistrationNumber, base: &str) -> String {
    let (now, label) = match template {
        SmsTemplate::RegistrationReceived => {
            return format!(
                "{SENDER}: permohonan terdaftar, No. {}. Simpan nomor ini. Unggah berkas: {}",
                number.as_str(),
                link(base, 'u', number)
            )
        }
        SmsTemplate::ApprovedSendDocuments => (APPROVED, "Daftarnya"),
        SmsTemplate::ApprovedPapersHeld => (
            "disetujui. Berkas sudah di Dinas, tidak perlu dikirim",
            "Info",
        ),
        SmsTemplate::DocumentsReceived => (IN_PRODUCTION, "Info"),
        SmsTemplate::ReadyForPickup => (PICKUP, "Info"),
        SmsTemplate::OutForDelivery => (COD, "Info"),
        SmsTemplate::DeliveryReturned => {
            ("gagal diantar PT Pos, ambil di Loket Pengambilan", "Info")
        }
        _ => ("lihat status terbaru", "Info"),
    };
    tracked(number, now, label, base)
}

/// The answer to "CEK <nomor>" from the applicant's phone: where the
/// application stands and what to do, in a few words; the tracking page
/// (behind the NIK) has the rest.
pub fn status_reply(number: &RegistrationNumber, status: Status, base: &str) -> String {
    let now = match status {
        Status::Submitted | Status::AwaitingValidation => "sedang diperiksa petugas",
        Status::AwaitingDocuments => APPROVED,
        Status::InProduction
        | Status::AwaitingSignatureValidation
        | Status::AwaitingSignature
        | Status::ReadyToPrint => IN_PRODUCTION,
        Status::ReadyForPickup => PICKUP,
        Status::OutForDelivery => COD,
        Status::ReadyForDownload => "selesai, unduh lewat tautan cetak mandiri di SMS kami",
        Status::Completed => "selesai, dokumen sudah diterima",
        Status::Cancelled => "dibatalkan, lihat alasannya",
    };
    tracked(number, now, "Rincian", base)
}

/// The one answer to every other SMS (an unknown sender, someone else's
/// number, text we do not understand): it says nothing about any
/// application.
pub fn inbound_help(base: &str) -> String {
    format!("{SENDER}: cek status di {base}/lacak dengan No. Pendaftaran & NIK, atau SMS CEK NOMOR dari HP pemohon.")
}

/// The answer to BERHENTI / STOP.
pub const OPTED_OUT_TEXT: &str = "PAK POS Dukcapil Wonogiri: SMS info dihentikan. SMS yang perlu Anda tindak lanjuti tetap dikirim. Ketik MULAI untuk mengaktifkan lagi.";

/// The answer to MULAI / START.
pub const OPTED_IN_TEXT: &str =
    "PAK POS Dukcapil Wonogiri: SMS info aktif lagi. Ketik BERHENTI untuk menghentikan.";

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

/// Cetak mandiri: the one-time code, which nobody else should hear. The only
/// text without a link, on purpose: the citizen types it into the page
/// already open, and a code beside a link is what phishing looks like.
pub fn download_code_text(number: &RegistrationNumber, code: &str) -> String {
    format!(
        "{SENDER}: kode unduh dokumen {}: {code}. Berlaku 10 menit. Jangan berikan kepada siapa pun, termasuk petugas.",
        number.as_str()
    )
}

/// The cancellation (seed steps d, f, g, h): the reason, cut on a word when
/// it does not fit one segment, and the tracking link, where the page shows
/// the whole reason, where the citizen's papers are and how to apply again.
pub fn cancelled_text(number: &RegistrationNumber, reason: &str, base: &str) -> String {
    let head = format!("{SENDER}: {} dibatalkan: ", number.as_str());
    let tail = format!(" Rincian: {}", link(base, 'l', number));
    let room = SEGMENT_CHARS.saturating_sub(head.chars().count() + tail.chars().count());
    let mut reason = shorten(reason, room.saturating_sub(1));
    if !reason.ends_with("...") {
        reason.push('.');
    }
    format!("{head}{reason}{tail}")
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

    /// Our production address, as `wrangler.toml` sets it: the test follows
    /// it if it ever changes.
    fn production_base() -> String {
        include_str!("../../wrangler.toml")
            .lines()
            .find_map(|l| l.strip_prefix("PUBLIC_BASE_URL = "))
            .map(|v| v.trim().trim_matches('"').to_string())
            .unwrap_or_default()
    }

    fn number() -> RegistrationNumber {
        RegistrationNumber::generate(|| 200)
    }

    /// The GSM 03.38 basic character set: text outside it forces UCS-2 and
    /// 70-character segments.
    fn is_gsm7(c: char) -> bool {
        c.is_ascii_alphanumeric() || " .,:;!?()'\"-+/@&%=\n".contains(c)
    }

    /// Sixteen digits in a row: what a NIK (or a KK number) looks like.
    fn has_nik_like_run(body: &str) -> bool {
        body.split(|c: char| !c.is_ascii_digit())
            .any(|run| run.len() >= 16)
    }

    /// Every template's text as it is sent, with the longest realistic
    /// values: our production address, a self-print link with its 22-symbol
    /// token, a six-digit code, and a cancellation reason as long as an
    /// officer may write.
    fn every_text(base: &str) -> Vec<(SmsTemplate, String)> {
        let n = number();
        let download = format!("{base}/cetak/{}", "A".repeat(22));
        let reason = "Surat keterangan lahir tidak terbaca dan nama ibu berbeda ".repeat(8);
        SmsTemplate::ALL
            .iter()
            .map(|&t| {
                let body = match t {
                    SmsTemplate::ReadyForDownload => download_ready_text(&n, &download),
                    SmsTemplate::DownloadLink => download_link_text(&n, &download),
                    SmsTemplate::DownloadCode => download_code_text(&n, "012345"),
                    SmsTemplate::Cancelled => cancelled_text(&n, &reason, base),
                    SmsTemplate::StatusReply => status_reply(&n, Status::ReadyForDownload, base),
                    SmsTemplate::InboundHelp => inbound_help(base),
                    SmsTemplate::OptedOut => OPTED_OUT_TEXT.into(),
                    SmsTemplate::OptedIn => OPTED_IN_TEXT.into(),
                    _ => text(t, &n, base),
                };
                (t, body)
            })
            .collect()
    }

    #[test]
    fn every_template_fits_one_gsm7_segment_links_onward_and_carries_no_nik() {
        let base = production_base();
        assert!(base.starts_with("https://"), "{base}");
        let n = number();
        for (t, body) in every_text(&base) {
            let chars = body.chars().count();
            assert!(chars <= SEGMENT_CHARS, "{t:?} is {chars} chars: {body}");
            assert!(
                body.chars().all(is_gsm7),
                "{t:?} has a non-GSM character: {body}"
            );
            assert!(!has_nik_like_run(&body), "{t:?}: {body}");
            assert!(body.starts_with(SENDER), "{t:?}: {body}");
            // The code is typed into the page already open; opting in or
            // out needs no page.
            let linkless = [
                SmsTemplate::DownloadCode,
                SmsTemplate::OptedOut,
                SmsTemplate::OptedIn,
            ];
            if !linkless.contains(&t) {
                assert!(body.contains(&format!("{base}/")), "{t:?}: {body}");
            }
            let about_an_application = !matches!(
                t,
                SmsTemplate::InboundHelp | SmsTemplate::OptedOut | SmsTemplate::OptedIn
            );
            if about_an_application {
                assert!(body.contains(n.as_str()), "{t:?}: {body}");
            }
        }
    }

    #[test]
    fn every_status_answer_fits_one_segment() {
        let base = production_base();
        for status in Status::ALL {
            let body = status_reply(&number(), status, &base);
            assert!(body.chars().count() <= SEGMENT_CHARS, "{status:?}: {body}");
            assert!(body.chars().all(is_gsm7), "{body}");
        }
    }

    #[test]
    fn the_links_are_short_and_open_tracking_or_upload_with_the_number() {
        let n = number();
        let compact = n.as_str().replace('-', "");
        let body = text(SmsTemplate::RegistrationReceived, &n, "https://x.id");
        assert!(
            body.ends_with(&format!("https://x.id/u/{compact}")),
            "{body}"
        );
        let body = text(SmsTemplate::ApprovedSendDocuments, &n, "https://x.id");
        assert!(
            body.ends_with(&format!("https://x.id/l/{compact}")),
            "{body}"
        );
        assert!(RegistrationNumber::parse(&compact).is_ok_and(|p| p == n));
    }

    #[test]
    fn the_approval_names_pt_pos_and_the_fee_and_links_to_the_list_of_papers() {
        let body = text(
            SmsTemplate::ApprovedSendDocuments,
            &number(),
            "https://x.id",
        );
        assert!(
            body.contains("PT Pos") && body.contains("Rp10.000"),
            "{body}"
        );
        assert!(body.contains("Daftarnya: https://x.id/l/"), "{body}");
        let body = text(SmsTemplate::OutForDelivery, &number(), "https://x.id");
        assert!(body.contains("COD") && body.contains("Rp10.000"));
    }

    #[test]
    fn a_short_reason_is_carried_whole_and_a_long_one_is_cut_on_a_word_and_marked() {
        let base = production_base();
        let body = cancelled_text(&number(), "akta nikah orang tua tidak terbaca", &base);
        assert!(
            body.contains("dibatalkan: akta nikah orang tua tidak terbaca. Rincian: "),
            "{body}"
        );
        let reason = "berkas tidak lengkap ".repeat(30);
        let body = cancelled_text(&number(), &reason, &base);
        assert!(body.chars().count() <= SEGMENT_CHARS, "{body}");
        assert!(
            body.contains("dibatalkan: berkas tidak lengkap berkas") && body.contains("..."),
            "{body}"
        );
        assert!(
            body.ends_with(&link(&base, 'l', &number())),
            "the link is never cut: {body}"
        );
    }

    #[test]
    fn only_news_that_asks_nothing_of_the_citizen_is_optional() {
        let optional: Vec<SmsTemplate> = SmsTemplate::ALL
            .into_iter()
            .filter(|t| !t.is_essential())
            .collect();
        assert_eq!(
            optional,
            [
                SmsTemplate::ApprovedPapersHeld,
                SmsTemplate::DocumentsReceived
            ]
        );
    }
}
