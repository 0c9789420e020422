//! [`CustomerIp`]: the payer's IP address (`customer_ip`).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

/// The payer's IPv4 or IPv6 address, written as text (`"203.0.113.7"`, `"2001:db8::1"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct CustomerIp(IpAddr);

/// Why a customer IP was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("customer IP must be an IPv4 or IPv6 address, got {0:?}")]
pub struct CustomerIpError(String);

impl CustomerIp {
    /// Parses an IPv4 or IPv6 address (no port, no brackets, no spaces).
    pub fn parse(text: &str) -> Result<Self, CustomerIpError> {
        text.parse::<IpAddr>()
            .map(Self)
            .map_err(|_| CustomerIpError(text.chars().take(64).collect()))
    }

    /// The address.
    pub fn ip(self) -> IpAddr {
        self.0
    }
}

impl From<IpAddr> for CustomerIp {
    fn from(ip: IpAddr) -> Self {
        Self(ip)
    }
}

impl TryFrom<String> for CustomerIp {
    type Error = CustomerIpError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl FromStr for CustomerIp {
    type Err = CustomerIpError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for CustomerIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for CustomerIp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}
