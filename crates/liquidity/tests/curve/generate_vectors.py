#!/usr/bin/env python3
"""Generate fixtures/curve/simulation-vectors.json from Curve's own Python reference model.

Our code (faultline). It does NOT contain Curve's code: it imports the `Curve` class from a copy of
curvefi/curve-contract `tests/simulation.py` that you point it at, runs it on a fixed,
deterministic set of pools and trades, and writes only the resulting numbers.

Usage:
    python3 generate_vectors.py PATH/TO/simulation.py COMMIT > fixtures/curve/simulation-vectors.json

where PATH/TO/simulation.py is curvefi/curve-contract `tests/simulation.py` at COMMIT (the vectors
committed were made at 05a758db7ae55bb24fa4f9b1c303234c1145ee4e; the file at
e5fb8c0e0bcd2fe2e03634135806c0f36b245511 has the same D/y/dy/exchange and gives byte-identical
output). Python 3.11, standard library only.

What is recorded, per pool (the model's `A`, `n`, `p` (rates, 1e18 = 1, decimals folded in as
`10**(36 - decimals)` exactly as the 3pool's RATES), `x` (raw balances) and `fee`):
  - `xp` and `D`: `Curve.xp()`, `Curve.D()`;
  - `y`: `Curve.y(i, j, x)` at normalised balances `x` on both sides of `xp[i]`;
  - `trades`: for a raw input `dx`, `dx_xp = dx * p[i] // 10**18` (what the contract adds to
    `xp[i]`), `Curve.dy(i, j, dx_xp)`, and `Curve.exchange(i, j, dx_xp)` on a fresh copy of the
    pool: its return value, the fee it kept (`dy - return`) and the balances `x` it leaves.
    `exchange` is null where the model's `assert dy > 0` fails.
The model has no admin fee, no `- 1` in dy and no 255-iteration cap; the Rust test that reads the
vectors (crates/liquidity/tests/curve_simulation.rs) states how each of these maps to the Vyper.

Draws are deterministic: sizes come from SHA-256 of a label, not from `random`, so the output
does not depend on the Python version.
"""

import copy
import hashlib
import importlib.util
import json
import signal
import sys

E18 = 10**18


# Every value the model's loops pass to `abs` (their stop test: `abs(D - Dprev) > 1`,
# `abs(y - y_prev) > 1`), in order. Installed as `abs` in the model's module namespace, it returns
# the builtin's answer, so the computation is unchanged; it only lets us see each Newton step.
TRACE = []
TRACE_LIMIT = 2_000


def recording_abs(value):
    TRACE.append(value)
    if len(TRACE) > TRACE_LIMIT:
        raise Timeout()
    return abs(value)


