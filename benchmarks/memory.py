"""Resident memory: the demo and live (offline) after `--seconds`, against their libraries' import floor;
and the demo over 60 simulated hours (`--speed 3600`), growth after the first quarter of the window.

The floors are children that only import the libraries (textual, polars, numpy for the demo; plus
ccxt.pro and yfinance for live). The children run side by side (memory does not depend on CPU share).

    python benchmarks/memory.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import COCKPIT, FLOOR, Row, child, cockpit_env, isolated_env, seed_live_cache  # noqa: E402

DEMO_FLOOR = "textual,polars,numpy"
LIVE_FLOOR = "textual,polars,numpy,ccxt.pro,yfinance"


def measure(seconds: float) -> list[Row]:
    """The three memory rows."""
    quarter = seconds / 4
    samples = {"BENCH_MODE": "memory", "BENCH_SAMPLES": f"{quarter:g},{seconds:g}"}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        demo_env = {**samples, **isolated_env(root / "demo"), **cockpit_env(["--demo"])}
        fast_env = {**samples, **isolated_env(root / "fast"), **cockpit_env(["--demo", "--speed", "3600"])}
        live_env = {**samples, **isolated_env(root / "live"), **cockpit_env(["--live"], offline=True)}
        seed_live_cache(Path(live_env["COCKPIT_DATA"]))
        with ThreadPoolExecutor(max_workers=5) as pool:
            demo = pool.submit(child, COCKPIT, f"rss@{seconds:g}", env=demo_env, timeout=seconds + 90)
            fast = pool.submit(child, COCKPIT, f"rss@{seconds:g}", env=fast_env, timeout=seconds + 90)
            live = pool.submit(child, COCKPIT, f"rss@{seconds:g}", env=live_env, timeout=seconds + 90)
            demo_floor = pool.submit(child, FLOOR, "rss", env={"BENCH_IMPORTS": DEMO_FLOOR})
            live_floor = pool.submit(child, FLOOR, "rss", env={"BENCH_IMPORTS": LIVE_FLOOR})
            end = f"rss@{seconds:g}"
            demo_mib = float(demo.result()[end][1])
            live_mib = float(live.result()[end][1])
            fast_marks = fast.result()
            early, late = float(fast_marks[f"rss@{quarter:g}"][1]), float(fast_marks[end][1])
            demo_base, live_base = float(demo_floor.result()["rss"][1]), float(live_floor.result()["rss"][1])
    growth = (late - early) / early * 100
    return [
        Row(f"resident memory, demo after {seconds:g} s (MiB)", f"{demo_mib:.0f}", f"imports {demo_base:.0f}",
            demo_mib / demo_base, "<= 100 MiB", demo_mib <= 100),
        Row(f"resident memory, live offline after {seconds:g} s", f"{live_mib:.0f}", f"imports {live_base:.0f}",
            live_mib / live_base, "<= 1.10x import floor", live_mib / live_base <= 1.10),
        Row(f"memory growth, --speed 3600 for {seconds:g} s", f"{growth:+.1f} %", f"{early:.0f} MiB at {quarter:g} s",
            late / early, "growth <= 5 %", growth <= 5.0, f"{seconds:g} simulated hours"),
    ]


def main() -> None:
    """Print the rows."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    for row in measure(args.seconds):
        print(row.line())


if __name__ == "__main__":
    main()
