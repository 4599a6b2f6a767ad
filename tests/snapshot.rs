//! `faultline snapshot` end to end: Morpho Blue on anvil with a market of the fixture
//! (`fixtures/morpho-xusd-deusd/markets.csv`, deUSD/USDC 86% at its mainnet addresses, so its
//! mainnet id) and positions opened by transactions; the binary reads it into a snapshot, replays
//! its own recording offline to the same bytes, and `faultline stress` runs a price shock on it.
//! Bad inputs exit 2 naming the flag and the value.

use faultline_lending::morpho::{self as lending, LoadedMorphoMarket};
use faultline_onchain::{
    MULTICALL3,
    primitives::{Address, U256},
};
use faultline_test_support::{
    Evm,
    morpho_chain::{MarketSetup, MorphoDeployment, TokenSetup, place_multicall},
};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub(crate) fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .output()
        .expect("the faultline binary runs")
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh directory for one test's files.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The fixture's deUSD/USDC 86% market (its second row), with its decimals and symbols.
pub(crate) fn fixture_market() -> (LoadedMorphoMarket, MarketSetup) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/morpho-xusd-deusd");
    let markets = std::fs::read_to_string(root.join("markets.csv")).unwrap();
    let positions = std::fs::read_to_string(root.join("borrower_positions.csv")).unwrap();
    let loaded = lending::load_markets(&markets, &positions).unwrap();
    let m = loaded
        .into_iter()
        .find(|m| m.id == "0xbd1ad3b968f5f0552dbd8cf1989a62881407c5cccf9e49fb3657c8731caf0c1f")
        .expect("the deUSD/USDC market of the fixture");
    let p = *m.market.params();
    // markets.csv: loan USDC (6 decimals), collateral deUSD (18), oracle_price_raw 1e24 (one
    // USDC unit per 1e12 deUSD units: 1 USDC per deUSD).
    let setup = MarketSetup {
        loan: TokenSetup { address: p.loan_token, decimals: 6, symbol: m.loan_symbol.clone() },
        collateral: TokenSetup {
            address: p.collateral_token,
            decimals: 18,
            symbol: m.collateral_symbol.clone(),
        },
        oracle: p.oracle,
        price: m.market.price(),
        irm: p.irm,
        lltv: p.lltv,
    };
    (m, setup)
}

