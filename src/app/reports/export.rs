//! The CSV export: the applications created between two WIB dates, one row
//! each, as a finished file. Refused (422, naming `to`) when the range holds
//! more than [`MAX_EXPORT_ROWS`] applications rather than cut short; NIK
//! and phone numbers masked for roles that may not see them whole; one log
//! line per export saying who took which range, without personal data.

use super::csv::{self, Cell};
use super::{check_reader, sees_personal_data, thousands, DateRange, MAX_EXPORT_ROWS};
use crate::app::{AppError, Ctx, Staff};
use crate::domain::application::DeliveryMethod;
use crate::domain::ids::{Nik, PhoneNumber};
use crate::domain::services::Service;
use crate::domain::time::format_wib_sortable;
use crate::domain::workflow::Status;
use crate::platform::wib_date;
pub(super) use crate::store::reports::export_rows;
use crate::store::reports::ExportRow;

/// What the officer asked for: the `from`/`to` query, as typed (see
/// [`DateRange::parse`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct ExportQuery<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// A finished export: the file and what it covers.
pub struct ExportFile {
    pub range: DateRange,
    /// Applications in the file (one line each after the header).
    pub rows: usize,
    /// "pakpos-2026-11-01-2026-11-30.csv".
    pub filename: String,
    /// UTF-8 with a byte-order mark, CRLF lines, cells guarded against
    /// formula injection (`reports::csv`).
    pub body: String,
}

const EXPORT_HEADER: [&str; 11] = [
    "No. Pendaftaran",
    "Dibuat (WIB)",
    "Kode status",
    "Status",
    "Layanan",
    "Nama pemohon",
    "NIK pemohon",
    "No. HP pemohon",
    "Desa/Kelurahan",
    "Kecamatan",
    "Metode pengambilan",
];

/// `staff`'s export of `query`'s range: one statement, asking for one row
/// more than the limit to know whether the range holds too many.
pub async fn export(
    ctx: &Ctx,
    staff: &Staff,
    query: ExportQuery<'_>,
) -> Result<ExportFile, AppError> {
    let village = export_scope(staff)?;
    let range = DateRange::parse(query.from, query.to, wib_date(ctx.now))?;
    let (from_utc, until_utc) = range.utc_bounds();
    let rows = export_rows(
        &ctx.db,
        &from_utc,
        &until_utc,
        village,
        MAX_EXPORT_ROWS as u32 + 1,
    )
    .await?;
    let refused = rows.len() > MAX_EXPORT_ROWS;
    // No personal data in the log: who, which range, how many rows.
    worker::console_log!(
        "export.csv staff={} role={} from={} to={} rows={}{}",
        staff.id,
        staff.role.code(),
        range.from,
        range.to,
        rows.len().min(MAX_EXPORT_ROWS),
        if refused { "+ refused" } else { "" }
    );
    if refused {
        // Refused rather than truncated: a cut-off file is easily taken for
        // the whole period.
        return Err(AppError::invalid(
            "to",
            format!(
                "rentang {} – {} berisi lebih dari {} permohonan; persempit rentang tanggal (misalnya per bulan)",
                crate::domain::time::day_label(range.from),
                crate::domain::time::day_label(range.to),
                thousands(MAX_EXPORT_ROWS as i64)
            ),
        ));
    }
    let full = sees_personal_data(staff.role);
    let mut body = String::with_capacity(64 + rows.len() * 200);
    body.push_str(csv::BOM);
    body.push_str(&csv::line(&EXPORT_HEADER.map(|h| Cell::Text(h.into()))));
    for row in &rows {
        body.push_str(&csv::line(&export_cells(row, full)));
    }
    Ok(ExportFile {
        range,
        rows: rows.len(),
        filename: format!("pakpos-{}-{}.csv", range.from, range.to),
        body,
    })
}

/// Whose applications `staff` may export: a village operator their own
/// village's (for the monthly report), the dashboard's readers everyone's.
pub(super) fn export_scope(staff: &Staff) -> Result<Option<&str>, AppError> {
    match (staff.role, &staff.village) {
        (crate::domain::roles::Role::VillageOperator, Some(own)) => Ok(Some(own.as_str())),
        _ => check_reader(staff).map(|()| None),
    }
}

