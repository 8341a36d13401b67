"""Robust liquidation intensity and flush clusters (SPEC §3 v2), one perp at a time, and the tape's flushes of both.

liq_z = (ln(1+L) - median) / max(1.4826 * MAD, 0.25), with median and MAD of ln(1+L) over the 168 hours before
the current flush cluster, so the hours of a flush never enter their own baseline. A flush is a cluster of
qualifying hours (liq_z >= 3 and L >= 0.05 % of open interest) separated by at least 4 quiet hours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from cockpit.analytics.bars import floats

MAD_SCALE = 1.4826
MIN_SCALE = 0.25
MIN_BASELINE_H = 24
FLUSH_GAP_H = 4
HOUR_US = 3_600_000_000
FLUSH_GAP = np.timedelta64(FLUSH_GAP_H * HOUR_US, "us")


@dataclass(frozen=True, slots=True)
class FlushTest:
    """What makes an hour part of a flush: a z floor and a share of open interest (absolute test without z)."""

    zscore: float = 3.0
    oi_pct: float = 0.05
    absolute_oi_pct: float = 0.25  # with fewer than MIN_BASELINE_H baseline hours, this share alone decides


@dataclass(frozen=True, slots=True)
class Flush:
    """One flush cluster: its first and last qualifying hour (indices into the hourly grid)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class LiquidationPath:
    """Per-hour intensity on an hourly grid, and the flushes found from the pass's first hour on."""

    stamps: np.ndarray  # datetime64[us], one per hour
    zscores: np.ndarray  # NaN where the baseline is too short, L is unknown, or a quiet hour could not qualify
    oi_pct: np.ndarray  # L / OI USD * 100, NaN where unknown
    baseline_h: np.ndarray  # baseline hours behind each hour's z
    flushes: tuple[Flush, ...]
    active: bool  # a flush is under way: the last hour qualifies, or fewer than FLUSH_GAP_H quiet hours followed it


