//! The record page's views: what an officer reads instead of stored codes,
//! built from the record (timeline, messages, shipments, fees, documents).

use serde_json::Value;

use super::super::{wib, Session};
use crate::app::messages::may_resend;
use crate::app::reports::rupiah;
use crate::domain::application::{Sex, SubjectField};
use crate::domain::courier::FeeStatus;
use crate::domain::messages::SmsTemplate;
use crate::domain::outbox::{MessageStatus, OutboxChannel};
use crate::domain::roles::{ActorKind, Role};
use crate::domain::services::requirement_label;
use crate::domain::workflow::{AuditDetail, Status};
use crate::store::applications::{EventRow, FullRecord};
use crate::store::documents::DocumentRow;

pub struct Field {
    pub label: &'static str,
    pub value: String,
}

pub struct Correctable {
    pub path: String,
    pub label: &'static str,
    pub value: String,
    /// "text", "date" or "sex": which input the form shows.
    pub kind: &'static str,
}

pub struct Check {
    pub code: String,
    pub label: String,
    pub submitted: bool,
    pub received: bool,
    /// Photos or PDFs of this paper uploaded by the citizen or an officer
    /// (document id, file name).
    pub uploads: Vec<(i64, String)>,
}

/// One product on the record page, with the forms the officer may use on it.
pub struct ProductView {
    pub code: &'static str,
    pub label: &'static str,
    pub number_label: &'static str,
    pub document_number: String,
    pub has_draft: bool,
    pub draft_sha: String,
    pub validated: bool,
    pub signed_code: String,
    pub can_attach: bool,
    pub can_validate: bool,
    pub can_sign: bool,
}

pub struct ActionForm {
    pub code: &'static str,
    pub label: &'static str,
    pub needs_reason: bool,
}

pub struct TimelineEntry {
    pub at: String,
    pub who: String,
    pub role: String,
    pub action: String,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub changes: Vec<(String, String, String)>,
    pub details: Vec<(String, String)>,
}

pub struct MessageView {
    pub id: i64,
    pub what: String,
    pub status: String,
    pub attempts: i64,
    pub error: String,
    pub history: String,
    pub can_resend: bool,
    pub body: String,
}

pub struct ShipmentView {
    pub leg: String,
    pub waybill: String,
    pub status: String,
    pub history: String,
}

/// One uploaded requirement document ("Berkas unggahan").
pub struct DocumentView {
    pub id: i64,
    pub label: String,
    pub filename: String,
    pub size: String,
    pub at: String,
}

