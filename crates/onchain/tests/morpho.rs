//! Morpho Blue on anvil, read back through the on-chain readers.
//!
//! `@morpho-org/morpho-blue@1.0.0` `src/Morpho.sol` is compiled at its production setting and
//! deployed; mocks of our own (`tests/solidity/Mocks.sol`) are placed at the real token, oracle and
//! IRM addresses of `fixtures/morpho-xusd-deusd/markets.csv`, so the 18 markets created with the
//! fixture's parameters have their mainnet ids. Positions are opened in real transactions (one
//! supplier and three borrowers per market at 50%, 95% and 99.9% of their borrowing limit), 30 days
//! pass at a 3e9/s (≈9.5%/yr) borrow rate, every second market's oracle drops 10%, and 10,000
//! accounts pledge collateral in the first market. Then, at one pinned block:
//! - discovery finds exactly the accounts that acted, per market;
//! - the markets and positions read back equal the lending model replaying the same transactions;
//! - the health the model computes from the read state equals what Morpho itself reports (a
//!   rolled-back `liquidate` of one wei in `eth_call`) for every position, 10,072 in all;
//! - reading the 10,072 positions takes at most 100 round trips;
//! - the snapshot of the block (`faultline_onchain::snapshot`) is valid, round-trips through JSON,
//!   and the lending model built from it alone gives Morpho's own answer for every position;
//! - a recording of the session replays offline to the same state;
//! - a failed item is reported by its name.

mod common;

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    sol_types::{Revert, SolCall, SolError, SolValue},
};
use common::*;
use faultline_core::{Rounding, decimal::from_decimal};
use faultline_lending::morpho::{self, Irm, MarketParams, MarketState, MorphoMarket};
use faultline_onchain::{
    Chain, Config, Endpoint, Error, discovery,
    readers::{morpho::read_markets, tokens::read_tokens},
    snapshot::{Request, Stage, TokenKey, UsdPrice, snapshot},
};
use faultline_snapshot::{
    BlockRef, Confidence, LendingProtocolSpec, OracleKindSpec, Snapshot, Source, SourceKind,
};
use faultline_test_support::solc;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

const RATE: u64 = 3_000_000_000;
const PLEDGERS: usize = 10_000;
const MONTH: u64 = 30 * 24 * 3600;
/// Borrowed share of the borrowing limit, per mille, of the three borrowers of each market.
const BORROW_PER_MILLE: [u64; 3] = [500, 950, 999];

struct FixtureMarket {
    id: B256,
    params: MarketParams,
    price: U256,
    loan: (u8, String),
    collateral: (u8, String),
}

fn fixture() -> Vec<FixtureMarket> {
    let root = faultline_test_support::paths::repo_root().join("fixtures/morpho-xusd-deusd");
    let markets = std::fs::read_to_string(root.join("markets.csv")).expect("markets.csv");
    let positions =
        std::fs::read_to_string(root.join("borrower_positions.csv")).expect("positions");
    let loaded = morpho::load_markets(&markets, &positions).expect("load fixture");
    let mut lines = markets.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    loaded
        .iter()
        .zip(rows)
        .map(|(m, row)| {
            let loan_decimals: u8 = row[col("loan_decimals")].parse().expect("decimals");
            let collateral_decimals: u8 =
                row[col("collateral_decimals")].parse().expect("decimals");
            // The export's oracle price is 0 where the oracle was not answering; these are
            // stablecoin pairs, so the test prices them at par: 1e36 · 10^(loan − collateral
            // decimals) loan units per collateral unit.
            let par = U256::from(10u8).pow(U256::from(36 + loan_decimals - collateral_decimals));
            let price = if m.market.price().is_zero() { par } else { m.market.price() };
            FixtureMarket {
                id: m.id.parse().expect("market id"),
                params: *m.market.params(),
                price,
                loan: (loan_decimals, m.loan_symbol.clone()),
                collateral: (collateral_decimals, m.collateral_symbol.clone()),
            }
        })
        .collect()
}

const fn sol_params(p: &MarketParams) -> TestMarketParams {
    TestMarketParams {
        loanToken: p.loan_token,
        collateralToken: p.collateral_token,
        oracle: p.oracle,
        irm: p.irm,
        lltv: p.lltv,
    }
}

