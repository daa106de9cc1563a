//! A courier report (Biteship's `order.status`), read against the leg it is
//! about before anything is written. Biteship speaks its own status words
//! and carries no amounts: what the courier collected follows from the
//! status and our own record of the leg (the pickup's fee when the papers
//! are `picked`, the delivery's COD when it is `delivered`), so a report can
//! never put a made-up amount into the fee ledger. The time, when given,
//! must be a real instant, not in the future.

use chrono::{DateTime, TimeDelta, Utc};

use super::courier::{CourierLeg, ShipmentStatus};
use super::field_error::FieldError;

/// How far ahead of our clock a report's time may be: the courier's clock
/// may run a little fast, but nothing has happened in the future.
pub const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// Biteship's order statuses and where each puts one of our shipments.
/// `None`: acknowledged, nothing recorded (`on_hold` says nothing about
/// where the papers are).
pub const COURIER_STATUSES: [(&str, Option<ShipmentStatus>); 14] = {
    use ShipmentStatus as S;
    [
        ("confirmed", Some(S::Created)),
        ("scheduled", Some(S::Created)),
        ("allocated", Some(S::Created)),
        ("picking_up", Some(S::PickingUp)),
        ("picked", Some(S::Picked)),
        ("dropping_off", Some(S::InTransit)),
        ("return_in_transit", Some(S::InTransit)),
        ("on_hold", None),
        ("delivered", Some(S::Delivered)),
        ("returned", Some(S::Returned)),
        ("rejected", Some(S::Failed)),
        ("courier_not_found", Some(S::Failed)),
        ("disposed", Some(S::Failed)),
        ("cancelled", Some(S::Cancelled)),
    ]
};

/// Our status for Biteship's `code`; an unknown word is refused, naming
/// the ones Biteship has.
pub fn courier_status(code: &str) -> Result<Option<ShipmentStatus>, FieldError> {
    COURIER_STATUSES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            let known: Vec<&str> = COURIER_STATUSES.iter().map(|(c, _)| *c).collect();
            FieldError::new(
                "status",
                format!(
                    "status kurir '{code}' tidak dikenal; pilih salah satu: {}",
                    known.join(", ")
                ),
            )
        })
}

/// What the courier takes from the citizen on a leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Nothing,
    /// The leg's fee, when the courier takes the papers (pickup).
    Fee,
    /// The cash on delivery, when the citizen receives the documents.
    Cod,
}

impl CourierLeg {
    /// What reaching `status` collects on this leg. The papers' way back
    /// after a cancellation collects its COD, which is 0 (the agency pays
    /// the courier) unless `RETURN_COD_RUPIAH` is set.
    pub const fn collects(self, status: ShipmentStatus) -> Collection {
        match (self, status) {
            (CourierLeg::PickupDocuments, ShipmentStatus::Picked) => Collection::Fee,
            (
                CourierLeg::DeliverDocuments | CourierLeg::ReturnDocuments,
                ShipmentStatus::Delivered,
            ) => Collection::Cod,
            _ => Collection::Nothing,
        }
    }
}

/// What the leg was booked for, from our own record of the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegTerms {
    pub leg: CourierLeg,
    /// The courier's fee for this leg (Rp 10.000; collected at pickup).
    pub fee_amount: i64,
    /// Cash on delivery to collect (the delivery's Rp 10.000; 0 otherwise).
    pub cod_amount: i64,
}

/// A report that may be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedReport {
    pub status: ShipmentStatus,
    /// The pickup fee, when this report collects it.
    pub fee_collected: Option<i64>,
    /// The COD, when this report collects it.
    pub cod_collected: Option<i64>,
    pub occurred_at: DateTime<Utc>,
}

/// Reads a report of `status` at `occurred_at` (our clock `now` when the
/// courier gave no time) against the leg's `terms`.
pub fn check_report(
    terms: LegTerms,
    status: ShipmentStatus,
    occurred_at: Option<&str>,
    now: DateTime<Utc>,
) -> Result<CheckedReport, FieldError> {
    let collection = terms.leg.collects(status);
    let due = |what: Collection, amount: i64| (collection == what && amount > 0).then_some(amount);
    Ok(CheckedReport {
        status,
        fee_collected: due(Collection::Fee, terms.fee_amount),
        cod_collected: due(Collection::Cod, terms.cod_amount),
        occurred_at: match occurred_at {
            Some(text) => instant(text, now)?,
            None => now,
        },
    })
}

