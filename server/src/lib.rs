//! alikassa-checkout backend.
//!
//! * [`signing`] — the merchant's RSA keys and the gateway's signature scheme (including the
//!   PHP-`json_encode` texts of notifications and redirects).
//! * [`cli`] — the `alikassa-checkout` command line.

pub mod cli;
pub mod signing;
