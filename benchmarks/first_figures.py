"""First frame and first figures on screen, demo and live from the cache offline, against a bare Textual app.

Runs alternate bare, demo, live. The live child has every non-loopback connection refused at the socket
level and a bar cache seeded in its data folder (newest bar two hours old), so any figure it draws comes
from the cache; the row reports whether they carry their true age and STALE. The live child's warm-up run
starts with no figures kept; each run after draws first the figures the run before kept in its data folder
(`cache/screen-swing.json`), as a trader's next start does, and the row notes the warm-up's time. The demo
child does the same with the simulator's first figures (`cache/start-swing.json`, kept under the key of its
scenario, seed, offset, profile, universe and code): its warm-up run computes them, each run after draws them
first. Each figures row notes when the first judged snapshot (flags, regime and outlook over the span window)
reached the screen.

`--floor` measures what no change to the cockpit's feed could beat with its screen as it is: the demo's judged
first snapshot, computed beforehand and handed to the screen right after its first frame (no polars, no
source, no evaluation in the child), so the time to figures is the real panes' mounting, styling and first
drawing alone.

    python benchmarks/first_figures.py [--runs 5] [--floor]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from dataclasses import replace
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
        first_start: dict[str, float] = {}  # the warm-up: no figures kept yet

        def bare() -> float:
            return child(BARE, "frame")["frame"][0] * 1000

        def demo() -> float:
            marks = child(COCKPIT, "figures", env=demo_env)
            frames["demo"].append(marks["frame"][0] * 1000)
            judged["demo"].append(marks["judged"][0] * 1000)
            first_start.setdefault("demo", marks["figures"][0] * 1000)
            first_start.setdefault("demo judged", marks["judged"][0] * 1000)
            return marks["figures"][0] * 1000

        def live() -> float:
            marks = child(COCKPIT, "figures", env=live_env)
            frames["live"].append(marks["frame"][0] * 1000)
            judged["live"].append(marks["judged"][0] * 1000)
            described.append(marks["figures"][1])
            first_start.setdefault("live", marks["figures"][0] * 1000)
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
            f"judged {statistics.median(judged['demo'][1:]):.0f} ms; first start, no figures kept: "
            f"{first_start['demo']:.0f} ms, judged {first_start['demo judged']:.0f} ms"),
        Row("first figures live, cache, offline (ms)", spread(live_ms), f"bare {base:.0f}",
            statistics.median(live_ms) / base, "<= 2.5x bare, aged/STALE",
            statistics.median(live_ms) / base <= 2.5 and honest,
            f"oldest {seen['oldest']}, {seen['stale_panes']} panes STALE; judged "
            f"{statistics.median(judged['live'][1:]):.0f} ms; first start, no figures kept: "
            f"{first_start['live']:.0f} ms"),
    ]


AT_HAND = """
import json
from cockpit.app import CockpitApp
_start_feeds = CockpitApp.start_feeds
async def start_with_figures_at_hand(app):
    from cockpit.messages import ClockInfo, SnapshotComputed
    from cockpit.models import Snapshot, from_plain
    with open(os.environ["BENCH_SNAPSHOT"], encoding="utf-8") as file:
        snap = from_plain(Snapshot, json.load(file))
    clock = ClockInfo(kind=snap.source, label=snap.label, now=snap.as_of, clocked=True, paused=True, speed=None)
    await app.cockpit.mount_panes()
    app.cockpit.snapshot_computed(SnapshotComputed("market", snap, clock, app.monotonic()))
    app.call_after_refresh(lambda: app.call_later(_start_feeds, app))
CockpitApp.start_feeds = start_with_figures_at_hand
"""


def first_snapshot(path: Path) -> None:
    """The demo's judged first snapshot, in its JSON form at `path`, without its span window's past hours."""
    from cockpit.config import load_config
    from cockpit.models import to_plain
    from cockpit.snapshot import build_snapshot
    from cockpit.sources.simulator import SimulatorSource

    config = load_config(path.parent / "no-config.toml")
    snap = build_snapshot(SimulatorSource(universe=config.universe).poll(), config.profile(config.default_profile),
                          config.universe)
    path.write_text(json.dumps(to_plain(replace(snap, history=()))), encoding="utf-8")


def floor(runs: int) -> Row:
    """The figures' floor: the judged snapshot handed to the screen after its first frame."""
    with tempfile.TemporaryDirectory() as folder:
        snapshot = Path(folder) / "snapshot.json"
        first_snapshot(snapshot)
        env = {**isolated_env(Path(folder) / "demo"), **cockpit_env(["--demo"]), "BENCH_PATCH": AT_HAND,
               "BENCH_SNAPSHOT": str(snapshot)}
        frames: list[float] = []

        def bare() -> float:
            return child(BARE, "frame")["frame"][0] * 1000

        def at_hand() -> float:
            marks = child(COCKPIT, "figures", env=env)
            frames.append(marks["frame"][0] * 1000)
            return marks["figures"][0] * 1000

        bare_ms, hand_ms = alternate(runs, bare, at_hand)
    base = statistics.median(bare_ms)
    ratio = statistics.median(hand_ms) / base
    return Row("first figures, snapshot at hand (ms)", spread(hand_ms), f"bare {spread(bare_ms)}", ratio,
               "floor of the 2.0x / 2.5x rows", ratio <= 2.0,
               f"first frame {statistics.median(frames):.0f} ms")


def main() -> None:
    """Print the rows."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--floor", action="store_true", help="the demo's figures handed to the screen at once")
    args = parser.parse_args()
    for row in [floor(args.runs)] if args.floor else measure(args.runs):
        print(row.line())


if __name__ == "__main__":
    main()
