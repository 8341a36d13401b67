"""First frame and first figures on screen, demo and live from the cache offline, against a bare Textual app.

Runs alternate bare, demo, live. The live child has every non-loopback connection refused at the socket
level and a bar cache seeded in its data folder (newest bar two hours old), so any figure it draws comes
from the cache; the row reports whether they carry their true age and STALE. Each figures row notes when the
first judged snapshot (flags, regime and outlook over the span window) reached the screen.

    python benchmarks/first_figures.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BARE, COCKPIT, Row, alternate, child, cockpit_env, isolated_env, seed_live_cache, spread  # noqa: E402


def measure(runs: int) -> list[Row]:
    """The three start-up rows."""
    with tempfile.TemporaryDirectory() as folder:
        demo_env = {**isolated_env(Path(folder) / "demo"), **cockpit_env(["--demo"])}
        live_env = {**isolated_env(Path(folder) / "live"), **cockpit_env(["--live"], offline=True)}
        seed_live_cache(Path(live_env["COCKPIT_DATA"]))
        frames: dict[str, list[float]] = {"demo": [], "live": []}
        judged: dict[str, list[float]] = {"demo": [], "live": []}
        described: list[str] = []

        def bare() -> float:
            return child(BARE, "frame")["frame"][0] * 1000

        def demo() -> float:
            marks = child(COCKPIT, "figures", env=demo_env)
            frames["demo"].append(marks["frame"][0] * 1000)
            judged["demo"].append(marks["judged"][0] * 1000)
            return marks["figures"][0] * 1000

        def live() -> float:
            marks = child(COCKPIT, "figures", env=live_env)
            frames["live"].append(marks["frame"][0] * 1000)
            judged["live"].append(marks["judged"][0] * 1000)
            described.append(marks["figures"][1])
            return marks["figures"][0] * 1000

        bare_ms, demo_ms, live_ms = alternate(runs, bare, demo, live)
    base = statistics.median(bare_ms)
    frame = statistics.median(frames["demo"][1:])
    seen = json.loads(described[-1])
    honest = seen["stale_panes"] > 0 or seen["oldest"] != "-"
    return [
        Row("first frame, demo (ms)", spread(frames["demo"][1:]), f"bare {spread(bare_ms)}", frame / base,
            "<= 1.25x bare", frame / base <= 1.25),
        Row("first figures on screen, demo (ms)", spread(demo_ms), f"bare {base:.0f}",
            statistics.median(demo_ms) / base, "<= 2.0x bare frame", statistics.median(demo_ms) / base <= 2.0,
            f"judged {statistics.median(judged['demo'][1:]):.0f} ms"),
        Row("first figures live, cache, offline (ms)", spread(live_ms), f"bare {base:.0f}",
            statistics.median(live_ms) / base, "<= 2.5x bare, aged/STALE",
            statistics.median(live_ms) / base <= 2.5 and honest,
            f"oldest {seen['oldest']}, {seen['stale_panes']} panes STALE; judged "
            f"{statistics.median(judged['live'][1:]):.0f} ms"),
    ]


def main() -> None:
    """Print the rows."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for row in measure(args.runs):
        print(row.line())


if __name__ == "__main__":
    main()
