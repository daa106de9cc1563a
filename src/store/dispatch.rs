//! Outbox dispatch: claiming a row for one attempt, recording what the
//! provider answered, provider status reports, courier shipments and
//! events, the fee ledger, the relay's sweep, and staff resends.
//!
//! A consumer *claims* a row before calling the provider (status `sending`
//! with a lease): a second delivery of the same queue message finds it taken
//! and does nothing, which is what makes consumers idempotent on the outbox
//! id. A lease that runs out (the consumer died mid-call) lets the relay hand
//! the row out again.

use serde::Deserialize;

use crate::store::Timestamp;
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

use super::outbox::NewOutboxRow;
use super::{int, opt_text, text, Db, StoreError, StoreResult};
use crate::domain::courier::{CourierLeg, ShipmentStatus};
use crate::domain::outbox::MessageStatus;

#[derive(Debug, Deserialize)]
pub struct ClaimedRow {
    pub id: i64,
    /// `None` for a message that belongs to no application step.
    pub registration_number: Option<String>,
    pub template: String,
    pub recipient: String,
    pub body: String,
    pub attempts: i64,
    /// Set when an earlier attempt ended without a recorded answer: the
    /// provider may already have the message, received since this time.
    pub doubt_since: Option<String>,
    /// 1 when the recipient sent BERHENTI (`sms_opt_outs`): an optional
    /// message is not sent.
    pub opted_out: i64,
}

/// Takes every row of a queue batch for one attempt, in one round trip: a
/// row is taken if nobody holds it, it is not done, and (if retrying) it is
/// due. Taking a row whose lease lapsed (its consumer died mid-call) puts
/// it in doubt since that claim. The claim's time (`now`) identifies it:
/// only its holder may record the answer. The taken rows in the order of
/// `ids` (`None` for one not taken).
/// Params of each: ?1 id, ?2 channel, ?3 now, ?4 lease end.
pub async fn claim_all(
    db: &Db,
    ids: &[i64],
    channel: &str,
    now: &str,
    lease_until: &str,
) -> StoreResult<Vec<Option<ClaimedRow>>> {
    let statements = ids
        .iter()
        .map(|id| db.prepare(CLAIM, &claim_params(*id, channel, now, lease_until)))
        .collect::<StoreResult<Vec<_>>>()?;
    let batch = db.batch(statements).await?;
    (0..ids.len()).map(|i| batch.one(i)).collect()
}

const CLAIM: &str = "UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = ?4, updated_at = ?3, \
         doubt_since = CASE WHEN status = 'sending' THEN coalesce(doubt_since, claimed_at, updated_at) \
                       ELSE doubt_since END, \
         claimed_at = ?3, next_attempt_at = NULL \
     WHERE id = ?1 AND channel = ?2 \
       AND (status = 'pending' \
         OR (status = 'retrying' AND coalesce(next_attempt_at, '') <= ?3) \
         OR (status = 'sending' AND lease_until <= ?3)) \
     RETURNING id, registration_number, template, recipient, body, attempts, doubt_since, \
               EXISTS (SELECT 1 FROM sms_opt_outs o WHERE o.phone = replace(recipient, 'whatsapp:', '')) AS opted_out";

fn claim_params(id: i64, channel: &str, now: &str, lease_until: &str) -> [JsValue; 4] {
    [int(id), text(channel), text(now), text(lease_until)]
}

/// The end of a claimed attempt: accepted (with the provider's id), retrying
/// or failed, with its history row. Only the holder of the claim (the row
/// still `sending` under the same `claimed_at`) writes.
pub struct AttemptResult<'a> {
    pub id: i64,
    /// The claim's time, as given to [`claim`].
    pub claimed_at: &'a str,
    pub status: MessageStatus,
    pub provider_id: Option<&'a str>,
    pub error: Option<&'a str>,
    /// The history row's detail when neither the error nor the id say it
    /// (e.g. that an in-doubt message was found already sent).
    pub note: Option<&'a str>,
    /// Retrying: when the row is due again.
    pub next_attempt_at: Option<&'a str>,
    /// No answer came (timeout, network): the row stays or becomes in doubt.
    /// Any answer clears the doubt.
    pub in_doubt: bool,
    pub now: &'a str,
}

