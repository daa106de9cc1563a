//! The dashboard of the validator, the head of agency and the administrator
//! (counts per status, how long each queue waits, completions per day as a
//! server-drawn SVG chart, a table per kecamatan, SMS delivery and courier
//! fees over the last 30 days), and the CSV export of applications created
//! in a date range. Two D1 round trips per request: the session, then one
//! batch (dashboard) or one statement (export).

use std::collections::HashMap;

use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use worker::{Headers, Request, Response};

use super::{error_page, html, require, waited, wib, PageResult, Session};
use crate::app::AppError;
use crate::app::Ctx;
use crate::domain::ids::{Nik, PhoneNumber};
use crate::domain::roles::Role;
use crate::domain::services::Service;
use crate::domain::workflow::Status;
use crate::platform::{timestamp, wib_date};
use crate::store::reports::{self, DayCount, ExportRow, FeeTotal, Window};

/// The dashboard's window, in WIB days ending today.
const WINDOW_DAYS: i64 = 30;
/// The longest export range: a year, leap day included.
const MAX_EXPORT_DAYS: i64 = 366;
/// An export larger than this is refused rather than cut short, so a file
/// that looks complete always is (see [`export`]).
const MAX_EXPORT_ROWS: usize = 20_000;
/// The queues whose waiting time the dashboard shows, in workflow order.
const QUEUE_ROLES: [Role; 5] = [
    Role::FrontOffice,
    Role::Validator,
    Role::PickupCounter,
    Role::Production,
    Role::HeadOfAgency,
];

pub struct StatusCard {
    pub label: &'static str,
    pub count: i64,
}

pub struct QueueView {
    pub label: &'static str,
    pub waiting: i64,
    pub oldest: String,
    pub median: String,
}

pub struct KecamatanView {
    pub name: String,
    pub open: i64,
    pub completed: i64,
    pub cancelled: i64,
}

pub struct DayView {
    pub date: String,
    pub count: i64,
}

pub struct FeeView {
    pub label: &'static str,
    pub count: i64,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    session: Option<Session>,
    generated: String,
    period: String,
    statuses: Vec<StatusCard>,
    open_total: i64,
    all_total: i64,
    queues: Vec<QueueView>,
    chart: chart::Chart,
    days: Vec<DayView>,
    kecamatan: Vec<KecamatanView>,
    kecamatan_total: KecamatanView,
    sms_delivered: i64,
    sms_failed: i64,
    sms_in_progress: i64,
    sms_rate: Option<String>,
    fees: Vec<FeeView>,
    export_from: String,
    export_to: String,
    export_masked: bool,
    max_export_days: i64,
    max_export_rows: String,
    complaints_open: i64,
    complaints_in_progress: i64,
    complaints_resolved: i64,
    /// How long the oldest unfinished (open or in progress) complaint has waited.
    complaints_oldest: Option<String>,
}

fn forbidden(session: Session) -> PageResult {
    let e = AppError::Forbidden(format!(
        "dasbor dan ekspor hanya untuk {}, {}, dan {}",
        Role::Validator.label(),
        Role::HeadOfAgency.label(),
        Role::Admin.label()
    ));
    error_page(&e, Some(session))
}

