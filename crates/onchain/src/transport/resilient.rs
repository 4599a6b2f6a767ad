//! Timeouts, rate limiting and retries with exponential backoff for every JSON-RPC request.
//!
//! What is retried: anything that says nothing about the answer itself: a connection dropped or
//! refused, a timeout, an HTTP error status (429, 5xx), a body that is not a JSON-RPC response
//! (truncated or corrupted on the way), and JSON-RPC errors that are rate limits. A JSON-RPC error
//! the node means (a revert, a range too large) is passed up for the caller to judge. When the
//! retries run out the last error is returned: nothing is silently dropped.

use alloy::{
    rpc::json_rpc::{RequestPacket, ResponsePacket},
    transports::{BoxTransport, RpcError, TransportError, TransportErrorKind, TransportFut},
};
use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};
use tokio::time::Instant;
use tower::Service;

/// How requests are paced and retried.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Retries after the first attempt (so `max_retries + 1` attempts in all).
    pub max_retries: u32,
    /// Wait before the first retry; doubled after each one.
    pub initial_backoff: Duration,
    /// Upper bound of the wait between retries.
    pub max_backoff: Duration,
    /// Time allowed for one attempt, connection and body included.
    pub timeout: Duration,
    /// Smallest interval between two requests leaving this client (rate limit); zero for none.
    pub min_interval: Duration,
}

impl Default for Policy {
    /// Five retries from 250 ms up to 8 s, 30 s per attempt, at most 20 requests a second:
    /// polite to public endpoints, patient with slow archive nodes.
    fn default() -> Self {
        Self {
            max_retries: 5,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            timeout: Duration::from_secs(30),
            min_interval: Duration::from_millis(50),
        }
    }
}

/// Counters of the requests a client made, shared with the caller.
#[derive(Debug, Default)]
pub struct Stats {
    requests: AtomicU64,
    attempts: AtomicU64,
    retries: AtomicU64,
    log: Mutex<Vec<String>>,
}

impl Stats {
    /// JSON-RPC requests (packets) asked of the client.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Round trips on the wire: requests plus retries.
    pub fn round_trips(&self) -> u64 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// Attempts that failed and were retried.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Why each retry happened, in order (method and error).
    pub fn retry_log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn note_retry(&self, method: &str, why: &str) {
        self.retries.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut log) = self.log.lock() {
            log.push(format!("{method}: {why}"));
        }
    }
}

/// The retrying, rate-limited, timed-out transport (a tower service over the wire transport).
#[derive(Debug, Clone)]
pub struct Resilient {
    inner: BoxTransport,
    policy: Policy,
    stats: Arc<Stats>,
    /// When the next request may leave (rate limit).
    next_slot: Arc<tokio::sync::Mutex<Option<Instant>>>,
}

impl Resilient {
    /// Wraps `inner`.
    pub fn new(inner: BoxTransport, policy: Policy, stats: Arc<Stats>) -> Self {
        Self { inner, policy, stats, next_slot: Arc::default() }
    }
}

/// Whether a transport error says nothing about the answer, so asking again may succeed.
const fn retryable(error: &TransportError) -> bool {
    matches!(error, RpcError::Transport(_) | RpcError::DeserError { .. } | RpcError::NullResp)
}

/// JSON-RPC error responses that are rate limits rather than answers.
fn rate_limited(response: &ResponsePacket) -> bool {
    response.iter_errors().any(|e| {
        let message = e.message.to_ascii_lowercase();
        e.code == 429
            || message.contains("rate limit")
            || message.contains("too many requests")
            || message.contains("exceeded its compute units")
    })
}

/// Whether `response` answers `request`: the same JSON-RPC ids, each once. A node, proxy or
/// load balancer that mixes up connections answers another request, and its answer must not be
/// taken for ours (the ids are what JSON-RPC has to tell them apart).
fn answers(request: &RequestPacket, response: &ResponsePacket) -> Result<(), String> {
    let asked: Vec<String> = match request {
        RequestPacket::Single(r) => vec![r.id().to_string()],
        RequestPacket::Batch(rs) => rs.iter().map(|r| r.id().to_string()).collect(),
    };
    let mut got: Vec<String> = response.response_ids().map(ToString::to_string).collect();
    let mut expected = asked.clone();
    expected.sort();
    got.sort();
    if got == expected {
        Ok(())
    } else {
        Err(format!(
            "a response with JSON-RPC id {} to a request with id {}",
            got.join(","),
            asked.join(",")
        ))
    }
}

fn method_of(request: &RequestPacket) -> String {
    request.method_names().collect::<Vec<_>>().join(",")
}

impl Service<RequestPacket> for Resilient {
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Each attempt clones the inner transport, which is always ready (HTTP, replay).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            this.stats.requests.fetch_add(1, Ordering::Relaxed);
            let method = method_of(&request);
            let mut backoff = this.policy.initial_backoff;
            let mut attempt = 0u32;
            loop {
                this.wait_for_slot().await;
                this.stats.attempts.fetch_add(1, Ordering::Relaxed);
                let mut inner = this.inner.clone();
                let outcome =
                    tokio::time::timeout(this.policy.timeout, inner.call(request.clone())).await;
                let error = match outcome {
                    Ok(Ok(response)) if let Err(wrong) = answers(&request, &response) => {
                        TransportErrorKind::custom_str(&wrong)
                    }
                    Ok(Ok(response)) if !rate_limited(&response) => return Ok(response),
                    Ok(Ok(response)) => TransportErrorKind::custom_str(&format!(
                        "rate limited: {}",
                        response.first_error_message().unwrap_or_default()
                    )),
                    Ok(Err(error)) if retryable(&error) => error,
                    Ok(Err(error)) => return Err(error),
                    Err(_) => TransportErrorKind::custom_str(&format!(
                        "no response within {:?}",
                        this.policy.timeout
                    )),
                };
                if attempt >= this.policy.max_retries {
                    return Err(TransportErrorKind::custom_str(&format!(
                        "gave up after {} attempts: {error}",
                        attempt + 1
                    )));
                }
                attempt += 1;
                this.stats.note_retry(&method, &error.to_string());
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(this.policy.max_backoff);
            }
        })
    }
}

impl Resilient {
    async fn wait_for_slot(&self) {
        if self.policy.min_interval.is_zero() {
            return;
        }
        let mut next = self.next_slot.lock().await;
        let now = Instant::now();
        if let Some(at) = *next
            && at > now
        {
            tokio::time::sleep_until(at).await;
        }
        *next = Some(Instant::now() + self.policy.min_interval);
    }
}
