//! Operations probes: `GET /healthz` (liveness: the process answers and its database is
//! reachable) and `GET /readyz` (readiness: the database answers, the signing keys on disk
//! load and sign, the widget build is loaded). The key check decrypts private keys, so its
//! result is reused for [`KEY_CHECK_TTL`]: a flood of probes costs one check per period. Neither calls the gateway; answers name the
//! failing check but no internal detail (that goes to the log).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::signing::{Digest, PUBLIC_PEM, PrivateKey, PublicKey};

/// The health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    status: &'static str,
    /// `ok` or `unavailable`.
    database: String,
    /// `sandbox` or `production`.
    mode: &'static str,
    /// Server version.
    version: &'static str,
}

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "Healthy", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    ))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (status, code, database) = match state.sessions.store().ping().await {
        Ok(()) => ("ok", StatusCode::OK, "ok".to_owned()),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (
                "degraded",
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable".to_owned(),
            )
        }
    };
    let mode = if state.http.test_mode {
        "sandbox"
    } else {
        "production"
    };
    (
        code,
        Json(Health {
            status,
            database,
            mode,
            version: env!("CARGO_PKG_VERSION"),
        }),
    )
}

/// What `/readyz` checks besides the database.
#[derive(Debug)]
pub struct Readiness {
    keys: Vec<KeyProbe>,
    public_keys: Vec<PathBuf>,
    widget_build: Option<String>,
    /// The last key check and when it ran. Held while a check runs, so probes arriving
    /// meanwhile wait for its result instead of starting their own.
    last_check: tokio::sync::Mutex<Option<(Instant, String)>>,
    ttl: Duration,
}

/// How long a key check's result is reused.
pub const KEY_CHECK_TTL: Duration = Duration::from_secs(5);

impl Readiness {
    /// Probes `keys` (re-read from disk at each probe) and `public_keys` (must load: the
    /// gateway's notification key); `widget_build` is the build loaded at start-up (`None`:
    /// not built).
    pub fn new(
        keys: Vec<KeyProbe>,
        public_keys: Vec<PathBuf>,
        widget_build: Option<String>,
    ) -> Readiness {
        Readiness {
            keys,
            public_keys,
            widget_build,
            last_check: tokio::sync::Mutex::new(None),
            ttl: KEY_CHECK_TTL,
        }
    }

    /// The key check's result: the cached one while fresh, else a new check (on a blocking
    /// thread).
    pub async fn keys_status(self: &Arc<Self>) -> String {
        let mut last = self.last_check.lock().await;
        if let Some((at, result)) = last.as_ref()
            && at.elapsed() < self.ttl
        {
            return result.clone();
        }
        let readiness = Arc::clone(self);
        let result = tokio::task::spawn_blocking(move || check_keys(&readiness))
            .await
            .unwrap_or_else(|e| format!("probe failed: {e}"));
        *last = Some((Instant::now(), result.clone()));
        result
    }
}

/// One signing key set to probe.
#[derive(Debug, Clone)]
pub struct KeyProbe {
    /// `payment` or `payout`.
    pub name: &'static str,
    /// Its directory (`private.pem`, `password.txt`, optionally `public.pem`).
    pub dir: PathBuf,
    /// The digest calls are signed with.
    pub digest: Digest,
}

/// The text signed by the key probe.
const PROBE: &[u8] = b"alikassa-checkout readiness probe";

/// The readiness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    /// `ready` or `not_ready`.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// Each check: `ok` or what is wrong, briefly.
    pub checks: ReadyChecks,
    /// Names of the failing checks (empty when ready).
    pub failing: Vec<&'static str>,
}

/// The checks of the readiness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyChecks {
    /// `ok`, or `unavailable` when `SELECT 1` fails.
    pub database: String,
    /// `ok`, or which key set does not load, sign or verify.
    pub keys: String,
    /// `ok`, or `not built` when the widget build was missing at start-up.
    pub widget: String,
}

