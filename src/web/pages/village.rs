//! A village operator's own pages: the monthly report of their village
//! (`/staff/laporan-desa`, with its CSV through the export) and the
//! receipt (*tanda terima*) an application's applicant takes home.

use askama::Template;
use worker::Request;

use super::{html, officer, wib, PageResult, Session};
use crate::app::read::{parse_number, staff_record};
use crate::app::reports::{village_report, VillageReport};
use crate::app::Ctx;
use crate::domain::ids::Nik;
use crate::web::qr;
use crate::web::request::query_param;

#[derive(Template)]
#[template(path = "village_report.html", whitespace = "minimize")]
struct ReportPage {
    session: Option<Session>,
    report: VillageReport,
}

/// `GET /staff/laporan-desa?bulan=2026-11`.
pub async fn report(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    let month = query_param(&req, "bulan")?;
    let report = village_report(ctx, &session.staff, month.as_deref()).await?;
    html(
        200,
        &ReportPage {
            session: Some(session),
            report,
        },
    )
}

#[derive(Template)]
#[template(path = "receipt.html", whitespace = "minimize")]
struct Receipt {
    number: String,
    submitted: String,
    name: String,
    nik: String,
    village: String,
    services: String,
    delivery: &'static str,
    track_url: String,
    qr: String,
}

/// `GET /staff/applications/{n}/tanda-terima`: a printable receipt with the
/// registration number and a QR code of the tracking page (which asks for
/// the NIK: the code carries no personal data).
pub async fn receipt(req: Request, ctx: &Ctx, raw_number: &str) -> PageResult {
    let session = officer!(&req, ctx);
    let number = parse_number(raw_number)?;
    let record = staff_record(ctx, &session.staff, &number).await?;
    let a = &record.application;
    let track_url = format!(
        "{}/lacak?nomor={}",
        ctx.public_base_url(),
        a.registration_number
    );
    let services: Vec<&str> = a.service_list().iter().map(|s| s.label()).collect();
    html(
        200,
        &Receipt {
            number: a.registration_number.clone(),
            submitted: wib(a.created_at),
            name: a.applicant_name.clone(),
            nik: Nik::parse(&a.applicant_nik)
                .map(|n| n.masked())
                .unwrap_or_default(),
            village: format!(
                "{}, Kec. {}",
                a.village_name.clone().unwrap_or_default(),
                a.kecamatan_name.clone().unwrap_or_default()
            ),
            services: services.join(", "),
            delivery: a.delivery_method.label(),
            qr: qr::svg(&track_url, "Kode QR pelacakan permohonan").unwrap_or_default(),
            track_url,
        },
    )
}