pub async fn page(req: Request, ctx: &Ctx) -> PageResult {
    let session = match require(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if !session.can_see_dashboard() {
        return forbidden(session);
    }
    let range = DateRange::ending(wib_date(ctx.now), WINDOW_DAYS);
    let (from_utc, until_utc) = range.utc_bounds();
    let (from_day, to_day) = (range.from.to_string(), range.to.to_string());
    let window = Window {
        from_utc: &from_utc,
        until_utc: &until_utc,
        from_day: &from_day,
        to_day: &to_day,
    };
    let roles: Vec<&str> = QUEUE_ROLES.iter().map(|r| r.code()).collect();
    let data = reports::dashboard(&ctx.db, &window, &roles)
        .await
        .map_err(|e| AppError::internal("dashboard", e))?;

    let counts: HashMap<&str, i64> = data
        .statuses
        .iter()
        .map(|s| (s.status.as_str(), s.count))
        .collect();
    let statuses: Vec<StatusCard> = Status::ALL
        .iter()
        .map(|s| StatusCard {
            label: s.label(),
            count: counts.get(s.code()).copied().unwrap_or(0),
        })
        .collect();
    let open_total = Status::ALL
        .iter()
        .filter(|s| !s.is_final())
        .map(|s| counts.get(s.code()).copied().unwrap_or(0))
        .sum();

    let queues = QUEUE_ROLES
        .iter()
        .map(|role| {
            let age = data.queues.iter().find(|q| q.role == role.code());
            let waiting = age.map_or(0, |q| q.waiting);
            let middle = data
                .middles
                .iter()
                .find(|(r, _)| r == role.code())
                .map(|(_, m)| m.as_slice())
                .unwrap_or_default();
            let since = |at: Option<DateTime<Utc>>| {
                at.map(|t| waited(&timestamp(t), ctx.now))
                    .unwrap_or_else(|| "—".into())
            };
            QueueView {
                label: role.label(),
                waiting,
                oldest: age
                    .filter(|_| waiting > 0)
                    .map(|q| waited(&q.oldest, ctx.now))
                    .unwrap_or_else(|| "—".into()),
                median: since(median_since(waiting, middle)),
            }
        })
        .collect();

    let per_day = fill_days(&range, &data.completed_per_day);
    let days = per_day
        .iter()
        .map(|(d, n)| DayView {
            date: d.format("%d/%m/%Y").to_string(),
            count: *n,
        })
        .collect();

    let kecamatan: Vec<KecamatanView> = data
        .kecamatan
        .iter()
        .map(|k| KecamatanView {
            name: k.name.clone(),
            open: k.open,
            completed: k.completed,
            cancelled: k.cancelled,
        })
        .collect();
    let kecamatan_total = KecamatanView {
        name: "Jumlah".into(),
        open: kecamatan.iter().map(|k| k.open).sum(),
        completed: kecamatan.iter().map(|k| k.completed).sum(),
        cancelled: kecamatan.iter().map(|k| k.cancelled).sum(),
    };

    let sms = SmsTally::from_counts(data.sms.iter().map(|s| (s.status.as_str(), s.count)));
    let fee = |label, t: &FeeTotal| FeeView {
        label,
        count: t.count,
        amount: rupiah(t.amount),
    };
    let page = DashboardPage {
        generated: wib(&timestamp(ctx.now)),
        period: format!(
            "{} – {}",
            range.from.format("%d/%m/%Y"),
            range.to.format("%d/%m/%Y")
        ),
        all_total: statuses.iter().map(|s| s.count).sum(),
        statuses,
        open_total,
        queues,
        chart: chart::build(&per_day),
        days,
        kecamatan,
        kecamatan_total,
        sms_delivered: sms.delivered,
        sms_failed: sms.failed,
        sms_in_progress: sms.in_progress,
        sms_rate: sms.rate(),
        fees: vec![
            fee("Seharusnya ditagih kurir", &data.fees_expected),
            fee("Dilaporkan tertagih", &data.fees_collected),
            fee("Belum tertagih", &data.fees_outstanding),
        ],
        export_from: range.from.to_string(),
        export_to: range.to.to_string(),
        export_masked: !sees_personal_data(session.staff.role),
        max_export_days: MAX_EXPORT_DAYS,
        max_export_rows: thousands(MAX_EXPORT_ROWS as i64),
        complaints_open: data.complaints.open,
        complaints_in_progress: data.complaints.in_progress,
        complaints_resolved: data.complaints.resolved,
        complaints_oldest: data
            .complaints
            .oldest_open_at
            .as_deref()
            .map(|at| waited(at, ctx.now)),
        session: Some(session),
    };
    html(200, &page)
}

/// `GET /staff/export.csv?from=&to=`: applications created between two WIB
/// dates, one row each.
pub async fn export(req: Request, ctx: &Ctx) -> PageResult {
    let session = match require(&req, ctx).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if !session.can_see_dashboard() {
        return forbidden(session);
    }
    let query: Vec<(String, String)> = req
        .url()
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default();
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let range = match DateRange::parse(get("from"), get("to"), wib_date(ctx.now)) {
        Ok(r) => r,
        Err(e) => return error_page(&e, Some(session)),
    };
    let (from_utc, until_utc) = range.utc_bounds();
    let rows = reports::export_rows(&ctx.db, &from_utc, &until_utc, MAX_EXPORT_ROWS as u32 + 1)
        .await
        .map_err(|e| AppError::internal("export", e))?;
    let staff = &session.staff;
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
        let e = AppError::invalid(
            "to",
            format!(
                "rentang {} – {} berisi lebih dari {} permohonan; persempit rentang tanggal (misalnya per bulan)",
                range.from.format("%d/%m/%Y"),
                range.to.format("%d/%m/%Y"),
                thousands(MAX_EXPORT_ROWS as i64)
            ),
        );
        return error_page(&e, Some(session));
    }
    let full = sees_personal_data(staff.role);
    let mut body = String::with_capacity(64 + rows.len() * 200);
    body.push_str(csv::BOM);
    body.push_str(&csv::line(
        &EXPORT_HEADER.map(|h| csv::Cell::Text(h.into())),
    ));
    for row in &rows {
        body.push_str(&csv::line(&export_cells(row, full)));
    }
    csv_response(body, &format!("pakpos-{}-{}.csv", range.from, range.to))
}

