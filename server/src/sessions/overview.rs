//! The dashboard's numbers about sessions, computed by the database.

use time::OffsetDateTime;

use super::{SessionError, Sessions};
use crate::store::dashboard::{DayTotals, MethodTotals, StatusTotals};

/// Sessions created in a period: by status, by method, paid per day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// By status.
    pub by_status: Vec<StatusTotals>,
    /// By payment method tried.
    pub by_method: Vec<MethodTotals>,
    /// Paid sessions per day (days counted from the period's start; days without any are
    /// absent).
    pub paid_by_day: Vec<DayTotals>,
}

impl Overview {
    /// Sessions created.
    pub fn sessions(&self) -> u64 {
        self.by_status.iter().map(|s| s.sessions).sum()
    }

    /// The totals of one status (zero when there are none).
    pub fn status(&self, status: shared::SessionStatus) -> StatusTotals {
        self.by_status
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

    /// Sessions that need the merchant's attention.
    pub fn needs_attention(&self) -> u64 {
        self.by_status.iter().map(|s| s.needs_attention).sum()
    }
}

impl Sessions {
    /// Sessions created in `[from, to)`, counted by the database.
    pub async fn overview(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Overview, SessionError> {
        let store = &self.inner.store;
        // Three reads at once, each on its own pooled connection.
        let (by_status, by_method, paid_by_day) = tokio::try_join!(
            store.totals_by_status(from, to),
            store.totals_by_method(from, to),
            store.paid_by_day(from, to),
        )?;
        Ok(Overview {
            by_status,
            by_method,
            paid_by_day,
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
