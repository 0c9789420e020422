//! The data dir and the database: the dir made private, the database opened (and migrated)
//! unless it was lost beside a sandbox's state.

use std::path::Path;

use super::StartupError;
use crate::config::{Config, DatabaseLocation};
use crate::store::Store;

/// Opens (and migrates) the database, unless it was lost beside a sandbox's state.
pub(super) async fn open(config: &Config) -> Result<Store, StartupError> {
    refuse_lost_database(config)?;
    Ok(Store::open(&config.server.database).await?)
}

/// Sandbox mode: a missing `checkout.db` beside the emulator's state means the sessions were
/// lost while the emulator still holds their payments; a fresh database would silently forget
/// them. Starting afresh is a choice: remove the `sandbox` directory too.
fn refuse_lost_database(config: &Config) -> Result<(), StartupError> {
    let server = &config.server;
    let sandbox_db = server.data_dir.join("sandbox").join("sandbox.db");
    match &server.database {
        DatabaseLocation::Sqlite(path)
            if config.gateway.is_sandbox() && !path.exists() && sandbox_db.exists() =>
        {
            Err(StartupError::Io(format!(
                "the database {} is missing but the sandbox state {} is there: restore the \
                 database, or remove {} to start afresh",
                path.display(),
                sandbox_db.display(),
                server.data_dir.join("sandbox").display()
            )))
        }
        _ => Ok(()),
    }
}

/// Creates the data dir, readable by its owner only.
pub(super) fn create_private_dir(dir: &Path) -> Result<(), StartupError> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| StartupError::Io(format!("{}: {e}", dir.display())))
}
