//! Fault tests: our own small HTTP proxy in front of anvil drops connections, delays answers past
//! the client's timeout, truncates or garbles bodies, and refuses `eth_getLogs` ranges wider than
//! 5 blocks. The reader must retry through all of it and return exactly what a direct read
//! returns; with retries disabled it must fail with an error, never return partial state.

mod common;

use alloy::{
    primitives::{Address, U256},
    sol_types::{SolCall, SolEvent},
};
use common::*;
use faultline_onchain::{
    Chain, Config, Endpoint, Policy, discovery,
    readers::tokens::{TokenRead, read_balances, read_tokens},
};
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

alloy::sol! {
    event Transfer(address indexed from, address indexed to, uint256 value);
}

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
const DELAY: Duration = Duration::from_millis(1_500);
const MAX_LOG_RANGE: u64 = 5;

async fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
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
async fn proxy(upstream: String) -> (String, Arc<AtomicU64>) {
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

const fn policy(max_retries: u32) -> Policy {
    Policy {
        max_retries,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(40),
        timeout: Duration::from_millis(500),
        min_interval: Duration::ZERO,
    }
}

#[tokio::test(flavor = "current_thread")]
async fn reads_through_a_faulty_proxy_equal_direct_reads_or_fail_loudly() {
    let evm = Evm::start().await;
    let multicall = deploy_multicall(&evm).await;
    let holder = Address::repeat_byte(0x77);
    let mut tokens = Vec::new();
    for i in 0..12u8 {
        let t = evm.deploy(code(MOCKS, "Token")).await.expect("token");
        evm.send(t, initCall { decimals_: 6 + i, symbol_: format!("T{i}") }.abi_encode().into())
            .await
            .expect("init");
        // One mint per block: Transfer logs spread over many blocks for the paging test.
        evm.send(
            t,
            mintCall { to: holder, amount: U256::from(1_000u32 + u32::from(i)) }
                .abi_encode()
                .into(),
        )
        .await
        .expect("mint");
        tokens.push(t);
    }
    let upstream = evm.endpoint().trim_start_matches("http://").to_owned();

    let mut direct = Config::new(Endpoint::Http(evm.endpoint()));
    direct.multicall = multicall;
    direct.calls_per_batch = 4;
    direct.policy = policy(0);
    let direct = Chain::connect(&direct).await.expect("direct");
    let expected: Vec<TokenRead> = read_tokens(&direct, &tokens).await.expect("direct read");
    let pairs: Vec<(Address, Address)> = tokens.iter().map(|t| (*t, holder)).collect();
    let balances = read_balances(&direct, &pairs).await.expect("direct balances");
    assert_eq!(balances[3], U256::from(1_003u32));

    // Through the proxy, with retries, at the same block.
    let (url, served) = proxy(upstream).await;
    let mut faulty = Config::new(Endpoint::Http(url.clone()));
    faulty.multicall = multicall;
    faulty.calls_per_batch = 4;
    faulty.block = Some(direct.block().number);
    faulty.policy = policy(8);
    let chain = Chain::connect(&faulty).await.expect("connect through faults");
    assert_eq!(chain.block(), direct.block());
    assert_eq!(read_tokens(&chain, &tokens).await.expect("faulty read"), expected);
    assert_eq!(read_balances(&chain, &pairs).await.expect("faulty balances"), balances);
    let log = chain.stats().retry_log();
    eprintln!(
        "{} requests, {} round trips, {} retries through the proxy ({} served)",
        chain.stats().requests(),
        chain.stats().round_trips(),
        chain.stats().retries(),
        served.load(Ordering::SeqCst)
    );
    assert!(log.iter().any(|l| l.contains("no response within")), "a delay was retried: {log:?}");
    assert!(
        log.iter().any(|l| l.contains("deserialization") || l.contains("deser")),
        "a corrupt body was retried: {log:?}"
    );
    assert!(chain.stats().retries() >= 6, "{log:?}");

    // Log pages adapt to the 5-block limit and return the same logs as a direct scan.
    let scan = |cache| discovery::Scan {
        address: tokens[5],
        events: vec![Transfer::SIGNATURE_HASH],
        from: 0,
        to: direct.block().number,
        initial_span: 64,
        cache,
    };
    let (direct_logs, _) = discovery::scan_logs(&direct, &scan(None)).await.expect("direct logs");
    let (logs, report) = discovery::scan_logs(&chain, &scan(None)).await.expect("paged logs");
    assert_eq!(logs, direct_logs);
    assert_eq!(logs.len(), 1);
    // The first page covers the whole chain (more than 5 blocks), so it must have shrunk.
    assert!(report.halvings >= 1 && report.final_span <= MAX_LOG_RANGE, "{report:?}");

    // Without retries the same faults make the read fail: an error, never a partial result.
    let mut fragile = faulty.clone();
    fragile.policy = policy(0);
    let outcome = async {
        let chain = Chain::connect(&fragile).await?;
        let mut reads = Vec::new();
        for _ in 0..3 {
            reads.push(read_tokens(&chain, &tokens).await?);
        }
        Ok::<_, faultline_onchain::Error>(reads)
    }
    .await;
    let err = outcome.expect_err("six requests through a proxy that faults four in six");
    assert!(matches!(err, faultline_onchain::Error::Rpc { .. }), "{err}");
}

/// A server that answers every request for `eth_chainId` correctly except for its JSON-RPC id,
/// as a proxy that mixes up connections does.
async fn wrong_id_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Some(body) = read_request(&mut stream).await else { return };
                let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let id = request["id"].as_u64().unwrap_or(0) + 1_000;
                let response =
                    serde_json::json!({ "jsonrpc": "2.0", "id": id, "result": "0x1" }).to_string();
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    response.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    url
}

#[tokio::test(flavor = "current_thread")]
async fn a_response_to_another_request_id_is_refused() {
    let url = wrong_id_server().await;
    let mut config = Config::new(Endpoint::Http(url));
    config.policy = policy(1);
    let err = Chain::connect(&config).await.expect_err("an answer to another id is no answer");
    let text = format!("{err}");
    assert!(text.contains("JSON-RPC id") && text.contains("gave up after 2 attempts"), "{text}");
}