pub fn finish_attempt(db: &Db, r: &AttemptResult<'_>) -> StoreResult<Vec<D1PreparedStatement>> {
    Ok(vec![
        db.prepare(
            "INSERT INTO message_status_history (outbox_id, status, detail, source, created_at) \
             SELECT id, ?2, ?3, 'dispatch', ?4 FROM outbox WHERE id = ?1 AND status = 'sending' AND claimed_at = ?5",
            &[int(r.id), text(r.status.code()), opt_text(r.note.or(r.error).or(r.provider_id)), text(r.now), text(r.claimed_at)],
        )?,
        db.prepare(
            "UPDATE outbox SET status = ?2, provider_id = coalesce(?3, provider_id), last_error = ?4, \
                 lease_until = NULL, updated_at = ?5, next_attempt_at = ?6, \
                 doubt_since = CASE WHEN ?7 = 1 THEN coalesce(doubt_since, claimed_at) END \
             WHERE id = ?1 AND status = 'sending' AND claimed_at = ?8",
            &[int(r.id), text(r.status.code()), opt_text(r.provider_id), opt_text(r.error), text(r.now),
              opt_text(r.next_attempt_at), int(i64::from(r.in_doubt)), text(r.claimed_at)],
        )?,
    ])
}

/// Writes the statements in one batch; the outbox rows it created (an SMS
/// fallback) go on their queue.
pub async fn write(
    db: &Db,
    statements: Vec<D1PreparedStatement>,
) -> StoreResult<Vec<NewOutboxRow>> {
    Ok(db.batch(statements).await?.created_outbox())
}

/// The SMS that replaces a failed WhatsApp message (outbox row `id`, or the
/// row with `provider_id`): same template and text, to the same number
/// without its `whatsapp:` prefix, pointing back with `fallback_of`. Only
/// for a row already failed or undelivered, so in the consumer's batch it
/// follows the attempt's result. At most one per row (a unique index):
/// a second report or a retried consumer inserts nothing and queues nothing.
pub fn sms_fallback(
    db: &Db,
    id: i64,
    provider_id: Option<&str>,
    now: &str,
) -> StoreResult<D1PreparedStatement> {
    db.prepare(
        "INSERT OR IGNORE INTO outbox (registration_number, event_seq, position, channel, template, recipient, body, \
                                       status, fallback_of, created_at, updated_at) \
         SELECT registration_number, event_seq, position, 'sms', template, substr(recipient, 10), body, \
                'pending', id, ?3, ?3 \
         FROM outbox WHERE (id = ?1 OR provider_id = ?2) AND recipient LIKE 'whatsapp:%' \
           AND status IN ('failed', 'undelivered') \
         RETURNING id AS outbox_id, channel AS outbox_channel",
        &[int(id), opt_text(provider_id), text(now)],
    )
}

/// A courier order as booked, recorded with the attempt's result.
pub struct NewShipment<'a> {
    pub outbox_id: i64,
    pub registration_number: &'a str,
    pub leg: &'a str,
    pub order_id: &'a str,
    pub waybill: &'a str,
    pub cod_amount: i64,
    pub fee_amount: i64,
    pub now: &'a str,
}

pub fn insert_shipment(db: &Db, s: &NewShipment<'_>) -> StoreResult<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO shipments (outbox_id, registration_number, leg, order_id, waybill, status, cod_amount, fee_amount, \
                                created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'created', ?6, ?7, ?8, ?8) \
         ON CONFLICT (outbox_id) DO NOTHING",
        &[int(s.outbox_id), text(s.registration_number), text(s.leg), text(s.order_id), text(s.waybill), int(s.cod_amount), int(s.fee_amount), text(s.now)],
    )
}

