//! Structured logs on stderr (`RUST_LOG` filters; default `info`), as text or JSON lines.
//!
//! Every request runs in a `request` span carrying `method`, the path with tokens masked and
//! its `request_id` ([`request_id`]), so each line logged while serving it names the request.
//! In JSON each line is one object: `timestamp`, `level`, `target`, `message` and the event's
//! fields at the top level, the innermost span with its fields under `span`, and every
//! enclosing span under `spans`.

pub mod request_id;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub use request_id::RequestId;

/// The filter used when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,hyper=warn,reqwest=warn";

/// Installs the global subscriber (a second call is a no-op).
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .with_ansi(false)
            .try_init(),
    };
}
