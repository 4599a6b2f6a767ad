//! Fault tests: our own small HTTP proxy in front of anvil drops connections, delays answers past
//! the client's timeout, truncates or garbles bodies, and refuses `eth_getLogs` ranges wider than
//! 5 blocks. The reader must retry through all of it and return exactly what a direct read
//! returns; with retries disabled it must fail with an error, never return partial state.

mod common;

use alloy::{
    primitives::{Address, U256},
    sol_types::{SolCall, SolEvent},
};
use common::{
    proxy::{MAX_LOG_RANGE, proxy, read_request},
    *,
};
use faultline_onchain::{
    Chain, Config, Endpoint, Policy, discovery,
    readers::tokens::{TokenRead, read_balances, read_tokens},
};
use std::{sync::atomic::Ordering, time::Duration};
use tokio::{io::AsyncWriteExt, net::TcpListener};

alloy::sol! {
    event Transfer(address indexed from, address indexed to, uint256 value);
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