#[tokio::test(flavor = "current_thread")]
async fn morpho_blue_state_and_health_read_back_at_a_pinned_block() {
    let markets = fixture();
    assert_eq!(markets.len(), 18);
    let morpho_code = solc::compile(
        &["tools/evm/node_modules/@morpho-org/morpho-blue/src/Morpho.sol"],
        solc::Settings { optimizer_runs: Some(999_999), via_ir: true },
    )
    .and_then(|c| c.bytecode("Morpho"))
    .expect("compile Morpho.sol");
    let evm = Evm::start().await;
    let provider = evm.provider();
    let owner = provider.get_accounts().await.expect("accounts")[0];
    let morpho_address = evm
        .deploy([morpho_code.as_ref(), &owner.abi_encode()].concat().into())
        .await
        .expect("Morpho");
    let multicall = deploy_multicall(&evm).await;
    let harness = evm
        .deploy([code(MOCKS, "Harness").as_ref(), &morpho_address.abi_encode()].concat().into())
        .await
        .expect("harness");

    // Mocks at the fixture's addresses.
    let mut tokens: BTreeMap<Address, (u8, String)> = BTreeMap::new();
    for m in &markets {
        tokens.insert(m.params.loan_token, m.loan.clone());
        tokens.insert(m.params.collateral_token, m.collateral.clone());
    }
    for (address, (decimals, symbol)) in &tokens {
        place(&evm, code(MOCKS, "Token"), *address).await;
        evm.send(
            *address,
            initCall { decimals_: *decimals, symbol_: symbol.clone() }.abi_encode().into(),
        )
        .await
        .expect("token init");
    }
    let irms: BTreeSet<Address> = markets.iter().map(|m| m.params.irm).collect();
    for irm in &irms {
        place(&evm, code(MOCKS, "FixedRateIrm"), *irm).await;
        evm.send(*irm, setRateCall { newRate: U256::from(RATE) }.abi_encode().into())
            .await
            .expect("rate");
        evm.send(morpho_address, enableIrmCall { irm: *irm }.abi_encode().into())
            .await
            .expect("enableIrm");
    }
    let lltvs: BTreeSet<U256> = markets.iter().map(|m| m.params.lltv).collect();
    for lltv in lltvs {
        evm.send(morpho_address, enableLltvCall { lltv }.abi_encode().into())
            .await
            .expect("enableLltv");
    }

    // Markets and positions, in real transactions; the model replays each one.
    let mut models = Vec::new();
    let mut borrowers: Vec<Vec<Address>> = Vec::new();
    let mut nonce = 1u64; // a contract's first CREATE uses nonce 1 (EIP-161)
    for m in &markets {
        place(&evm, code(MOCKS, "Oracle"), m.params.oracle).await;
        evm.send(m.params.oracle, setPriceCall { newPrice: m.price }.abi_encode().into())
            .await
            .expect("price");
        evm.send(
            morpho_address,
            createMarketCall { marketParams: sol_params(&m.params) }.abi_encode().into(),
        )
        .await
        .expect("createMarket");
        let supplied = U256::from(1_000_000u64) * U256::from(10u8).pow(U256::from(m.loan.0));
        let collateral = U256::from(1_000u64) * U256::from(10u8).pow(U256::from(m.collateral.0));
        // ⌊⌊collateral · price / 1e36⌋ · lltv / 1e18⌋ (Morpho's `_isHealthy` limit), then a share.
        let limit = collateral * m.price / morpho::ORACLE_PRICE_SCALE * m.params.lltv
            / U256::from(10u64.pow(18));
        let borrows: Vec<U256> = BORROW_PER_MILLE
            .iter()
            .map(|pm| limit * U256::from(*pm) / U256::from(1000u16))
            .collect();
        evm.send(
            harness,
            setupMarketCall {
                params: sol_params(&m.params),
                supplied,
                collaterals: vec![collateral; 3],
                borrows: borrows.clone(),
            }
            .abi_encode()
            .into(),
        )
        .await
        .expect("setupMarket");
        let t = latest_timestamp(&evm).await;
        // Created one block earlier with no borrows, so no interest: the same as created now.
        let mut model = MorphoMarket::create(
            m.params,
            Irm::Fixed { rate_per_second: U256::from(RATE) },
            m.price,
            t,
        )
        .expect("model create");
        model.supply(harness, supplied, U256::ZERO).expect("model supply");
        let mut these = Vec::new();
        for borrowed in &borrows {
            let b = harness.create(nonce);
            nonce += 1;
            model.supply_collateral(b, collateral).expect("model collateral");
            model.borrow(b, *borrowed, U256::ZERO).expect("model borrow");
            these.push(b);
        }
        borrowers.push(these);
        models.push(model);
    }
    advance(&evm, MONTH).await;
    for (i, m) in markets.iter().enumerate().filter(|(i, _)| i % 2 == 1) {
        let dropped = m.price * U256::from(9u8) / U256::from(10u8);
        evm.send(m.params.oracle, setPriceCall { newPrice: dropped }.abi_encode().into())
            .await
            .expect("drop");
        models[i].set_price(dropped);
    }
    let pledgers: Vec<Address> =
        (0..PLEDGERS).map(|i| Address::from_word(B256::from(U256::from(0x10_000 + i)))).collect();
    let each = U256::from(7u8);
    for chunk in pledgers.chunks(2_000) {
        evm.send(
            harness,
            pledgeManyCall {
                params: sol_params(&markets[0].params),
                accounts: chunk.to_vec(),
                each,
            }
            .abi_encode()
            .into(),
        )
        .await
        .expect("pledgeMany");
    }
    for p in &pledgers {
        models[0].supply_collateral(*p, each).expect("model pledge");
    }

    // Snapshot at the latest block, recorded.
    let record = temp_dir("morpho-record");
    let cache = temp_dir("morpho-logs");
    let endpoint = Endpoint::Http(evm.endpoint());
    let mut config = Config::new(endpoint);
    config.multicall = multicall;
    config.record = Some(record.clone());
    config.policy.min_interval = std::time::Duration::ZERO;
    let chain = Chain::connect(&config).await.expect("connect");
    let block = *chain.block();
    assert_eq!(block.chain_id, 31337);

    // Discovery finds exactly who acted, per market (page of 7 blocks: several pages).
    let (found, report) =
        discovery::morpho_accounts(&chain, morpho_address, 0, block.number, 7, Some(cache.clone()))
            .await
            .expect("discovery");
    assert!(report.pages_fetched > 1, "{report:?}");
    let ids: Vec<B256> = markets.iter().map(|m| m.id).collect();
    let mut users: BTreeMap<B256, Vec<Address>> = BTreeMap::new();
    for (i, m) in markets.iter().enumerate() {
        let mut expected: BTreeSet<Address> = borrowers[i].iter().copied().collect();
        expected.insert(harness);
        if i == 0 {
            expected.extend(&pledgers);
        }
        assert_eq!(found.get(&m.id), Some(&expected), "accounts of market {}", m.id);
        users.insert(m.id, expected.into_iter().collect());
    }
    assert_eq!(found.len(), markets.len());
    // Resumed from the cache: no page asked of the node again.
    let (again, resumed) =
        discovery::morpho_accounts(&chain, morpho_address, 0, block.number, 7, Some(cache.clone()))
            .await
            .expect("resumed discovery");
    assert_eq!(
        (again, resumed.pages_fetched, resumed.pages_cached),
        (found, 0, report.pages_fetched)
    );

    // The read, counted.
    let before = chain.stats().round_trips();
    let reads = read_markets(&chain, morpho_address, &ids, &users).await.expect("read markets");
    let trips = chain.stats().round_trips() - before;
    let positions: usize = reads.iter().map(|r| r.positions.len()).sum();
    eprintln!("read {} markets, {positions} positions in {trips} round trips", reads.len());
    assert_eq!(positions, PLEDGERS + 4 * markets.len());
    assert!(trips <= 100, "{trips} round trips for {positions} positions");

    let healthy_revert: Vec<u8> = Revert::from(morpho::reason::HEALTHY_POSITION).abi_encode();
    let (mut liquidatable_count, mut healthy_count) = (0usize, 0usize);
    let mut morpho_says: BTreeMap<(B256, Address), bool> = BTreeMap::new();
    for ((read, model), m) in reads.iter().zip(&models).zip(&markets) {
        assert_eq!(read.id, morpho_blue_id(&m.params), "mainnet id");
        assert_eq!(read.params, *model.params());
        assert_eq!(read.state, *model.state(), "market {}", read.id);
        assert_eq!(read.price, Ok(model.price()));
        assert_eq!(
            read.irm,
            faultline_onchain::readers::morpho::IrmState::Fixed {
                rate_per_second: U256::from(RATE)
            }
        );
        for (account, position) in &read.positions {
            assert_eq!(*position, model.position(*account), "position {account} in {}", read.id);
        }
        // Health from the read state (interest accrued to the block, as liquidate does) against
        // Morpho's own answer at the same block.
        let mut from_read = read.to_model(block.timestamp).expect("model from read");
        from_read.accrue().expect("accrue");
        let accounts: Vec<Address> = read.positions.keys().copied().collect();
        for chunk in accounts.chunks(1_000) {
            let data = probeCall { params: sol_params(&read.params), borrowers: chunk.to_vec() }
                .abi_encode();
            let out = chain.call("probe", harness, data.into()).await.expect("probe");
            let probed = probeCall::abi_decode_returns(&out).expect("probe returns");
            for ((account, liquidatable), revert) in
                chunk.iter().zip(probed.liquidatable).zip(probed.reverts)
            {
                morpho_says.insert((read.id, *account), liquidatable);
                let healthy = from_read.is_healthy(*account).expect("health");
                assert_eq!(liquidatable, !healthy, "health of {account} in {}", read.id);
                if healthy {
                    assert_eq!(revert.as_ref(), healthy_revert.as_slice(), "revert of {account}");
                    healthy_count += 1;
                } else {
                    liquidatable_count += 1;
                }
            }
        }
    }
    eprintln!("health compared: {liquidatable_count} liquidatable, {healthy_count} healthy");
    assert_eq!(liquidatable_count + healthy_count, positions);
    assert!(
        liquidatable_count >= 9 && healthy_count >= 40,
        "{liquidatable_count} / {healthy_count}"
    );

    // The snapshot of the same block (discovery resumed from the page cache): the lending model
    // built from the snapshot alone gives Morpho's own answer for every position.
    let mut request = Request::morpho(morpho_address, ids.clone());
    request.log_span = 7;
    request.log_cache = Some(cache.clone());
    let loans: BTreeSet<Address> = markets.iter().map(|m| m.params.loan_token).collect();
    for loan in &loans {
        request.prices.insert(
            TokenKey::Address(*loan),
            UsdPrice {
                usd: Decimal::ONE,
                source: Source {
                    kind: SourceKind::Reported,
                    reference: "test: loan tokens at par".into(),
                    confidence: Confidence::Medium,
                },
            },
        );
    }
    let mut stages = Vec::new();
    let snap = snapshot(&chain, &request, &mut |s| stages.push(s)).await.expect("snapshot");
    assert_eq!(stages.first(), Some(&Stage::Discovering { from: 0, to: block.number }));
    assert!(matches!(stages.last(), Some(Stage::Done { .. })), "{stages:?}");
    assert_eq!(
        snap.block,
        Some(BlockRef {
            chain_id: 31337,
            number: block.number,
            hash: Some(block.hash.to_string())
        })
    );
    assert_eq!(snap.timestamp, block.timestamp);
    let text = serde_json::to_string_pretty(&snap).expect("json");
    assert_eq!(Snapshot::from_json(&text).expect("valid snapshot"), snap);
    assert_eq!(snap.lending_markets.len(), markets.len());
    let (mut compared, mut exact_prices) = (0usize, 0usize);
    for (spec, read) in snap.lending_markets.iter().zip(&reads) {
        let LendingProtocolSpec::MorphoBlue(m) = &spec.protocol else {
            panic!("the reader writes Morpho Blue markets only");
        };
        assert_eq!(spec.source.kind, SourceKind::Onchain);
        assert!(spec.source.reference.contains(&format!("anvil block {}", block.number)));
        assert_eq!(m.market_id, read.id.to_string());
        // Every position read is in the snapshot (none is empty: no fee recipient was set).
        assert_eq!(m.positions.len(), read.positions.len(), "positions of {}", read.id);
        let token = |id: &str| snap.tokens.iter().find(|t| t.id == id).expect("token");
        let (loan, collateral) = (token(&m.loan_token), token(&m.collateral_token));
        let oracle = snap.oracles.iter().find(|o| o.id == m.oracle).expect("oracle");
        assert_eq!(oracle.kind, OracleKindSpec::Market);
        // The oracle's answer as a decimal converts back to the raw price: to the unit where a
        // decimal's 28 places hold it (the reference says "exact"), else rounded down by less
        // than one unit of the 28th place (and the reference says so).
        let scale = 36 + loan.decimals - collateral.decimals;
        let price = from_decimal(oracle.price, scale, Rounding::Down).expect("price");
        let raw = read.price.clone().expect("oracle answered");
        if oracle.source.reference.contains("(exact)") {
            assert_eq!(price, raw, "oracle of {}", read.id);
            exact_prices += 1;
        } else {
            assert!(
                oracle.source.reference.contains("rounded down"),
                "{}",
                oracle.source.reference
            );
            let unit = U256::from(10u8).pow(U256::from(scale.saturating_sub(28)));
            assert!(price <= raw && raw - price < unit, "oracle of {}: {price} vs {raw}", read.id);
        }
        if !loans.contains(&read.params.collateral_token) {
            // Derived: oracle answer x loan USD (1), from the first market that prices it.
            assert_eq!(collateral.source.kind, SourceKind::Derived);
            if collateral.source.reference.contains(&read.id.to_string()) {
                assert_eq!(collateral.price_usd, oracle.price);
            }
        }
        let state = MarketState {
            total_supply_assets: m.total_supply_assets.0,
            total_supply_shares: m.total_supply_shares.0,
            total_borrow_assets: m.total_borrow_assets.0,
            total_borrow_shares: m.total_borrow_shares.0,
            last_update: U256::from(snap.timestamp),
            fee: m.fee.0,
        };
        let positions = m
            .positions
            .iter()
            .map(|p| {
                let position = morpho::Position {
                    supply_shares: p.supply_shares.0,
                    borrow_shares: p.borrow_shares.0,
                    collateral: p.collateral.0,
                };
                (p.account.0, position)
            })
            .collect();
        let from_snapshot = MorphoMarket::from_state(
            read.params,
            state,
            positions,
            Irm::None,
            price,
            snap.timestamp,
        )
        .expect("model from the snapshot");
        for p in &m.positions {
            let liquidatable = morpho_says[&(read.id, p.account.0)];
            let healthy = from_snapshot.is_healthy(p.account.0).expect("health");
            assert_eq!(liquidatable, !healthy, "snapshot health of {} in {}", p.account.0, read.id);
            compared += 1;
        }
    }
    eprintln!(
        "snapshot health equal to Morpho's for {compared} positions; {exact_prices} of {} oracle \
         prices exact in the snapshot",
        markets.len()
    );
    assert_eq!(compared, positions);

    // The recording replays offline, at the same block, to the same state.
    let mut replay = Config::new(Endpoint::Replay(record));
    replay.multicall = multicall;
    replay.block = Some(block.number);
    let offline = Chain::connect(&replay).await.expect("replay connect");
    assert_eq!(*offline.block(), block);
    let replayed =
        read_markets(&offline, morpho_address, &ids, &users).await.expect("replayed read");
    assert_eq!(replayed, reads);

    // A failed item is named: an address with no code is not a token.
    let nobody = Address::repeat_byte(0x42);
    let err =
        read_tokens(&chain, &[markets[0].params.loan_token, nobody]).await.expect_err("no token");
    assert!(err.to_string().contains(&format!("erc20({nobody}).decimals")), "{err}");
    let tokens_read = read_tokens(&chain, &[markets[0].params.loan_token]).await.expect("token");
    assert_eq!(
        (tokens_read[0].decimals, tokens_read[0].symbol.as_str()),
        (markets[0].loan.0, markets[0].loan.1.as_str())
    );
    // A market id that was never created is an error naming it.
    let missing = B256::repeat_byte(9);
    let err = read_markets(&chain, morpho_address, &[missing], &BTreeMap::new())
        .await
        .expect_err("missing");
    assert!(
        matches!(err, Error::Invalid { ref field, .. } if field.contains(&missing.to_string())),
        "{err}"
    );
}

fn morpho_blue_id(p: &MarketParams) -> B256 {
    faultline_onchain::readers::morpho::market_id(p)
}
