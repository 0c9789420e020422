//! Caps on open SSE streams: per session token, per client address (IPv6 grouped by /64, the
//! smallest block one subscriber usually holds) and in total. A stream holds a
//! [`StreamPermit`] for its whole life; dropping it (the client went away, the stream ended)
//! gives the place back. Entries exist only while a permit holds them, so the bookkeeping is
//! bounded by the caps themselves.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::config::FloodLimits;
use crate::error::ApiError;

/// Seconds a refused stream is told to wait (the widget polls meanwhile).
pub const STREAM_RETRY_AFTER_SECS: u64 = 10;

/// The address group limits count by: an IPv4 address, or the /64 of an IPv6 one (IPv4-mapped
/// IPv6 addresses count as their IPv4 address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientGroup {
    /// One IPv4 address.
    V4([u8; 4]),
    /// The first 64 bits of an IPv6 address.
    V6(u64),
}

impl From<IpAddr> for ClientGroup {
    fn from(ip: IpAddr) -> ClientGroup {
        match ip {
            IpAddr::V4(v4) => ClientGroup::V4(v4.octets()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientGroup::V4(v4.octets()),
                None => {
                    let bits = u128::from(v6);
                    ClientGroup::V6(u64::try_from(bits >> 64).unwrap_or(u64::MAX))
                }
            },
        }
    }
}

impl std::fmt::Display for ClientGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientGroup::V4(o) => write!(f, "{}", std::net::Ipv4Addr::from(*o)),
            ClientGroup::V6(prefix) => {
                let addr = std::net::Ipv6Addr::from(u128::from(*prefix) << 64);
                write!(f, "{addr}/64")
            }
        }
    }
}

/// Which cap refused a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapRefusal {
    /// Too many streams of this session token.
    Session,
    /// Too many streams from this address (group).
    Address,
    /// Too many streams in total.
    Total,
}

impl From<CapRefusal> for ApiError {
    fn from(refusal: CapRefusal) -> ApiError {
        let retry_after_secs = STREAM_RETRY_AFTER_SECS;
        match refusal {
            CapRefusal::Session => ApiError::TooManyStreams {
                scope: "for this session",
                retry_after_secs,
            },
            CapRefusal::Address => ApiError::TooManyStreams {
                scope: "from this address",
                retry_after_secs,
            },
            CapRefusal::Total => ApiError::ServerBusy { retry_after_secs },
        }
    }
}

/// The open streams, counted.
#[derive(Debug)]
pub struct StreamCaps {
    per_session: usize,
    per_ip: usize,
    total: usize,
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    sessions: HashMap<String, usize>,
    groups: HashMap<ClientGroup, usize>,
}

impl StreamCaps {
    /// Caps from `limits`.
    pub fn new(limits: &FloodLimits) -> Arc<StreamCaps> {
        Arc::new(StreamCaps {
            per_session: limits.sse_per_session,
            per_ip: limits.sse_per_ip,
            total: limits.sse_total,
            counts: Mutex::new(Counts::default()),
        })
    }

    fn counts(&self) -> MutexGuard<'_, Counts> {
        // Every change under the lock is complete when it is released: poison is harmless.
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A place for a stream of session `token` from `ip`, or which cap is full.
    pub fn acquire(self: &Arc<Self>, token: &str, ip: IpAddr) -> Result<StreamPermit, CapRefusal> {
        let group = ClientGroup::from(ip);
        let mut counts = self.counts();
        if counts.total >= self.total {
            return Err(CapRefusal::Total);
        }
        if counts.groups.get(&group).copied().unwrap_or(0) >= self.per_ip {
            return Err(CapRefusal::Address);
        }
        if counts.sessions.get(token).copied().unwrap_or(0) >= self.per_session {
            return Err(CapRefusal::Session);
        }
        counts.total += 1;
        *counts.groups.entry(group).or_insert(0) += 1;
        *counts.sessions.entry(token.to_owned()).or_insert(0) += 1;
        Ok(StreamPermit {
            caps: Arc::clone(self),
            token: token.to_owned(),
            group,
        })
    }

    /// Streams open now.
    pub fn open(&self) -> usize {
        self.counts().total
    }

    /// Entries kept: (session tokens, address groups).
    pub fn tracked(&self) -> (usize, usize) {
        let counts = self.counts();
        (counts.sessions.len(), counts.groups.len())
    }
}

