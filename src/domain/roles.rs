//! Who acts in PAK POS: the fixed staff role codes of DESIGN.md, and the
//! actor of a step (a citizen without an account, a staff member, or the
//! courier's webhook). Codes are the API's; the Indonesian labels are what
//! officers read in the UI.

use serde::{Deserialize, Serialize};

use super::ids::VillageCode;

/// A staff role. The code strings are stable: they are stored in D1 and sent
/// to the Android app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Operator Loker Adminduk Online Desa/Kelurahan.
    VillageOperator,
    /// Front Office (FO) Dinas.
    FrontOffice,
    /// Kasi Bidang Pelayanan Pencatatan Sipil (validator).
    Validator,
    /// Loker Pengambilan.
    PickupCounter,
    /// Bagian Produksi.
    Production,
    /// Kepala Dinas.
    HeadOfAgency,
    /// Kepala Bidang Pelayanan Pencatatan Sipil, for complaints.
    ComplaintsOfficer,
    /// System administrator: manages accounts, sees everything, performs no
    /// workflow step.
    Admin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::VillageOperator,
        Role::FrontOffice,
        Role::Validator,
        Role::PickupCounter,
        Role::Production,
        Role::HeadOfAgency,
        Role::ComplaintsOfficer,
        Role::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::VillageOperator => "village_operator",
            Role::FrontOffice => "front_office",
            Role::Validator => "validator",
            Role::PickupCounter => "pickup_counter",
            Role::Production => "production",
            Role::HeadOfAgency => "head_of_agency",
            Role::ComplaintsOfficer => "complaints_officer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The label officers see (Indonesian, as the procedure names them).
    pub fn label(self) -> &'static str {
        match self {
            Role::VillageOperator => "Operator Loker Adminduk Online Desa/Kelurahan",
            Role::FrontOffice => "Front Office (FO) Dinas",
            Role::Validator => "Kasi Pelayanan Pencatatan Sipil (Validator)",
            Role::PickupCounter => "Loker Pengambilan",
            Role::Production => "Bagian Produksi",
            Role::HeadOfAgency => "Kepala Dinas",
            Role::ComplaintsOfficer => "Kepala Bidang Pelayanan Pencatatan Sipil",
            Role::Admin => "Administrator Sistem",
        }
    }

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
    pub fn code(self) -> &'static str {
        match self {
            ActorKind::Citizen => "citizen",
            ActorKind::Staff(role) => role.code(),
            ActorKind::Courier => "courier",
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
    fn role_codes_match_the_serde_names() {
        for role in Role::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.code()));
        }
    }
}
