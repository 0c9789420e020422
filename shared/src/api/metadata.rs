//! [`Metadata`]: the merchant's free-form key/value data attached to a session.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A JSON object of at most 50 keys, each 1–40 characters, at most 4096 bytes when serialized.
/// Stored and returned as given; never sent to the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "Map<String, Value>", into = "Map<String, Value>")]
pub struct Metadata(Map<String, Value>);

/// Why metadata was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// More than 50 keys.
    #[error("metadata may have at most 50 keys, got {count}")]
    TooManyKeys {
        /// Keys given.
        count: usize,
    },
    /// An empty key or one longer than 40 characters.
    #[error("metadata keys must be 1 to 40 characters long: {key:?}")]
    BadKey {
        /// The key (truncated to 60 characters).
        key: String,
    },
    /// Serialized form larger than 4096 bytes.
    #[error("metadata must be at most 4096 bytes as JSON, got {bytes}")]
    TooLarge {
        /// Bytes when serialized.
        bytes: usize,
    },
}

impl Metadata {
    /// Largest number of keys.
    pub const MAX_KEYS: usize = 50;
    /// Longest key, in characters.
    pub const MAX_KEY_CHARS: usize = 40;
    /// Largest serialized size, in bytes.
    pub const MAX_BYTES: usize = 4096;

    /// Validates `map` against the limits.
    pub fn new(map: Map<String, Value>) -> Result<Self, MetadataError> {
        if map.len() > Self::MAX_KEYS {
            return Err(MetadataError::TooManyKeys { count: map.len() });
        }
        if let Some(key) = map
            .keys()
            .find(|k| k.is_empty() || k.chars().count() > Self::MAX_KEY_CHARS)
        {
            return Err(MetadataError::BadKey {
                key: key.chars().take(60).collect(),
            });
        }
        // Serializing a map of JSON values cannot fail; treat a failure as "too large".
        let bytes = serde_json::to_string(&map).map_or(usize::MAX, |json| json.len());
        if bytes > Self::MAX_BYTES {
            return Err(MetadataError::TooLarge { bytes });
        }
        Ok(Self(map))
    }

    /// The object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }
}

impl TryFrom<Map<String, Value>> for Metadata {
    type Error = MetadataError;
    fn try_from(map: Map<String, Value>) -> Result<Self, Self::Error> {
        Self::new(map)
    }
}

impl From<Metadata> for Map<String, Value> {
    fn from(metadata: Metadata) -> Self {
        metadata.0
    }
}
