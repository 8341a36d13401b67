"""The simulator against history (SPEC §11): each scenario's figures over seeds, and the cascade's story.

Every figure is computed here, in plain numpy, from the simulated 1h bars (not from the cockpit's
analytics), and printed as min / median / max over the seeds beside its target range. For
cascade-2026-01 the story's stages are located hour by hour, from bars, and checked for their order. Then
the issue's acceptance is read from the cockpit's own snapshots (`build_snapshot`, every hour): the flags'
order, the two cascades, the correlation at the second, FIRST_FLUSH; calm's and the outlooks' shares
(`scenario_acceptance.py`). Exits 1 when a figure leaves its range, a stage is missing or out of order, or
an acceptance item fails.

    python benchmarks/scenarios.py [--seeds 8] [--scenario NAME ...] [--no-flags]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scenario_acceptance import CASCADE_ROWS, scenario_acceptance  # noqa: E402
from benchmarks.scenario_bars import (  # noqa: E402
    CRYPTO_BARS_PER_YEAR,
    FUTURES_BARS_PER_YEAR,
    LEADERS_BARS,
    Market,
    basket_rs,
    cascade_hours,
    corr_4h,
    daily_changes,
    day_vols,
    drawdown,
    flush_clusters,
    kept_returns,
    load,
    rms,
    session_gaps,
    trading_days,
    worst_window,
)
from benchmarks.scenario_story import STAGES, cascade_story, shock_index  # noqa: E402
from cockpit.sources.simulator.scenarios import SCENARIOS  # noqa: E402
from cockpit.universe import Universe  # noqa: E402

# --- figures ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """One row of the table: a measure per seed, and its target range."""

    name: str
    target: str
    low: float
    high: float
    measure: Callable[[Market], float]
    unit: str = ""




def calm_figures() -> list[Figure]:
    u = Universe()
    return [
        Figure("BTC ann. realized vol", "25-50 %", 25, 50,
               lambda m: rms(kept_returns(m.close(u.btc))[m.window()]) * math.sqrt(CRYPTO_BARS_PER_YEAR) * 100, "%"),
        Figure("ES ann. realized vol", "8-16 %", 8, 16,
               lambda m: rms(kept_returns(m.close(u.index))[m.window()]) * math.sqrt(FUTURES_BARS_PER_YEAR) * 100, "%"),
        Figure("BTC worst 4 h", "> -4 %", -4, math.inf, lambda m: worst_window(m.close(u.btc), m, 4), "%"),
        Figure("ES largest session-open gap", "< 1 %", 0, 1,
               lambda m: float(np.max(np.abs(session_gaps(m.close(u.index), m.col(u.index, "open"), m)))), "%"),
        Figure("US10Y largest daily change", "< 6 bp", 0, 6,
               lambda m: float(np.max(np.abs(daily_changes(m, m.close(u.us10y), trading_days(m, "futures"),
                                                           False)))), "bp"),
        Figure("DXY largest daily change", "< 0.4 %", 0, 0.4,
               lambda m: float(np.max(np.abs(daily_changes(m, m.close(u.dxy), trading_days(m, "futures"), True)))),
               "%"),
        Figure("BTC long liq / h, median", "$0.2-3 M", 0.2, 3,
               lambda m: float(np.median(m.col(u.btc, "long_liq_usd")[m.window()])) / 1e6, "M"),
        Figure("BTC long liq / h, p99 / median", ">= 4 (heavy tail)", 4, math.inf, _tail_ratio),
        Figure("BTC long liq, peak hour", "< $100 M", 0, 100,
               lambda m: float(np.max(m.col(u.btc, "long_liq_usd")[m.window()])) / 1e6, "M"),
        Figure("BTC LIQUIDATION_CASCADE hours", "0", 0, 0,
               lambda m: float(len(_in_window(m, cascade_hours(m, u.btc))))),
        Figure("BTC coin OI peak to trough", "< 6 %", 0, 6,
               lambda m: drawdown(m.col(u.btc, "open_interest")[m.window()]), "%"),
        Figure("funding per 8 h, median", "0.5-1.5 bp", 0.5, 1.5,
               lambda m: float(np.median(_funding_8h_bp(m)[m.window()])), "bp"),
        Figure("4h corr ES~BTC < 0.4, share of the last 30 days' hours", ">= 50 % (mostly)", 50, 100,
               _share_corr_below, "%"),
        Figure("VIX, median", "12-18", 12, 18, lambda m: float(np.nanmedian(m.close(u.vix)[m.window()]))),
        Figure("VIX under VIX3M, share of bars", ">= 90 %", 90, 100,
               lambda m: _share(m.close(u.vix)[m.window()] < m.close(u.vix3m)[m.window()], m.close(u.vix)[m.window()]),
               "%"),
    ]


def _in_window(m: Market, hours: list[int]) -> list[int]:
    return [t for t in hours if m.hours[t] >= 0]


def _share(condition: np.ndarray, values: np.ndarray) -> float:
    present = np.isfinite(values)
    return float(np.mean(condition[present]) * 100)


def _tail_ratio(m: Market) -> float:
    liq = m.col(m.universe.btc, "long_liq_usd")[m.start_index - 24 * 7:]
    return float(np.percentile(liq, 99) / np.median(liq))


def _funding_8h_bp(m: Market) -> np.ndarray:
    u = m.universe
    return m.col(u.btc, "funding_rate") * 8 / m.col(u.btc, "funding_interval_h") * 1e4


def _share_corr_below(m: Market) -> float:
    """The calm regime's 4h correlation over a month (the scenario and the warm-up's last days: one regime)."""
    corr = corr_4h(m, since=len(m.hours) - 30 * 24)[len(m.hours) - 30 * 24:]
    return float(np.mean(corr[np.isfinite(corr)] < 0.4) * 100)


def cascade_figures() -> list[Figure]:
    u = Universe()
    return [
        Figure("BTC ann. realized vol, peak day", "60-130 %", 60, 130,
               lambda m: max(day_vols(m, m.close(u.btc), trading_days(m, "crypto"), CRYPTO_BARS_PER_YEAR)), "%"),
        Figure("ES ann. realized vol, peak day", "25-50 %", 25, 50,
               lambda m: max(day_vols(m, m.close(u.index), trading_days(m, "futures"), FUTURES_BARS_PER_YEAR)), "%"),
        Figure("BTC worst 4 h", "-12 to -5 %", -12, -5, lambda m: worst_window(m.close(u.btc), m, 4), "%"),
        Figure("ES worst session-open gap", ">= -4 %", -4, math.inf,
               lambda m: float(np.min(session_gaps(m.close(u.index), m.col(u.index, "open"), m))), "%"),
        Figure("US10Y largest daily rise", "5-15 bp", 5, 15,
               lambda m: float(np.max(daily_changes(m, m.close(u.us10y), trading_days(m, "futures"), False))), "bp"),
        Figure("DXY largest daily rise", "0.3-1.0 %", 0.3, 1.0,
               lambda m: float(np.max(daily_changes(m, m.close(u.dxy), trading_days(m, "futures"), True))), "%"),
        Figure("BTC long liq, peak hour", "$100 M-1 B", 100, 1000,
               lambda m: float(np.max(m.col(u.btc, "long_liq_usd")[m.window()])) / 1e6, "M"),
        Figure("BTC coin OI peak to trough", "10-30 %", 10, 30,
               lambda m: drawdown(m.col(u.btc, "open_interest")[m.window()]), "%"),
        Figure("funding per 8 h, 24 h before the shock", "2-8 bp", 2, 8, _funding_before_shock, "bp"),
        Figure("funding per 8 h, 12 h after the first flush", "<= 0 bp", -math.inf, 0, _funding_after_flush, "bp"),
        Figure("4h corr ES~BTC, second wave", ">= 0.7", 0.7, 1, _corr_second_wave),
        Figure("VIX peak", "25-60", 25, 60, lambda m: float(np.nanmax(m.close(u.vix)[m.window()]))),
        Figure("VIX over VIX3M, largest", "> 0 (inverted)", 0.01, math.inf,
               lambda m: float(np.nanmax(m.close(u.vix)[m.window()] - m.close(u.vix3m)[m.window()]))),
        Figure("MOVE peak over its start", ">= 1.2x", 1.2, math.inf, _move_rise),
    ]



def _funding_before_shock(m: Market) -> float:
    shock = shock_index(m)
    assert shock is not None
    return float(np.mean(_funding_8h_bp(m)[shock - 24:shock]))


def _funding_after_flush(m: Market) -> float:
    shock = shock_index(m) or m.start_index
    clusters = [c for c in flush_clusters(m, m.universe.btc) if c[0] >= shock]
    if not clusters:
        return math.nan
    end = clusters[0][1]
    return float(np.median(_funding_8h_bp(m)[end + 1:end + 13]))


def _corr_second_wave(m: Market) -> float:
    return cascade_story(m, with_flags=False).wave_corr


def _move_rise(m: Market) -> float:
    move = m.close(m.universe.move)[m.window()]
    present = move[np.isfinite(move)]
    return float(present.max() / present[0])


def outlook_figures(name: str) -> list[Figure]:
    """After the first day (hour 24 to the end), each outlook's story in figures."""
    u = Universe()

    def change(symbol: str, log: bool) -> Callable[[Market], float]:
        def measure(m: Market) -> float:
            values = m.close(symbol)
            after = np.flatnonzero(np.isfinite(values) & (m.hours >= 24))
            before = np.flatnonzero(np.isfinite(values) & (m.hours < 24))
            a, b = values[before[-1]], values[after[-1]]
            return math.log(b / a) * 100 if log else (b - a) * 100
        return measure

    def ratio_change(m: Market) -> float:
        return change(u.hyg, True)(m) - change(u.lqd, True)(m)

    def new_lows(m: Market) -> float:
        _, rs = basket_rs(m)
        present = np.flatnonzero(np.isfinite(rs))
        count = 0
        for k, t in enumerate(present):
            if m.hours[t] >= 24 and k >= LEADERS_BARS and rs[t] < np.min(rs[present[k - LEADERS_BARS:k]]):
                count += 1
        return float(count)

    def rs_change(m: Market) -> float:
        _, rs = basket_rs(m)
        present = np.flatnonzero(np.isfinite(rs))
        a = rs[[t for t in present if m.hours[t] < 24][-1]]
        return float((rs[present[-1]] - a) * 100)

    def es_vol_change(m: Market) -> float:
        returns = kept_returns(m.close(u.index))
        first = rms(returns[(m.hours >= 0) & (m.hours < 24)])
        last = rms(returns[m.hours >= m.scenario.hours - 24])
        return (last / first - 1) * 100

    us10y, dxy, vix = change(u.us10y, False), change(u.dxy, True), change(u.vix, True)
    inf = math.inf
    if name == "outlook-a":
        return [
            Figure("US10Y change after day 1", "-8 to +4 bp (flat)", -8, 4, us10y, "bp"),
            Figure("DXY change after day 1", "-0.6 to +0.1 %", -0.6, 0.1, dxy, "%"),
            Figure("VIX change after day 1", "< 0 %", -inf, 0, vix, "%"),
            Figure("ES vol, last day vs first", "< 0 %", -inf, 0, es_vol_change, "%"),
            Figure("leaders' new 20-bar relative lows after day 1", "0", 0, 0, new_lows),
        ]
    if name == "outlook-b":
        return [
            Figure("US10Y change after day 1", ">= +5 bp", 5, inf, us10y, "bp"),
            Figure("DXY change after day 1", ">= +0.3 %", 0.3, inf, dxy, "%"),
            Figure("HYG/LQD change after day 1", "<= -0.5 %", -inf, -0.5, ratio_change, "%"),
            Figure("VIX change after day 1", "> 0 %", 0.01, inf, vix, "%"),
            Figure("MOVE change after day 1", "> 0 %", 0.01, inf, change(u.move, True), "%"),
        ]
    return [
        Figure("VIX change after day 1", "<= -10 %", -inf, -10, vix, "%"),
        Figure("leaders vs index after day 1", "> 0 %", 0.01, inf, rs_change, "%"),
        Figure("DXY change after day 1", "< 0 %", -inf, -0.01, dxy, "%"),
        Figure("BTC change after day 1", ">= +3 %", 3, inf, change(u.btc, True), "%"),
    ]