/// Data minimisation (UU PDP): the administrator performs no workflow step,
/// so reads NIK and phone masked; the validator and the head of agency
/// work with them.
fn sees_personal_data(role: Role) -> bool {
    matches!(role, Role::Validator | Role::HeadOfAgency)
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

fn export_cells(row: &ExportRow, full: bool) -> Vec<csv::Cell> {
    use csv::Cell::{Identifier, Text};
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
        Text(wib_stamp(&row.created_at)),
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
        Text(
            if row.delivery_method == "pos" {
                "Dikirim PT Pos (COD)"
            } else {
                "Diambil di Loket Pengambilan"
            }
            .into(),
        ),
    ]
}

/// "2026-11-29 00:30": sortable in a spreadsheet, in WIB.
fn wib_stamp(at: &str) -> String {
    DateTime::parse_from_rfc3339(at)
        .map(|t| {
            (t.with_timezone(&Utc) + Duration::hours(7))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_string())
}

/// The same security headers as every page (`super::secure`, which is
/// private to the UI module), plus the download's type and name.
fn csv_response(body: String, filename: &str) -> PageResult {
    let headers = Headers::new();
    crate::web::response::secure(&headers)?;
    for (k, v) in [
        ("Content-Type", "text/csv; charset=utf-8"),
        (
            "Content-Disposition",
            &format!("attachment; filename=\"{filename}\""),
        ),
    ] {
        headers
            .set(k, v)
            .map_err(|e| AppError::internal("header", e))?;
    }
    Ok(Response::ok(body)
        .map_err(|e| AppError::internal("response", e))?
        .with_headers(headers))
}

/// A range of WIB dates, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// The `days` days ending with `last`.
    pub fn ending(last: NaiveDate, days: i64) -> DateRange {
        DateRange {
            from: last - Duration::days(days - 1),
            to: last,
        }
    }

    /// The export's `from`/`to` (YYYY-MM-DD; blank means the default: the
    /// 30 days ending `to`, which defaults to today).
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<DateRange, AppError> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let to = given(to)
            .map(|v| parse_date("to", v))
            .transpose()?
            .unwrap_or(today);
        let from = given(from)
            .map(|v| parse_date("from", v))
            .transpose()?
            .unwrap_or(to - Duration::days(WINDOW_DAYS - 1));
        if from > to {
            return Err(AppError::invalid(
                "from",
                "tanggal awal harus sebelum atau sama dengan tanggal akhir",
            ));
        }
        let range = DateRange { from, to };
        if range.days() > MAX_EXPORT_DAYS {
            return Err(AppError::invalid(
                "from",
                format!("rentang paling lama {MAX_EXPORT_DAYS} hari"),
            ));
        }
        Ok(range)
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The range as stored UTC times: from the first day's WIB midnight
    /// (inclusive) to the WIB midnight after the last day (exclusive).
    pub fn utc_bounds(&self) -> (String, String) {
        (
            wib_midnight_utc(self.from),
            wib_midnight_utc(self.to + Duration::days(1)),
        )
    }
}

