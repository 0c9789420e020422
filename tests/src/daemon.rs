//! Long-running processes for a test. [`Daemon`] is any program (chromedriver too): ready once
//! its start-up lines say so, killed when dropped. [`Instance`] is the one launcher of the
//! product binary (`serve`, `sandbox`) built on it: ready at its `listening on http://ADDR`
//! line, restartable on the same address with the same arguments (so the same data dir).

use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long a process may take to print its start-up lines.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running process. Its stdout lines up to readiness are kept in [`Daemon::lines`]; later
/// stdout is drained and discarded; stderr (the logs) goes to a file read by
/// [`Daemon::stderr`]. Dropping it kills the process.
pub struct Daemon {
    child: Option<Child>,
    command: String,
    /// Stdout lines printed until the process was ready.
    pub lines: Vec<String>,
    stderr_path: PathBuf,
    _logs: TempDir,
}

impl Daemon {
    /// Starts `program args…` and waits until `ready` holds for the stdout lines so far.
    /// Panics (with the logs) when the process exits or stays silent for a minute.
    pub fn spawn(
        program: impl AsRef<Path>,
        args: &[&str],
        ready: impl Fn(&[String]) -> bool,
    ) -> Daemon {
        Daemon::spawn_env(program, args, &[] as &[(&str, &str)], ready)
    }