def figures_for(name: str) -> list[Figure]:
    if name == "calm":
        return calm_figures()
    if name == "cascade-2026-01":
        return cascade_figures()
    return outlook_figures(name)


# --- report -------------------------------------------------------------------------------------------

def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"


def run(names: Sequence[str], seeds: Sequence[int], with_flags: bool, out: Callable[[str], None]) -> list[str]:
    """Print each scenario's table (and the cascade's story); the failures, as lines."""
    universe = Universe()
    failures: list[str] = []
    for name in names:
        scenario = SCENARIOS[name]
        markets = [load(scenario, seed, universe) for seed in seeds]
        out(f"\n### {name} (seeds {seeds[0]}-{seeds[-1]})\n")
        out("| figure | target | min | median | max | |")
        out("|---|---|---|---|---|---|")
        for figure in figures_for(name):
            values = [figure.measure(m) for m in markets]
            bad = [seed for seed, v in zip(seeds, values, strict=True)
                   if not (math.isfinite(v) and figure.low <= v <= figure.high)]
            finite = [v for v in values if math.isfinite(v)] or [math.nan]
            mark = "ok" if not bad else "FAIL seed " + ",".join(map(str, bad))
            out(f"| {figure.name} | {figure.target} | {_fmt(min(finite))} | {_fmt(statistics.median(finite))} "
                f"| {_fmt(max(finite))} | {mark} |")
            if bad:
                failures.append(f"{name}: {figure.name} out of {figure.target} in seeds {bad}")
        if name == "cascade-2026-01":
            stories = [cascade_story(m, with_flags) for m in markets]
            out("\nStory, hour each stage was first reached (hours from the start, bars):\n")
            out("| stage | " + " | ".join(f"seed {s}" for s in seeds) + " |")
            out("|---|" + "---|" * len(seeds))
            for stage in STAGES:
                out(f"| {stage} | " + " | ".join(_hour(st.stages.get(stage)) for st in stories) + " |")
            for seed, st in zip(seeds, stories, strict=True):
                failures.extend(f"{name} seed {seed}: {p}" for p in st.problems)
        if with_flags:
            accepted = [scenario_acceptance(m) for m in markets]
            out("\nThe issue's acceptance, from the cockpit's own snapshots (swing profile, every hour; hours are bar "
                "hours, '-' never):\n")
            out("| reading | " + " | ".join(f"seed {s}" for s in seeds) + " |")
            out("|---|" + "---|" * len(seeds))
            keys = [k for k in CASCADE_ROWS if any(k in a.rows for a in accepted)] if name == "cascade-2026-01" \
                else list(accepted[0].rows)
            for key in keys:
                out(f"| {key} | " + " | ".join(_cell(a.rows.get(key)) for a in accepted) + " |")
            for seed, a in zip(seeds, accepted, strict=True):
                failures.extend(f"{name} seed {seed} (cockpit): {p}" for p in a.problems)
    return failures


def _hour(value: int | float | None) -> str:
    return "-" if value is None else str(value)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return "-" if value is None else str(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="seeds 1..N (default 8)")
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS), help="only these (repeatable)")
    parser.add_argument("--no-flags", action="store_true", help="skip the cockpit's acceptance (faster)")
    args = parser.parse_args(argv)
    seeds = list(range(1, args.seeds + 1))
    failures = run(args.scenario or list(SCENARIOS), seeds, not args.no_flags, print)
    print()
    if failures:
        print("FAIL")
        for line in failures:
            print(f"- {line}")
        return 1
    print("all figures in range, every stage in order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
