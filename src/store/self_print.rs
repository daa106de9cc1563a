//! Cetak mandiri: the download links sent by SMS, the one-time codes behind
//! them and the download sessions they open (migrations/0012_self_print.sql).
//! Tokens, codes and sessions are kept only as hashes.

use serde::Deserialize;
use worker::D1PreparedStatement;

use super::outbox::NewOutboxRow;
use super::{int, text, Db, StoreResult, Timestamp};

/// A link with what the download pages need of its application.
#[derive(Debug, Deserialize)]
pub struct LinkRow {
    pub registration_number: String,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub status: String,
    pub delivery_method: String,
    pub applicant_nik: String,
    pub applicant_phone: String,
}

/// Params: ?1 token hash.
pub async fn find_link(db: &Db, token_hash: &str) -> StoreResult<Option<LinkRow>> {
    db.first(
        "SELECT l.registration_number, l.expires_at, l.revoked_at, a.status, a.delivery_method, \
                a.applicant_nik, a.applicant_phone \
         FROM download_links l JOIN applications a ON a.registration_number = l.registration_number \
         WHERE l.token_hash = ?1",
        &[text(token_hash)],
    )
    .await
}

/// A new link replaces the application's earlier ones: the statements to
/// put in the batch that sends it.
pub fn new_link(
    db: &Db,
    number: &str,
    token_hash: &str,
    now: &str,
    expires_at: &str,
) -> StoreResult<Vec<D1PreparedStatement>> {
    Ok(vec![
        db.prepare(
            "UPDATE download_links SET revoked_at = ?1 \
             WHERE registration_number = ?2 AND revoked_at IS NULL",
            &[text(now), text(number)],
        )?,
        db.prepare(
            "INSERT INTO download_links (token_hash, registration_number, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4)",
            &[text(token_hash), text(number), text(now), text(expires_at)],
        )?,
    ])
}

/// An SMS about an application outside any workflow step (a code, a new
/// link), written to the outbox with its row in one batch.
fn sms(
    db: &Db,
    number: &str,
    template: &str,
    phone: &str,
    body: &str,
    now: &str,
) -> StoreResult<D1PreparedStatement> {
    db.prepare(
        "INSERT INTO outbox (registration_number, event_seq, position, channel, template, recipient, body, \
             created_at, updated_at) \
         VALUES (?1, NULL, 0, 'sms', ?2, ?3, ?4, ?5, ?5) \
         RETURNING id AS outbox_id, channel AS outbox_channel",
        &[text(number), text(template), text(phone), text(body), text(now)],
    )
}

/// Sends a renewed link: its rows (from [`new_link`]) and its SMS, together.
pub async fn renew_link(
    db: &Db,
    mut batch: Vec<D1PreparedStatement>,
    number: &str,
    now: &str,
    sms_body: (&str, &str, &str),
) -> StoreResult<Vec<NewOutboxRow>> {
    let (template, phone, body) = sms_body;
    batch.push(sms(db, number, template, phone, body, now)?);
    Ok(db.batch(batch).await?.created_outbox())
}

#[derive(Debug, Deserialize)]
pub struct CodeRow {
    pub id: i64,
    pub code_hash: String,
    pub expires_at: Timestamp,
    pub attempts: i64,
    pub used_at: Option<Timestamp>,
}

/// The link's latest code and how many codes it was sent since `since`.
pub async fn latest_code(
    db: &Db,
    token_hash: &str,
    since: &str,
) -> StoreResult<(Option<CodeRow>, i64)> {
    let results = db
        .batch(vec![
            db.prepare(
                "SELECT id, code_hash, expires_at, attempts, used_at FROM download_codes \
                 WHERE token_hash = ?1 ORDER BY id DESC LIMIT 1",
                &[text(token_hash)],
            )?,
            db.prepare(
                "SELECT count(*) AS n FROM download_codes WHERE token_hash = ?1 AND created_at >= ?2",
                &[text(token_hash), text(since)],
            )?,
        ])
        .await?;
    let count: Option<super::N> = results.one(1)?;
    Ok((results.one(0)?, count.map_or(0, |c| c.n)))
}

/// A new code and its SMS, together.
pub async fn send_code(
    db: &Db,
    number: &str,
    token_hash: &str,
    code_hash: &str,
    now: &str,
    expires_at: &str,
    sms_body: (&str, &str, &str),
) -> StoreResult<Vec<NewOutboxRow>> {
    let (template, phone, body) = sms_body;
    let batch = vec![
        db.prepare(
            "INSERT INTO download_codes (token_hash, code_hash, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4)",
            &[
                text(token_hash),
                text(code_hash),
                text(now),
                text(expires_at),
            ],
        )?,
        sms(db, number, template, phone, body, now)?,
    ];
    Ok(db.batch(batch).await?.created_outbox())
}

/// Takes one try of a code before the typed code is compared, atomically:
/// the tries counted so far including this one, or `None` when the code is
/// used or its `max_attempts` are spent (so a burst of parallel guesses gets
/// no more comparisons than the limit).
pub async fn take_try(db: &Db, id: i64, max_attempts: i64) -> StoreResult<Option<i64>> {
    let rows: Vec<super::N> = db
        .all(
            "UPDATE download_codes SET attempts = attempts + 1 \
             WHERE id = ?1 AND used_at IS NULL AND attempts < ?2 \
             RETURNING attempts AS n",
            &[int(id), int(max_attempts)],
        )
        .await?;
    Ok(rows.first().map(|t| t.n))
}

/// Spends a code on a download session (once: a code already used or
/// tried too often opens nothing; the right try itself was counted by
/// [`take_try`]). Whether it did.
pub async fn open_session(
    db: &Db,
    id: i64,
    max_attempts: i64,
    now: &str,
    session_hash: &str,
    session_expires_at: &str,
) -> StoreResult<bool> {
    let rows: Vec<super::N> = db
        .all(
            "UPDATE download_codes SET used_at = ?1, session_hash = ?2, session_expires_at = ?3 \
             WHERE id = ?4 AND used_at IS NULL AND attempts <= ?5 AND expires_at > ?1 \
             RETURNING id AS n",
            &[
                text(now),
                text(session_hash),
                text(session_expires_at),
                int(id),
                int(max_attempts),
            ],
        )
        .await?;
    Ok(!rows.is_empty())
}

/// The link a live download session belongs to.
pub async fn session_link(db: &Db, session_hash: &str, now: &str) -> StoreResult<Option<String>> {
    #[derive(Deserialize)]
    struct Session {
        token_hash: String,
    }
    let found: Option<Session> = db
        .first(
            "SELECT token_hash FROM download_codes WHERE session_hash = ?1 AND session_expires_at > ?2",
            &[text(session_hash), text(now)],
        )
        .await?;
    Ok(found.map(|s| s.token_hash))
}

/// Notes the first download of a signed file; which files of the
/// application are still not downloaded, after it.
pub async fn downloaded(db: &Db, number: &str, code: &str, now: &str) -> StoreResult<i64> {
    let results = db
        .batch(vec![
            db.prepare(
                "UPDATE signatures SET downloaded_at = ?1 WHERE code = ?2 AND downloaded_at IS NULL",
                &[text(now), text(code)],
            )?,
            db.prepare(
                "SELECT count(*) AS n FROM products p JOIN signatures s ON s.code = p.signed_code \
                 WHERE p.registration_number = ?1 AND s.downloaded_at IS NULL",
                &[text(number)],
            )?,
        ])
        .await?;
    let left: Option<super::N> = results.one(1)?;
    Ok(left.map_or(0, |l| l.n))
}
