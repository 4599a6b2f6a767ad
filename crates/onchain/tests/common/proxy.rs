//! A small HTTP proxy of ours in front of anvil that drops connections, delays answers past the
//! client's timeout, truncates or garbles bodies, and refuses `eth_getLogs` ranges wider than 5
//! blocks (moved here from `faults.rs` so every reader's test can read through it).

use faultline_onchain::Policy;
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// What the proxy does to the n-th request (cycle of 6): drop, pass, delay, truncate, garble,
/// pass. Refused log ranges do not advance the cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Drop,
    Delay,
    Truncate,
    Garble,
    Pass,
}

const CYCLE: [Fault; 6] =
    [Fault::Drop, Fault::Pass, Fault::Delay, Fault::Truncate, Fault::Garble, Fault::Pass];
pub const DELAY: Duration = Duration::from_millis(1_500);
pub const MAX_LOG_RANGE: u64 = 5;

pub async fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(buf[end + 4..end + 4 + length].to_vec());
        }
    }
}

async fn forward(upstream: &str, body: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(upstream).await.expect("connect anvil");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {upstream}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.expect("write");
    s.write_all(body).await.expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.expect("read");
    let end = out.windows(4).position(|w| w == b"\r\n\r\n").expect("http response");
    let head = String::from_utf8_lossy(&out[..end]).to_ascii_lowercase();
    assert!(!head.contains("chunked"), "the proxy expects a sized body from anvil");
    out[end + 4..].to_vec()
}

/// A JSON-RPC `eth_getLogs` over more than [`MAX_LOG_RANGE`] blocks, as some nodes refuse it.
fn too_wide(request: &serde_json::Value) -> bool {
    if request["method"] != "eth_getLogs" {
        return false;
    }
    let block = |k: &str| {
        request["params"][0][k]
            .as_str()
            .and_then(|h| u64::from_str_radix(h.trim_start_matches("0x"), 16).ok())
    };
    matches!((block("fromBlock"), block("toBlock")), (Some(a), Some(b)) if b - a + 1 > MAX_LOG_RANGE)
}

async fn serve(mut client: TcpStream, upstream: String, counter: Arc<AtomicU64>) {
    let Some(body) = read_request(&mut client).await else { return };
    let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let response = if too_wide(&request) {
        serde_json::json!({
            "jsonrpc": "2.0", "id": request["id"],
            "error": { "code": -32614, "message": "eth_getLogs is limited to a 5 block range" }
        })
        .to_string()
        .into_bytes()
    } else {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let fault = CYCLE[usize::try_from(n).expect("count") % CYCLE.len()];
        match fault {
            Fault::Drop => return, // connection closed, no answer
            Fault::Delay => {
                tokio::time::sleep(DELAY).await;
                forward(&upstream, &body).await
            }
            Fault::Truncate => {
                let full = forward(&upstream, &body).await;
                full[..full.len() / 2].to_vec()
            }
            Fault::Garble => b"{\"jsonrpc\":\"2.0\",\"id\":\x01\xff garbage".to_vec(),
            Fault::Pass => forward(&upstream, &body).await,
        }
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        response.len()
    );
    let _ = client.write_all(head.as_bytes()).await;
    let _ = client.write_all(&response).await;
}

/// Starts the proxy; returns its URL and the count of requests it has faulted or passed.
pub async fn proxy(upstream: String) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let counter = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&counter);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, upstream.clone(), Arc::clone(&c)));
        }
    });
    (url, counter)
}

pub const fn policy(max_retries: u32) -> Policy {
    Policy {
        max_retries,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(40),
        timeout: Duration::from_millis(500),
        min_interval: Duration::ZERO,
    }
}
