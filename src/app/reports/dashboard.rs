//! What the dashboard shows: every figure read in one D1 batch over the
//! last [`WINDOW_DAYS`] WIB days, then the derived ones (totals, each
//! queue's median wait, a count for every day of the window, the SMS
//! delivery rate). The numbers are decided here; the page words and lays
//! them out.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{check_reader, sees_personal_data, DateRange, WINDOW_DAYS};
use crate::app::{AppError, Ctx, Staff};
use crate::domain::roles::Role;
use crate::domain::workflow::Status;
use crate::platform::wib_date;
use crate::store::complaints::Counts as ComplaintCounts;
use crate::store::reports::{self as stored, FeeTotal, KecamatanRow, Tally, Window};

/// The queues whose waiting time the dashboard shows, in workflow order.
const QUEUE_ROLES: [Role; 5] = [
    Role::FrontOffice,
    Role::Validator,
    Role::PickupCounter,
    Role::Production,
    Role::HeadOfAgency,
];

/// Everything on the dashboard, for one officer at one moment.
pub struct Dashboard {
    /// The WIB days the windowed figures cover, ending today.
    pub window: DateRange,
    /// Every status in workflow order, with how many applications are in it.
    pub statuses: Vec<(Status, i64)>,
    /// Applications not yet completed or cancelled.
    pub open_total: i64,
    pub all_total: i64,
    /// One per queue role, in workflow order.
    pub queues: Vec<QueueWait>,
    /// Every day of the window with its completions, zero included.
    pub completed_per_day: Vec<(NaiveDate, i64)>,
    /// Every kecamatan: open now, completed and cancelled in the window.
    pub kecamatan: Vec<KecamatanRow>,
    /// The column sums of `kecamatan`.
    pub kecamatan_total: KecamatanTotal,
    /// SMS written in the window, by outcome.
    pub sms: SmsTally,
    /// Courier fees over the window's WIB days.
    pub fees: Fees,
    pub complaints: ComplaintCounts,
    /// Whether this officer's export masks NIK and phone numbers.
    pub export_masked: bool,
}

/// How long one role's queue waits.
pub struct QueueWait {
    pub role: Role,
    pub waiting: i64,
    /// Since when the longest-waiting application waits; `None` when empty.
    pub oldest: Option<DateTime<Utc>>,
    /// The median of the queue's waiting-since times; `None` when empty.
    pub median: Option<DateTime<Utc>>,
}

/// The sums over every kecamatan.
pub struct KecamatanTotal {
    pub open: i64,
    pub completed: i64,
    pub cancelled: i64,
}

/// The courier fee ledger over the window, as the daily reconciliation
/// counts it.
pub struct Fees {
    /// What the courier should have collected.
    pub expected: FeeTotal,
    /// What the courier reported collected.
    pub collected: FeeTotal,
    /// Expected and not (yet) reported collected.
    pub outstanding: FeeTotal,
}

/// The dashboard for `staff`: one batch (see `store::reports::dashboard`).
pub async fn dashboard(ctx: &Ctx, staff: &Staff) -> Result<Dashboard, AppError> {
    check_reader(staff)?;
    let window = DateRange::ending(wib_date(ctx.now), WINDOW_DAYS);
    let (from_day, to_day) = (window.from.to_string(), window.to.to_string());
    let bounds = Window {
        from_day: &from_day,
        to_day: &to_day,
    };
    let roles: Vec<&str> = QUEUE_ROLES.iter().map(|r| r.code()).collect();
    let data = stored::dashboard(&ctx.db, &bounds, &roles).await?;

    let counts: HashMap<&str, i64> = data
        .statuses
        .iter()
        .map(|s| (s.key.as_str(), s.count))
        .collect();
    let statuses: Vec<(Status, i64)> = Status::ALL
        .iter()
        .map(|s| (*s, counts.get(s.code()).copied().unwrap_or(0)))
        .collect();
    let open_total = statuses
        .iter()
        .filter(|(s, _)| !s.is_final())
        .map(|(_, n)| n)
        .sum();
    let all_total = statuses.iter().map(|(_, n)| n).sum();
    let kecamatan_total = KecamatanTotal {
        open: data.kecamatan.iter().map(|k| k.open).sum(),
        completed: data.kecamatan.iter().map(|k| k.completed).sum(),
        cancelled: data.kecamatan.iter().map(|k| k.cancelled).sum(),
    };
    Ok(Dashboard {
        statuses,
        open_total,
        all_total,
        queues: queue_waits(&data),
        completed_per_day: fill_days(&window, &data.completed_per_day),
        kecamatan_total,
        kecamatan: data.kecamatan,
        sms: SmsTally::from_counts(data.sms.iter().map(|s| (s.key.as_str(), s.count))),
        fees: Fees {
            expected: data.fees_expected,
            collected: data.fees_collected,
            outstanding: data.fees_outstanding,
        },
        complaints: data.complaints,
        export_masked: !sees_personal_data(staff.role),
        window,
    })
}

