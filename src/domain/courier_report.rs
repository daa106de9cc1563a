//! A signed courier report, checked against the leg it is about before
//! anything is written. A valid signature only says the courier sent it; it
//! does not make the content right, and a wrong amount would go straight
//! into the fee ledger. So: the status must be one that leg has, an amount
//! must be exactly what the leg collects (never negative, never "some"), and
//! the time must be a real instant, not in the future.

use chrono::{DateTime, TimeDelta, Utc};

use super::courier::{CourierLeg, ShipmentStatus};
use super::field_error::FieldError;

/// How far ahead of our clock a report's `occurred_at` may be: the courier's
/// clock may run a little fast, but nothing has happened in the future.
pub const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

impl CourierLeg {
    /// The statuses the courier reports on this leg. A pickup fetches the
    /// citizen's papers: it is booked, the courier comes, takes them (and the
    /// Rp 10.000 fee) — or fails to; it is never "in transit", "delivered"
    /// or "returned" (the papers' way back after a cancellation is tracked
    /// apart). A delivery goes the whole way, from the office's counter to
    /// the citizen's door, and ends delivered, returned or failed.
    pub const fn reports(self, status: ShipmentStatus) -> bool {
        use ShipmentStatus as S;
        match self {
            CourierLeg::PickupDocuments => {
                matches!(status, S::Created | S::PickingUp | S::Picked | S::Failed)
            }
            CourierLeg::DeliverDocuments => true,
        }
    }
}

/// What the leg was booked for, from our own record of the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegTerms {
    pub leg: CourierLeg,
    /// The courier's fee for this leg (Rp 10.000; collected at pickup).
    pub fee_amount: i64,
    /// Cash on delivery to collect (the delivery's Rp 10.000; 0 on a pickup).
    pub cod_amount: i64,
}

/// The report's claims, as they arrived.
#[derive(Debug, Clone, Copy)]
pub struct ReportClaims<'a> {
    pub status: &'a str,
    pub fee_collected: Option<i64>,
    pub cod_collected: Option<i64>,
    pub occurred_at: &'a str,
}

/// A report that may be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedReport {
    pub status: ShipmentStatus,
    /// The pickup fee, when this report collects it (then exactly the fee).
    pub fee_collected: Option<i64>,
    /// The COD, when this report says it was collected (then exactly the
    /// amount due); `None` on a delivery reported without it.
    pub cod_collected: Option<i64>,
    pub occurred_at: DateTime<Utc>,
}

/// Checks `claims` against the leg's `terms`; `now` is our clock.
pub fn check_report(
    terms: LegTerms,
    claims: ReportClaims<'_>,
    now: DateTime<Utc>,
) -> Result<CheckedReport, FieldError> {
    let status = ShipmentStatus::parse(claims.status).ok_or_else(|| {
        FieldError::new(
            "status",
            format!(
                "status kurir '{}' tidak dikenal; pilih salah satu: {}",
                claims.status,
                ShipmentStatus::CODES.join(", ")
            ),
        )
    })?;
    if !terms.leg.reports(status) {
        return Err(FieldError::new(
            "status",
            format!(
                "status '{}' tidak berlaku untuk {}",
                status.code(),
                terms.leg.label().to_lowercase()
            ),
        ));
    }
    let collects_fee = terms.leg == CourierLeg::PickupDocuments && status == ShipmentStatus::Picked;
    let collects_cod =
        terms.leg == CourierLeg::DeliverDocuments && status == ShipmentStatus::Delivered;
    Ok(CheckedReport {
        status,
        fee_collected: amount(
            "fee_collected",
            claims.fee_collected,
            collects_fee,
            terms.fee_amount,
        )?,
        cod_collected: amount(
            "cod_collected",
            claims.cod_collected,
            collects_cod,
            terms.cod_amount,
        )?,
        occurred_at: occurred_at(claims.occurred_at, now)?,
    })
}

/// An amount the courier says it collected: on the one report that collects
/// it, exactly `due` (absent or 0 means nothing was collected); on any other
/// report, nothing.
fn amount(
    field: &str,
    given: Option<i64>,
    collects: bool,
    due: i64,
) -> Result<Option<i64>, FieldError> {
    match given {
        None | Some(0) => Ok(None),
        Some(n) if n < 0 => Err(FieldError::new(field, "jumlah tidak boleh negatif")),
        Some(n) if collects && n == due => Ok(Some(n)),
        Some(n) if collects => Err(FieldError::new(
            field,
            format!("jumlah harus tepat Rp {due} untuk pengiriman ini, bukan {n}"),
        )),
        Some(_) => Err(FieldError::new(
            field,
            "laporan dengan status ini tidak memungut biaya",
        )),
    }
}

