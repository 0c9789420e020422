//! Dashboard operators: people who sign in to `/dashboard/` with an e-mail and a password
//! (not API keys), as `viewer` (reads) or `operator` (also acts: resends, payouts, refreshes).
//!
//! Passwords are argon2id hashes ([`password`]); a signed-in browser holds a random token
//! whose SHA-256 alone is stored, with a CSRF token every change must carry; the idle and
//! absolute timeouts and the lockout after failed logins are pure rules ([`rules`]).
//! Resetting a password or removing an operator signs out all of their browsers.

pub mod password;
pub mod rules;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;

pub use password::Password;

use crate::clock::Clock;
use crate::store::operators::{DashboardSessionRecord, OperatorRecord};
use crate::store::{Store, StoreError, encode_hex};

/// What an operator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    /// Reads, and acts: resends webhooks, creates payouts, refreshes from the gateway, uses
    /// the sandbox controls.
    Operator,
}

impl Role {
    /// Its stored and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "operator" => Ok(Role::Operator),
            other => Err(format!("expected viewer or operator, got {other:?}")),
        }
    }
}

/// An operator's e-mail, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an e-mail address (something@somewhere, no spaces, at most 254 bytes).
    pub fn parse(text: &str) -> Result<Email, OperatorError> {
        let email = text.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.chars().any(char::is_whitespace)
            && email.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty() && !host.is_empty() && !host.contains('@')
            });
        if valid {
            Ok(Email(email))
        } else {
            Err(OperatorError::InvalidEmail)
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An operator, as the dashboard and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// Id (UUID).
    pub id: String,
    /// E-mail.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Who.
    pub operator: Operator,
    /// The token every change must carry (form field `csrf`).
    pub csrf: String,
}

impl SignedIn {
    /// Whether `presented` is this session's CSRF token.
    pub fn csrf_ok(&self, presented: Option<&str>) -> bool {
        rules::csrf_matches(&self.csrf, presented)
    }
}

/// A new sign-in: the cookie's token (shown once, never stored) and who signed in.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie value.
    pub token: String,
    /// Who signed in.
    pub operator: Operator,
}

/// Why an operator command or a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// Not an e-mail address.
    #[error("not an e-mail address")]
    InvalidEmail,
    /// Too short or too long.
    #[error("the password must have at least {} characters", password::MIN_CHARS)]
    WeakPassword,
    /// The e-mail is taken.
    #[error("an operator with this e-mail exists")]
    Exists,
    /// No such operator.
    #[error("no operator with this e-mail")]
    NotFound,
    /// Wrong e-mail or password (which one is not said).
    #[error("wrong e-mail or password")]
    BadCredentials,
    /// Too many failed logins: try again after this time.
    #[error("too many failed logins; try again later")]
    Locked {
        /// When a login will be considered again.
        until: OffsetDateTime,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something else (randomness, hashing).
    #[error("internal error: {0}")]
    Internal(String),
}

/// The operators service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Operators {
    store: Store,
    clock: Clock,
}

impl Operators {
    /// The service over `store`.
    pub fn new(store: Store, clock: Clock) -> Operators {
        Operators { store, clock }
    }

    /// Adds an operator.
    pub async fn add(
        &self,
        email: &Email,
        role: Role,
        password: &Password,
    ) -> Result<Operator, OperatorError> {
        let hash = hash_blocking(password.expose().to_owned()).await?;
        let now = self.clock.now();
        let record = OperatorRecord {
            id: uuid::Uuid::new_v4().to_string(),
            email: email.as_str().to_owned(),
            role: role.as_str().to_owned(),
            password_hash: hash,
            created_at: now,
            password_changed_at: now,
        };
        match self.store.insert_operator(&record).await {
            Ok(()) => {}
            Err(StoreError::Conflict { .. }) => return Err(OperatorError::Exists),
            Err(e) => return Err(e.into()),
        }
        tracing::info!(operator = %record.id, role = role.as_str(), "dashboard operator added");
        operator(&record)
    }

    /// Every operator, by e-mail.
    pub async fn list(&self) -> Result<Vec<Operator>, OperatorError> {
        self.store.operators().await?.iter().map(operator).collect()
    }

    /// Whether an operator with this e-mail exists.
    pub async fn exists(&self, email: &Email) -> Result<bool, OperatorError> {
        Ok(self
            .store
            .operator_by_email(email.as_str())
            .await?
            .is_some())
    }

    /// Removes an operator (their browsers are signed out).
    pub async fn remove(&self, email: &Email) -> Result<(), OperatorError> {
        if !self.store.delete_operator(email.as_str()).await? {
            return Err(OperatorError::NotFound);
        }
        tracing::info!("dashboard operator removed");
        Ok(())
    }

    /// Sets a new password; every browser of the operator is signed out.
    pub async fn reset_password(
        &self,
        email: &Email,
        password: &Password,
    ) -> Result<(), OperatorError> {
        let hash = hash_blocking(password.expose().to_owned()).await?;
        if !self
            .store
            .set_operator_password(email.as_str(), &hash, self.clock.now())
            .await?
        {
            return Err(OperatorError::NotFound);
        }
        tracing::info!("dashboard operator password reset; their sessions are signed out");
        Ok(())
    }

