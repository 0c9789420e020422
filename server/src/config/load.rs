//! Layering (defaults → file → environment → flags) and validation into [`Config`].

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::Config;
use super::layers::{ConfigError, Layers};
use super::raw::RawConfig;

/// The config file read when no `--config` / `CHECKOUT_CONFIG` names one (if it exists).
pub const DEFAULT_FILE: &str = "checkout.toml";
/// Prefix of environment settings.
pub const ENV_PREFIX: &str = "CHECKOUT_";

/// Command-line flags that override everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--config FILE`.
    pub config_file: Option<PathBuf>,
    /// `--listen ADDR`.
    pub listen: Option<String>,
    /// `--data-dir DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--sandbox-public`: sandbox mode may listen on a non-loopback address.
    pub sandbox_public: bool,
}

/// Loads the configuration from the process environment, the config file and `overrides`.
pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let file = overrides
        .config_file
        .clone()
        .or_else(|| lookup(&env, "CHECKOUT_CONFIG").map(PathBuf::from));
    let (path, explicit) = match file {
        Some(path) => (path, true),
        None => (PathBuf::from(DEFAULT_FILE), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => None,
        Err(e) => {
            return Err(ConfigError::File {
                path: path.display().to_string(),
                message: e.to_string(),
            });
        }
    };
    load_from(
        text.as_deref().map(|t| (path.as_path(), t)),
        &env,
        overrides,
    )
}

fn lookup<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
    env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Loads from an optional `(path, text)` file, `env` pairs and `overrides` (tests call this).
pub fn load_from(
    file: Option<(&Path, &str)>,
    env: &[(String, String)],
    overrides: &Overrides,
) -> Result<Config, ConfigError> {
    let mut layers = Layers::default();
    if let Some((path, text)) = file {
        let table: Table = toml::from_str(text).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            message: e.message().to_owned(),
        })?;
        layers.merge_file(table, &path.display().to_string());
    }
    for (name, value) in env {
        let path: Vec<String> = match name.as_str() {
            "CHECKOUT_API_KEY" => vec!["server".into(), "api_key".into()],
            "DATABASE_URL" => vec!["server".into(), "database_url".into()],
            _ => match name.strip_prefix(ENV_PREFIX) {
                Some(rest) if rest.contains("__") => {
                    rest.split("__").map(str::to_ascii_lowercase).collect()
                }
                _ => continue,
            },
        };
        layers.set(&path, value, name)?;
    }
    if let Some(listen) = &overrides.listen {
        layers.set(&["server".into(), "listen".into()], listen, "--listen")?;
    }
    if let Some(dir) = &overrides.data_dir {
        let dir = dir.display().to_string();
        layers.set(&["server".into(), "data_dir".into()], &dir, "--data-dir")?;
    }
    if overrides.sandbox_public {
        layers.set(
            &["server".into(), "sandbox_public".into()],
            "true",
            "--sandbox-public",
        )?;
    }
    let raw: RawConfig = serde_path_to_error::deserialize(Value::Table(layers.table().clone()))
        .map_err(|e| {
            let key = e.path().to_string();
            let message = e.into_inner().message().to_owned();
            layers.error(&key, message)
        })?;
    super::validate::Validator::new(&layers).config(raw)
}

#[cfg(test)]
mod tests;