fn parse_date(field: &str, value: &str) -> Result<NaiveDate, AppError> {
    let bad = || {
        AppError::invalid(
            field,
            format!(
                "tanggal '{value}' tidak valid; gunakan format TTTT-BB-HH, misalnya 2026-11-28"
            ),
        )
    };
    // chrono alone would also take "2026-1-5" or a five-digit year.
    if value.len() != 10
        || value.as_bytes().get(4) != Some(&b'-')
        || value.as_bytes().get(7) != Some(&b'-')
    {
        return Err(bad());
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| bad())?;
    if !(2000..=2100).contains(&chrono::Datelike::year(&date)) {
        return Err(bad());
    }
    Ok(date)
}

/// Midnight WIB of `day` as a stored UTC timestamp (17:00 the day before).
fn wib_midnight_utc(day: NaiveDate) -> String {
    timestamp(day.and_time(NaiveTime::MIN).and_utc() - Duration::hours(7))
}

/// Every day of the range with its count, zero where D1 had no row.
fn fill_days(range: &DateRange, rows: &[DayCount]) -> Vec<(NaiveDate, i64)> {
    let by_day: HashMap<&str, i64> = rows.iter().map(|r| (r.day.as_str(), r.count)).collect();
    range
        .from
        .iter_days()
        .take_while(|d| *d <= range.to)
        .map(|d| (d, by_day.get(d.to_string().as_str()).copied().unwrap_or(0)))
        .collect()
}

/// The median of a queue's `status_since` from its one or two middle values
/// (see [`reports::median_offset`]): the middle one for an odd count, halfway
/// between the two for an even count. `None` for an empty queue.
fn median_since(count: i64, middle: &[String]) -> Option<DateTime<Utc>> {
    let parse = |i: usize| {
        middle
            .get(i)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let first = parse(0).filter(|_| count > 0)?;
    if count % 2 == 1 {
        return Some(first);
    }
    Some(parse(1).map_or(first, |second| first + (second - first) / 2))
}

/// SMS by outcome. Delivery rate = delivered out of those with a final
/// answer from the network; what is still under way does not count yet.
#[derive(Debug, Default, PartialEq, Eq)]
struct SmsTally {
    delivered: i64,
    failed: i64,
    in_progress: i64,
}

impl SmsTally {
    fn from_counts<'a>(counts: impl Iterator<Item = (&'a str, i64)>) -> SmsTally {
        let mut t = SmsTally::default();
        for (status, n) in counts {
            match status {
                "delivered" => t.delivered += n,
                "failed" | "undelivered" => t.failed += n,
                _ => t.in_progress += n,
            }
        }
        t
    }

    /// "97,5%" (Indonesian decimal comma), or `None` before any SMS finished.
    fn rate(&self) -> Option<String> {
        let finished = self.delivered + self.failed;
        (finished > 0).then(|| {
            let tenths = (self.delivered * 1000 + finished / 2) / finished;
            format!("{},{}%", tenths / 10, tenths % 10)
        })
    }
}

/// "1.230.000": thousands separated by dots, as Indonesians write them.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Rupiah as Indonesians write it: "Rp10.000".
pub fn rupiah(amount: i64) -> String {
    format!("Rp{}", thousands(amount))
}

/// RFC 4180 CSV for spreadsheets, guarded against formula injection.
mod csv {
    use std::borrow::Cow;

    /// Excel reads a file without a byte-order mark as the local code page.
    pub const BOM: &str = "\u{feff}";

    pub enum Cell {
        /// Anything people typed: quoted as needed, and a leading = + - @
        /// (or tab/CR) is defused with a quote so a spreadsheet never runs
        /// it as a formula.
        Text(String),
        /// A validated identifier (NIK, phone number: digits, `+` and the
        /// mask's `*` only) written as the formula `="…"`, so Excel keeps it
        /// as text: a 16-digit NIK would otherwise be rounded to 15
        /// significant digits and a phone number lose its `+`. Nothing else
        /// can get into the string literal, so the formula computes nothing.
        Identifier(String),
    }

    pub fn cell(c: &Cell) -> String {
        match c {
            Cell::Identifier(v)
                if !v.is_empty()
                    && v.bytes()
                        .all(|b| b.is_ascii_digit() || b == b'+' || b == b'*') =>
            {
                format!("\"=\"\"{v}\"\"\"")
            }
            Cell::Identifier(v) | Cell::Text(v) => quote(&guard(v)).into_owned(),
        }
    }