def hourly_grid(series: pl.DataFrame, columns: tuple[str, ...]) -> tuple[np.ndarray, list[np.ndarray]]:
    """`columns` on a regular hourly grid from the first to the last bar (NaN where no bar or no value)."""
    stamps = series.get_column("ts").to_numpy().astype("datetime64[us]")
    first = stamps[0]
    index = ((stamps - first).astype(np.int64) // HOUR_US).astype(np.int64)
    grids = []
    for column in columns:
        values = np.full(int(index[-1]) + 1, np.nan)
        values[index] = floats(series.get_column(column))
        grids.append(values)
    return first + np.arange(int(index[-1]) + 1) * np.timedelta64(HOUR_US, "us"), grids


def forward_filled(values: np.ndarray) -> np.ndarray:
    """NaN gaps carry the last known value forward (a level such as open interest, not a flow)."""
    known = np.isfinite(values)
    last_known = np.maximum.accumulate(np.where(known, np.arange(len(values)), -1))
    filled: np.ndarray = np.where(last_known >= 0, values[np.maximum(last_known, 0)], np.nan)
    return filled


def robust_baseline(values: np.ndarray) -> tuple[float, float, int]:
    """(median, scale, hours) of ln(1+L) values; scale = max(1.4826 MAD, 0.25); NaN values are left out."""
    known = values[np.isfinite(values)]
    if len(known) == 0:
        return math.nan, MIN_SCALE, 0
    median = float(np.median(known))
    mad = float(np.median(np.abs(known - median)))
    return median, max(MAD_SCALE * mad, MIN_SCALE), len(known)


def _free_baselines(logs: np.ndarray, hours: np.ndarray, baseline_h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, scale and count of the `baseline_h` hours before each of `hours` (grid indices), vectorised."""
    padded = np.concatenate((np.full(baseline_h, np.nan), logs))
    windows = np.lib.stride_tricks.sliding_window_view(padded, baseline_h)[hours]
    counts = np.isfinite(windows).sum(axis=1)
    medians = np.full(len(windows), np.nan)
    scales = np.full(len(windows), MIN_SCALE)
    usable = counts > 0
    if usable.any():
        subset = windows[usable]
        if np.isfinite(subset).all():
            med = np.median(subset, axis=1)
            mad = np.median(np.abs(subset - med[:, None]), axis=1)
        else:
            med = np.nanmedian(subset, axis=1)
            mad = np.nanmedian(np.abs(subset - med[:, None]), axis=1)
        medians[usable] = med
        scales[usable] = np.maximum(MAD_SCALE * mad, MIN_SCALE)
    return medians, scales, counts


def liquidation_path(series: pl.DataFrame, *, baseline_h: int, pass_h: int,
                     test: FlushTest = FlushTest()) -> LiquidationPath | None:
    """Walk the last `pass_h` hours in order: each hour's robust z against the hours before its flush cluster.

    None when the series has no liquidation figure at all. Hours before the pass only feed baselines.
    """
    if series.is_empty() or series.get_column("long_liq_usd").null_count() == series.height:
        return None
    stamps, (liq, oi_usd) = hourly_grid(series, ("long_liq_usd", "oi_usd"))
    oi_usd = forward_filled(oi_usd)
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.log1p(liq)
        oi_pct = np.where(oi_usd > 0, liq / oi_usd * 100.0, np.nan)
    first = max(0, len(liq) - pass_h)
    size = len(liq) - first
    # Only an hour whose share of OI could qualify, and the last hour, need their own baseline: the rest are
    # quiet whatever their z (the z of such an hour outside a flush is left NaN, never used).
    with np.errstate(invalid="ignore"):
        candidate = oi_pct[first:] >= min(test.oi_pct, test.absolute_oi_pct)
    candidate[-1] = True
    wanted = np.flatnonzero(candidate)
    medians, scales, counts = (np.full(size, np.nan), np.full(size, MIN_SCALE), np.zeros(size, dtype=np.int64))
    medians[wanted], scales[wanted], counts[wanted] = _free_baselines(logs, first + wanted, baseline_h)
    zscores = np.full(size, np.nan)
    hours = np.zeros(size, dtype=np.int64)
    flushes: list[Flush] = []
    cluster: tuple[float, float, int] | None = None  # the frozen baseline of the cluster under way
    start = last = -1
    for i in range(size):
        if cluster is None and not candidate[i]:
            continue
        median, scale, count = cluster if cluster is not None else (medians[i], scales[i], int(counts[i]))
        hours[i] = count
        share = oi_pct[first + i]
        if count >= MIN_BASELINE_H and math.isfinite(logs[first + i]) and math.isfinite(median):
            zscores[i] = (logs[first + i] - median) / scale
            qualifies = zscores[i] >= test.zscore and share >= test.oi_pct
        else:
            qualifies = bool(share >= test.absolute_oi_pct)
        if qualifies:
            if cluster is None:
                cluster, start = (median, scale, count), i
            last = i
        elif cluster is not None and i - last >= FLUSH_GAP_H:  # the fourth quiet hour ends the flush
            flushes.append(Flush(start, last))
            cluster = None
    active = cluster is not None
    if cluster is not None:
        flushes.append(Flush(start, last))
    return LiquidationPath(stamps[first:], zscores, oi_pct[first:], hours, tuple(flushes), active)


def under_way(path: LiquidationPath, newest: np.datetime64) -> bool:
    """The path's last flush is still under way at `newest` (the newest completed hour): fewer than FLUSH_GAP_H
    hours since its last qualifying hour, whether or not they have bars, so a perp whose bars stopped does not
    hold its flush open."""
    if not path.active or not path.flushes:
        return False
    return bool(newest - path.stamps[path.flushes[-1].end] < FLUSH_GAP)


def tape_flushes(paths: Sequence[LiquidationPath]) -> list[tuple[np.datetime64, np.datetime64]]:
    """The flushes of the tape (BTC's and ETH's together): (first, last qualifying hour) of each perp's flushes,
    merged where fewer than FLUSH_GAP_H quiet hours part them, as one perp's clusters are."""
    spans = sorted((path.stamps[flush.start], path.stamps[flush.end]) for path in paths for flush in path.flushes)
    merged: list[tuple[np.datetime64, np.datetime64]] = []
    for first, last in spans:
        if merged and first - merged[-1][1] <= FLUSH_GAP:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def tape_flushes_since(paths: Sequence[LiquidationPath], since: np.datetime64) -> int:
    """The tape's flushes with a qualifying hour at or after `since` (one that ended before never counts)."""
    return sum(1 for _, last in tape_flushes(paths) if last >= since)
