//! HTTP through the `curl` CLI: a peer that is not our own client.

use std::path::Path;

use crate::{Run, arg, read, run, temp_dir, write};

/// What curl got.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status (0 when no answer came, e.g. a timeout).
    pub status: u16,
    /// The body as received.
    pub body: Vec<u8>,
    /// The curl run (exit code 28 = timed out).
    pub run: Run,
}

impl Answer {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request: `method url`, extra headers, an optional body sent byte for byte, and a
/// `--max-time` in seconds.
pub fn curl(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
    max_time_secs: u32,
) -> Answer {
    let work = temp_dir();
    let out = work.path().join("answer.bin");
    let body_path = work.path().join("body.bin");
    let max_time = max_time_secs.to_string();
    let mut args: Vec<String> = [
        "-s",
        "-S",
        "-X",
        method,
        "-o",
        arg(&out),
        "-w",
        "%{http_code}",
        "--max-time",
        &max_time,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for (name, value) in headers {
        args.push("-H".to_owned());
        args.push(format!("{name}: {value}"));
    }
    if let Some(body) = body {
        write(&body_path, body);
        args.push("--data-binary".to_owned());
        args.push(format!("@{}", arg(&body_path)));
    }
    args.push(url.to_owned());
    let run = run("curl", &args, b"");
    let status = run.stdout_text().trim().parse().unwrap_or(0);
    let body = if Path::new(&out).exists() {
        read(&out)
    } else {
        Vec::new()
    };
    Answer { status, body, run }
}
