//! The transition table of DESIGN.md as one `match`: reading [`rule_for`]
//! reads the design's table, row by row.

use super::{Action, Status};
use crate::domain::roles::{ActorKind, Role};

/// Where a rule leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    To(Status),
    /// `mark_printed`: the counter, the post or the citizen's own printer,
    /// by the delivery method.
    ByDeliveryMethod,
    /// Changes data, not status (`correct`, `change_delivery_method`).
    Stay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub actors: &'static [ActorKind],
    pub target: Target,
}

const FO: ActorKind = ActorKind::Staff(Role::FrontOffice);
const VALIDATOR: ActorKind = ActorKind::Staff(Role::Validator);
const COUNTER: ActorKind = ActorKind::Staff(Role::PickupCounter);
const PRODUCTION: ActorKind = ActorKind::Staff(Role::Production);
const HEAD: ActorKind = ActorKind::Staff(Role::HeadOfAgency);
const OPERATOR: ActorKind = ActorKind::Staff(Role::VillageOperator);

const fn rule(actors: &'static [ActorKind], target: Target) -> Option<Rule> {
    Some(Rule { actors, target })
}

/// The transition table of DESIGN.md. `None` for a status means the
/// application does not exist yet (only `submit`).
pub fn rule_for(status: Option<Status>, action: Action) -> Option<Rule> {
    use Action as A;
    use Status as S;
    use Target::{ByDeliveryMethod, Stay, To};
    let Some(status) = status else {
        return match action {
            A::Submit => rule(&[OPERATOR, ActorKind::Citizen], To(S::Submitted)),
            _ => None,
        };
    };
    match (status, action) {
        (S::Submitted, A::Accept) => rule(&[FO], To(S::AwaitingValidation)),
        (S::AwaitingValidation, A::Approve) => rule(&[VALIDATOR], To(S::AwaitingDocuments)),
        (S::AwaitingDocuments, A::ReceiveDocuments) => rule(&[COUNTER], To(S::InProduction)),
        (S::InProduction, A::Correct | A::AttachDraft) => rule(&[PRODUCTION], Stay),
        (S::InProduction, A::RequestSignature) => {
            rule(&[PRODUCTION], To(S::AwaitingSignatureValidation))
        }
        // Per product: the status moves when the last product is through.
        (S::AwaitingSignatureValidation, A::ValidateSignature) => {
            rule(&[VALIDATOR], To(S::AwaitingSignature))
        }
        (S::AwaitingSignatureValidation | S::AwaitingSignature, A::ReturnToProduction) => {
            rule(&[VALIDATOR, HEAD], To(S::InProduction))
        }
        (S::AwaitingSignature, A::Sign) => rule(&[HEAD], To(S::ReadyToPrint)),
        (S::ReadyToPrint, A::MarkPrinted) => rule(&[PRODUCTION], ByDeliveryMethod),
        (S::ReadyForPickup, A::HandOver) => rule(&[COUNTER], To(S::Completed)),
        (S::OutForDelivery, A::RecordDelivered) => {
            rule(&[ActorKind::Courier, COUNTER], To(S::Completed))
        }
        (S::OutForDelivery, A::RecordReturned) => {
            rule(&[ActorKind::Courier, COUNTER], To(S::ReadyForPickup))
        }
        (S::ReadyForDownload, A::RecordDownloaded) => {
            rule(&[ActorKind::Citizen, COUNTER], To(S::Completed))
        }
        (S::Submitted, A::Cancel) => rule(&[FO], To(S::Cancelled)),
        (S::AwaitingValidation, A::Cancel) => rule(&[VALIDATOR], To(S::Cancelled)),
        (S::AwaitingDocuments, A::Cancel) => rule(&[COUNTER], To(S::Cancelled)),
        (S::InProduction, A::Cancel) => rule(&[PRODUCTION], To(S::Cancelled)),
        // The papers the agency held are back with the citizen: the counter
        // hands them over, or the courier reports its return delivered.
        (S::Cancelled, A::ReturnPapers) => rule(&[COUNTER, ActorKind::Courier], Stay),
        (
            S::Submitted
            | S::AwaitingValidation
            | S::AwaitingDocuments
            | S::InProduction
            | S::AwaitingSignatureValidation
            | S::AwaitingSignature
            | S::ReadyToPrint,
            A::ChangeDeliveryMethod,
        ) => rule(&[FO, VALIDATOR, COUNTER, PRODUCTION], Stay),
        _ => None,
    }
}

/// The actions an actor may take on an application in this status: what the
/// staff UI shows as buttons.
pub fn available_actions(status: Status, actor: ActorKind) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| rule_for(Some(status), *a).is_some_and(|r| r.actors.contains(&actor)))
        .collect()
}

/// Whether this actor kind performs `action` in any status at all.
pub fn ever_allowed(action: Action, actor: ActorKind) -> bool {
    std::iter::once(None)
        .chain(Status::ALL.into_iter().map(Some))
        .any(|s| rule_for(s, action).is_some_and(|r| r.actors.contains(&actor)))
}