/// Readiness: take traffic only when every check passes.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready: the database answers, the signing keys load and sign, the widget is built", body = Ready),
        (status = 503, description = "Not ready; `failing` names the checks", body = Ready),
    ))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Ready>) {
    let database = match state.sessions.store().ping().await {
        Ok(()) => "ok".to_owned(),
        Err(e) => {
            tracing::error!(error = %e, "readiness: database unavailable");
            "unavailable".to_owned()
        }
    };
    let keys = state.readiness.keys_status().await;
    let widget = match &state.readiness.widget_build {
        Some(_) => "ok".to_owned(),
        None => "not built".to_owned(),
    };
    let mut failing = Vec::new();
    for (name, result) in [
        ("database", &database),
        ("keys", &keys),
        ("widget", &widget),
    ] {
        if result != "ok" {
            failing.push(name);
        }
    }
    let (status, code) = if failing.is_empty() {
        ("ready", StatusCode::OK)
    } else {
        tracing::warn!(?failing, "not ready");
        ("not_ready", StatusCode::SERVICE_UNAVAILABLE)
    };
    let checks = ReadyChecks {
        database,
        keys,
        widget,
    };
    (
        code,
        Json(Ready {
            status,
            checks,
            failing,
        }),
    )
}

/// Loads each key set from disk, signs [`PROBE`], verifies with `public.pem` when present;
/// loads each public key. `ok`, or the first problem in short (the detail is logged).
fn check_keys(readiness: &Readiness) -> String {
    for probe in &readiness.keys {
        if let Err(problem) = probe_key(probe) {
            tracing::error!(set = probe.name, dir = %probe.dir.display(), %problem, "readiness: key set unusable");
            return format!("{} key set: {}", probe.name, problem.short());
        }
    }
    for path in &readiness.public_keys {
        if let Err(e) = PublicKey::load(path) {
            tracing::error!(error = %e, "readiness: public key unusable");
            return "notification public key does not load".to_owned();
        }
    }
    "ok".to_owned()
}

/// Why a key set failed the probe.
#[derive(Debug, thiserror::Error)]
enum KeyProblem {
    #[error("{0}")]
    Load(crate::signing::KeyError),
    #[error("{0}")]
    Sign(crate::signing::SignError),
    #[error("public.pem: {0}")]
    Public(crate::signing::KeyError),
    #[error("public.pem does not verify the probe signature: {0}")]
    Verify(crate::signing::VerifyError),
}

impl KeyProblem {
    /// The public wording: which step failed, not why.
    fn short(&self) -> &'static str {
        match self {
            KeyProblem::Load(_) => "private key does not load",
            KeyProblem::Sign(_) => "cannot sign",
            KeyProblem::Public(_) => "public key does not load",
            KeyProblem::Verify(_) => "public key does not verify the private key's signature",
        }
    }
}

fn probe_key(probe: &KeyProbe) -> Result<(), KeyProblem> {
    let private = PrivateKey::load_dir(&probe.dir).map_err(KeyProblem::Load)?;
    let sign = private
        .sign(PROBE, probe.digest)
        .map_err(KeyProblem::Sign)?;
    let public_path = probe.dir.join(PUBLIC_PEM);
    if public_path.exists() {
        let public = PublicKey::load(&public_path).map_err(KeyProblem::Public)?;
        public
            .verify(PROBE, &sign, probe.digest)
            .map_err(KeyProblem::Verify)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn readiness(dir: &std::path::Path, ttl: Duration) -> Arc<Readiness> {
        let mut r = Readiness::new(
            vec![KeyProbe {
                name: "payment",
                dir: dir.to_owned(),
                digest: Digest::Sha1,
            }],
            Vec::new(),
            None,
        );
        r.ttl = ttl;
        Arc::new(r)
    }

    #[tokio::test]
    async fn the_key_check_is_reused_while_fresh_and_redone_after() {
        let dir = tempfile::tempdir().unwrap();
        crate::signing::GeneratedKeys::generate(2048)
            .unwrap()
            .write_to(dir.path(), false)
            .unwrap();
        let cached = readiness(dir.path(), Duration::from_secs(3600));
        assert_eq!(cached.keys_status().await, "ok");
        let fresh = readiness(dir.path(), Duration::ZERO);
        assert_eq!(fresh.keys_status().await, "ok");
        std::fs::remove_file(dir.path().join(crate::signing::PRIVATE_PEM)).unwrap();
        // Within its period the result is reused: nothing was read from disk again.
        assert_eq!(cached.keys_status().await, "ok");
        assert_eq!(
            fresh.keys_status().await,
            "payment key set: private key does not load"
        );
    }
}