    /// Like [`Daemon::spawn`], with extra environment variables.
    pub fn spawn_env<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        program: impl AsRef<Path>,
        args: &[&str],
        envs: &[(K, V)],
        ready: impl Fn(&[String]) -> bool,
    ) -> Daemon {
        let program = program.as_ref();
        let command = format!("{} {}", program.display(), args.join(" "));
        let logs = crate::temp_dir();
        let stderr_path = logs.path().join("stderr.log");
        let stderr = File::create(&stderr_path)
            .unwrap_or_else(|e| panic!("creating {}: {e}", stderr_path.display()));
        let mut child = Command::new(program)
            .args(args)
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command}: {e}"));
        let stdout = child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("no stdout pipe for {command}"));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // Once the test stopped listening, keep draining so the child never blocks.
                let _ = tx.send(line);
            }
        });
        let mut daemon = Daemon {
            child: Some(child),
            command,
            lines: Vec::new(),
            stderr_path,
            _logs: logs,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while !ready(&daemon.lines) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left.min(Duration::from_millis(200))) {
                Ok(line) => daemon.lines.push(line),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(status) = daemon.try_exit() {
                        panic!(
                            "{} exited ({status}) before it was ready\n{}",
                            daemon.command,
                            daemon.report()
                        );
                    }
                    assert!(
                        Instant::now() < deadline,
                        "{} was not ready within {START_TIMEOUT:?}\n{}",
                        daemon.command,
                        daemon.report()
                    );
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = daemon.wait();
                    panic!(
                        "{} closed stdout ({status:?}) before it was ready\n{}",
                        daemon.command,
                        daemon.report()
                    );
                }
            }
        }
        daemon
    }

    /// The rest of the first start-up line starting with `prefix`.
    pub fn line_value(&self, prefix: &str) -> Option<&str> {
        self.lines.iter().find_map(|l| l.strip_prefix(prefix))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The logs written to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Start-up lines and logs, for failure messages.
    pub fn report(&self) -> String {
        format!(
            "--- stdout (start-up) ---\n{}\n--- stderr ---\n{}",
            self.lines.join("\n"),
            self.stderr()
        )
    }

    fn try_exit(&mut self) -> Option<ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    fn wait(&mut self) -> Option<ExitStatus> {
        self.child.take().and_then(|mut c| c.wait().ok())
    }

    /// Sends SIGTERM and waits for the process to exit (a graceful shutdown).
    pub fn terminate(mut self) -> ExitStatus {
        let pid = self.pid().to_string();
        crate::run("kill", &["-TERM", pid.as_str()], b"").assert_ok();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.try_exit() {
                self.child = None;
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not exit after SIGTERM\n{}",
                self.command,
                self.report()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl std::fmt::Debug for Daemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Daemon")
            .field("command", &self.command)
            .field("pid", &self.pid())
            .finish_non_exhaustive()
    }
}

/// The prefix of the product's readiness line: `listening on http://ADDR`.
const LISTENING: &str = "listening on ";

/// What else must be printed before an [`Instance`] counts as started.
type Ready = Box<dyn Fn(&[String]) -> bool + Send + Sync>;

/// The product binary running as a server (`serve`, `sandbox`): started with `args` and `envs`,
/// ready once it printed `listening on http://ADDR` (plus whatever `start_until` asks for);
/// the stdout lines printed until then (`api key: …`, `notification public key: …`) are kept.
/// Killed when dropped.
pub struct Instance {
    daemon: Daemon,
    /// `http://ADDR`, from the `listening on` line.
    pub base: String,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    ready: Ready,
}

impl Instance {
    /// Starts `alikassa-checkout args…` with `envs` and waits for its `listening on` line.
    pub fn start(args: &[&str], envs: &[(&str, &str)]) -> Instance {
        Instance::start_until(args, envs, |_| true)
    }

    /// Like [`Instance::start`], also waiting until `ready` holds for the stdout lines so far
    /// (e.g. the sandbox's `account: …` lines, printed after `listening on`).
    ///
    /// A `serve` given no `DATABASE_URL` runs on a fresh PostgreSQL database when the suites
    /// run on PostgreSQL ([`crate::database`]); a restart keeps it.
    pub fn start_until(
        args: &[&str],
        envs: &[(&str, &str)],
        ready: impl Fn(&[String]) -> bool + Send + Sync + 'static,
    ) -> Instance {
        let mut envs: Vec<(String, String)> = envs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let serve = args.first() == Some(&"serve");
        if serve
            && !envs.iter().any(|(k, _)| k == "DATABASE_URL")
            && let Some(url) = crate::database::fresh_database()
        {
            envs.push(("DATABASE_URL".to_owned(), url));
        }
        Instance::launch(
            args.iter().map(|a| (*a).to_owned()).collect(),
            envs,
            Box::new(ready),
        )
    }

    /// The `DATABASE_URL` this instance was started with, if any (PostgreSQL runs).
    pub fn database_url(&self) -> Option<&str> {
        self.envs
            .iter()
            .find(|(k, _)| k == "DATABASE_URL")
            .map(|(_, v)| v.as_str())
    }

    fn launch(args: Vec<String>, envs: Vec<(String, String)>, ready: Ready) -> Instance {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let daemon = Daemon::spawn_env(crate::bin(), &argv, &envs, |lines| {
            lines.iter().any(|l| l.starts_with(LISTENING)) && ready(lines)
        });
        let base = daemon
            .line_value(LISTENING)
            .unwrap_or_else(|| panic!("no listening line\n{}", daemon.report()))
            .to_owned();
        Instance {
            daemon,
            base,
            args,
            envs,
            ready,
        }
    }

    /// The rest of the first start-up line starting with `prefix` (e.g. `"api key: "`).
    pub fn line_value(&self, prefix: &str) -> Option<&str> {
        self.daemon.line_value(prefix)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.daemon.pid()
    }

    /// The logs written to stderr so far.
    pub fn stderr(&self) -> String {
        self.daemon.stderr()
    }

    /// Start-up lines and logs, for failure messages.
    pub fn report(&self) -> String {
        self.daemon.report()
    }

    /// Sends SIGTERM and waits for the process to exit (a graceful shutdown).
    pub fn terminate(self) -> ExitStatus {
        self.daemon.terminate()
    }

    /// Stops the process gracefully (SIGTERM; it must exit with success) and starts it again
    /// with the same arguments and environment on the same address.
    pub fn restart(self) -> Instance {
        let Instance {
            daemon,
            base,
            args,
            envs,
            ready,
        } = self;
        let command = format!("{daemon:?}");
        let status = daemon.terminate();
        assert!(status.success(), "{command} did not exit cleanly: {status}");
        Instance::relaunch(&base, args, envs, ready)
    }

    /// Kills the process (SIGKILL: a crash, nothing flushed on the way out) and starts it
    /// again with the same arguments and environment on the same address.
    pub fn crash_and_restart(self) -> Instance {
        let Instance {
            daemon,
            base,
            args,
            envs,
            ready,
        } = self;
        drop(daemon);
        Instance::relaunch(&base, args, envs, ready)
    }

    /// Starts again with `--listen` set to the address of `base` (the port it had).
    fn relaunch(
        base: &str,
        mut args: Vec<String>,
        envs: Vec<(String, String)>,
        ready: Ready,
    ) -> Instance {
        let addr = base.trim_start_matches("http://").to_owned();
        match args.iter().position(|a| a == "--listen") {
            Some(i) if i + 1 < args.len() => args[i + 1] = addr,
            _ => args.extend(["--listen".to_owned(), addr]),
        }
        Instance::launch(args, envs, ready)
    }
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("base", &self.base)
            .field("daemon", &self.daemon)
            .finish_non_exhaustive()
    }
}