/// `occurred_at`: an RFC 3339 instant with its offset, no later than our
/// clock plus [`MAX_CLOCK_SKEW`].
fn occurred_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    let at = DateTime::parse_from_rfc3339(text.trim())
        .map_err(|_| {
            FieldError::new(
                "occurred_at",
                "waktu harus berformat RFC 3339, contoh 2026-11-28T10:00:00Z",
            )
        })?
        .to_utc();
    if at > now + MAX_CLOCK_SKEW {
        return Err(FieldError::new(
            "occurred_at",
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

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn claims(status: &str) -> ReportClaims<'_> {
        ReportClaims {
            status,
            fee_collected: None,
            cod_collected: None,
            occurred_at: "2026-11-28T09:59:00Z",
        }
    }

    #[test]
    fn each_leg_has_its_own_statuses() {
        let table: Vec<(CourierLeg, Vec<&str>)> = CourierLeg::ALL
            .into_iter()
            .map(|leg| {
                let codes = S::ALL.into_iter().filter(|s| leg.reports(*s));
                (leg, codes.map(S::code).collect())
            })
            .collect();
        assert_eq!(
            table,
            [
                (
                    CourierLeg::PickupDocuments,
                    vec!["created", "picking_up", "picked", "failed"]
                ),
                (
                    CourierLeg::DeliverDocuments,
                    vec![
                        "created",
                        "picking_up",
                        "picked",
                        "in_transit",
                        "delivered",
                        "returned",
                        "failed"
                    ]
                ),
            ]
        );
    }

    #[test]
    fn a_pickup_leg_cannot_be_in_transit_and_an_unknown_status_is_named() {
        for bad in ["in_transit", "delivered", "returned", "lost"] {
            let err = check_report(PICKUP, claims(bad), now()).unwrap_err();
            assert_eq!(err.field, "status", "{bad}");
        }
        assert!(check_report(DELIVERY, claims("in_transit"), now()).is_ok());
    }

    #[test]
    fn the_pickup_fee_is_exactly_the_fee_or_refused() {
        let with_fee = |fee| ReportClaims {
            fee_collected: Some(fee),
            ..claims("picked")
        };
        let ok = check_report(PICKUP, with_fee(10_000), now()).unwrap();
        assert_eq!(ok.fee_collected, Some(10_000));
        for bad in [-10_000, 1, 9_999, 10_001, 20_000] {
            let err = check_report(PICKUP, with_fee(bad), now()).unwrap_err();
            assert_eq!(err.field, "fee_collected", "{bad}");
        }
        let none = check_report(PICKUP, claims("picked"), now()).unwrap();
        assert_eq!(none.fee_collected, None, "picked, fee not (yet) reported");
        let elsewhere = ReportClaims {
            fee_collected: Some(10_000),
            ..claims("picking_up")
        };
        assert_eq!(
            check_report(PICKUP, elsewhere, now()).unwrap_err().field,
            "fee_collected"
        );
    }

    #[test]
    fn cod_is_collected_only_on_delivery_and_exactly() {
        let cod = |status, amount| ReportClaims {
            cod_collected: Some(amount),
            ..claims(status)
        };
        let ok = check_report(DELIVERY, cod("delivered", 10_000), now()).unwrap();
        assert_eq!(ok.cod_collected, Some(10_000));
        let without = check_report(DELIVERY, cod("delivered", 0), now()).unwrap();
        assert_eq!(without.cod_collected, None, "delivered without its COD");
        for (status, bad) in [
            ("delivered", -10_000),
            ("delivered", 5_000),
            ("in_transit", 10_000),
        ] {
            let err = check_report(DELIVERY, cod(status, bad), now()).unwrap_err();
            assert_eq!(err.field, "cod_collected", "{status} {bad}");
        }
    }

    #[test]
    fn occurred_at_is_an_rfc3339_instant_not_in_the_future() {
        let at = |t| ReportClaims {
            occurred_at: t,
            ..claims("created")
        };
        let ok = check_report(PICKUP, at("2026-11-28T16:59:00+07:00"), now()).unwrap();
        assert_eq!(ok.occurred_at.to_rfc3339(), "2026-11-28T09:59:00+00:00");
        assert!(check_report(PICKUP, at("2026-11-28T10:04:00Z"), now()).is_ok());
        for bad in [
            "kemarin sore",
            "2026-11-28 10:00",
            "",
            "2026-11-28T10:06:00Z",
            "2099-01-01T00:00:00Z",
        ] {
            let err = check_report(PICKUP, at(bad), now()).unwrap_err();
            assert_eq!(err.field, "occurred_at", "{bad:?}");
        }
    }
}