/// `updated_at`: an RFC 3339 instant with its offset, no later than our
/// clock plus [`MAX_CLOCK_SKEW`].
fn instant(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    let at = super::time::parse_rfc3339(text.trim()).ok_or_else(|| {
        FieldError::new(
            "updated_at",
            "waktu harus berformat RFC 3339, contoh 2026-11-28T10:00:00Z",
        )
    })?;
    if at > now + MAX_CLOCK_SKEW {
        return Err(FieldError::new(
            "updated_at",
            "waktu kejadian tidak boleh di masa depan",
        ));
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ShipmentStatus as S;

    const PICKUP: LegTerms = LegTerms {
        leg: CourierLeg::PickupDocuments,
        fee_amount: 10_000,
        cod_amount: 0,
    };
    const DELIVERY: LegTerms = LegTerms {
        leg: CourierLeg::DeliverDocuments,
        fee_amount: 10_000,
        cod_amount: 10_000,
    };
    const RETURN: LegTerms = LegTerms {
        leg: CourierLeg::ReturnDocuments,
        fee_amount: 10_000,
        cod_amount: 0,
    };

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn biteship_statuses_map_onto_ours_and_an_unknown_one_is_named() {
        assert_eq!(courier_status("allocated"), Ok(Some(S::Created)));
        assert_eq!(courier_status("dropping_off"), Ok(Some(S::InTransit)));
        assert_eq!(courier_status("courier_not_found"), Ok(Some(S::Failed)));
        assert_eq!(courier_status("cancelled"), Ok(Some(S::Cancelled)));
        assert_eq!(courier_status("on_hold"), Ok(None));
        for bad in ["in_transit", "lost", "", "DELIVERED"] {
            let err = courier_status(bad).unwrap_err();
            assert_eq!(err.field, "status", "{bad}");
            assert!(err.message.contains("dropping_off"), "{}", err.message);
        }
        let ours: std::collections::HashSet<_> =
            COURIER_STATUSES.iter().filter_map(|(_, s)| *s).collect();
        assert_eq!(
            ours.len(),
            S::ALL.len(),
            "every status of ours is reachable"
        );
    }

    #[test]
    fn each_leg_collects_once_and_the_return_leg_only_its_configured_cod() {
        let table: Vec<(CourierLeg, Vec<(&str, Collection)>)> = CourierLeg::ALL
            .into_iter()
            .map(|leg| {
                let collecting = S::ALL
                    .into_iter()
                    .map(|s| (s.code(), leg.collects(s)))
                    .filter(|(_, c)| *c != Collection::Nothing);
                (leg, collecting.collect())
            })
            .collect();
        assert_eq!(
            table,
            [
                (
                    CourierLeg::PickupDocuments,
                    vec![("picked", Collection::Fee)]
                ),
                (
                    CourierLeg::DeliverDocuments,
                    vec![("delivered", Collection::Cod)]
                ),
                (
                    CourierLeg::ReturnDocuments,
                    vec![("delivered", Collection::Cod)]
                ),
            ]
        );
    }

    #[test]
    fn the_amounts_come_from_the_leg_never_from_the_report() {
        let picked = check_report(PICKUP, S::Picked, None, now()).unwrap();
        assert_eq!(
            (picked.fee_collected, picked.cod_collected),
            (Some(10_000), None)
        );
        let delivered = check_report(DELIVERY, S::Delivered, None, now()).unwrap();
        assert_eq!(
            (delivered.fee_collected, delivered.cod_collected),
            (None, Some(10_000))
        );
        for (terms, status) in [
            (PICKUP, S::PickingUp),
            (PICKUP, S::Delivered),
            (DELIVERY, S::Picked),
            (DELIVERY, S::Returned),
            (RETURN, S::Picked),
            (RETURN, S::Delivered),
        ] {
            let r = check_report(terms, status, None, now()).unwrap();
            assert_eq!(
                (r.fee_collected, r.cod_collected),
                (None, None),
                "{status:?}"
            );
        }
    }

    #[test]
    fn the_time_is_an_rfc3339_instant_not_in_the_future_or_our_clock() {
        let at = |t| check_report(PICKUP, S::PickingUp, Some(t), now());
        let ok = at("2026-11-28T16:59:00+07:00").unwrap();
        assert_eq!(ok.occurred_at.to_rfc3339(), "2026-11-28T09:59:00+00:00");
        assert!(at("2026-11-28T10:04:00Z").is_ok());
        for bad in [
            "kemarin sore",
            "2026-11-28 10:00",
            "",
            "2026-11-28T10:06:00Z",
            "2099-01-01T00:00:00Z",
        ] {
            assert_eq!(at(bad).unwrap_err().field, "updated_at", "{bad:?}");
        }
        let untimed = check_report(PICKUP, S::PickingUp, None, now()).unwrap();
        assert_eq!(untimed.occurred_at, now());
    }
}