/// A byte count as officers read it: "1,2 MB", "350 KB".
pub(super) fn size_label(bytes: i64) -> String {
    const MB: i64 = 1024 * 1024;
    if bytes >= MB {
        // Tenths of a megabyte, rounded, in integers: no float formatting
        // with a precision (its code is ~10 KB of the wasm bundle).
        let tenths = (bytes * 10 + MB / 2) / MB;
        format!("{},{} MB", tenths / 10, tenths % 10)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

pub struct FeeView {
    pub leg: String,
    pub amount: String,
    pub status: String,
}

#[derive(askama::Template)]
#[template(path = "record.html", whitespace = "minimize")]
pub(super) struct RecordPage {
    pub(super) session: Option<Session>,
    pub(super) number: String,
    pub(super) status_label: String,
    pub(super) version: i64,
    pub(super) notice: Option<String>,
    pub(super) error: Option<String>,
    pub(super) applicant: Vec<Field>,
    pub(super) subject: Vec<Field>,
    pub(super) services: String,
    pub(super) checklist: Vec<Check>,
    pub(super) actions: Vec<ActionForm>,
    pub(super) correctable: Vec<Correctable>,
    pub(super) delivery_method: String,
    /// The current method's code: the change form starts from it.
    pub(super) delivery_code: &'static str,
    /// Likely duplicates still open (same NIK, subject and a shared service).
    pub(super) duplicates: Vec<String>,
    pub(super) delivery_address: String,
    pub(super) timeline: Vec<TimelineEntry>,
    pub(super) messages: Vec<MessageView>,
    pub(super) shipments: Vec<ShipmentView>,
    pub(super) fees: Vec<FeeView>,
    pub(super) documents: Vec<DocumentView>,
    pub(super) products: Vec<ProductView>,
    /// Any product signed: the cover letter can be printed.
    pub(super) any_signed: bool,
    /// Where the citizen's physical papers are ("" while with the citizen).
    pub(super) papers: &'static str,
    /// See `record::render`.
    pub(super) papers_question: &'static str,
    /// The cancelled application this one resubmits, and the one that
    /// resubmits this one.
    pub(super) resubmitted_from: Option<String>,
    pub(super) resubmitted_as: Option<String>,
    /// Cancelled, not yet resubmitted, and the officer is a village
    /// operator (of its village: they would not see the page otherwise).
    pub(super) can_resubmit: bool,
    /// Set once the history went to the archive (`app::archive`).
    pub(super) archived: Option<String>,
}

impl RecordPage {
    /// The papers of the checklist not marked attached at submission: the
    /// validator is warned before approving.
    fn unticked(&self) -> String {
        let names: Vec<&str> = self
            .checklist
            .iter()
            .filter(|c| !c.submitted)
            .map(|c| c.label.as_str())
            .collect();
        names.join("; ")
    }
}

pub(super) fn subject_label(field: &str) -> &'static str {
    SubjectField::parse(field).map_or("", SubjectField::label)
}

/// What officers read instead of the stored codes.
pub(super) fn sms_label(template: &str) -> &str {
    SmsTemplate::parse(template).map_or(template, |t| t.label())
}

pub(super) fn detail_label(key: &str) -> &str {
    AuditDetail::parse(key).map_or(key, |d| d.label())
}

pub(super) fn sex_label(sex: &str) -> &str {
    Sex::parse(sex).map_or(sex, |s| s.label())
}

/// "2026-11-29" as people write it: "29/11/2026".
pub(super) fn day_label(day: &str) -> String {
    crate::domain::time::parse_day(day)
        .map(crate::domain::time::day_label)
        .unwrap_or_else(|| day.into())
}

pub(super) fn role_label(code: &str) -> String {
    ActorKind::parse(code)
        .map_or(code, |k| k.label())
        .to_string()
}

/// The audit trail, newest first.
pub(super) fn timeline(events: &[EventRow]) -> Vec<TimelineEntry> {
    events
        .iter()
        .rev()
        .map(|e| {
            let changes: Vec<Value> = e
                .changes_json
                .as_deref()
                .and_then(|c| serde_json::from_slice(c.as_bytes()).ok())
                .unwrap_or_default();
            let details: serde_json::Map<String, Value> = e
                .details_json
                .as_deref()
                .and_then(|d| serde_json::from_slice(d.as_bytes()).ok())
                .unwrap_or_default();
            TimelineEntry {
                at: wib(e.created_at),
                who: e
                    .actor_name
                    .clone()
                    .unwrap_or_else(|| role_label(&e.actor_role)),
                role: role_label(&e.actor_role),
                action: e.action.label().to_string(),
                from: e.from_status.map_or("-", Status::label).to_string(),
                to: e.to_status.label().to_string(),
                reason: e.reason.clone().unwrap_or_default(),
                changes: changes
                    .iter()
                    .map(|c| {
                        let text = |k: &str| c[k].as_str().unwrap_or("-").to_string();
                        (text("field"), text("before"), text("after"))
                    })
                    .collect(),
                details: details
                    .iter()
                    .map(|(k, v)| {
                        (
                            detail_label(k).to_string(),
                            v.as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The SMS of the application (each saying whether it went by SMS or
/// WhatsApp), with their history and whether the officer may resend them.
pub(super) fn messages(record: &FullRecord, role: Role) -> Vec<MessageView> {
    record
        .messages
        .iter()
        .filter(|m| m.channel == OutboxChannel::Sms)
        .map(|m| MessageView {
            id: m.id,
            what: [
                sms_label(&m.template),
                if m.recipient.starts_with("whatsapp:") {
                    " · WhatsApp"
                } else {
                    " · SMS"
                },
            ]
            .concat(),
            status: m.status.label().to_string(),
            attempts: m.attempts,
            error: m.last_error.clone().unwrap_or_default(),
            history: record
                .message_history
                .iter()
                .filter(|h| h.outbox_id == m.id)
                .map(|h| format!("{} {}", wib(h.created_at), h.status.label()))
                .collect::<Vec<_>>()
                .join(" → "),
            can_resend: may_resend(role)
                && matches!(m.status, MessageStatus::Failed | MessageStatus::Undelivered)
                && !record.messages.iter().any(|n| n.resend_of == Some(m.id)),
            body: m.body.clone(),
        })
        .collect()
}

pub(super) fn shipments(record: &FullRecord) -> Vec<ShipmentView> {
    record
        .shipments
        .iter()
        .map(|s| ShipmentView {
            leg: s.leg.label().into(),
            waybill: s.waybill.clone(),
            status: s.status.label().to_string(),
            history: record
                .shipment_events
                .iter()
                .filter(|e| e.shipment_id == s.id)
                .map(|e| format!("{} {}", wib(e.received_at), e.status.label()))
                .collect::<Vec<_>>()
                .join(" → "),
        })
        .collect()
}

pub(super) fn fees(record: &FullRecord) -> Vec<FeeView> {
    record
        .fees
        .iter()
        .map(|f| FeeView {
            leg: f.leg.label().into(),
            amount: rupiah(f.amount),
            status: match f.status {
                FeeStatus::Collected => format!(
                    "{} {}",
                    f.status.label(),
                    day_label(f.collected_day.as_deref().unwrap_or_default())
                ),
                other => other.label().into(),
            },
        })
        .collect()
}

pub(super) fn documents_view(documents: Vec<DocumentRow>) -> Vec<DocumentView> {
    documents
        .into_iter()
        .map(|d| DocumentView {
            id: d.id,
            label: requirement_label(&d.item).unwrap_or(&d.item).to_string(),
            size: size_label(d.size),
            at: wib(d.created_at),
            filename: d.filename,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::size_label;

    #[test]
    fn sizes_read_in_kilobytes_or_tenths_of_a_megabyte_with_a_comma() {
        assert_eq!(size_label(350 * 1024), "350 KB");
        assert_eq!(size_label(1), "1 KB");
        assert_eq!(size_label(1024 * 1024), "1,0 MB");
        assert_eq!(size_label(1024 * 1024 * 3 / 2), "1,5 MB");
        assert_eq!(size_label(5 * 1024 * 1024 - 1), "5,0 MB");
        assert_eq!(size_label(1024 * 1024 * 12 / 10 + 10), "1,2 MB");
    }
}