    /// Signs in from `client` (the address as the server groups it: IPv4, or an IPv6 /64):
    /// checks the lockout — this e-mail from this address, this address, this e-mail
    /// ([`rules::lockout`]) — then the password (an unknown e-mail costs the same hash
    /// check), counting a failure under all three; on success a new session, and the three
    /// counts are forgotten.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: &str,
    ) -> Result<NewSession, OperatorError> {
        let email = Email::parse(email).map_err(|_| OperatorError::BadCredentials)?;
        let keys = failure_keys(&email, client);
        let keys = [keys[0].as_str(), keys[1].as_str(), keys[2].as_str()];
        let now = self.clock.now();
        let counts = self.store.login_failures(&keys).await?;
        if let Some(until) = rules::lockout(&failures(counts), now)
            && now < until
        {
            return Err(OperatorError::Locked { until });
        }
        let record = self.store.operator_by_email(email.as_str()).await?;
        let phc = record
            .as_ref()
            .map_or_else(|| password::decoy().to_owned(), |r| r.password_hash.clone());
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || password::verify(&password, &phc))
            .await
            .map_err(|e| OperatorError::Internal(e.to_string()))?;
        let record = match record {
            Some(record) if matches => record,
            _ => {
                let counts = self
                    .store
                    .record_login_failure(&keys, now, now - rules::FORGET_AFTER)
                    .await?;
                tracing::warn!(
                    client,
                    per_email_here = counts[0],
                    per_address = counts[1],
                    per_email = counts[2],
                    "dashboard login failed"
                );
                let counts = counts.map(|n| Some((n, now)));
                return Err(match rules::lockout(&failures(counts), now) {
                    Some(until) => OperatorError::Locked { until },
                    None => OperatorError::BadCredentials,
                });
            }
        };
        self.store.clear_login_failures(&keys).await?;
        let token = random_token()?;
        let csrf = random_token()?;
        self.store
            .insert_dashboard_session(&token_hash(&token), &record.id, &csrf, now)
            .await?;
        tracing::info!(operator = %record.id, "dashboard sign-in");
        Ok(NewSession {
            token,
            operator: operator(&record)?,
        })
    }

    /// The signed-in browser holding `token`, if its session is alive (a dead one is
    /// deleted); restarts its idle clock.
    pub async fn session(&self, token: &str) -> Result<Option<SignedIn>, OperatorError> {
        let hash = token_hash(token);
        let Some(DashboardSessionRecord {
            operator: record,
            csrf_token,
            created_at,
            last_seen_at,
        }) = self.store.dashboard_session(&hash).await?
        else {
            return Ok(None);
        };
        let now = self.clock.now();
        if !rules::session_alive(created_at, last_seen_at, now) {
            self.store.delete_dashboard_session(&hash).await?;
            return Ok(None);
        }
        if now - last_seen_at >= rules::TOUCH_EVERY {
            self.store.touch_dashboard_session(&hash, now).await?;
        }
        Ok(Some(SignedIn {
            operator: operator(&record)?,
            csrf: csrf_token,
        }))
    }

    /// Signs the browser holding `token` out.
    pub async fn logout(&self, token: &str) -> Result<(), OperatorError> {
        Ok(self
            .store
            .delete_dashboard_session(&token_hash(token))
            .await?)
    }
}

/// The keys failed logins are counted under: this e-mail from this address
/// (`<email> <client>`), this address (`ip:<client>`), this e-mail (the e-mail itself). An
/// e-mail has no spaces and always an `@`, so the three kinds never collide.
fn failure_keys(email: &Email, client: &str) -> [String; 3] {
    [
        format!("{} {client}", email.as_str()),
        format!("ip:{client}"),
        email.as_str().to_owned(),
    ]
}

/// The stored counts (in [`failure_keys`] order) as the rules read them.
fn failures(counts: [Option<(u32, OffsetDateTime)>; 3]) -> rules::Failures {
    let [pair, client, email] =
        counts.map(|c| c.map(|(failures, last)| rules::Count { failures, last }));
    rules::Failures {
        pair,
        client,
        email,
    }
}

fn operator(r: &OperatorRecord) -> Result<Operator, OperatorError> {
    Ok(Operator {
        id: r.id.clone(),
        email: r.email.clone(),
        role: r
            .role
            .parse()
            .map_err(|e: String| StoreError::Corrupt(format!("operators.role: {e}")))?,
        created_at: r.created_at,
    })
}

async fn hash_blocking(password: String) -> Result<String, OperatorError> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| OperatorError::Internal(e.to_string()))?
}

/// 32 random bytes, URL-safe base64.
fn random_token() -> Result<String, OperatorError> {
    let mut bytes = [0_u8; 32];
    openssl::rand::rand_bytes(&mut bytes).map_err(|e| OperatorError::Internal(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored of a session token.
fn token_hash(token: &str) -> String {
    encode_hex(&crate::auth::digest(token))
}

/// A random password for the sandbox's demo operator.
pub fn generate_password() -> Result<String, OperatorError> {
    let mut bytes = [0_u8; 12];
    openssl::rand::rand_bytes(&mut bytes).map_err(|e| OperatorError::Internal(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests;