    pub fn guard(value: &str) -> Cow<'_, str> {
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            Cow::Owned(format!("'{value}"))
        } else {
            Cow::Borrowed(value)
        }
    }

    pub fn quote(value: &str) -> Cow<'_, str> {
        if value.contains([',', '"', '\r', '\n']) {
            Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
        } else {
            Cow::Borrowed(value)
        }
    }

    /// One record, CRLF-terminated as RFC 4180 says.
    pub fn line(cells: &[Cell]) -> String {
        let mut out = cells.iter().map(cell).collect::<Vec<_>>().join(",");
        out.push_str("\r\n");
        out
    }
}

/// The completions chart, drawn on the server as SVG geometry that the
/// template writes out: no script, no inline style (the CSP forbids both).
pub mod chart {
    use chrono::NaiveDate;

    pub const WIDTH: f64 = 1000.0;
    pub const HEIGHT: f64 = 240.0;
    const LEFT: f64 = 36.0;
    const RIGHT: f64 = 8.0;
    const TOP: f64 = 10.0;
    const BOTTOM: f64 = 24.0;

    pub struct Bar {
        pub x: f64,
        pub y: f64,
        pub width: f64,
        pub height: f64,
        pub title: String,
    }

    pub struct Label {
        pub x: f64,
        pub y: f64,
        pub text: String,
    }

    pub struct Chart {
        pub width: f64,
        pub height: f64,
        pub left: f64,
        pub right: f64,
        pub top: f64,
        pub baseline: f64,
        pub max: i64,
        pub total: i64,
        pub bars: Vec<Bar>,
        pub x_labels: Vec<Label>,
        pub y_labels: Vec<Label>,
        pub summary: String,
    }

    /// One decimal is plenty for a 1000-unit drawing and keeps the SVG short.
    fn r(v: f64) -> f64 {
        (v * 10.0).round() / 10.0
    }

