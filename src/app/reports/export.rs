//! The CSV export: the applications created between two WIB dates, one row
//! each, streamed out page by page: each page is one short read of the
//! `applications_by_created` range after the last row sent, so a year
//! (≈137,000 applications at the regency's pace) goes out whole without
//! ever holding D1, which answers one query at a time, for long. NIK and
//! phone numbers are masked for roles that may not see them whole; one log
//! line per export says who took which range and how many rows, without
//! personal data. A read that fails mid-file ends the download with an
//! error rather than a short file that looks whole.

use super::csv::{self, Cell};
use super::DateRange;
use super::{check_reader, sees_personal_data};
use crate::app::{AppError, Ctx, Staff};
use crate::domain::application::DeliveryMethod;
use crate::domain::ids::{Nik, PhoneNumber};
use crate::domain::services::Service;
use crate::domain::time::format_wib_sortable;
use crate::domain::workflow::Status;
use crate::platform::wib_date;
pub(super) use crate::store::reports::export_rows;
use crate::store::reports::ExportRow;
use crate::store::Db;

/// Rows per read (~200 bytes of CSV each); the `EXPORT_PAGE_ROWS` var may
/// set fewer, as the end-to-end tests do to cross page boundaries.
pub const EXPORT_PAGE_ROWS: u32 = 1_000;

/// What the officer asked for: the `from`/`to` query, as typed (see
/// [`DateRange::parse`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct ExportQuery<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// An export under way: what it covers and where it stands. Its own D1
/// handle, as the file outlives the request's handler.
pub struct Export {
    pub range: DateRange,
    /// "pakpos-2026-11-01-2026-11-30.csv".
    pub filename: String,
    db: Db,
    from_utc: String,
    until_utc: String,
    village: Option<String>,
    full: bool,
    staff_id: i64,
    role: &'static str,
    /// (created_at, registration number) of the last row sent.
    after: (String, String),
    page_rows: u32,
    rows: usize,
    done: bool,
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

/// `staff`'s export of `query`'s range, and its first piece (the header and
/// the first page), read before anything is sent so a range or database
/// error still gets its own page. The file is UTF-8 with a byte-order mark,
/// CRLF lines, cells guarded against formula injection (`reports::csv`).
pub async fn export(
    ctx: &Ctx,
    staff: &Staff,
    query: ExportQuery<'_>,
) -> Result<(Export, String), AppError> {
    let village = export_scope(staff)?.map(String::from);
    let range = DateRange::parse(query.from, query.to, wib_date(ctx.now))?;
    let (from_utc, until_utc) = range.utc_bounds();
    let d1 = ctx
        .env
        .d1("DB")
        .map_err(|e| AppError::internal("D1 binding", e))?;
    let mut export = Export {
        filename: format!("pakpos-{}-{}.csv", range.from, range.to),
        range,
        db: Db::new(d1),
        from_utc,
        until_utc,
        village,
        full: sees_personal_data(staff.role),
        staff_id: staff.id,
        role: staff.role.code(),
        after: (String::new(), String::new()),
        page_rows: ctx
            .var_u32("EXPORT_PAGE_ROWS", EXPORT_PAGE_ROWS)
            .clamp(1, EXPORT_PAGE_ROWS),
        rows: 0,
        done: false,
    };
    let mut first = String::from(csv::BOM);
    first.push_str(&csv::line(&EXPORT_HEADER.map(|h| Cell::Text(h.into()))));
    first.push_str(&export.next_chunk().await?.unwrap_or_default());
    Ok((export, first))
}

impl Export {
    /// The next page of lines, `None` once the range is exhausted (or after
    /// an error, which is returned once).
    pub async fn next_chunk(&mut self) -> Result<Option<String>, AppError> {
        if self.done {
            return Ok(None);
        }
        let page = export_rows(
            &self.db,
            &self.from_utc,
            &self.until_utc,
            self.village.as_deref(),
            (&self.after.0, &self.after.1),
            self.page_rows,
        )
        .await;
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                self.finish("failed");
                return Err(e.into());
            }
        };
        if page.len() < self.page_rows as usize {
            self.done = true;
        }
        let mut chunk = String::with_capacity(page.len() * 200);
        for row in &page {
            chunk.push_str(&csv::line(&export_cells(row, self.full)));
        }
        self.rows += page.len();
        if let Some(last) = page.last() {
            self.after = (last.created_at.text(), last.registration_number.clone());
        }
        if self.done {
            self.finish("complete");
        }
        Ok(Some(chunk))
    }

    /// The export's one log line: who, which range, how many rows, how it
    /// ended; no personal data.
    fn finish(&mut self, how: &str) {
        self.done = true;
        crate::platform::log_event(
            crate::platform::Level::Info,
            "export",
            &format!(
                "export.csv staff={} role={} from={} to={} rows={} {how}",
                self.staff_id, self.role, self.range.from, self.range.to, self.rows
            ),
        );
    }
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
