//! `GET /staff/applications/{n}?arsip=1`: the archived history of an
//! application (`app::archive`), read back from its R2 object (slower than
//! the record page) and access-logged like it: every field of every row,
//! section by section, with Indonesian names, codes as labels and times in
//! WIB. `?arsip=json` gives the archived line itself.

use askama::Template;
use serde_json::Value;
use worker::ResponseBody;

use super::{html, PageResult, Session};
use crate::app::archive::read;
use crate::app::Ctx;
use crate::domain::courier::{CourierLeg, ShipmentStatus};
use crate::domain::ids::RegistrationNumber;
use crate::domain::outbox::MessageStatus;
use crate::domain::roles::ActorKind;
use crate::domain::status::Status;
use crate::domain::workflow::Action;
use crate::web::response::file_response;

/// What the archived line holds, in the order an officer reads it.
const SECTIONS: [(&str, &str); 8] = [
    ("application", "Data permohonan saat diarsipkan"),
    ("events", "Riwayat langkah"),
    ("requirement_checks", "Persyaratan"),
    ("messages", "Pesan (SMS/WhatsApp) dan pesanan kurir"),
    ("shipments", "Pengiriman PT Pos"),
    ("fees", "Biaya"),
    ("products", "Dokumen"),
    ("download_links", "Tautan cetak mandiri"),
];

/// The Indonesian name of an archived field (its code when unknown).
fn field(key: &str) -> &str {
    match key {
        "status" => "Status",
        "version" | "seq" => "Langkah ke",
        "status_since" => "Status sejak",
        "applicant_nik" => "NIK pemohon",
        "applicant_name" => "Nama pemohon",
        "applicant_phone" => "Nomor HP",
        "applicant_address" => "Alamat",
        "village_code" => "Kode desa/kelurahan",
        "subject" => "Data subjek",
        "delivery_method" => "Pengambilan dokumen",
        "delivery_address" => "Alamat pengiriman",
        "channel" => "Saluran",
        "siak_reference" => "Referensi SIAK",
        "submitted_by" | "created_by" | "actor_id" | "received_by" => "Petugas (ID)",
        "created_at" => "Dibuat",
        "updated_at" => "Diperbarui",
        "resubmitted_from" => "Pengajuan ulang dari",
        "papers" => "Berkas fisik",
        "notify_channel" => "Pemberitahuan lewat",
        "action" => "Langkah",
        "actor_role" => "Oleh",
        "from_status" => "Dari status",
        "to_status" => "Ke status",
        "reason" => "Alasan",
        "changes" => "Perubahan",
        "details" => "Rincian",
        "item" => "Berkas",
        "submitted" => "Dilampirkan",
        "received_at" => "Diterima",
        "id" => "Nomor",
        "event_seq" => "Dari langkah ke",
        "position" => "Urutan",
        "template" => "Jenis pesan",
        "recipient" => "Penerima",
        "body" => "Isi",
        "attempts" => "Percobaan",
        "provider_id" => "ID penyedia",
        "last_error" => "Galat terakhir",
        "resend_of" => "Kirim ulang dari",
        "fallback_of" => "Pengganti pesan",
        "history" => "Riwayat status",
        "polls" => "Pengecekan ke penyedia",
        "outbox_id" => "Nomor pesan",
        "leg" => "Rute",
        "order_id" => "Nomor pesanan",
        "waybill" => "Nomor resi",
        "cod_amount" => "COD (Rp)",
        "fee_amount" => "Ongkos kirim (Rp)",
        "events" => "Riwayat kurir",
        "amount" => "Jumlah (Rp)",
        "collected_amount" => "Terkumpul (Rp)",
        "expected_day" => "Tanggal tagihan",
        "collected_day" => "Tanggal terkumpul",
        "kind" => "Dokumen",
        "document_number" => "Nomor dokumen",
        "draft_key" => "Berkas draf",
        "draft_sha256" => "SHA-256 draf",
        "draft_size" => "Ukuran draf (bita)",
        "validated" => "Divalidasi",
        "signed_code" => "Kode verifikasi",
        "expires_at" => "Berlaku sampai",
        "revoked_at" => "Dicabut",
        "codes" => "Kode unduh dikirim",
        other => other,
    }
}

/// A cell: codes as their labels, times in WIB, nothing as a dash, nested
/// rows as JSON.
fn cell(key: &str, v: &Value) -> String {
    match v {
        Value::Null => "–".into(),
        Value::String(s) => {
            if key.ends_with("_at") || key == "status_since" {
                if let Some(at) = crate::domain::time::parse_rfc3339(s) {
                    return crate::domain::time::format_wib(at);
                }
            }
            let label = match key {
                "action" => Action::parse(s).map(Action::label),
                "actor_role" => ActorKind::parse(s).map(ActorKind::label),
                "leg" => CourierLeg::parse(s).map(CourierLeg::label),
                "status" | "from_status" | "to_status" => Status::parse(s)
                    .map(Status::label)
                    .or_else(|| MessageStatus::parse(s).map(MessageStatus::label))
                    .or_else(|| ShipmentStatus::parse(s).map(ShipmentStatus::label)),
                _ => None,
            };
            label.map_or_else(|| s.clone(), String::from)
        }
        other => other.to_string(),
    }
}

struct Section {
    id: &'static str,
    title: &'static str,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "archive.html", whitespace = "minimize")]
struct ArchivePage {
    session: Option<Session>,
    number: String,
    sections: Vec<Section>,
}

/// One section: a table of its rows; the application itself is one row of
/// name and value per field.
fn section(id: &'static str, title: &'static str, value: &Value) -> Section {
    let (columns, rows) = match value {
        Value::Object(fields) => (
            vec!["Data".to_string(), "Isi".to_string()],
            fields
                .iter()
                .map(|(k, v)| vec![field(k).to_string(), cell(k, v)])
                .collect(),
        ),
        Value::Array(items) => {
            let keys: Vec<&String> = items
                .first()
                .and_then(Value::as_object)
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            let rows = items
                .iter()
                .map(|item| keys.iter().map(|k| cell(k, &item[k.as_str()])).collect())
                .collect();
            (keys.iter().map(|k| field(k).to_string()).collect(), rows)
        }
        _ => (Vec::new(), Vec::new()),
    };
    Section {
        id,
        title,
        columns,
        rows,
    }
}

/// The record page's `?arsip=…` (one route less in the Worker).
pub async fn page(
    ctx: &Ctx,
    session: Session,
    number: &RegistrationNumber,
    as_json: bool,
) -> PageResult {
    let line = read(ctx, &session.staff, number).await?;
    if as_json {
        return file_response(
            &format!("arsip-{}.json", number.as_str()),
            "application/json; charset=utf-8",
            ResponseBody::Body(line.into_bytes()),
        );
    }
    let value: Value = serde_json::from_str(&line).unwrap_or_default();
    let sections = SECTIONS
        .iter()
        .map(|(id, title)| section(id, title, &value[*id]))
        .collect();
    html(
        200,
        &ArchivePage {
            session: Some(session),
            number: number.as_str().to_string(),
            sections,
        },
    )
}
