//! What a step asks the outside world to do, written to the outbox in the
//! same batch as the step: SMS to the applicant, courier orders, and changes
//! to the fee ledger.

use serde::Serialize;

use crate::domain::courier::CourierLeg;
use crate::domain::ids::PhoneNumber;
use crate::domain::messages::{self, SmsTemplate};

use super::ApplicationState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CourierRequest {
    pub leg: CourierLeg,
    /// Fee in rupiah paid to the courier by the applicant.
    pub fee: u32,
    /// Amount the courier collects on delivery (0 for a pickup, whose fee the
    /// applicant pays when handing over the documents).
    pub cod_amount: u32,
    pub address: String,
}

/// A change to the fee ledger that a step settles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeChange {
    /// The courier collected the fee of this leg (COD paid).
    Collected(CourierLeg),
    /// The leg's fee will not be collected (the delivery came back).
    Voided(CourierLeg),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Sms {
        template: SmsTemplate,
        to: PhoneNumber,
        body: String,
    },
    /// A courier order; its fee enters the ledger as expected.
    Courier(CourierRequest),
    /// Cancel the courier order of this leg, if there is one and the courier
    /// has not picked the parcel up yet.
    CancelCourier(CourierLeg),
    Fee(FeeChange),
}

/// An SMS to the applicant; `base` is our public address (`PUBLIC_BASE_URL`)
/// for the text's link.
pub(super) fn sms(state: &ApplicationState, template: SmsTemplate, base: &str) -> Effect {
    Effect::Sms {
        template,
        to: state.phone.clone(),
        body: messages::text(template, &state.registration_number, base),
    }
}

/// The effects of a new submission (step c).
pub fn submission_effects(state: &ApplicationState, base: &str) -> Vec<Effect> {
    vec![sms(state, SmsTemplate::RegistrationReceived, base)]
}
