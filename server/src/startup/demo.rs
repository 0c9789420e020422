//! Sandbox mode's demo operator, so `run.sh` can print a dashboard login.

use std::path::Path;

use super::StartupError;
use crate::operators::{Email, Operators, Password, Role, generate_password};
use crate::sessions::Sessions;

/// The sandbox's demo operator.
const DEMO_OPERATOR: &str = "demo@sandbox.test";

/// The demo operator's e-mail and password. Made on the first start (role `operator`); the
/// password is kept in `<data dir>/dashboard-demo.txt` (owner-only) so every start can print it.
pub(super) async fn operator(
    sessions: &Sessions,
    data_dir: &Path,
) -> Result<(String, String), StartupError> {
    let fail =
        |e: crate::operators::OperatorError| StartupError::Config(format!("demo operator: {e}"));
    let ops = Operators::new(sessions.store().clone(), sessions.clock().clone());
    let email = Email::parse(DEMO_OPERATOR).map_err(fail)?;
    let file = data_dir.join("dashboard-demo.txt");
    let kept = std::fs::read_to_string(&file)
        .ok()
        .map(|t| t.trim().to_owned());
    let exists = ops.exists(&email).await.map_err(fail)?;
    if let (true, Some(password)) = (exists, kept.filter(|p| !p.is_empty())) {
        return Ok((email.as_str().to_owned(), password));
    }
    let password = generate_password().map_err(fail)?;
    let typed = Password::new(&password).map_err(fail)?;
    if exists {
        ops.reset_password(&email, &typed).await.map_err(fail)?;
    } else {
        ops.add(&email, Role::Operator, &typed)
            .await
            .map_err(fail)?;
    }
    write_private(&file, &password)?;
    Ok((email.as_str().to_owned(), password))
}

/// Writes `text` to a new file readable by its owner only.
fn write_private(path: &Path, text: &str) -> Result<(), StartupError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| StartupError::Io(format!("{}: {e}", path.display())))
}
