"""CPU left open: `--demo --speed 1`, a replay at speed 1 and live offline, against a bare Textual app.

Each child settles for two seconds after its first figures, then its own CPU time (every thread) is taken
over `--seconds` as a share of one core, with the timer callbacks, widget refreshes and frames written in
that window counted per minute (by timer name and widget class), and each thread's CPU per minute (`thread_ms`,
by what the thread is: Textual's input thread, the UI thread, the executors that run thread workers, the
liquidation stream, polars' own threads, the sources' poll threads). The window should cover whole poll
intervals (live polls every 30 s; a clocked screen at speed 1 once a minute), so it defaults to a minute
and the four children run side by side (each is charged only its own CPU time). The replay plays a Parquet file of 40
days of simulated bars; both clocked children start ten minutes past an hour (see MID_HOUR); live has the
network refused at the socket level and a seeded bar cache.

    python benchmarks/open_cpu.py [--seconds 60] [--runs 1] [--counts]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BARE,
    COCKPIT,
    Row,
    child,
    cockpit_env,
    isolated_env,
    seed_live_cache,
    write_bar_file,
)

TARGET = 0.5  # % of one core
# Clocked children start ten minutes past an hour: the window then sees what 59 minutes of every hour
# look like (in the first minute after a bar closes ages are shown in seconds, so the screen ticks each second).
MID_HOUR = "36h10m"


def measure(seconds: float, runs: int = 1) -> tuple[list[Row], dict[str, dict[str, object]]]:
    """The three CPU rows, and the per-minute counts of the last run of each child."""
    window = {"BENCH_MODE": "cpu", "BENCH_SECONDS": str(seconds)}
    counts: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        bars = write_bar_file(root / "bars.parquet")
        envs = {
            "bare": window,
            "demo": {**window, **isolated_env(root / "demo"),
                     **cockpit_env(["--demo", "--speed", "1", "--at", MID_HOUR])},
            "replay": {**window, **isolated_env(root / "replay"),
                       **cockpit_env(["--replay", str(bars), "--speed", "1", "--at", MID_HOUR])},
            "live": {**window, **isolated_env(root / "live"), **cockpit_env(["--live"], offline=True)},
        }
        seed_live_cache(Path(envs["live"]["COCKPIT_DATA"]))

        def runner(name: str) -> float:
            def run() -> float:
                marks = child(BARE if name == "bare" else COCKPIT, "cpu", env=envs[name], timeout=seconds + 90)
                share, detail = marks["cpu"][1].split(" ", 1)
                counts[name] = json.loads(detail)
                return float(share)

            return run

        # The children run side by side: each is idle most of the time and is charged its own CPU time only.
        samples: list[list[float]] = [[] for _ in envs]
        for _ in range(runs):
            with ThreadPoolExecutor(max_workers=len(envs)) as pool:
                shares = [pool.submit(runner(name)) for name in envs]
                for index, share in enumerate(shares):
                    samples[index].append(share.result())
    bare = statistics.median(samples[0])
    rows = []
    for name, values in zip(("demo --speed 1", "replay --speed 1", "live offline"), samples[1:], strict=True):
        share = statistics.median(values)
        figure = f"{share:.2f} %" + (f" [{min(values):.2f}-{max(values):.2f}]" if len(values) > 1 else "")
        rows.append(Row(f"CPU left open, {name}", figure, f"bare {bare:.2f} %", share / bare if bare else None,
                        f"<= {TARGET} % of a core", share <= TARGET))
    return rows, counts


def main() -> None:
    """Print the rows (and with --counts the wakeups per minute of each child)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="window (a minute covers two live polls)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--counts", action="store_true", help="print timer callbacks and repaints per minute")
    args = parser.parse_args()
    rows, counts = measure(args.seconds, args.runs)
    for row in rows:
        print(row.line())
    if args.counts:
        for name, detail in counts.items():
            print(f"{name}: {json.dumps(detail)}")


if __name__ == "__main__":
    main()
