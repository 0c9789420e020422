//! A minimal HTTP/1.1 keep-alive client for the load figures: one request at a time per
//! connection, `Content-Length` or chunked answers. Small so that the client's own CPU
//! use stays a small part of what the figures measure.

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One connection to the server.
pub struct Conn {
    stream: BufReader<TcpStream>,
    host: String,
    line: String,
}

impl Conn {
    /// Connects to `addr` (`127.0.0.1:PORT`).
    pub async fn open(addr: &str) -> Conn {
        let stream = TcpStream::connect(addr)
            .await
            .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        stream.set_nodelay(true).unwrap();
        Conn {
            stream: BufReader::new(stream),
            host: addr.to_owned(),
            line: String::new(),
        }
    }

    /// Sends one request (`headers`: extra `Name: value\r\n` lines) and reads the answer:
    /// (status code, body).
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &str,
        body: Option<&Value>,
    ) -> (u16, Vec<u8>) {
        let body = body.map(|b| serde_json::to_vec(b).unwrap());
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{headers}",
            self.host
        );
        if let Some(body) = &body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(body.as_deref().unwrap_or_default());
        self.stream.get_mut().write_all(&out).await.unwrap();
        let (code, length, chunked) = self.head().await;
        let mut body = Vec::new();
        if chunked {
            loop {
                self.read_line().await;
                let size = usize::from_str_radix(self.line.trim(), 16).unwrap();
                let mut chunk = vec![0; size + 2];
                self.stream.read_exact(&mut chunk).await.unwrap();
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else {
            body.resize(length, 0);
            self.stream.read_exact(&mut body).await.unwrap();
        }
        (code, body)
    }

    /// Starts an event stream at `path` and reads only the answer's head; the stream then
    /// stays open and unread (an idle subscriber). The status code.
    pub async fn open_stream(&mut self, path: &str) -> u16 {
        let head = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
            self.host
        );
        self.stream
            .get_mut()
            .write_all(head.as_bytes())
            .await
            .unwrap();
        self.head().await.0
    }

    /// Reads a status line and headers: (code, content length, chunked).
    async fn head(&mut self) -> (u16, usize, bool) {
        self.read_line().await;
        let code = self
            .line
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {:?}", self.line));
        let (mut length, mut chunked) = (0, false);
        loop {
            self.read_line().await;
            let line = self.line.trim_end();
            if line.is_empty() {
                break;
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.trim().eq_ignore_ascii_case("chunked");
            }
        }
        (code, length, chunked)
    }

    async fn read_line(&mut self) {
        self.line.clear();
        let n = self.stream.read_line(&mut self.line).await.unwrap();
        assert!(n > 0, "the server closed the connection");
    }
}
