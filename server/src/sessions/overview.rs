//! The dashboard's numbers about sessions, computed by the database per UTC day and kept
//! until a session of that day changes.
//!
//! With 100,000 sessions a month, reading every session of 30 days (and joining their
//! attempts) takes longer than the overview may. Past days rarely change, so each day's
//! figures are kept in memory after they are first read; every overview first asks the
//! database which days had a session change since the last look (an index on `updated_at`)
//! and reads those days again, and a kept day is read again after [`KEEP`] whatever happens.
//! Each replica keeps its own copy; the database stays the only truth.

use std::collections::BTreeMap;

use time::{Duration, OffsetDateTime};
use tokio::sync::Mutex;

use super::{SessionError, Sessions};
use crate::store::dashboard::{DAY_MS, DayTotals, MethodTotals, StatusTotals};

/// How long a day's figures are kept at most.
const KEEP: Duration = Duration::hours(1);
/// Changes are looked for since the last look minus this: a change committed a little after
/// the time written in it (a slow transaction) is still seen.
const MARGIN: Duration = Duration::minutes(1);
/// Paid sessions the time-to-paid percentiles are taken over (the latest ones).
pub const TIME_TO_PAID_SAMPLE: u32 = 2000;

/// Each day's figures, as last read.
#[derive(Debug, Default)]
pub(super) struct DayCache(Mutex<Kept>);

#[derive(Debug, Default)]
struct Kept {
    /// By UTC day number: the figures and when they were read.
    days: BTreeMap<i64, (DayTotals, OffsetDateTime)>,
    /// When changes were last looked for.
    looked: Option<OffsetDateTime>,
}

/// Sessions created in a period: by status, by method, per day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// By status.
    pub by_status: Vec<StatusTotals>,
    /// By payment method tried.
    pub by_method: Vec<MethodTotals>,
    /// Every day of the period, first to last.
    pub days: Vec<DayTotals>,
    /// Milliseconds from creation to paid of the latest paid sessions (at most
    /// [`TIME_TO_PAID_SAMPLE`]), shortest first.
    pub times_to_paid: Vec<u64>,
}

impl Overview {
    /// Sessions created.
    pub fn sessions(&self) -> u64 {
        self.by_status.iter().map(|s| s.sessions).sum()
    }

    /// The totals of one status (zero when there are none).
    pub fn status(&self, status: shared::SessionStatus) -> StatusTotals {
        find_status(&self.by_status, status)
    }

    /// Sessions that need the merchant's attention.
    pub fn needs_attention(&self) -> u64 {
        self.by_status.iter().map(|s| s.needs_attention).sum()
    }

    /// The `per_mille`-th per mille of the time to paid (nearest rank), if anything was paid.
    pub fn time_to_paid(&self, per_mille: u64) -> Option<std::time::Duration> {
        let n = u64::try_from(self.times_to_paid.len()).ok()?;
        let rank = (n * per_mille).div_ceil(1000).max(1);
        let index = usize::try_from(rank - 1).ok()?;
        self.times_to_paid
            .get(index)
            .map(|ms| std::time::Duration::from_millis(*ms))
    }
}

/// The totals of `status` among `totals` (zero when absent).
pub fn find_status(totals: &[StatusTotals], status: shared::SessionStatus) -> StatusTotals {
    totals
        .iter()
        .find(|s| s.status == status.as_str())
        .cloned()
        .unwrap_or(StatusTotals {
            status: status.as_str().to_owned(),
            sessions: 0,
            received_kopecks: 0,
            needs_attention: 0,
        })
}

/// The days added up, status by status and method by method (in name order).
fn add_up(days: &[DayTotals]) -> (Vec<StatusTotals>, Vec<MethodTotals>) {
    let mut statuses: BTreeMap<&str, StatusTotals> = BTreeMap::new();
    let mut methods: BTreeMap<&str, MethodTotals> = BTreeMap::new();
    for day in days {
        for s in &day.by_status {
            let t = statuses.entry(&s.status).or_insert(StatusTotals {
                status: s.status.clone(),
                sessions: 0,
                received_kopecks: 0,
                needs_attention: 0,
            });
            t.sessions += s.sessions;
            t.received_kopecks += s.received_kopecks;
            t.needs_attention += s.needs_attention;
        }
        for m in &day.by_method {
            let t = methods.entry(&m.method).or_insert(MethodTotals {
                method: m.method.clone(),
                sessions: 0,
                paid: 0,
                paid_kopecks: 0,
            });
            t.sessions += m.sessions;
            t.paid += m.paid;
            t.paid_kopecks += m.paid_kopecks;
        }
    }
    (
        statuses.into_values().collect(),
        methods.into_values().collect(),
    )
}