/// One open stream's place; dropping it gives the place back.
#[derive(Debug)]
pub struct StreamPermit {
    caps: Arc<StreamCaps>,
    token: String,
    group: ClientGroup,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut counts = self.caps.counts();
        counts.total = counts.total.saturating_sub(1);
        release(&mut counts.groups, &self.group);
        release(&mut counts.sessions, &self.token);
    }
}

/// Decrements `key`'s count, forgetting it at zero.
fn release<K, Q>(map: &mut HashMap<Q, usize>, key: &K)
where
    K: Eq + std::hash::Hash + ?Sized,
    Q: Eq + std::hash::Hash + std::borrow::Borrow<K>,
{
    if let Some(n) = map.get_mut(key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn caps(per_session: usize, per_ip: usize, total: usize) -> Arc<StreamCaps> {
        StreamCaps::new(&FloodLimits {
            sse_per_session: per_session,
            sse_per_ip: per_ip,
            sse_total: total,
            ..FloodLimits::default()
        })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ipv6_addresses_are_grouped_by_their_64_bit_prefix() {
        let a = ClientGroup::from(ip("2001:db8:1:2:aaaa::1"));
        let b = ClientGroup::from(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        let other = ClientGroup::from(ip("2001:db8:1:3::1"));
        assert_eq!(a, b);
        assert_ne!(a, other);
        assert_eq!(a.to_string(), "2001:db8:1:2::/64");
        assert_eq!(
            ClientGroup::from(ip("::ffff:203.0.113.7")),
            ClientGroup::from(ip("203.0.113.7"))
        );
        assert_ne!(
            ClientGroup::from(ip("203.0.113.7")),
            ClientGroup::from(ip("203.0.113.8"))
        );
    }

    #[test]
    fn the_per_address_cap_counts_a_whole_ipv6_64() {
        let caps = caps(100, 2, 100);
        let _one = caps.acquire("t1", ip("2001:db8::1")).unwrap();
        let _two = caps.acquire("t2", ip("2001:db8::2")).unwrap();
        assert_eq!(
            caps.acquire("t3", ip("2001:db8::3:4:5")).unwrap_err(),
            CapRefusal::Address
        );
        assert!(caps.acquire("t3", ip("2001:db8:0:1::1")).is_ok());
    }

    #[test]
    fn each_cap_refuses_with_its_own_reason() {
        let caps = caps(2, 2, 4);
        let _a = caps.acquire("tok", ip("10.0.0.1")).unwrap();
        let b = caps.acquire("tok", ip("10.0.0.2")).unwrap();
        assert_eq!(
            caps.acquire("tok", ip("10.0.0.3")).unwrap_err(),
            CapRefusal::Session
        );
        let _c = caps.acquire("x", ip("10.0.0.1")).unwrap();
        assert_eq!(
            caps.acquire("y", ip("10.0.0.1")).unwrap_err(),
            CapRefusal::Address
        );
        let _d = caps.acquire("y", ip("10.0.0.3")).unwrap();
        assert_eq!(
            caps.acquire("z", ip("10.0.0.4")).unwrap_err(),
            CapRefusal::Total
        );
        drop(b);
        assert!(caps.acquire("z", ip("10.0.0.4")).is_ok());
    }

    #[test]
    fn dropping_a_permit_gives_its_place_back_and_forgets_empty_entries() {
        let caps = caps(1, 1, 1);
        let permit = caps.acquire("tok", ip("192.0.2.1")).unwrap();
        assert_eq!(caps.open(), 1);
        assert_eq!(caps.tracked(), (1, 1));
        assert!(caps.acquire("tok", ip("192.0.2.1")).is_err());
        drop(permit);
        assert_eq!(caps.open(), 0);
        assert_eq!(caps.tracked(), (0, 0));
        let again = caps.acquire("tok", ip("192.0.2.1")).unwrap();
        assert_eq!(caps.open(), 1);
        drop(again);
        assert_eq!(caps.tracked(), (0, 0));
    }

    #[test]
    fn refusals_map_to_429_and_503_with_retry_after() {
        let session: ApiError = CapRefusal::Session.into();
        let address: ApiError = CapRefusal::Address.into();
        let total: ApiError = CapRefusal::Total.into();
        assert_eq!(session.status().as_u16(), 429);
        assert_eq!(session.code(), "too_many_streams");
        assert_eq!(address.status().as_u16(), 429);
        assert_eq!(total.status().as_u16(), 503);
        assert_eq!(total.code(), "server_busy");
    }
}
