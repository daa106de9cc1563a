//! Polling the providers for reports that never came: which SMS and courier
//! orders are stuck past the threshold and due for a poll, the bookkeeping of
//! each poll (`provider_polls`), and what the reconciliation shows as learnt
//! by polling. The status itself is written by the same statements as a
//! provider's report (`store::dispatch::provider_report`, `courier_report`).

use serde::Deserialize;

use super::{int, opt_text, text, Db, StoreResult};

/// An SMS the gateway accepted whose final report has not come.
#[derive(Debug, Deserialize)]
pub struct StuckSms {
    pub outbox_id: i64,
    pub provider_id: String,
    /// Polls so far (0 before the first).
    pub polls: i64,
}

/// A courier order not at its end: a delivery not yet delivered, returned
/// or failed, or a pickup not yet picked or whose fee is still expected.
#[derive(Debug, Deserialize)]
pub struct StuckOrder {
    pub outbox_id: i64,
    pub order_id: String,
    pub polls: i64,
}

/// Which rows are due: untouched since `cutoff`, never polled or due again
/// (`next_poll_at` passed), and polled fewer than `max_polls` times; oldest
/// first. Params: ?1 now, ?2 cutoff, ?3 max polls, ?4 limit.
pub struct Due<'a> {
    pub now: &'a str,
    pub cutoff: &'a str,
    pub max_polls: u32,
    pub limit: u32,
}

const DUE: &str = "(p.outbox_id IS NULL OR (p.next_poll_at <= ?1 AND p.polls < ?3))";

pub async fn stuck_sms(db: &Db, due: &Due<'_>) -> StoreResult<Vec<StuckSms>> {
    db.all(
        &format!(
            "SELECT o.id AS outbox_id, o.provider_id, coalesce(p.polls, 0) AS polls \
             FROM outbox o LEFT JOIN provider_polls p ON p.outbox_id = o.id \
             WHERE o.channel = 'sms' AND o.status IN ('accepted', 'sent') AND o.provider_id IS NOT NULL \
               AND o.updated_at <= ?2 AND {DUE} \
             ORDER BY o.updated_at LIMIT ?4"
        ),
        &[text(due.now), text(due.cutoff), int(i64::from(due.max_polls)), int(i64::from(due.limit))],
    )
    .await
}

pub async fn stuck_orders(db: &Db, due: &Due<'_>) -> StoreResult<Vec<StuckOrder>> {
    db.all(
        &format!(
            "SELECT s.outbox_id, s.order_id, coalesce(p.polls, 0) AS polls \
             FROM shipments s \
             LEFT JOIN fees f ON f.outbox_id = s.outbox_id \
             LEFT JOIN provider_polls p ON p.outbox_id = s.outbox_id \
             WHERE s.updated_at <= ?2 AND {DUE} \
               AND ((s.leg = 'deliver_documents' AND s.status NOT IN ('delivered', 'returned', 'failed')) \
                 OR (s.leg = 'pickup_documents' AND s.status IN ('created', 'picking_up')) \
                 OR (s.leg = 'pickup_documents' AND s.status NOT IN ('returned', 'failed') AND f.status = 'expected')) \
             ORDER BY s.updated_at LIMIT ?4"
        ),
        &[text(due.now), text(due.cutoff), int(i64::from(due.max_polls)), int(i64::from(due.limit))],
    )
    .await
}

/// One poll of one row: when to ask again, what the provider said, and the
/// status (and whether a fee collection) this poll applied, if any.
pub struct Poll<'a> {
    pub outbox_id: i64,
    pub now: &'a str,
    pub next_poll_at: &'a str,
    pub answer: &'a str,
    pub recovered_status: Option<&'a str>,
    pub fee_recovered: bool,
}

pub async fn record_poll(db: &Db, p: &Poll<'_>) -> StoreResult<()> {
    db.batch(vec![db.prepare(
        "INSERT INTO provider_polls (outbox_id, polls, last_polled_at, next_poll_at, last_answer, \
                                     recovered_status, recovered_at, fee_recovered_at) \
         VALUES (?1, 1, ?2, ?3, ?4, ?5, CASE WHEN ?5 IS NOT NULL THEN ?2 END, CASE WHEN ?6 = 1 THEN ?2 END) \
         ON CONFLICT (outbox_id) DO UPDATE SET \
             polls = polls + 1, last_polled_at = excluded.last_polled_at, \
             next_poll_at = excluded.next_poll_at, last_answer = excluded.last_answer, \
             recovered_status = coalesce(excluded.recovered_status, recovered_status), \
             recovered_at = coalesce(recovered_at, excluded.recovered_at), \
             fee_recovered_at = coalesce(fee_recovered_at, excluded.fee_recovered_at)",
        &[
            int(p.outbox_id),
            text(p.now),
            text(p.next_poll_at),
            text(p.answer),
            opt_text(p.recovered_status),
            int(i64::from(p.fee_recovered)),
        ],
    )?])
    .await
    .map(|_| ())
}