#[tokio::test(flavor = "current_thread")]
async fn snapshot_of_morpho_on_anvil_is_replayable_and_stress_runs_on_it() {
    let (fixture, market) = fixture_market();
    assert_eq!(market.price, U256::from(10u8).pow(U256::from(24u8)));
    let evm = Evm::start().await.expect("anvil (tools/evm)");
    place_multicall(&evm, MULTICALL3).await.expect("Multicall3 at its canonical address");
    let mut morpho = MorphoDeployment::deploy(&evm).await.expect("Morpho Blue");
    // 3e9 per second (~9.9% a year, continuously compounded).
    morpho.place_irm(&evm, market.irm, U256::from(3_000_000_000u64)).await.expect("IRM");
    morpho.create_market(&evm, &market).await.expect("createMarket");
    // 1,000,000 USDC supplied; three borrowers with 1,000 deUSD each borrow 500, 800 and 850
    // USDC (limit 1,000 deUSD x 1 USDC x 86% = 860 USDC).
    let usdc = |n: u64| U256::from(n) * U256::from(1_000_000u64);
    let deusd = U256::from(1_000u64) * U256::from(10u8).pow(U256::from(18u8));
    let borrowers = morpho
        .open_positions(
            &evm,
            &market,
            usdc(1_000_000),
            &[deusd; 3],
            &[usdc(500), usdc(800), usdc(850)],
        )
        .await
        .expect("positions");
    evm.advance(24 * 3600).await.expect("a day passes");

    let dir = scratch("snapshot-anvil");
    let snapshot = dir.join("snapshot.json");
    let record = dir.join("recording");
    let id = fixture.id.clone();
    let protocol = format!("morpho-blue:{id}");
    let morpho_address = morpho.morpho.to_string();
    let read = |out: &Path, source: &[&str]| {
        let mut args = vec!["snapshot"];
        args.extend_from_slice(source);
        args.extend_from_slice(&[
            "--morpho",
            &morpho_address,
            "--protocol",
            &protocol,
            "--price",
            "USDC=1",
            "--name",
            "anvil deUSD/USDC",
            "--out",
            path(out),
        ]);
        faultline(&args)
    };
    let endpoint = evm.endpoint();
    let out = read(&snapshot, &["--rpc-url", &endpoint, "--record", path(&record)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "the snapshot goes to --out only");
    let text = std::fs::read_to_string(&snapshot).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let block = json["block"]["number"].as_u64().expect("block number");
    assert_eq!(json["block"]["chain_id"], 31337);
    assert_eq!(json["name"], "anvil deUSD/USDC");
    let spec = &json["lending_markets"][0];
    assert_eq!(spec["name"], "Morpho deUSD/USDC 86%");
    let m = &spec["protocol"]["morpho_blue"];
    assert_eq!(m["market_id"], id.as_str());
    assert_eq!(m["lltv"], "860000000000000000");
    // The harness (supplier) and the three borrowers, and nobody else.
    let accounts: Vec<Address> = m["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["account"].as_str().unwrap().parse().unwrap())
        .collect();
    let mut expected = borrowers.clone();
    expected.push(morpho.harness);
    expected.sort();
    assert_eq!(accounts, expected);
    // deUSD had no --price: derived from the oracle (1 USDC per deUSD) x USDC's 1 USD.
    let deusd_token =
        json["tokens"].as_array().unwrap().iter().find(|t| t["id"] == "deUSD").unwrap();
    assert_eq!(deusd_token["price_usd"], "1");
    assert_eq!(deusd_token["source"]["kind"], "derived");
    assert!(stderr(&out).contains("1 markets, 4 positions"), "{}", stderr(&out));

    // The recording replays offline, at the same block, to the same bytes.
    let replayed = dir.join("replayed.json");
    let block_text = block.to_string();
    let out = read(&replayed, &["--replay", path(&record), "--block", &block_text]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&replayed).unwrap(), text);

    // A price shock on the collateral: deUSD to 0.80 at once. Limit 1,000 x 0.80 x 86% = 688
    // USDC: the 850 and 800 USDC borrowers are liquidatable, the 500 one is not. After a day at
    // 3e9/s the 850 owe 850 x (1 + 3e9 x 86,400 / 1e18) = 850 x 1.0002592 = $850.22 (the
    // snapshot accrued interest to its block), against 1,000 x 0.80 = $800.00 of collateral; no
    // venue was read, so nobody can liquidate them.
    std::fs::write(
        dir.join("scenario.toml"),
        "name = \"deUSD to 0.80\"\nsnapshot = \"snapshot.json\"\nstep_secs = 3600\n\
         horizon_secs = 7200\n\n[[shocks]]\nat_secs = 0\ntype = \"price\"\ntoken = \"deUSD\"\n\
         price_usd = \"0.80\"\nnote = \"deUSD depegs\"\n",
    )
    .unwrap();
    let out = faultline(&["stress", path(&dir.join("scenario.toml")), "--format", "markdown"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("Morpho deUSD/USDC 86%"), "{report}");
    let underwater = format!("{} ($850.22 debt vs $800.00 collateral at market)", borrowers[2]);
    assert!(report.contains(&underwater), "{report}");
    assert!(report.contains(&format!("{} ($800.", borrowers[1])), "{report}");
    assert!(!report.contains(&borrowers[0].to_string()), "{report}");
}

#[test]
fn bad_snapshot_inputs_exit_2_naming_the_flag_and_value() {
    let dir = scratch("snapshot-bad");
    let out_file = dir.join("s.json");
    let market = format!("morpho-blue:0x{}", "12".repeat(32));
    // Nothing listens on port 1: the error names the URL, after no retry.
    let out = faultline(&[
        "snapshot",
        "--rpc-url",
        "http://127.0.0.1:1",
        "--retries",
        "0",
        "--protocol",
        &market,
        "--out",
        path(&out_file),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot connect to --rpc-url http://127.0.0.1:1"),
        "{}",
        stderr(&out)
    );
    assert!(!out_file.exists(), "no snapshot written");

    let out = faultline(&[
        "snapshot",
        "--rpc-url",
        "http://127.0.0.1:1",
        "--protocol",
        "morpho-blue:0x1234",
        "--out",
        path(&out_file),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("--protocol") && err.contains("0x1234") && err.contains("64 hex digits"),
        "{err}"
    );

    let out = faultline(&["snapshot", "--rpc-url", "http://127.0.0.1:1", "--protocol", "aave-v2"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("unsupported protocol \"aave-v2\"") && err.contains("morpho-blue:<market-id>"),
        "{err}"
    );
    let out = faultline(&["snapshot", "--rpc-url", "http://127.0.0.1:1", "--protocol", "aave-v3"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("aave-v3:<pool>") && err.contains("an address"), "{err}");

    let out = faultline(&[
        "snapshot",
        "--rpc-url",
        "http://127.0.0.1:1",
        "--protocol",
        &market,
        "--price",
        "USDC=cheap",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("--price") && err.contains("\"cheap\""), "{err}");
    assert!(!out_file.exists());
}