def load_curve(path):
    spec = importlib.util.spec_from_file_location("curve_simulation", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.abs = recording_abs
    return module.Curve


def draw(label, below):
    """A deterministic integer in [0, below) from a label."""
    digest = hashlib.sha256(label.encode()).digest()
    return int.from_bytes(digest, "big") % below


def rate_for(decimals, rate=E18):
    """The 3pool's RATES entry for a coin (rate * 10**(18 - decimals)); rate = 1e18 for plain
    coins, a lending token's exchange rate otherwise (as test_simulate_exchange.py builds `p`)."""
    return rate * 10 ** (18 - decimals)


# (name, A, fee, coins as (decimals, lending rate), balances in whole tokens)
# Fees: 1e6 = 0.01%, 4e6 = 0.04% (3pool), 3e7 = 0.3%, 0.
POOLS = [
    ("3pool-balanced", 2000, 1_000_000, [(18, E18), (6, E18), (6, E18)], [300_000_000, 300_000_000, 300_000_000]),
    ("3pool-mildly-imbalanced", 2000, 1_000_000, [(18, E18), (6, E18), (6, E18)], [180_000_000, 210_000_000, 90_000_000]),
    ("3pool-drained-usdt", 2000, 1_000_000, [(18, E18), (6, E18), (6, E18)], [400_000_000, 380_000_000, 4_000_000]),
    ("3pool-A100-fee4", 100, 4_000_000, [(18, E18), (6, E18), (6, E18)], [1_000_000, 2_000_000, 500_000]),
    ("3pool-A1", 1, 4_000_000, [(18, E18), (6, E18), (6, E18)], [1_000, 3_000, 2_000]),
    ("3pool-A5000-1to1000", 5000, 4_000_000, [(18, E18), (6, E18), (6, E18)], [1_000_000, 1_000, 500_000]),
    ("usdc-dai-balanced", 200, 4_000_000, [(6, E18), (18, E18)], [50_000_000, 50_000_000]),
    ("usdc-dai-1to10", 200, 4_000_000, [(6, E18), (18, E18)], [5_000_000, 50_000_000]),
    ("dai-usdc-1to100-A10", 10, 30_000_000, [(18, E18), (6, E18)], [100_000, 10_000_000]),
    ("dai-usdc-100to1-A85", 85, 1_000_000, [(18, E18), (6, E18)], [10_000_000, 100_000]),
    ("two-18-A1-nofee", 1, 0, [(18, E18), (18, E18)], [7, 3]),
    ("two-18-A100-1to1e5", 100, 4_000_000, [(18, E18), (18, E18)], [1, 100_000]),
    ("two-6-A2000-huge", 2000, 4_000_000, [(6, E18), (6, E18)], [90_000_000_000, 30_000_000_000]),
    ("two-18-A50-tiny", 50, 4_000_000, [(18, E18), (18, E18)], [2, 5]),
    ("three-18-8-6-A400", 400, 30_000_000, [(18, E18), (8, E18), (6, E18)], [2_000_000, 150_000, 800_000]),
    # Lending-pool style rates (a cToken/yToken exchange rate folded into p, as
    # test_simulate_exchange.py does): the same formulas with RATES that are not powers of ten.
    ("lending-rates-2", 450, 4_000_000, [(18, 1_021_384_719_274_119_345), (6, 1_034_781_002_937_461_201)], [3_000_000, 2_500_000]),
    ("lending-rates-3", 1000, 4_000_000, [(18, 1_000_000_000_000_000_001), (6, 1_180_000_000_000_000_000), (6, 1_090_000_000_000_000_000)], [1_200_000, 900_000, 1_500_000]),
]

# Trade sizes as fractions of the input coin's balance: parts per billion (zero and one raw unit
# are added separately). From dust to fifty times the balance, which drains the output side to its floor.
SIZES_PPB = [1, 1_000, 100_000, 10_000_000, 100_000_000, 500_000_000, 1_000_000_000, 5_000_000_000, 50_000_000_000]

# Normalised `x` for `Curve.y`, as fractions of xp[i] in parts per million.
Y_POINTS_PPM = [1, 10_000, 500_000, 999_999, 1_000_000, 1_000_001, 2_000_000, 100_000_000]


class Timeout(Exception):
    pass


def on_alarm(_signum, _frame):
    raise Timeout()


def with_deadline(seconds, fn, *args):
    """The model's loops have no iteration cap; a pool that does not converge is a bug in the
    pool list, and stops the generator loudly instead of hanging."""
    TRACE.clear()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        return fn(*args)
    finally:
        signal.alarm(0)


def steps_of(trace):
    """The model's first stop test compares its start value with 0 (`Dprev = 0`, `y_prev = 0`);
    every later one is one Newton step's change. Returns the changes."""
    return trace[1:]


def newton_cases(Curve):
    """Pools picked for their Newton loops (all coins 18 decimals, so x = xp), drawn from labels
    `newton/K`:
    - 40 where some step before the last changes D or y by exactly 2, so that the stop test
      `<= 1` must not stop there (with D, and y at a drawn x);
    - 4 where the model's D loop never stops: its steps fall into a cycle (seen after
      TRACE_LIMIT steps), the model has no answer (`D` null), and the 3pool returns its 255th
      iterate, `D_at_255`: the model's start `S` plus its first 255 changes, read off the trace."""
    step_two, cycling = [], []
    k = 0
    while (len(step_two) < 40 or len(cycling) < 4) and k < 5_000:
        label = f"newton/{k}"
        k += 1
        n = 2 + draw(label + "/n", 2)
        A = 1 + draw(label + "/A", 3000)
        x = [1 + draw(f"{label}/x{c}", 10 ** (1 + draw(f"{label}/e{c}", 24))) for c in range(n)]
        model = Curve(A, list(x), n)
        case = {"label": label, "n": n, "A": str(A), "x": [str(v) for v in x]}
        try:
            D = with_deadline(10, model.D)
        except Timeout:
            if len(cycling) < 4:
                d_steps = steps_of(list(TRACE))
                case.update({"D": None, "D_at_255": str(sum(x) + sum(d_steps[:255])), "y": None})
                cycling.append(case)
            continue
        d_steps = steps_of(list(TRACE))
        if len(step_two) >= 40 or len(d_steps) > 255:
            continue
        target = x[0] * (1 + draw(label + "/y", 5))
        try:
            y = with_deadline(10, model.y, 0, 1, target)
        except Timeout:
            continue
        # y() runs D() first (len(d_steps) + 1 stop tests), then its own loop.
        y_steps = steps_of(list(TRACE)[len(d_steps) + 1:])
        if len(y_steps) <= 255 and 2 in [abs(v) for v in d_steps[:-1] + y_steps[:-1]]:
            case.update({"D": str(D), "D_iterations": len(d_steps),
                         "y": {"i": 0, "j": 1, "x": str(target), "y": str(y), "iterations": len(y_steps)}})
            step_two.append(case)
    if len(step_two) < 40 or len(cycling) < 4:
        sys.exit("newton_cases: not enough cases drawn")
    return step_two + cycling


def pairs(n):
    if n == 2:
        return [(0, 1), (1, 0)]
    return [(0, 1), (1, 0), (1, 2), (2, 0)]


def pool_vectors(Curve, name, A, fee, coins, tokens):
    n = len(coins)
    p = [rate_for(d, r) for d, r in coins]
    x = [t * 10**d for t, (d, _) in zip(tokens, coins)]
    model = Curve(A, list(x), n, list(p))
    model.fee = fee
    xp = model.xp()
    D = with_deadline(10, model.D)

    ys = []
    for i, j in pairs(n):
        for ppm in Y_POINTS_PPM:
            target = max(1, xp[i] * ppm // 1_000_000)
            ys.append({"i": i, "j": j, "x": str(target), "y": str(with_deadline(10, model.y, i, j, target))})

    trades = []
    for i, j in pairs(n):
        # Zero and one raw unit: where `y` lands within one unit of `xp[j]` and the Vyper's `- 1`
        # can underflow (a revert) or leave nothing.
        sizes = [0, 1] + [max(1, x[i] * ppb // 1_000_000_000) for ppb in SIZES_PPB]
        # One drawn size per pair, so not every size is a round fraction.
        sizes.append(1 + draw(f"{name}/{i}/{j}", max(2, x[i])))
        for dx in sizes:
            dx_xp = dx * p[i] // E18
            dy = with_deadline(10, model.dy, i, j, dx_xp)
            fresh = copy.deepcopy(model)
            try:
                out = with_deadline(10, fresh.exchange, i, j, dx_xp)
                exchange = {
                    "out": str(out),
                    "fee": str(dy - out),
                    "x_after": [str(v) for v in fresh.x],
                }
            except AssertionError:
                exchange = None
            trades.append({
                "i": i,
                "j": j,
                "dx": str(dx),
                "dx_xp": str(dx_xp),
                "dy": str(dy),
                "exchange": exchange,
            })

    return {
        "name": name,
        "n": n,
        "A": str(A),
        "fee": str(fee),
        "decimals": [d for d, _ in coins],
        "p": [str(v) for v in p],
        "x": [str(v) for v in x],
        "xp": [str(v) for v in xp],
        "D": str(D),
        "y": ys,
        "trades": trades,
    }


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: generate_vectors.py PATH/TO/simulation.py COMMIT")
    path, commit = sys.argv[1], sys.argv[2]
    Curve = load_curve(path)
    out = {
        "source": {
            "repository": "curvefi/curve-contract",
            "commit": commit,
            "file": "tests/simulation.py",
            "class": "Curve",
            "methods": ["xp", "D", "y", "dy", "exchange"],
        },
        "generator": "crates/liquidity/tests/curve/generate_vectors.py",
        "units": "integers as decimal strings; x and dx raw token units; xp, D, y, dy, out, fee normalised to 18 decimals (the model's and the Vyper's xp units)",
        "pools": [pool_vectors(Curve, *pool) for pool in POOLS],
        "newton": newton_cases(Curve),
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
