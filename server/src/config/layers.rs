//! The merged settings (defaults → file → environment → flags) with where each value came
//! from, and [`ConfigError`], which names the key and that origin. Below both
//! [`super::load`] (which fills the layers) and [`super::validate`] (which reads them).

use std::collections::BTreeMap;

use toml::{Table, Value};

/// A configuration problem, naming the key and where its value came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A key has a bad value (or is unknown / missing).
    #[error("config error: {key}: {message}{}", origin.as_ref().map(|o| format!(" (set by {o})")).unwrap_or_default())]
    Key {
        /// Dotted key, e.g. `gateway.digest`.
        key: String,
        /// What is wrong.
        message: String,
        /// The file, environment variable or flag the value came from.
        origin: Option<String>,
    },
    /// The config file could not be read or parsed.
    #[error("config error: {path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// The merged table and where each value came from.
#[derive(Default)]
pub(super) struct Layers {
    table: Table,
    origins: BTreeMap<String, String>,
}

impl Layers {
    pub(super) fn merge_file(&mut self, table: Table, origin: &str) {
        fn walk(prefix: &str, table: &Table, origin: &str, out: &mut BTreeMap<String, String>) {
            for (k, v) in table {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                if let Value::Table(inner) = v {
                    walk(&key, inner, origin, out);
                } else {
                    out.insert(key, origin.to_owned());
                }
            }
        }
        walk("", &table, origin, &mut self.origins);
        self.table = table;
    }

    pub(super) fn set(
        &mut self,
        path: &[String],
        value: &str,
        origin: &str,
    ) -> Result<(), ConfigError> {
        let key = path.join(".");
        let Some((last, parents)) = path.split_last() else {
            return Ok(());
        };
        let mut table = &mut self.table;
        for (i, part) in parents.iter().enumerate() {
            let entry = table
                .entry(part.clone())
                .or_insert_with(|| Value::Table(Table::new()));
            table = match entry {
                Value::Table(t) => t,
                _ => {
                    return Err(ConfigError::Key {
                        key: path[..=i].join("."),
                        message: "is a value, not a section".to_owned(),
                        origin: Some(origin.to_owned()),
                    });
                }
            };
        }
        table.insert(last.clone(), Value::String(value.to_owned()));
        self.origins.insert(key, origin.to_owned());
        Ok(())
    }

    pub(super) fn error(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::Key {
            key: key.to_owned(),
            message: message.into(),
            origin: self.origins.get(key).cloned(),
        }
    }

    /// The merged table.
    pub(super) fn table(&self) -> &Table {
        &self.table
    }

    pub(super) fn is_set(&self, key: &str) -> bool {
        self.origins.contains_key(key)
    }
}