/// UTC day number of `t`.
fn day_of(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX) / DAY_MS
}

/// The start of UTC day number `day`.
fn start_of(day: i64) -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(day.saturating_mul(DAY_MS))
}

impl Sessions {
    /// Sessions created in `[from, to)` (whole UTC days), counted by the database.
    pub async fn overview(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Overview, SessionError> {
        let store = &self.inner.store;
        let (first, end) = (day_of(from), day_of(to));
        let (days, times_to_paid) = tokio::try_join!(
            async {
                let mut kept = self.inner.day_cache.0.lock().await;
                let now = self.inner.clock.now();
                if let Some(looked) = kept.looked {
                    for day in store.days_changed_since(looked - MARGIN).await? {
                        kept.days.remove(&day);
                    }
                }
                kept.looked = Some(now);
                kept.days.retain(|_, (_, read)| *read + KEEP > now);
                // Read the days not kept, in runs of consecutive days.
                let mut day = first;
                while day < end {
                    if kept.days.contains_key(&day) {
                        day += 1;
                        continue;
                    }
                    let run_end = (day..end)
                        .find(|d| kept.days.contains_key(d))
                        .unwrap_or(end);
                    let mut read = store.day_totals(start_of(day), start_of(run_end)).await?;
                    for d in day..run_end {
                        let totals = read.remove(&d).unwrap_or_default();
                        kept.days.insert(d, (totals, now));
                    }
                    day = run_end;
                }
                let days: Vec<DayTotals> = (first..end)
                    .map(|d| {
                        kept.days
                            .get(&d)
                            .map(|(t, _)| t.clone())
                            .unwrap_or_default()
                    })
                    .collect();
                Ok::<_, SessionError>(days)
            },
            async { Ok(store.times_to_paid(from, to, TIME_TO_PAID_SAMPLE).await?) },
        )?;
        let (by_status, by_method) = add_up(&days);
        Ok(Overview {
            by_status,
            by_method,
            days,
            times_to_paid,
        })
    }
    /// Asks the gateway about session `id`'s current payment now (as the buyer's "check"
    /// does, within the same per-payment limit): `Some(wait)` when a call was made too
    /// recently.
    pub async fn refresh(
        &self,
        id: shared::api::SessionId,
    ) -> Result<Option<std::time::Duration>, SessionError> {
        let session = self
            .inner
            .store
            .session_by_id(id)
            .await?
            .ok_or(SessionError::NotFound)?;
        Ok(self.check(&session.token).await?.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(name: &str, sessions: u64, received: u64) -> StatusTotals {
        StatusTotals {
            status: name.to_owned(),
            sessions,
            received_kopecks: received,
            needs_attention: 0,
        }
    }

    #[test]
    fn percentiles_are_nearest_rank_over_the_sample() {
        let o = |times: Vec<u64>| Overview {
            by_status: vec![],
            by_method: vec![],
            days: vec![],
            times_to_paid: times,
        };
        let ms = std::time::Duration::from_millis;
        assert_eq!(o(vec![]).time_to_paid(500), None);
        assert_eq!(o(vec![7]).time_to_paid(900), Some(ms(7)));
        let ten = o((1..=10).collect());
        assert_eq!(ten.time_to_paid(500), Some(ms(5)));
        assert_eq!(ten.time_to_paid(900), Some(ms(9)));
        assert_eq!(o(vec![1, 2, 3]).time_to_paid(500), Some(ms(2)));
    }

    #[test]
    fn days_add_up_by_status_and_method() {
        let day = |paid: u64, kopecks: u64| DayTotals {
            by_status: vec![status("paid", paid, kopecks), status("open", 1, 0)],
            by_method: vec![MethodTotals {
                method: "sbp".to_owned(),
                sessions: paid + 1,
                paid,
                paid_kopecks: kopecks,
            }],
        };
        let (statuses, methods) = add_up(&[day(2, 300), DayTotals::default(), day(1, 50)]);
        assert_eq!(statuses, vec![status("open", 2, 0), status("paid", 3, 350)]);
        assert_eq!(methods.len(), 1);
        assert_eq!(
            (
                methods[0].sessions,
                methods[0].paid,
                methods[0].paid_kopecks
            ),
            (5, 3, 350)
        );
    }

    #[test]
    fn days_are_utc_day_numbers() {
        let t = time::macros::datetime!(2026-12-03 23:59:59.999 UTC);
        assert_eq!(
            start_of(day_of(t)),
            time::macros::datetime!(2026-12-03 0:00 UTC)
        );
        assert_eq!(day_of(t) + 1, day_of(t + Duration::milliseconds(1)));
    }
}
