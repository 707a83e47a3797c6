//! A keep-alive HTTP/1.1 client that sends requests prepared in advance. The load generator
//! shares the server's cores, so what it spends is taken from what it measures: this one spends
//! about half of what a general client does per request.

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// `POST path` with a JSON body, as bytes ready to send to `base` (`http://host:port`).
pub fn post_json(base: &str, path: &str, body: &serde_json::Value) -> Vec<u8> {
    let host = base.trim_start_matches("http://");
    let body = body.to_string();
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

pub struct RawConn {
    addr: String,
    stream: Option<BufReader<TcpStream>>,
    line: Vec<u8>,
    body: Vec<u8>,
}

impl RawConn {
    pub fn new(base: &str) -> Self {
        Self {
            addr: base.trim_start_matches("http://").to_string(),
            stream: None,
            line: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Sends one prepared request and reads its answer whole; returns the status.
    pub async fn send(&mut self, request: &[u8]) -> Result<u16> {
        let stream = match &mut self.stream {
            Some(s) => s,
            None => self
                .stream
                .insert(BufReader::new(TcpStream::connect(&self.addr).await?)),
        };
        let result = exchange(stream, request, &mut self.line, &mut self.body).await;
        match result {
            Ok((status, keep)) => {
                if !keep {
                    self.stream = None;
                }
                Ok(status)
            }
            Err(e) => {
                self.stream = None;
                Err(e)
            }
        }
    }
}

async fn exchange(
    s: &mut BufReader<TcpStream>,
    request: &[u8],
    line: &mut Vec<u8>,
    body: &mut Vec<u8>,
) -> Result<(u16, bool)> {
    s.get_mut().write_all(request).await?;
    line.clear();
    s.read_until(b'\n', line).await?;
    let status: u16 = std::str::from_utf8(line)?
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .context("no status line")?;
    let (mut length, mut keep) = (0usize, true);
    loop {
        line.clear();
        if s.read_until(b'\n', line).await? == 0 {
            bail!("connection closed in the headers");
        }
        let h = std::str::from_utf8(line)?.trim_end().to_ascii_lowercase();
        if h.is_empty() {
            break;
        }
        if let Some(v) = h.strip_prefix("content-length:") {
            length = v.trim().parse()?;
        } else if h == "connection: close" {
            keep = false;
        } else if h.starts_with("transfer-encoding:") {
            bail!("a chunked answer: this client reads Content-Length bodies only");
        }
    }
    body.resize(length, 0);
    s.read_exact(body).await?;
    Ok((status, keep))
}
