//! Who acts in PAK POS: the fixed staff role codes of DESIGN.md, and the
//! actor of a step (a citizen without an account, a staff member, or the
//! courier's webhook). Codes are the API's; the Indonesian labels are what
//! officers read in the UI.

use super::coded_enum::coded_enum;
use super::ids::VillageCode;

coded_enum! {
    /// A staff role. The code strings are stable: they are stored in D1 and sent
    /// to the Android app. The label is what officers see, as the procedure
    /// names them.
    #[derive(Hash, PartialOrd, Ord)]
    pub enum Role {
        /// Operator Loker Adminduk Online Desa/Kelurahan.
        VillageOperator = "village_operator" => "Operator Loker Adminduk Online Desa/Kelurahan",
        /// Front Office (FO) Dinas.
        FrontOffice = "front_office" => "Front Office (FO) Dinas",
        /// Kasi Bidang Pelayanan Pencatatan Sipil (validator).
        Validator = "validator" => "Kasi Pelayanan Pencatatan Sipil (Validator)",
        /// Loker Pengambilan.
        PickupCounter = "pickup_counter" => "Loker Pengambilan",
        /// Bagian Produksi.
        Production = "production" => "Bagian Produksi",
        /// Kepala Dinas.
        HeadOfAgency = "head_of_agency" => "Kepala Dinas",
        /// Kepala Bidang Pelayanan Pencatatan Sipil, for complaints.
        ComplaintsOfficer = "complaints_officer" => "Kepala Bidang Pelayanan Pencatatan Sipil",
        /// System administrator: manages accounts, sees everything, performs no
        /// workflow step.
        Admin = "admin" => "Administrator Sistem",
    }
}

impl Role {
    /// Roles whose members see every application (not only their village's).
    pub fn sees_all_applications(self) -> bool {
        self != Role::VillageOperator
    }
}

/// The kind of actor, as recorded in the `role` column of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActorKind {
    /// *Pemohon*: submits without an account.
    Citizen,
    Staff(Role),
    /// The courier's signed status webhook (PT Pos Indonesia).
    Courier,
}

impl ActorKind {
    /// As stored in an event's `role` column: a staff role's code, or
    /// `citizen` / `courier`.
    pub fn code(self) -> &'static str {
        match self {
            ActorKind::Citizen => "citizen",
            ActorKind::Staff(role) => role.code(),
            ActorKind::Courier => "courier",
        }
    }

    /// The actor kind of a stored code; `None` for anything else.
    pub fn parse(code: &str) -> Option<ActorKind> {
        match code {
            "citizen" => Some(ActorKind::Citizen),
            "courier" => Some(ActorKind::Courier),
            other => Role::parse(other).map(ActorKind::Staff),
        }
    }

    /// Who acted, as the record page's timeline names them.
    pub fn label(self) -> &'static str {
        match self {
            ActorKind::Citizen => "Pemohon",
            ActorKind::Staff(role) => role.label(),
            ActorKind::Courier => "Kurir PT Pos",
        }
    }
}

/// Whoever performs a step, with what the rules need to know about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Citizen,
    Staff {
        staff_id: i64,
        role: Role,
        /// Set for village operators only: the one village they serve.
        village: Option<VillageCode>,
    },
    Courier,
}

impl Actor {
    pub fn kind(&self) -> ActorKind {
        match self {
            Actor::Citizen => ActorKind::Citizen,
            Actor::Staff { role, .. } => ActorKind::Staff(*role),
            Actor::Courier => ActorKind::Courier,
        }
    }

    pub fn staff_id(&self) -> Option<i64> {
        match self {
            Actor::Staff { staff_id, .. } => Some(*staff_id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_code_parses_back_to_its_role() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("kepala_dinas"), None);
    }

    #[test]
    fn every_actor_kind_code_parses_back_and_names_who_acted() {
        let mut kinds = vec![ActorKind::Citizen, ActorKind::Courier];
        kinds.extend(Role::ALL.map(ActorKind::Staff));
        for kind in kinds {
            assert_eq!(ActorKind::parse(kind.code()), Some(kind));
            assert!(!kind.label().is_empty());
        }
        assert_eq!(ActorKind::Courier.label(), "Kurir PT Pos");
        assert_eq!(ActorKind::parse("kurir"), None);
    }

    #[test]
    fn role_codes_match_the_serde_names() {
        for role in Role::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.code()));
        }
    }
}
