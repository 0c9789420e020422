//! A tiny HTTP/1.1 receiver for notifications (std only): answers each request with the next
//! status of a script (200 once it runs out) and records what came in.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// `GET`, `POST` …
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// The decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// The status answered.
    pub status: u16,
}

impl Hit {
    /// The last value of query parameter `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A listening receiver on `127.0.0.1`, stopped when dropped.
#[derive(Debug)]
pub struct Receiver {
    /// `http://127.0.0.1:PORT/notify`.
    pub url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
}

impl Receiver {
    /// Starts answering `script` statuses in turn.
    pub fn start(script: &[u16]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("cannot bind a receiver: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("receiver address: {e}"));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, stopping) = (Arc::clone(&hits), Arc::clone(&stop));
        let script = script.to_vec();
        std::thread::spawn(move || {
            let mut script = script.into_iter();
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let status = script.next().unwrap_or(200);
                if let Some(hit) = answer(stream, status) {
                    seen.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(hit);
                }
            }
        });
        Receiver {
            url: format!("http://{addr}/notify"),
            hits,
            stop,
            addr,
        }
    }

    /// What came in so far.
    pub fn hits(&self) -> Vec<Hit> {
        self.hits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Waits (up to 30 s) until at least `n` requests came in; returns them.
    pub fn wait_for(&self, n: usize) -> Vec<Hit> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let hits = self.hits();
            if hits.len() >= n {
                return hits;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} requests, got {}: {hits:?}",
                hits.len()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Reads one request head, answers `status`, and returns what was asked.
fn answer(mut stream: TcpStream, status: u16) -> Option<Hit> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut parts = head.lines().next()?.split(' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let reply = format!(
        "HTTP/1.1 {status} Scripted\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK"
    );
    let _ = stream.write_all(reply.as_bytes());
    Some(Hit {
        method,
        path: path.to_owned(),
        query: decode_query(query),
        status,
    })
}

/// `a=1&b=x%2Fy+z` → pairs, as a form decoder reads them.
pub fn decode_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One request a [`Capture`] received, whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// `POST` …
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// Headers in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
    /// The status answered (`0` while held, or if the peer went away before the answer).
    pub status: u16,
}

impl Captured {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[derive(Debug, Default)]
struct CaptureState {
    requests: Vec<Captured>,
    script: std::collections::VecDeque<u16>,
    /// While set, requests are recorded but not answered until [`Capture::release`].
    holding: bool,
    /// Requests recorded whose answer is not written yet (their `status` still 0).
    answering: usize,
}

/// A receiver for our outgoing webhooks on `127.0.0.1`: records every request with its headers
/// and body, answers the next status of a script (200 once it runs out), and can hold
/// requests unanswered (to stop the sender mid-delivery). One thread per connection, so a
/// held request does not block the others. Stopped when dropped.
#[derive(Debug)]
pub struct Capture {
    /// `http://127.0.0.1:PORT/hooks`.
    pub url: String,
    state: Arc<(Mutex<CaptureState>, std::sync::Condvar)>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
}

impl Capture {
    /// Starts answering `script` statuses in turn.
    pub fn start(script: &[u16]) -> Capture {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("cannot bind a receiver: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("receiver address: {e}"));
        let state = Arc::new((
            Mutex::new(CaptureState {
                script: script.iter().copied().collect(),
                ..CaptureState::default()
            }),
            std::sync::Condvar::new(),
        ));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopping) = (Arc::clone(&state), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || capture(stream, &shared));
            }
        });
        Capture {
            url: format!("http://{addr}/hooks"),
            state,
            stop,
            addr,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CaptureState> {
        self.state
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What came in so far (held ones with status 0).
    pub fn requests(&self) -> Vec<Captured> {
        self.lock().requests.clone()
    }

    /// Appends statuses to the script.
    pub fn then_answer(&self, statuses: &[u16]) {
        self.lock().script.extend(statuses.iter().copied());
    }

    /// From now on, record requests but leave them unanswered until [`Capture::release`].
    pub fn hold(&self) {
        self.lock().holding = true;
    }

    /// Answers the held requests (those whose sender is still there) and stops holding.
    pub fn release(&self) {
        self.lock().holding = false;
        self.state.1.notify_all();
    }

    /// Waits (up to `secs` seconds) until at least `n` requests came in and every one of them
    /// was answered (unless holding: held ones keep status 0); returns them all.
    pub fn wait_for(&self, n: usize, secs: u64) -> Vec<Captured> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let requests = {
                let s = self.lock();
                let settled = s.answering == 0 || s.holding;
                (s.requests.len() >= n && settled).then(|| s.requests.clone())
            };
            if let Some(requests) = requests {
                return requests;
            }
            let requests = self.requests();
            assert!(
                Instant::now() < deadline,
                "expected {n} webhook requests within {secs} s, got {}: {requests:#?}",
                requests.len()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.release();
        let _ = TcpStream::connect(self.addr);
    }
}

/// Reads one whole request (head + `Content-Length` body), records it, waits while holding,
/// answers the next scripted status.
fn capture(mut stream: TcpStream, state: &(Mutex<CaptureState>, std::sync::Condvar)) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    body.truncate(length);
    let (lock, wake) = state;
    let index = {
        let mut s = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.requests.push(Captured {
            method,
            target,
            headers,
            body,
            status: 0,
        });
        s.answering += 1;
        s.requests.len() - 1
    };
    let status = {
        let mut s = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while s.holding {
            s = wake
                .wait(s)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        s.script.pop_front().unwrap_or(200)
    };
    let reply = format!(
        "HTTP/1.1 {status} Scripted\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK"
    );
    let written = stream.write_all(reply.as_bytes()).is_ok();
    let mut s = lock
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    s.answering -= 1;
    if let (true, Some(r)) = (written, s.requests.get_mut(index)) {
        r.status = status;
    }
}
