//! alikassa-checkout backend.
//!
//! * [`signing`] — the merchant's RSA keys and the gateway's signature scheme (including the
//!   PHP-`json_encode` texts of notifications and redirects).
//! * [`cli`] — the `alikassa-checkout` command line.

pub mod auth;
pub mod backoff;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod gateway;
pub mod html;
pub mod metrics;
pub mod notify;
pub mod operators;
pub mod outbox;
pub mod page;
pub mod payouts;
pub mod reconciler;
pub mod routes;
pub mod sandbox;
pub mod sessions;
pub mod signing;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod widget;
