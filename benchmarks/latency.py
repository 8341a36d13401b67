"""New data → analytics → rules → every pane updated: p50/p95 over `--updates` new bars of the demo.

One child on a 160x45 pseudo-terminal runs `cockpit --demo --speed 7200` (a new hourly bar at every poll).
Each update is timed from the start of the poll that brings the bar to the first frame written after the
screen's handler has updated every pane, split into the source's poll, the evaluation (analytics and
rules, in the worker) and the handler plus the paint on the UI thread, of which the screen's handler and the
plotext chart builds. The book pane is not in this build.

    python benchmarks/latency.py [--updates 30]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Row, child, cockpit_env, isolated_env  # noqa: E402
from startup import HOOK  # noqa: E402

TARGET_MS = 30.0

CHILD = HOOK + """
import json, statistics, sys, time
import cockpit.snapshot
from cockpit.app import CockpitApp
from cockpit.cli import main
from cockpit.feeds import Feed
from cockpit.screens.main import CockpitScreen

UPDATES = int(os.environ["BENCH_UPDATES"])
clock = time.perf_counter
current = {}
samples = []

build = cockpit.snapshot.build_snapshot
def timed_build(*args, **kwargs):
    current["evaluate"] = clock()
    try:
        return build(*args, **kwargs)
    finally:
        current["evaluated"] = clock()
cockpit.snapshot.build_snapshot = timed_build

poll = Feed._poll
def timed_poll(self, *args):
    current.clear()
    current["start"] = clock()
    return poll(self, *args)
Feed._poll = timed_poll

from cockpit.widgets.charts import Chart
chart_build = Chart.build
def timed_chart_build(self, *args):
    begun = clock()
    try:
        return chart_build(self, *args)
    finally:
        current["charts"] = current.get("charts", 0.0) + clock() - begun
Chart.build = timed_chart_build

render_all = CockpitScreen.render_all
def timed_render_all(self):
    started = dict(current)
    fresh = "evaluated" in started and not started.get("taken")
    current["taken"] = True
    begun = clock()
    render_all(self)
    if fresh:
        started.update(handler=begun, handled=clock())
        self.app._bench_pending = started
CockpitScreen.render_all = timed_render_all

def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]

run = CockpitApp.run
def hooked_run(app, *args, **kwargs):
    hook(app, "cockpit")
    app._bench_pending = None
    original = app._display
    def display(screen, renderable):
        original(screen, renderable)
        pending = app._bench_pending
        if renderable is None or pending is None or "evaluate" not in pending:
            return
        app._bench_pending = None
        painted = clock()
        samples.append({
            "total": painted - pending["start"],
            "poll": pending["evaluate"] - pending["start"],
            "evaluate": pending["evaluated"] - pending["evaluate"],
            "ui": painted - pending["handler"],
            "handler": pending["handled"] - pending["handler"],
            "charts": current.pop("charts", 0.0),
        })
        if len(samples) == UPDATES + 2:
            kept = samples[2:]  # the first two include the imports and the first layout
            summary = {k: [percentile([s[k] for s in kept], q) * 1000 for q in (0.5, 0.95)] for k in kept[0]}
            mark("latency", json.dumps(summary))
            app.exit()
    app._display = display
    return run(app, *args, **kwargs)
CockpitApp.run = hooked_run
sys.exit(main(json.loads(os.environ["BENCH_ARGV"])))
"""


def measure(updates: int) -> tuple[list[Row], dict[str, list[float]]]:
    """The latency row and the p50/p95 of each stage (ms)."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**isolated_env(Path(folder)), **cockpit_env(["--demo", "--speed", "7200"]),
               "BENCH_UPDATES": str(updates)}
        marks = child(CHILD, "latency", env=env, timeout=updates * 2 + 60)
    stages: dict[str, list[float]] = json.loads(marks["latency"][1])
    p50, p95 = stages["total"]
    detail = ", ".join(f"{name} p95 {values[1]:.0f}" for name, values in stages.items() if name != "total")
    row = Row("new bar -> every pane updated, p95 (ms)", f"{p95:.0f} (p50 {p50:.0f})", "-", p95 / TARGET_MS,
              f"p95 <= {TARGET_MS:.0f} ms", p95 <= TARGET_MS, detail)
    return [row], stages


def main() -> None:
    """Print the row."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--updates", type=int, default=30)
    args = parser.parse_args()
    rows, _ = measure(args.updates)
    for row in rows:
        print(row.line())


if __name__ == "__main__":
    main()
