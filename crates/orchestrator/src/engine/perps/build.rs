//! Perp venues and delta-neutral books built from the snapshot: the venue models with their
//! markets, accounts and funds, and each book's legs and rules.

use super::*;

impl PerpState {
    /// Builds venues and books from a validated snapshot; `price` reads a token's market price,
    /// `answer` an oracle's, `book` a copy of a liquidity venue.
    pub(crate) fn build(
        snapshot: &Snapshot,
        tokens: &BTreeMap<String, TokenState>,
        answer: &dyn Fn(&str) -> Result<Decimal>,
        book: &dyn Fn(&str) -> Result<Box<dyn faultline_liquidity::Venue>>,
    ) -> Result<Self> {
        let mut state = Self::default();
        for spec in &snapshot.perp_venues {
            let (venue, live) = build_venue(spec, tokens, answer, book)?;
            state.venues.insert(spec.id.clone(), venue);
            state.live.insert(spec.id.clone(), live);
        }
        for spec in &snapshot.books {
            let live = build_book(spec, tokens);
            for leg in &spec.shorts {
                if let Some(venue) = state.live.get_mut(&leg.venue) {
                    venue.book_of.insert(leg.account, spec.id.clone());
                }
            }
            state.books.insert(spec.id.clone(), live);
        }
        for id in state.books.keys().cloned().collect::<Vec<_>>() {
            let value = state.book_value(&id)?;
            if let Some(book) = state.books.get_mut(&id) {
                book.start_value = value;
            }
        }
        Ok(state)
    }

    /// A book's value: long legs at their last prices, short accounts on their venues, buffer
    /// and reserve fund (which an issuer's backing counts: it pays the book's losses).
    pub(crate) fn book_value(&self, id: &str) -> Result<Decimal> {
        let live = self.books.get(id).ok_or_else(|| super::super::model_missing(id))?;
        let value = live.book.value(&self.venues).map_err(|e| book_error(id, e))?;
        value.checked_add(live.book.reserve_fund).ok_or_else(|| overflow(id, "book value"))
    }
}

