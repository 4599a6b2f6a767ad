//! USD prices for a snapshot's tokens, each with its source.
//!
//! Precedence, strongest first: a venue of the snapshot that prices the token (a market price),
//! the caller's `--price`, then a protocol's oracle (the oracle's valuation, labelled as such). A
//! quote in another token becomes USD once that token has a price, so resolution repeats until
//! nothing changes. A caller's price for a token a venue prices is refused rather than silently
//! overridden either way.

use super::{
    Request, TokenKey, UsdPrice,
    part::{Context, Quote, QuoteRank, QuoteValue, source},
};
use crate::{Error, Result, readers::tokens::TokenRead};
use alloy::primitives::Address;
use faultline_snapshot::{Confidence, Source, SourceKind};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::BTreeMap;

/// Places a derived USD price keeps (rounded toward zero).
const DERIVED_PLACES: u32 = 18;

/// Every token's USD price that the caller or the quotes give.
pub(super) fn resolve(
    request: &Request,
    cx: &Context<'_>,
    quotes: &[Quote],
) -> Result<BTreeMap<Address, (Decimal, Source)>> {
    let venue_priced: BTreeMap<Address, &Quote> =
        quotes.iter().filter(|q| q.rank == QuoteRank::Venue).rev().map(|q| (q.token, q)).collect();
    let mut usd: BTreeMap<Address, (Decimal, Source)> = BTreeMap::new();
    let tokens: Vec<&TokenRead> = cx.tokens.values().collect();
    for (address, (key, price)) in given(request, &tokens)? {
        if let Some(q) = venue_priced.get(&address) {
            return Err(Error::invalid(
                format!("price for {key}"),
                "a token no venue of the snapshot prices (the venue's own price is used)",
                format!("{} is priced by {}", cx.id(address), q.reference),
            ));
        }
        let mut s = price.source.clone();
        s.reference =
            format!("{} [price given for {key}]; identity read at {}", s.reference, cx.at);
        usd.insert(address, (price.usd, s));
    }
    'again: loop {
        for rank in [QuoteRank::Venue, QuoteRank::Oracle] {
            for q in quotes.iter().filter(|q| q.rank == rank) {
                if usd.contains_key(&q.token)
                    || (rank == QuoteRank::Oracle && venue_priced.contains_key(&q.token))
                {
                    continue;
                }
                if let Some(priced) = value(cx, q, &usd)? {
                    usd.insert(q.token, priced);
                    continue 'again;
                }
            }
        }
        break;
    }
    Ok(usd)
}

/// A quote's USD value and source, once what it is quoted in has a price.
fn value(
    cx: &Context<'_>,
    q: &Quote,
    usd: &BTreeMap<Address, (Decimal, Source)>,
) -> Result<Option<(Decimal, Source)>> {
    let what = match q.rank {
        QuoteRank::Venue => "the venue's price",
        QuoteRank::Oracle => "the oracle's valuation, not a market quote",
    };
    let (kind, confidence) = match q.rank {
        QuoteRank::Venue => (SourceKind::Onchain, Confidence::High),
        QuoteRank::Oracle => (SourceKind::Derived, Confidence::Medium),
    };
    match &q.value {
        QuoteValue::Usd(v) => {
            Ok(Some((*v, source(kind, format!("{} = {v} USD; {what}", q.reference), confidence))))
        }
        QuoteValue::In { quote, price } => {
            let Some((quote_usd, _)) = usd.get(quote) else { return Ok(None) };
            let value = price
                .checked_mul(*quote_usd)
                .ok_or_else(|| {
                    Error::invalid(
                        format!("USD price of {} derived from {}", cx.id(q.token), q.reference),
                        "a figure a decimal can hold",
                        format!("{price} x {quote_usd}"),
                    )
                })?
                .round_dp_with_strategy(DERIVED_PLACES, RoundingStrategy::ToZero)
                .normalize();
            let reference = format!(
                "derived: {} x {quote_usd} USD per {} = {value} USD, rounded down to \
                 {DERIVED_PLACES} places; {what}",
                q.reference,
                cx.id(*quote),
            );
            Ok(Some((value, source(SourceKind::Derived, reference, confidence))))
        }
    }
}

/// The caller's prices by token address; every key must name exactly one token.
fn given(
    request: &Request,
    tokens: &[&TokenRead],
) -> Result<BTreeMap<Address, (TokenKey, UsdPrice)>> {
    let mut out: BTreeMap<Address, (TokenKey, UsdPrice)> = BTreeMap::new();
    for (key, price) in &request.prices {
        let matches: Vec<&TokenRead> = tokens
            .iter()
            .copied()
            .filter(|t| match key {
                TokenKey::Address(a) => t.address == *a,
                TokenKey::Symbol(s) => t.symbol.eq_ignore_ascii_case(s),
            })
            .collect();
        let token = match matches.as_slice() {
            [one] => *one,
            [] => {
                let known: Vec<String> =
                    tokens.iter().map(|t| format!("{} ({})", t.symbol, t.address)).collect();
                return Err(Error::invalid(
                    format!("price for {key}"),
                    format!("a token of the snapshot: {}", known.join(", ")),
                    "no such token",
                ));
            }
            several => {
                let which: Vec<String> = several.iter().map(|t| t.address.to_string()).collect();
                return Err(Error::invalid(
                    format!("price for {key}"),
                    "a symbol naming one token (give the address instead)",
                    format!("tokens {}", which.join(", ")),
                ));
            }
        };
        if price.usd.is_sign_negative() && !price.usd.is_zero() {
            return Err(Error::invalid(format!("price for {key}"), "at least 0 USD", price.usd));
        }
        if let Some((first, _)) = out.insert(token.address, (key.clone(), price.clone())) {
            return Err(Error::invalid(
                format!("price for {key}"),
                "one price per token",
                format!("{} priced again (first as {first})", token.symbol),
            ));
        }
    }
    Ok(out)
}