/// Each queue role's count, oldest and median, zero for a role nobody waits on.
fn queue_waits(data: &stored::Dashboard) -> Vec<QueueWait> {
    QUEUE_ROLES
        .iter()
        .map(|role| {
            let age = data.queues.iter().find(|q| q.key == role.code());
            let waiting = age.map_or(0, |q| q.count);
            let middle = data
                .middles
                .iter()
                .find(|(r, _)| r == role.code())
                .map(|(_, m)| m.as_slice())
                .unwrap_or_default();
            QueueWait {
                role: *role,
                waiting,
                oldest: age
                    .filter(|_| waiting > 0)
                    .and_then(|q| q.at.as_deref())
                    .and_then(parse_stored),
                median: median_since(waiting, middle),
            }
        })
        .collect()
}

fn parse_stored(at: &str) -> Option<DateTime<Utc>> {
    crate::domain::time::parse_rfc3339(at)
}

/// Every day of the range with its count, zero where D1 had no row.
fn fill_days(range: &DateRange, rows: &[Tally]) -> Vec<(NaiveDate, i64)> {
    let by_day: HashMap<&str, i64> = rows.iter().map(|r| (r.key.as_str(), r.count)).collect();
    range
        .dates()
        .map(|d| (d, by_day.get(d.to_string().as_str()).copied().unwrap_or(0)))
        .collect()
}

/// The median of a queue's `status_since` from its one or two middle values
/// (see [`stored::median_offset`]): the middle one for an odd count, halfway
/// between the two for an even count. `None` for an empty queue.
fn median_since(count: i64, middle: &[String]) -> Option<DateTime<Utc>> {
    let parse = |i: usize| middle.get(i).and_then(|t| parse_stored(t));
    let first = parse(0).filter(|_| count > 0)?;
    if count % 2 == 1 {
        return Some(first);
    }
    Some(parse(1).map_or(first, |second| first + (second - first) / 2))
}

/// SMS by outcome. Delivery rate = delivered out of those with a final
/// answer from the network; what is still under way does not count yet.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SmsTally {
    pub delivered: i64,
    pub failed: i64,
    pub in_progress: i64,
}

impl SmsTally {
    /// From outbox status codes and their counts.
    fn from_counts<'a>(counts: impl Iterator<Item = (&'a str, i64)>) -> SmsTally {
        let mut t = SmsTally::default();
        for (status, n) in counts {
            match status {
                "delivered" => t.delivered += n,
                "failed" | "undelivered" => t.failed += n,
                _ => t.in_progress += n,
            }
        }
        t
    }

    /// "97,5%" (Indonesian decimal comma), or `None` before any SMS finished.
    pub fn rate(&self) -> Option<String> {
        let finished = self.delivered + self.failed;
        (finished > 0).then(|| {
            let tenths = (self.delivered * 1000 + finished / 2) / finished;
            format!("{},{}%", tenths / 10, tenths % 10)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        crate::domain::time::parse_day(s).unwrap_or_default()
    }

    #[test]
    fn every_day_of_the_window_gets_a_count_even_without_completions() {
        let range = DateRange {
            from: day("2026-11-01"),
            to: day("2026-11-03"),
        };
        let rows = vec![Tally {
            key: "2026-11-02".into(),
            count: 4,
            ..Tally::default()
        }];
        assert_eq!(
            fill_days(&range, &rows),
            vec![
                (day("2026-11-01"), 0),
                (day("2026-11-02"), 4),
                (day("2026-11-03"), 0)
            ]
        );
    }

    #[test]
    fn the_median_of_an_odd_queue_is_its_middle_and_of_an_even_queue_halfway_between() {
        let t = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .ok()
        };
        let odd = median_since(
            3,
            &[
                "2026-11-02T00:00:00.000Z".into(),
                "2026-11-04T00:00:00.000Z".into(),
            ],
        );
        assert_eq!(odd, t("2026-11-02T00:00:00Z"));
        let even = median_since(
            4,
            &[
                "2026-11-02T00:00:00.000Z".into(),
                "2026-11-04T00:00:00.000Z".into(),
            ],
        );
        assert_eq!(even, t("2026-11-03T00:00:00Z"));
        assert_eq!(median_since(0, &[]), None);
    }

    #[test]
    fn the_sms_rate_counts_only_messages_with_a_final_answer() {
        let t = SmsTally::from_counts(
            [
                ("delivered", 39),
                ("failed", 1),
                ("undelivered", 0),
                ("sent", 7),
                ("pending", 2),
            ]
            .into_iter(),
        );
        assert_eq!(
            t,
            SmsTally {
                delivered: 39,
                failed: 1,
                in_progress: 9
            }
        );
        assert_eq!(t.rate().as_deref(), Some("97,5%"));
        assert_eq!(
            SmsTally::from_counts([("sent", 3)].into_iter()).rate(),
            None
        );
    }
}
