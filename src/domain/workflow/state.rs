//! The part of an application the workflow reads and changes.

use crate::domain::application::{DeliveryMethod, Subject};
use crate::domain::ids::{PhoneNumber, RegistrationNumber, VillageCode};
use crate::domain::papers::Papers;
use crate::domain::products::{ProductKind, ProductState};
use crate::domain::services::Service;

use super::Status;

/// The part of an application the workflow reads and may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationState {
    pub registration_number: RegistrationNumber,
    pub status: Status,
    pub version: i64,
    pub village_code: VillageCode,
    pub services: Vec<Service>,
    pub phone: PhoneNumber,
    pub applicant_name: String,
    pub applicant_address: String,
    pub subject: Subject,
    pub delivery_method: DeliveryMethod,
    pub delivery_address: Option<String>,
    pub siak_reference: Option<String>,
    /// One per product of the services, in product order (see
    /// [`crate::domain::products::merge`]).
    pub products: Vec<ProductState>,
    /// Where the citizen's physical papers are (`None`: with the citizen).
    pub papers: Option<Papers>,
}

impl ApplicationState {
    pub fn product_mut(&mut self, kind: ProductKind) -> Option<&mut ProductState> {
        self.products.iter_mut().find(|p| p.kind == kind)
    }

    /// Where the courier delivers: the chosen postal address, or the
    /// applicant's own (seed step m: "sesuai dengan alamat pemohon").
    pub fn postal_address(&self) -> &str {
        self.delivery_address
            .as_deref()
            .unwrap_or(&self.applicant_address)
    }
}