/// Messages whose retries ran out (the dead-letter queue): failed, never
/// silently dropped. Rows already past the provider are left as they are.
pub async fn mark_exhausted(db: &Db, id: i64, now: &str) -> StoreResult<()> {
    let unfinished = "status IN ('pending', 'retrying', 'sending')";
    db.batch(vec![
        db.prepare(
            &format!(
                "INSERT INTO message_status_history (outbox_id, status, detail, source, created_at) \
                 SELECT id, 'failed', 'retries exhausted after ' || attempts || ' attempts', 'dead_letter', ?2 \
                 FROM outbox WHERE id = ?1 AND {unfinished}"
            ),
            &[int(id), text(now)],
        )?,
        db.prepare(
            &format!(
                "UPDATE outbox SET status = 'failed', lease_until = NULL, updated_at = ?2, \
                     last_error = 'retries exhausted: ' || coalesce(last_error, 'no answer') \
                 WHERE id = ?1 AND {unfinished}"
            ),
            &[int(id), text(now)],
        )?,
    ])
    .await
    .map(|_| ())
}

#[derive(Debug, Deserialize)]
pub struct RelayRow {
    pub id: i64,
    pub channel: String,
}

/// Rows the queues may have lost: pending past `pending_before` (the send
/// after commit failed), claimed with a lapsed lease (the consumer died), or
/// retrying and due (its queue retry may have died with the process); a
/// retrying row from before due times were kept, once untouched since
/// `retrying_before` (longer than any backoff).
/// Params: ?1 now, ?2 pending cutoff, ?3 retrying cutoff, ?4 limit.
pub async fn relay_candidates(
    db: &Db,
    now: &str,
    pending_before: &str,
    retrying_before: &str,
    limit: u32,
) -> StoreResult<Vec<RelayRow>> {
    db.all(
        "SELECT id, channel FROM outbox \
         WHERE status IN ('pending', 'sending', 'retrying') \
           AND ((status = 'pending' AND updated_at <= ?2) \
             OR (status = 'sending' AND lease_until <= ?1) \
             OR (status = 'retrying' AND next_attempt_at <= ?1) \
             OR (status = 'retrying' AND next_attempt_at IS NULL AND updated_at <= ?3)) \
         ORDER BY updated_at LIMIT ?4",
        &[
            text(now),
            text(pending_before),
            text(retrying_before),
            int(i64::from(limit)),
        ],
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct ReportTarget {
    pub id: i64,
    pub status: String,
}

/// A provider's status report for the message with `provider_id`, applied
/// only if it moves the message forward. Returns the row as it was before,
/// or `None` for an unknown id.
pub async fn provider_report(
    db: &Db,
    provider_id: &str,
    status: MessageStatus,
    detail: Option<&str>,
    now: &str,
) -> StoreResult<Option<ReportTarget>> {
    let forward = format!("{} < {}", rank_sql("status"), rank_sql("?2"));
    let results = db
        .batch(vec![
            db.prepare("SELECT id, status FROM outbox WHERE provider_id = ?1", &[text(provider_id)])?,
            db.prepare(
                &format!(
                    "INSERT INTO message_status_history (outbox_id, status, detail, source, created_at) \
                     SELECT id, ?2, ?3, 'provider', ?4 FROM outbox WHERE provider_id = ?1 AND {forward}"
                ),
                &[text(provider_id), text(status.code()), opt_text(detail), text(now)],
            )?,
            db.prepare(
                &format!(
                    "UPDATE outbox SET status = ?2, last_error = coalesce(?3, last_error), updated_at = ?4 \
                     WHERE provider_id = ?1 AND {forward}"
                ),
                &[text(provider_id), text(status.code()), opt_text(detail), text(now)],
            )?,
        ])
        .await?;
    results.one::<ReportTarget>(0)
}

#[derive(Debug, Deserialize)]
pub struct ShipmentRow {
    pub id: i64,
    pub outbox_id: i64,
    pub registration_number: String,
    pub leg: CourierLeg,
    pub order_id: String,
    pub waybill: String,
    pub status: ShipmentStatus,
    pub cod_amount: i64,
    pub fee_amount: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const SHIPMENT_COLUMNS: &str =
    "id, outbox_id, registration_number, leg, order_id, waybill, status, cod_amount, fee_amount, created_at, updated_at";

/// The shipment of a courier order and whether this event was seen before.
pub async fn shipment_for_event(
    db: &Db,
    order_id: &str,
    event_id: &str,
) -> StoreResult<(Option<ShipmentRow>, bool)> {
    let results = db
        .batch(vec![
            db.prepare(
                &format!("SELECT {SHIPMENT_COLUMNS} FROM shipments WHERE order_id = ?1"),
                &[text(order_id)],
            )?,
            db.prepare(
                "SELECT event_id FROM shipment_events WHERE event_id = ?1",
                &[text(event_id)],
            )?,
        ])
        .await?;
    let mut shipment: Vec<ShipmentRow> = results.rows(0)?;
    let seen: Vec<serde_json::Value> = results.rows(1)?;
    Ok((shipment.pop(), !seen.is_empty()))
}

/// The SQL expression of [`MessageStatus::rank`] for a column, so a guarded
/// UPDATE applies the same rule as the Rust code.
fn rank_sql(column: &str) -> String {
    let arms: String = MessageStatus::ALL
        .iter()
        .map(|s| format!(" WHEN '{}' THEN {}", s.code(), s.rank()))
        .collect();
    format!("(CASE {column}{arms} END)")
}

fn shipment_rank_sql(expr: &str) -> String {
    format!(
        "(CASE {expr} WHEN 'created' THEN 0 WHEN 'picking_up' THEN 1 WHEN 'picked' THEN 2 WHEN 'in_transit' THEN 3
          WHEN 'delivered' THEN 4 WHEN 'returned' THEN 4 WHEN 'failed' THEN 4 WHEN 'cancelled' THEN 4 END)"
    )
}

pub struct CourierReport<'a> {
    pub shipment_id: i64,
    pub event_id: &'a str,
    pub status: &'a str,
    pub cod_collected: Option<i64>,
    pub fee_collected: Option<i64>,
    pub occurred_at: &'a str,
    pub now: &'a str,
    pub day: &'a str,
}

/// The statements recording one courier report: the event (its key refuses
/// a replay, rolling back everything with it), the shipment's status if it
/// moves forward, and the pickup fee when the courier reports it collected.
pub fn courier_report(db: &Db, r: &CourierReport<'_>) -> StoreResult<Vec<D1PreparedStatement>> {
    let mut statements = vec![
        db.prepare(
            "INSERT INTO shipment_events (event_id, shipment_id, status, cod_collected, fee_collected, occurred_at, received_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[text(r.event_id), int(r.shipment_id), text(r.status), opt_int64(r.cod_collected), opt_int64(r.fee_collected), text(r.occurred_at), text(r.now)],
        )?,
        db.prepare(
            &format!(
                "UPDATE shipments SET status = ?2, updated_at = ?3 \
                 WHERE id = ?1 AND {} < {}",
                shipment_rank_sql("status"),
                shipment_rank_sql("?2")
            ),
            &[int(r.shipment_id), text(r.status), text(r.now)],
        )?,
    ];
    if let Some(amount) = r.fee_collected {
        statements.push(db.prepare(
            "UPDATE fees SET status = 'collected', collected_amount = ?2, collected_day = ?3, updated_at = ?4 \
             WHERE outbox_id = (SELECT outbox_id FROM shipments WHERE id = ?1) AND status = 'expected'",
            &[int(r.shipment_id), int(amount), text(r.day), text(r.now)],
        )?);
    }
    Ok(statements)
}

fn opt_int64(v: Option<i64>) -> wasm_bindgen::JsValue {
    super::opt_int(v)
}

/// Is this error the courier-event key refusing a replay?
pub fn is_replayed_event(e: &StoreError) -> bool {
    matches!(e, StoreError::Unique(m) if m.contains("shipment_events.event_id"))
}

#[derive(Debug, Deserialize)]
pub struct OutboxRef {
    pub id: i64,
    pub registration_number: String,
    pub channel: String,
    pub status: String,
    pub village_code: String,
}

pub async fn find_outbox(db: &Db, id: i64) -> StoreResult<Option<OutboxRef>> {
    db.first(
        "SELECT o.id, o.registration_number, o.channel, o.status, a.village_code \
         FROM outbox o JOIN applications a ON a.registration_number = o.registration_number WHERE o.id = ?1",
        &[int(id)],
    )
    .await
}

/// A message to resend, with how many resends its application has had
/// since `since` (the staff resend cap per registration number).
#[derive(Debug, Deserialize)]
pub struct ResendCandidate {
    pub id: i64,
    pub registration_number: String,
    pub channel: String,
    pub template: String,
    pub status: String,
    pub village_code: String,
    pub resends: i64,
}

pub async fn find_for_resend(
    db: &Db,
    id: i64,
    since: &str,
) -> StoreResult<Option<ResendCandidate>> {
    db.first(
        "SELECT o.id, o.registration_number, o.channel, o.template, o.status, a.village_code, \
                (SELECT count(*) FROM outbox r WHERE r.registration_number = o.registration_number \
                 AND r.resend_of IS NOT NULL AND r.created_at > ?2) AS resends \
         FROM outbox o JOIN applications a ON a.registration_number = o.registration_number WHERE o.id = ?1",
        &[int(id), text(since)],
    )
    .await
}

/// A staff resend of a failed SMS: a new pending row pointing at the old one
/// and naming who asked. At most one resend per row (a unique index), so two
/// officers clicking at once send it once. A failed WhatsApp message is
/// resent by SMS, the channel that reaches every phone.
pub async fn resend(
    db: &Db,
    id: i64,
    staff_id: i64,
    now: &str,
) -> StoreResult<Option<NewOutboxRow>> {
    let results = db
        .batch(vec![
            db.prepare(
                "INSERT INTO outbox (registration_number, event_seq, position, channel, template, recipient, body, status, \
                                     resend_of, created_by, created_at, updated_at) \
                 SELECT registration_number, event_seq, position, channel, template, \
                        replace(recipient, 'whatsapp:', ''), body, 'pending', id, ?2, ?3, ?3 \
                 FROM outbox WHERE id = ?1 AND channel = 'sms' AND status IN ('failed', 'undelivered') \
                 RETURNING id AS outbox_id, channel AS outbox_channel",
                &[int(id), int(staff_id), text(now)],
            )?,
            db.prepare(
                "INSERT INTO message_status_history (outbox_id, status, detail, source, created_at) \
                 SELECT id, 'pending', 'resend of #' || resend_of || ' by staff #' || created_by, 'staff', ?2 \
                 FROM outbox WHERE resend_of = ?1",
                &[int(id), text(now)],
            )?,
        ])
        .await?;
    results.one::<NewOutboxRow>(0)
}

/// The fee reconciliation between the WIB days ?1 and ?2 inclusive, as
/// the JSON text of `Reconciliation` (see `app::messages::reconciliation`),
/// in one statement:
/// - `days` and `totals`: the daily roll-up (migrations/0018_roll_ups.sql),
///   one row a day — expected by the day the courier was booked (voided legs
///   left out), collected by the day the courier reported it, and still
///   outstanding of each day's expected; a return the agency pays is no
///   citizen's fee and stays out of those;
/// - `recovered`: what polling learnt, by the WIB day of `recovered_at`
///   (at most ?3 rows, newest first);
/// - `returns`: return legs booked between the days (`fees_returns`: only
///   the rare return legs are read), how many the courier delivered, how
///   many the agency pays, what citizens paid where a COD was configured,
///   and, today, how many applications' papers still wait to go back.
pub async fn reconciliation(
    db: &Db,
    from: &str,
    to: &str,
    recovered_rows: u32,
) -> StoreResult<String> {
    let tally = |c: &str, a: &str| {
        format!("json_object('count', CASE WHEN {c} > 0 THEN {c} ELSE 0 END, 'amount', CASE WHEN {c} > 0 THEN {a} ELSE 0 END)")
    };
    let sum = |c: &str, a: &str| {
        format!(
            "json_object('count', coalesce(sum(CASE WHEN {c} > 0 THEN {c} ELSE 0 END), 0),
                         'amount', coalesce(sum(CASE WHEN {c} > 0 THEN {a} ELSE 0 END), 0))"
        )
    };
    let in_range =
        "p.recovered_at IS NOT NULL AND date(p.recovered_at, '+7 hours') BETWEEN ?1 AND ?2";
    let sql = format!(
        "WITH d AS (SELECT * FROM daily_fees WHERE day BETWEEN ?1 AND ?2 \
                    AND (expected_count > 0 OR collected_count > 0 OR outstanding_count > 0)) \
         SELECT json_object('from', ?1, 'to', ?2, 'currency', 'IDR', \
           'days', json((SELECT json_group_array(json_object('day', day, 'expected', json(e), 'collected', json(c), \
                                                             'outstanding', json(o))) \
                         FROM (SELECT day, {} AS e, {} AS c, {} AS o FROM d ORDER BY day))), \
           'totals', json((SELECT json_object('expected', {}, 'collected', {}, 'outstanding', {}) FROM d)), \
           'recovered', json((SELECT json_object('count', count(*), \
                  'fees', json_object('count', count(f.id), 'amount', coalesce(sum(f.collected_amount), 0)), \
                  'rows', json((SELECT json_group_array(json_object('outbox_id', outbox_id, 'channel', channel, \
                                   'registration_number', registration_number, 'status', status, \
                                   'recovered_at', recovered_at, 'fee_collected', fee_collected)) \
                                FROM (SELECT o.id AS outbox_id, o.channel, o.registration_number, \
                                             coalesce(s.status, o.status) AS status, p.recovered_at, \
                                             CASE WHEN p.fee_recovered_at IS NOT NULL AND f.status = 'collected' \
                                                  THEN f.collected_amount END AS fee_collected \
                                      FROM provider_polls p JOIN outbox o ON o.id = p.outbox_id \
                                      LEFT JOIN shipments s ON s.outbox_id = o.id \
                                      LEFT JOIN fees f ON f.outbox_id = o.id \
                                      WHERE {in_range} \
                                      ORDER BY p.recovered_at DESC, o.id DESC LIMIT ?3)))) \
                FROM provider_polls p LEFT JOIN fees f ON f.outbox_id = p.outbox_id \
                     AND p.fee_recovered_at IS NOT NULL AND f.status = 'collected' \
                WHERE {in_range})), \
           'returns', json((SELECT json_object('booked', count(*), 'delivered', coalesce(sum(s.status = 'delivered'), 0), \
                     'agency_paid', coalesce(sum(f.amount = 0), 0), \
                     'cod_collected', coalesce(sum(CASE WHEN f.status = 'collected' THEN f.collected_amount END), 0), \
                     'awaiting', (SELECT count(*) FROM applications \
                                  WHERE papers IN ('returning_by_pos', 'at_counter'))) \
                 FROM fees f INDEXED BY fees_returns LEFT JOIN shipments s ON s.outbox_id = f.outbox_id \
                 WHERE f.leg = 'return_documents' AND f.expected_day BETWEEN ?1 AND ?2))) AS a",
        tally("expected_count", "expected_amount"),
        tally("collected_count", "collected_amount"),
        tally("outstanding_count", "outstanding_amount"),
        sum("expected_count", "expected_amount"),
        sum("collected_count", "collected_amount"),
        sum("outstanding_count", "outstanding_amount"),
    );
    // The one-JSON-column row the health report's parts also use.
    let row: Option<super::health::Parts> = db
        .first(
            &sql,
            &[text(from), text(to), int(i64::from(recovered_rows))],
        )
        .await?;
    Ok(row.and_then(|r| r.a).unwrap_or_default())
}