    /// A bar per day, its height proportional to the day's count, the
    /// tallest reaching the top; a day label every fifth day and on the
    /// last. Without any completions the bars are flat and the summary says
    /// so.
    pub fn build(days: &[(NaiveDate, i64)]) -> Chart {
        let plot_height = HEIGHT - TOP - BOTTOM;
        let baseline = HEIGHT - BOTTOM;
        let max = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(0);
        let total: i64 = days.iter().map(|(_, n)| (*n).max(0)).sum();
        let slot = (WIDTH - LEFT - RIGHT) / days.len().max(1) as f64;
        let bar_width = r(slot * 0.7);
        let mut bars = Vec::with_capacity(days.len());
        let mut x_labels = Vec::new();
        for (i, (day, count)) in days.iter().enumerate() {
            let count = (*count).max(0);
            let mut height = if max == 0 {
                0.0
            } else {
                plot_height * count as f64 / max as f64
            };
            // A day with one completion among hundreds still shows.
            if count > 0 && height < 1.0 {
                height = 1.0;
            }
            let x = LEFT + slot * i as f64;
            bars.push(Bar {
                x: r(x + (slot - bar_width) / 2.0),
                y: r(baseline - height),
                width: bar_width,
                height: r(height),
                title: format!("{}: {count} selesai", day.format("%d/%m/%Y")),
            });
            if i % 5 == 0 || i + 1 == days.len() {
                x_labels.push(Label {
                    x: r(x + slot / 2.0),
                    y: HEIGHT - 6.0,
                    text: day.format("%d/%m").to_string(),
                });
            }
        }
        let mut y_labels = vec![Label {
            x: LEFT - 6.0,
            y: baseline + 4.0,
            text: "0".into(),
        }];
        if max > 0 {
            y_labels.push(Label {
                x: LEFT - 6.0,
                y: TOP + 4.0,
                text: max.to_string(),
            });
        }
        let summary = match days
            .iter()
            .filter(|(_, n)| *n == max)
            .map(|(d, _)| d)
            .next()
        {
            Some(top) if max > 0 => format!(
                "{total} permohonan selesai dalam {} hari; paling banyak {max} pada {}.",
                days.len(),
                top.format("%d/%m/%Y")
            ),
            _ => format!(
                "Belum ada permohonan yang selesai dalam {} hari ini.",
                days.len()
            ),
        };
        Chart {
            width: WIDTH,
            height: HEIGHT,
            left: LEFT,
            right: WIDTH - RIGHT,
            top: TOP,
            baseline,
            max,
            total,
            bars,
            x_labels,
            y_labels,
            summary,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn field_of(e: &AppError) -> Option<String> {
        e.field().map(String::from)
    }

    #[test]
    fn csv_fields_with_commas_quotes_or_line_breaks_are_quoted_and_quotes_doubled() {
        use csv::Cell::Text;
        let line = csv::line(&[
            Text("plain".into()),
            Text("a,b".into()),
            Text("say \"hi\"".into()),
            Text("two\nlines".into()),
        ]);
        assert_eq!(line, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_as_a_formula_are_defused() {
        use csv::Cell::Text;
        for bad in ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\tx"] {
            let got = csv::cell(&Text(bad.into()));
            assert!(
                got.starts_with('\'') || got.starts_with("\"'"),
                "{bad:?} became {got:?}"
            );
        }
        // The quote goes inside the field's own quotes when both are needed.
        assert_eq!(csv::cell(&Text("=1,2".into())), "\"'=1,2\"");
        assert_eq!(csv::cell(&Text("Sri Lestari".into())), "Sri Lestari");
    }

    #[test]
    fn nik_and_phone_are_kept_as_text_for_excel_but_nothing_else_becomes_a_formula() {
        use csv::Cell::Identifier;
        assert_eq!(
            csv::cell(&Identifier("3312014502900001".into())),
            "\"=\"\"3312014502900001\"\"\""
        );
        assert_eq!(
            csv::cell(&Identifier("+62812****890".into())),
            "\"=\"\"+62812****890\"\"\""
        );
        assert_eq!(
            csv::cell(&Identifier("=cmd|' /C calc'!A0".into())),
            "'=cmd|' /C calc'!A0"
        );
        assert_eq!(
            csv::cell(&Identifier("1\"&A1&\"".into())),
            "\"1\"\"&A1&\"\"\""
        );
    }

    fn export_row() -> ExportRow {
        ExportRow {
            registration_number: "ABCD-EFGHK".into(),
            created_at: "2026-11-28T17:30:00.000Z".into(),
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

    #[test]
    fn only_the_validator_and_the_head_of_agency_see_personal_data_in_the_export() {
        let full: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| sees_personal_data(*r))
            .collect();
        assert_eq!(full, vec![Role::Validator, Role::HeadOfAgency]);
    }

    #[test]
    fn a_missing_export_range_defaults_to_the_last_thirty_days() {
        let today = day("2026-11-28");
        let r = DateRange::parse(None, Some(" "), today).unwrap_or(DateRange {
            from: today,
            to: today,
        });
        assert_eq!((r.from, r.to, r.days()), (day("2026-10-30"), today, 30));
    }

    #[test]
    fn an_export_range_is_bounded_by_wib_midnights_in_utc() {
        let r = DateRange {
            from: day("2026-11-01"),
            to: day("2026-11-30"),
        };
        assert_eq!(
            r.utc_bounds(),
            (
                "2026-10-31T17:00:00.000Z".into(),
                "2026-11-30T17:00:00.000Z".into()
            )
        );
    }

    #[test]
    fn bad_export_dates_name_the_field_at_fault() {
        let today = day("2026-11-28");
        let err = |from: &str, to: &str| DateRange::parse(Some(from), Some(to), today).err();
        for (from, to, field) in [
            ("2026-13-01", "2026-11-28", "from"),
            ("28/11/2026", "2026-11-28", "from"),
            ("2026-1-5", "2026-11-28", "from"),
            ("2026-11-01", "kemarin", "to"),
            ("2026-11-28", "2026-11-01", "from"),
            ("2025-01-01", "2026-11-28", "from"),
        ] {
            let e = err(from, to);
            assert_eq!(e.as_ref().map(AppError::status), Some(422), "{from}..{to}");
            assert_eq!(
                e.as_ref().and_then(field_of).as_deref(),
                Some(field),
                "{from}..{to}"
            );
        }
    }

    #[test]
    fn an_export_range_of_a_whole_leap_year_is_allowed_but_not_a_day_more() {
        let today = day("2028-12-31");
        assert!(DateRange::parse(Some("2028-01-01"), Some("2028-12-31"), today).is_ok());
        assert!(DateRange::parse(Some("2027-12-31"), Some("2028-12-31"), today).is_err());
    }

    #[test]
    fn every_day_of_the_window_gets_a_count_even_without_completions() {
        let range = DateRange {
            from: day("2026-11-01"),
            to: day("2026-11-03"),
        };
        let rows = vec![DayCount {
            day: "2026-11-02".into(),
            count: 4,
        }];
        assert_eq!(
            fill_days(&range, &rows),
            vec![
                (day("2026-11-01"), 0),
                (day("2026-11-02"), 4),
                (day("2026-11-03"), 0)
            ]
        );
    }

    #[test]
    fn the_median_of_an_odd_queue_is_its_middle_and_of_an_even_queue_halfway_between() {
        let t = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .ok()
        };
        let odd = median_since(
            3,
            &[
                "2026-11-02T00:00:00.000Z".into(),
                "2026-11-04T00:00:00.000Z".into(),
            ],
        );
        assert_eq!(odd, t("2026-11-02T00:00:00Z"));
        let even = median_since(
            4,
            &[
                "2026-11-02T00:00:00.000Z".into(),
                "2026-11-04T00:00:00.000Z".into(),
            ],
        );
        assert_eq!(even, t("2026-11-03T00:00:00Z"));
        assert_eq!(median_since(0, &[]), None);
    }

    #[test]
    fn the_sms_rate_counts_only_messages_with_a_final_answer() {
        let t = SmsTally::from_counts(
            [
                ("delivered", 39),
                ("failed", 1),
                ("undelivered", 0),
                ("sent", 7),
                ("pending", 2),
            ]
            .into_iter(),
        );
        assert_eq!(
            t,
            SmsTally {
                delivered: 39,
                failed: 1,
                in_progress: 9
            }
        );
        assert_eq!(t.rate().as_deref(), Some("97,5%"));
        assert_eq!(
            SmsTally::from_counts([("sent", 3)].into_iter()).rate(),
            None
        );
    }

    #[test]
    fn amounts_are_written_with_indonesian_thousand_separators() {
        assert_eq!(rupiah(1_230_000), "Rp1.230.000");
        assert_eq!(rupiah(10_000), "Rp10.000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(20_000), "20.000");
    }

    #[test]
    fn chart_bars_are_proportional_to_the_counts_and_the_tallest_fills_the_plot() {
        let days: Vec<(NaiveDate, i64)> = vec![
            (day("2026-11-01"), 2),
            (day("2026-11-02"), 8),
            (day("2026-11-03"), 4),
        ];
        let c = chart::build(&days);
        let heights: Vec<f64> = c.bars.iter().map(|b| b.height).collect();
        let plot = c.baseline - c.top;
        assert_eq!(heights, vec![plot / 4.0, plot, plot / 2.0]);
        assert!(
            c.bars
                .iter()
                .all(|b| (b.y + b.height - c.baseline).abs() < 0.05),
            "bars stand on the baseline"
        );
        assert!(
            c.bars.windows(2).all(|w| w[0].x + w[0].width < w[1].x),
            "bars do not overlap"
        );
        assert_eq!((c.max, c.total), (8, 14));
        assert!(
            c.summary.contains("14 permohonan") && c.summary.contains("02/11/2026"),
            "{}",
            c.summary
        );
        assert_eq!(c.bars[1].title, "02/11/2026: 8 selesai");
    }

    #[test]
    fn a_chart_without_completions_has_flat_bars_and_says_so() {
        let days: Vec<(NaiveDate, i64)> = (1..=30)
            .map(|d| (day(&format!("2026-11-{d:02}")), 0))
            .collect();
        let c = chart::build(&days);
        assert_eq!(c.bars.len(), 30);
        assert!(c.bars.iter().all(|b| b.height == 0.0));
        assert!(c.summary.starts_with("Belum ada"), "{}", c.summary);
        assert_eq!(c.x_labels.len(), 7, "every fifth day and the last");
        let empty = chart::build(&[]);
        assert!(empty.bars.is_empty() && empty.summary.starts_with("Belum ada"));
    }

    #[test]
    fn a_single_completion_among_many_still_shows_as_a_bar() {
        let c = chart::build(&[(day("2026-11-01"), 1000), (day("2026-11-02"), 1)]);
        assert!(c.bars[1].height >= 1.0);
    }
}
