//! The outbox: SMS and courier orders written in the same batch as the step
//! that causes them, then put on their queues after the commit.

use serde::Deserialize;

/// An outbox row created by a write, to be put on its queue after commit.
#[derive(Debug, Clone, Deserialize)]
pub struct NewOutboxRow {
    pub outbox_id: i64,
    pub outbox_channel: String,
}

/// The outbox rows a committed batch created (from their RETURNING clauses).
pub(super) fn created_rows(results: &[worker::D1Result]) -> Vec<NewOutboxRow> {
    #[derive(Deserialize)]
    struct Maybe {
        outbox_id: Option<i64>,
        outbox_channel: Option<String>,
    }
    results
        .iter()
        .filter_map(|r| r.results::<Maybe>().ok())
        .flatten()
        .filter_map(|m| {
            Some(NewOutboxRow {
                outbox_id: m.outbox_id?,
                outbox_channel: m.outbox_channel?,
            })
        })
        .collect()
}
