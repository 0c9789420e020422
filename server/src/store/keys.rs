//! Merchant API key hashes and webhook receipts.

use time::OffsetDateTime;

use shared::{GatewayPaymentId, PaymentStatus};

use super::{Store, StoreError, ms};

/// A stored API key: its SHA-256 and the label it was stored under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApiKey {
    /// SHA-256 of the key.
    pub sha256: [u8; 32],
    /// What it is (`generated sk_test_` for a key made at a sandbox start; `generated` for
    /// one made before keys had modes).
    pub label: String,
}

impl Store {
    /// The API keys not revoked.
    pub async fn api_key_hashes(&self) -> Result<Vec<StoredApiKey>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT sha256, label FROM api_keys WHERE revoked_at IS NULL")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(hex, label)| {
                let sha256 = decode_hex(&hex)
                    .ok_or_else(|| StoreError::Corrupt(format!("api key hash {hex:?}")))?;
                Ok(StoredApiKey { sha256, label })
            })
            .collect()
    }

    /// Stores an API key's SHA-256 under `label`.
    pub async fn insert_api_key(
        &self,
        sha256: &[u8; 32],
        label: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO api_keys (id, sha256, label, created_at) VALUES ($1, $2, $3, $4)")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(encode_hex(sha256))
            .bind(label)
            .bind(ms(now))
            .execute(&mut *self.write().await?)
            .await
            .map_err(|e| super::conflict(e, "api key"))?;
        Ok(())
    }

    /// Whether a notification was recorded under `dedupe_key` (its effect is already applied:
    /// receipts are recorded only after the state change succeeded).
    pub async fn receipt_seen(&self, dedupe_key: &str) -> Result<bool, StoreError> {
        let found: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM webhook_receipts WHERE dedupe_key = $1")
                .bind(dedupe_key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    /// Records a verified notification under `dedupe_key`; `false` when it was seen before.
    pub async fn record_receipt(
        &self,
        dedupe_key: &str,
        gateway_payment_id: Option<GatewayPaymentId>,
        payment_status: Option<PaymentStatus>,
        outcome: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO webhook_receipts (dedupe_key, gateway_payment_id, payment_status, \
             outcome, received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(dedupe_key)
        .bind(gateway_payment_id.map(|g| i64::try_from(g.get()).unwrap_or(i64::MAX)))
        .bind(payment_status.map(|s| s.as_str()))
        .bind(outcome)
        .bind(ms(now))
        .execute(&mut *self.write().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets a receipt (its processing failed, so a redelivery must be processed).
    pub async fn forget_receipt(&self, dedupe_key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM webhook_receipts WHERE dedupe_key = $1")
            .bind(dedupe_key)
            .execute(&mut *self.write().await?)
            .await?;
        Ok(())
    }
}

/// Lower-case hex.
pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}