/// An application's courier pickup: its outbox row and, once booked, the
/// order and where it stands.
#[derive(Debug, Deserialize)]
pub struct PickupOrder {
    pub outbox_id: i64,
    pub outbox_status: MessageStatus,
    pub order_id: Option<String>,
    pub shipment_status: Option<ShipmentStatus>,
}

/// The latest pickup order of application `number`, if one was ever asked.
pub async fn pickup_order(db: &Db, number: &str) -> StoreResult<Option<PickupOrder>> {
    db.first(
        "SELECT o.id AS outbox_id, o.status AS outbox_status, s.order_id, s.status AS shipment_status \
         FROM outbox o LEFT JOIN shipments s ON s.outbox_id = o.id \
         WHERE o.registration_number = ?1 AND o.channel = 'courier' AND o.template = ?2 \
         ORDER BY o.id DESC LIMIT 1",
        &[text(number), text(CourierLeg::PickupDocuments.code())],
    )
    .await
}

/// Stops a courier row that never reached the courier (pending or
/// retrying): failed with `why`, with its history row. `false` when a
/// consumer took it first (it is being booked now).
pub async fn stop_unsent(db: &Db, outbox_id: i64, why: &str, now: &str) -> StoreResult<bool> {
    let results = db
        .batch(vec![
            db.prepare(
                "UPDATE outbox SET status = 'failed', last_error = ?2, updated_at = ?3, next_attempt_at = NULL \
                 WHERE id = ?1 AND status IN ('pending', 'retrying') \
                 RETURNING id",
                &[int(outbox_id), text(why), text(now)],
            )?,
            db.prepare(
                "INSERT INTO message_status_history (outbox_id, status, detail, source, created_at) \
                 SELECT id, 'failed', ?2, 'dispatch', ?3 FROM outbox \
                 WHERE id = ?1 AND status = 'failed' AND updated_at = ?3 AND last_error = ?2",
                &[int(outbox_id), text(why), text(now)],
            )?,
        ])
        .await?;
    let stopped: Vec<serde_json::Value> = results.rows(0)?;
    Ok(!stopped.is_empty())
}

