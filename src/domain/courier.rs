//! PT Pos Indonesia's part (booked through Biteship): the legs a courier runs
//! for an application, where a shipment stands, and where a fee of the ledger
//! stands. Codes are what D1 stores (`dispatch::courier` maps Biteship's own
//! status words onto [`ShipmentStatus`]); labels are what officers read on
//! the record page.

use super::coded_enum::coded_enum;

coded_enum! {
    /// Which trip a courier order is for.
    #[derive(Hash, PartialOrd, Ord)]
    pub enum CourierLeg {
        /// Fetch the applicant's physical documents for Disdukcapil (step f).
        PickupDocuments = "pickup_documents" => "Penjemputan berkas persyaratan",
        /// Bring the finished documents to the applicant, cash on delivery (m).
        DeliverDocuments = "deliver_documents" => "Pengantaran dokumen (COD)",
        /// Take the applicant's papers back from the office after a
        /// cancellation: no COD, the fee paid by the agency.
        ReturnDocuments = "return_documents" => "Pengembalian berkas persyaratan",
    }
}

coded_enum! {
    /// Where a courier order stands, as the courier reports it, in the order
    /// it happens. The four outcomes are final.
    #[derive(Hash)]
    pub enum ShipmentStatus {
        /// Ordered; no courier on the way yet.
        Created = "created" => "dipesan",
        PickingUp = "picking_up" => "kurir menuju lokasi",
        /// The courier has the parcel (for a pickup leg: the citizen's papers).
        Picked = "picked" => "diambil kurir",
        InTransit = "in_transit" => "dalam perjalanan",
        Delivered = "delivered" => "diterima",
        Returned = "returned" => "dikembalikan",
        Failed = "failed" => "gagal",
        /// Cancelled before the courier picked the parcel up.
        Cancelled = "cancelled" => "dibatalkan",
    }
}

impl ShipmentStatus {
    /// How far along a shipment is. The outcomes share the top rank, so once
    /// one is reached no later report can change it.
    pub const fn rank(self) -> u8 {
        match self {
            ShipmentStatus::Created => 0,
            ShipmentStatus::PickingUp => 1,
            ShipmentStatus::Picked => 2,
            ShipmentStatus::InTransit => 3,
            ShipmentStatus::Delivered
            | ShipmentStatus::Returned
            | ShipmentStatus::Failed
            | ShipmentStatus::Cancelled => 4,
        }
    }

    pub const fn is_final(self) -> bool {
        self.rank() == 4
    }

    /// Whether a report of `next` may replace `self`: shipments never move
    /// backwards, and a repeated report changes nothing.
    pub const fn may_become(self, next: ShipmentStatus) -> bool {
        next.rank() > self.rank()
    }
}

coded_enum! {
    /// Where a fee of the ledger stands (Rp 10.000 per leg).
    #[derive(Hash)]
    pub enum FeeStatus {
        /// Owed, not yet reported collected.
        Expected = "expected" => "belum dibayar",
        /// The courier reported it collected.
        Collected = "collected" => "lunas",
        /// Will not be collected (cancelled before pickup, or the delivery
        /// came back).
        Void = "void" => "tidak ditagih",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_in_transit_never_overwrites_delivered_and_outcomes_are_final() {
        use ShipmentStatus as S;
        assert!(S::Created.may_become(S::Picked));
        assert!(S::Picked.may_become(S::InTransit));
        assert!(!S::Delivered.may_become(S::InTransit));
        assert!(
            !S::InTransit.may_become(S::InTransit),
            "a repeat changes nothing"
        );
        assert!(!S::Returned.may_become(S::Delivered), "final is final");
        let finals: Vec<_> = S::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [S::Delivered, S::Returned, S::Failed, S::Cancelled]);
        assert!(
            !S::Cancelled.may_become(S::Picked),
            "a cancelled order stays cancelled"
        );
    }

    #[test]
    fn shipment_statuses_are_listed_in_the_order_they_happen() {
        let ranks = ShipmentStatus::ALL.map(ShipmentStatus::rank);
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    }
}
