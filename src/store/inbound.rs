//! Inbound SMS (migration 0015): the batch that records one inbound
//! message by its MessageSid, changes the sender's opt-out, and queues the
//! reply unless the sender has had its replies for the hour.

use super::outbox::NewOutboxRow;
use super::{int, opt_text, text, Db, StoreError, StoreResult};

/// What to do with the sender's optional messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptChange {
    Stop,
    Start,
}

/// One inbound message and its reply.
pub struct Answer<'a> {
    pub message_sid: &'a str,
    /// The sender, E.164: the reply's recipient and the opt-out's key.
    pub phone: &'a str,
    pub sender_sha256: &'a str,
    pub opt: Option<OptChange>,
    /// The application the reply is about, shown with its messages.
    pub registration_number: Option<&'a str>,
    pub template: &'a str,
    pub body: &'a str,
    /// Replies to this sender since then count toward `max_replies`.
    pub since: &'a str,
    pub max_replies: u32,
    pub now: &'a str,
}

/// Writes it all in one batch. `None`: this MessageSid was answered before
/// (nothing written); otherwise the reply's outbox row, if one was due.
pub async fn answer(db: &Db, a: &Answer<'_>) -> StoreResult<Option<Vec<NewOutboxRow>>> {
    let mut statements = vec![db.prepare(
        "INSERT INTO sms_inbound (message_sid, sender_sha256, replied, received_at) \
         SELECT ?1, ?2, (SELECT count(*) FROM sms_inbound \
                         WHERE sender_sha256 = ?2 AND replied = 1 AND received_at >= ?3) < ?4, ?5",
        &[
            text(a.message_sid),
            text(a.sender_sha256),
            text(a.since),
            int(i64::from(a.max_replies)),
            text(a.now),
        ],
    )?];
    match a.opt {
        Some(OptChange::Stop) => statements.push(db.prepare(
            "INSERT INTO sms_opt_outs (phone, created_at) VALUES (?1, ?2) ON CONFLICT (phone) DO NOTHING",
            &[text(a.phone), text(a.now)],
        )?),
        Some(OptChange::Start) => statements.push(db.prepare(
            "DELETE FROM sms_opt_outs WHERE phone = ?1",
            &[text(a.phone)],
        )?),
        None => {}
    }
    statements.push(db.prepare(
        "INSERT INTO outbox (registration_number, position, channel, template, recipient, body, status, created_at, updated_at) \
         SELECT ?1, 0, 'sms', ?2, ?3, ?4, 'pending', ?5, ?5 FROM sms_inbound WHERE message_sid = ?6 AND replied = 1 \
         RETURNING id AS outbox_id, channel AS outbox_channel",
        &[opt_text(a.registration_number), text(a.template), text(a.phone), text(a.body), text(a.now), text(a.message_sid)],
    )?);
    match db.batch(statements).await {
        Ok(batch) => Ok(Some(batch.created_outbox())),
        Err(StoreError::Unique(m)) if m.contains("sms_inbound.message_sid") => Ok(None),
        Err(e) => Err(e),
    }
}