/// The pickup could not be cancelled (the courier already has the papers):
/// they will reach the agency and wait at the counter for the citizen.
pub async fn papers_wait_at_counter(db: &Db, number: &str, now: &str) -> StoreResult<()> {
    db.batch(vec![db.prepare(
        "UPDATE applications SET papers = 'at_counter', updated_at = ?2 \
         WHERE registration_number = ?1 AND status = 'cancelled' AND papers IS NULL",
        &[text(number), text(now)],
    )?])
    .await
    .map(|_| ())
}

/// A return of the papers the courier could not deliver: they wait at the
/// counter again, and a COD the citizen would have paid is void.
pub fn return_came_back(db: &Db, number: &str, now: &str) -> StoreResult<Vec<D1PreparedStatement>> {
    Ok(vec![
        db.prepare(
            "UPDATE applications SET papers = 'at_counter', updated_at = ?2 \
             WHERE registration_number = ?1 AND papers = 'returning_by_pos'",
            &[text(number), text(now)],
        )?,
        db.prepare(
            "UPDATE fees SET status = 'void', updated_at = ?2 \
             WHERE registration_number = ?1 AND leg = 'return_documents' AND status = 'expected'",
            &[text(number), text(now)],
        )?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_rank_lists_every_status_with_its_rank() {
        let sql = rank_sql("status");
        for s in MessageStatus::ALL {
            assert!(
                sql.contains(&format!("WHEN '{}' THEN {}", s.code(), s.rank())),
                "{sql}"
            );
        }
    }
}
