//! The dashboard page of the validator, the head of agency and the
//! administrator: `app::reports::dashboard`'s figures in words and tables,
//! with the completions per day as a server-drawn SVG chart ([`chart`]) and
//! the form that asks for the CSV export (`super::export`). Two D1 round
//! trips per request: the session, then one batch.

pub mod chart;

use askama::Template;
use chrono::{DateTime, Utc};
use worker::Request;

use super::officer;
use super::{error_page, html, waited, wib, PageResult, Session};
use crate::app::reports::{self, Dashboard, MAX_EXPORT_DAYS};
use crate::app::Ctx;
use crate::store::Timestamp;

/// The record page writes its fees the same way as this page.
pub use crate::app::reports::rupiah;

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
#[template(path = "dashboard.html", whitespace = "minimize")]
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
    complaints_open: i64,
    complaints_in_progress: i64,
    complaints_resolved: i64,
    /// How long the oldest unfinished (open or in progress) complaint has waited.
    complaints_oldest: Option<String>,
}

/// `GET /staff/dashboard`.
pub async fn page(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    match reports::dashboard(ctx, &session.staff).await {
        Ok(data) => html(200, &render(data, ctx.now, session)),
        // Our own fault goes up to the edge, which logs its cause.
        Err(e) if e.is_internal() => Err(e),
        Err(e) => error_page(&e, Some(session)),
    }
}

/// The figures in the words and formats officers read.
fn render(data: Dashboard, now: DateTime<Utc>, session: Session) -> DashboardPage {
    let since = |at: Option<DateTime<Utc>>| {
        at.map(|t| waited(Timestamp(t), now))
            .unwrap_or_else(|| "—".into())
    };
    let window = data.window;
    DashboardPage {
        generated: wib(Timestamp(now)),
        period: format!(
            "{} – {}",
            crate::domain::time::day_label(window.from),
            crate::domain::time::day_label(window.to)
        ),
        statuses: data
            .statuses
            .iter()
            .map(|(status, count)| StatusCard {
                label: status.label(),
                count: *count,
            })
            .collect(),
        open_total: data.open_total,
        all_total: data.all_total,
        queues: data
            .queues
            .iter()
            .map(|q| QueueView {
                label: q.role.label(),
                waiting: q.waiting,
                oldest: since(q.oldest),
                median: since(q.median),
            })
            .collect(),
        chart: chart::build(&data.completed_per_day),
        days: data
            .completed_per_day
            .iter()
            .map(|(d, n)| DayView {
                date: crate::domain::time::day_label(*d),
                count: *n,
            })
            .collect(),
        kecamatan: data
            .kecamatan
            .into_iter()
            .map(|k| KecamatanView {
                name: k.name,
                open: k.open,
                completed: k.completed,
                cancelled: k.cancelled,
            })
            .collect(),
        kecamatan_total: KecamatanView {
            name: "Jumlah".into(),
            open: data.kecamatan_total.open,
            completed: data.kecamatan_total.completed,
            cancelled: data.kecamatan_total.cancelled,
        },
        sms_delivered: data.sms.delivered,
        sms_failed: data.sms.failed,
        sms_in_progress: data.sms.in_progress,
        sms_rate: data.sms.rate(),
        fees: [
            ("Seharusnya ditagih kurir", &data.fees.expected),
            ("Dilaporkan tertagih", &data.fees.collected),
            ("Belum tertagih", &data.fees.outstanding),
        ]
        .into_iter()
        .map(|(label, t)| FeeView {
            label,
            count: t.count,
            amount: rupiah(t.amount),
        })
        .collect(),
        export_from: window.from.to_string(),
        export_to: window.to.to_string(),
        export_masked: data.export_masked,
        max_export_days: MAX_EXPORT_DAYS,
        complaints_open: data.complaints.open,
        complaints_in_progress: data.complaints.in_progress,
        complaints_resolved: data.complaints.resolved,
        complaints_oldest: data.complaints.oldest_open_at.map(|at| waited(at, now)),
        session: Some(session),
    }
}