fn build_venue(
    spec: &PerpVenueSpec,
    tokens: &BTreeMap<String, TokenState>,
    answer: &dyn Fn(&str) -> Result<Decimal>,
    book: &dyn Fn(&str) -> Result<Box<dyn faultline_liquidity::Venue>>,
) -> Result<(Venue, PerpVenueLive)> {
    let id = spec.id.as_str();
    let adl_policy = match spec.adl_policy {
        AdlPolicySpec::HyperliquidRank => AdlPolicy::HyperliquidRank,
        AdlPolicySpec::BinanceRank => AdlPolicy::BinanceRank,
        AdlPolicySpec::ProRata => AdlPolicy::ProRata,
        AdlPolicySpec::LeverageDraining => AdlPolicy::LeverageDraining,
    };
    let mut venue = Venue::new(VenueConfig {
        adl_policy,
        liquidation_fee_rate: spec.liquidation_fee_rate,
        backstop_below: spec.backstop_below,
    });
    let mut markets = Vec::new();
    for m in &spec.markets {
        let mark = tokens[&m.token].price;
        let index = match &m.index_oracle {
            Some(oracle) => answer(oracle)?,
            None => mark,
        };
        let tiers: Vec<(Decimal, u32)> =
            m.margin_tiers.iter().map(|t| (t.from_notional_usd, t.max_leverage)).collect();
        let schedule = MarginSchedule::hyperliquid(&tiers).map_err(|e| perp(id, e))?;
        let market = MarketSpec {
            schedule,
            funding: FundingRule::HYPERLIQUID,
            mark,
            index,
            book: book(&m.venue)?,
        };
        venue.add_market(&m.symbol, market).map_err(|e| perp(id, e))?;
        markets.push(PerpMarketLive {
            symbol: m.symbol.clone(),
            token: m.token.clone(),
            index_oracle: m.index_oracle.clone(),
            venue: m.venue.clone(),
        });
    }
    let mut oracle_of = BTreeMap::new();
    for c in &spec.collateral {
        venue.set_collateral_price(&c.token, answer(&c.oracle)?).map_err(|e| perp(id, e))?;
        oracle_of.insert(c.token.clone(), c.oracle.clone());
    }
    if spec.insurance_fund_usd > Decimal::ZERO {
        venue.fund_insurance(spec.insurance_fund_usd).map_err(|e| perp(id, e))?;
    }
    if spec.backstop_usd > Decimal::ZERO {
        venue.fund_backstop(spec.backstop_usd).map_err(|e| perp(id, e))?;
    }
    let mut labels = BTreeMap::new();
    let mut collateral_oracles = BTreeMap::new();
    for (i, account) in spec.accounts.iter().enumerate() {
        let at = format!("{id}: accounts[{i}]");
        if account.cash_usd > Decimal::ZERO {
            venue.deposit(account.id, SETTLEMENT, account.cash_usd).map_err(|e| perp(&at, e))?;
        }
        for holding in &account.collateral {
            venue.deposit(account.id, &holding.token, holding.amount).map_err(|e| perp(&at, e))?;
        }
        if venue.account(account.id).is_none() && !account.positions.is_empty() {
            return Err(Error::Invalid {
                field: format!("{at}.cash_usd"),
                expected: "cash or collateral margining the positions".into(),
                found: "none".into(),
            });
        }
        for position in &account.positions {
            let (long, short) = if position.size > Decimal::ZERO {
                (Holder::Account(account.id), Holder::Book)
            } else {
                (Holder::Book, Holder::Account(account.id))
            };
            venue
                .trade(long, short, &position.market, position.size.abs(), position.entry_price)
                .map_err(|e| perp(&at, e))?;
            if let Some(margin) = position.isolated_margin_usd {
                venue.isolate(account.id, &position.market, margin).map_err(|e| perp(&at, e))?;
            }
        }
        let label = if account.label.is_empty() {
            format!("#{}", account.id)
        } else {
            account.label.clone()
        };
        labels.insert(account.id, label);
        collateral_oracles.insert(
            account.id,
            account.collateral.iter().filter_map(|h| oracle_of.get(&h.token).cloned()).collect(),
        );
    }
    let live = PerpVenueLive {
        name: spec.name.clone(),
        markets,
        collateral: spec.collateral.iter().map(|c| (c.token.clone(), c.oracle.clone())).collect(),
        labels,
        collateral_oracles,
        book_of: BTreeMap::new(),
        premium: BTreeMap::new(),
        insurance_start: venue.insurance(),
        liquidations: 0,
        adl_fills: 0,
        bad_debt_usd: Decimal::ZERO,
        unresolved: BTreeSet::new(),
        activity: 0,
    };
    Ok((venue, live))
}

fn build_book(spec: &BookSpec, tokens: &BTreeMap<String, TokenState>) -> BookLive {
    let longs = spec
        .longs
        .iter()
        .map(|leg| LongLeg {
            name: leg.name.clone(),
            kind: match leg.kind {
                LegKindSpec::Spot => LegKind::Spot,
                LegKindSpec::Lst => LegKind::Lst,
                LegKindSpec::YieldStable => LegKind::YieldStable,
                LegKindSpec::LendingCollateral => LegKind::LendingCollateral,
            },
            holder: leg.holder.clone(),
            amount: leg.amount,
            price: tokens[&leg.token].price,
            underlying: leg.underlying.clone(),
            delta_per_unit: leg.delta_per_unit,
        })
        .collect();
    let shorts = spec
        .shorts
        .iter()
        .map(|leg| ShortLeg {
            venue: leg.venue.clone(),
            account: leg.account,
            market: leg.market.clone(),
        })
        .collect();
    let rules = Rules {
        topup_below: spec.rules.topup_below,
        topup_to: spec.rules.topup_to,
        rehedge_band: spec.rules.rehedge_band,
    };
    BookLive {
        name: spec.name.clone(),
        book: Book {
            longs,
            shorts,
            buffer: spec.buffer_usd,
            reserve_fund: spec.reserve_fund_usd,
            // The issuer the book backs carries the liabilities.
            liabilities: Decimal::ZERO,
            rules,
        },
        leg_tokens: spec.longs.iter().map(|l| (l.name.clone(), l.token.clone())).collect(),
        rehedge_after_secs: spec.rules.rehedge_after_secs,
        unhedged: BTreeMap::new(),
        short_of_margin: BTreeMap::new(),
        start_value: Decimal::ZERO,
    }
}