/// One application's cells, in [`EXPORT_HEADER`]'s order; NIK and phone
/// whole only when `full`.
fn export_cells(row: &ExportRow, full: bool) -> Vec<Cell> {
    use Cell::{Identifier, Text};
    let nik = match (Nik::parse(&row.applicant_nik), full) {
        (Ok(n), true) => Identifier(n.as_str().to_string()),
        (Ok(n), false) => Identifier(n.masked()),
        // A stored value that no longer parses is shown whole only to
        // those who may see it whole.
        (Err(_), true) => Text(row.applicant_nik.clone()),
        (Err(_), false) => Text("*".repeat(row.applicant_nik.chars().count())),
    };
    let phone = match (PhoneNumber::parse(&row.applicant_phone), full) {
        (Ok(p), true) => Identifier(p.as_str().to_string()),
        (Ok(p), false) => Identifier(p.masked()),
        (Err(_), true) => Text(row.applicant_phone.clone()),
        (Err(_), false) => Text("*".repeat(row.applicant_phone.chars().count())),
    };
    let services = row
        .services
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter_map(Service::parse)
        .map(Service::label)
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        Text(row.registration_number.clone()),
        Text(format_wib_sortable(row.created_at.at())),
        Text(row.status.clone()),
        Text(
            Status::parse(&row.status)
                .map(Status::label)
                .unwrap_or_default()
                .into(),
        ),
        Text(services),
        Text(row.applicant_name.clone()),
        nik,
        phone,
        Text(
            row.village_name
                .clone()
                .unwrap_or_else(|| row.village_code.clone()),
        ),
        Text(row.kecamatan_name.clone().unwrap_or_default()),
        Text(delivery_label(&row.delivery_method).into()),
    ]
}

/// The stored `delivery_method` code as the record page words it.
fn delivery_label(code: &str) -> &'static str {
    match DeliveryMethod::from_code(code) {
        Some(method) => method.label(),
        None => DeliveryMethod::Pickup.label(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export_row() -> ExportRow {
        ExportRow {
            registration_number: "ABCD-EFGHK".into(),
            created_at: crate::store::Timestamp::parse("2026-11-28T17:30:00.000Z").unwrap(),
            status: "completed".into(),
            services: Some("birth_certificate,family_card".into()),
            applicant_name: "Sri, Lestari".into(),
            applicant_nik: "3312014502900001".into(),
            applicant_phone: "+6281234567890".into(),
            village_code: "33.12.01.2001".into(),
            village_name: Some("Sumberagung".into()),
            kecamatan_name: Some("Pracimantoro".into()),
            delivery_method: "pos".into(),
        }
    }

    #[test]
    fn the_export_masks_nik_and_phone_for_those_who_may_not_see_them() {
        let masked = csv::line(&export_cells(&export_row(), false));
        assert!(!masked.contains("3312014502900001"), "{masked}");
        assert!(!masked.contains("81234567890"), "{masked}");
        assert!(masked.contains("3312********0001"), "{masked}");
        let full = csv::line(&export_cells(&export_row(), true));
        assert!(
            full.contains("=\"\"3312014502900001\"\"") && full.contains("=\"\"+6281234567890\"\""),
            "{full}"
        );
    }

    #[test]
    fn an_export_row_reads_in_wib_with_labels_and_one_cell_per_header() {
        let cells = export_cells(&export_row(), true);
        assert_eq!(cells.len(), EXPORT_HEADER.len());
        let line = csv::line(&cells);
        assert!(
            line.starts_with("ABCD-EFGHK,2026-11-29 00:30,completed,"),
            "{line}"
        );
        assert!(
            line.contains("Akta Kelahiran; Kartu Keluarga (KK)")
                && line.contains("\"Sri, Lestari\""),
            "{line}"
        );
        assert!(
            line.ends_with("Sumberagung,Pracimantoro,Dikirim PT Pos (COD)\r\n"),
            "{line}"
        );
    }
}
