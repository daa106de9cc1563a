//! `GET /staff/berkas-kembali`: the applicants' papers the agency must still
//! give back after a cancellation, oldest first (the use case is
//! `app::returns`). Each row links to the record, where the counter records
//! the hand-over.

use askama::Template;
use worker::Request;

use super::officer;
use super::{error_page, html, wib, PageResult, Session};
use crate::app::returns::{papers_to_return, LIST_LIMIT};
use crate::app::Ctx;

pub struct Row {
    pub number: String,
    pub applicant: String,
    pub village: String,
    pub cancelled_at: String,
    pub papers: &'static str,
    pub waybill: String,
    pub courier: &'static str,
}

#[derive(Template)]
#[template(path = "returns.html", whitespace = "minimize")]
struct ReturnsPage {
    session: Option<Session>,
    rows: Vec<Row>,
    limit: u32,
}

pub async fn page(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    match papers_to_return(ctx, &session.staff).await {
        Ok(list) => {
            let rows = list
                .into_iter()
                .map(|r| Row {
                    number: r.registration_number,
                    applicant: r.applicant_name,
                    village: r.village_name.unwrap_or_default(),
                    cancelled_at: wib(r.status_since),
                    papers: r.papers.label(),
                    waybill: r.waybill.unwrap_or_default(),
                    courier: r.shipment_status.map_or("", |s| s.label()),
                })
                .collect();
            html(
                200,
                &ReturnsPage {
                    session: Some(session),
                    rows,
                    limit: LIST_LIMIT,
                },
            )
        }
        Err(e) if e.is_internal() => Err(e),
        Err(e) => error_page(&e, Some(session)),
    }
}
