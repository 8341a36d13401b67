"""New data → analytics → rules → every pane updated: p50/p95 over `--updates` new bars of the demo, with a book.

One child on a 160x45 pseudo-terminal runs `cockpit --demo --speed 7200` with
equity in its config and four holdings in its journal (ES=F, NVDA, BTC and ETH perps), so each bar also marks
the book to market. Each update is timed from the start of the poll that brings the bar to the first frame
written after the screen's handler has updated every pane, split into the source's poll, the evaluation
(analytics and rules, in the worker) and the handler plus the paint on the UI thread, of which the screen's
handler, the plotext chart builds and the UI thread's own CPU time (`ui_cpu`: what the UI thread computed,
without the waits for the next frame or for the worker's turn). The charts are built in that same frame, never
deferred. The book is rebuilt in its own worker once the feed's worker has finished (the Book page is the
second page at 160x45); `book` is the time from the poll's start until the book pane holds the new book, and
the row's figure (`every`) is the later of the two for each bar: until every pane, the book's included, holds
it (`panes` is the six panes' paint alone).

At 7200 the simulator's one-second poll brings about two new hourly bars, and 30 updates span the cascade's
weekdays and its crypto weekend (where the equity charts do not change). `--speed 3600` brings one bar a poll,
as a live source does once an hour, and 30 updates stay on weekdays, where every chart is rebuilt each bar.

    python benchmarks/latency.py [--updates 30] [--speed 7200] [--no-book]
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
clock, cpu = time.perf_counter, time.thread_time
current = {}
samples = []
shows = []  # (the start of the poll a shown book was built from, when the book pane showed it)

if os.environ["BENCH_BOOK"] == "1":
    from datetime import UTC, datetime
    from cockpit.journal.holdings import add_holding, holding_from_text
    from cockpit.journal.store import connect
    journal = connect()
    for holding in (("ES=F", 2, 6000, 5500), ("NVDA", 1000, 180, 150), ("BTC/USDT:USDT", 1.5, 90000, 82000),
                    ("ETH/USDT:USDT", 20, 3200, 2900)):
        add_holding(journal, holding_from_text(*holding), datetime(2026, 1, 20, tzinfo=UTC))
    journal.close()

# Each book is filed under the poll whose state it was built from: the start is noted when the build is asked
# for, carried by the build's thread into its BookBuilt message, and read when the book pane shows it.
import threading
from cockpit.messages import BookBuilt
from cockpit.screens.book_page import BookPage
building = threading.local()
asked = {}
book_refresh = BookPage.refresh
def timed_book_refresh(self, state, *, force=False):
    asked[id(state)] = current.get("start")
    return book_refresh(self, state, force=force)
BookPage.refresh = timed_book_refresh
book_build = BookPage._build
def timed_book_build(self, state, *args):
    building.start = asked.pop(id(state), None)
    return book_build(self, state, *args)
BookPage._build = timed_book_build
built_init = BookBuilt.__init__
def stamped_init(self, *args, **kwargs):
    built_init(self, *args, **kwargs)
    self.bench_start = getattr(building, "start", None)  # None on the UI thread (a failed build's notice)
BookBuilt.__init__ = stamped_init
book_show = BookPage.show
def timed_book_show(self, message):
    book_show(self, message)
    start = getattr(message, "bench_start", None)
    if start is not None and message.book is not None:
        shows.append((start, clock()))
BookPage.show = timed_book_show

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
    begun, begun_cpu = clock(), cpu()
    render_all(self)
    if fresh:
        started.update(handler=begun, handled=clock(), handler_cpu=begun_cpu)
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
        painted, painted_cpu = clock(), cpu()
        samples.append({
            "start": pending["start"],
            "panes": painted - pending["start"],
            "poll": pending["evaluate"] - pending["start"],
            "evaluate": pending["evaluated"] - pending["evaluate"],
            "ui": painted - pending["handler"],
            "handler": pending["handled"] - pending["handler"],
            "charts": current.pop("charts", 0.0),
            "ui_cpu": painted_cpu - pending["handler_cpu"],
        })
        if len(samples) == UPDATES + 3:  # one more bar: the last kept bar's book has landed by its paint
            kept = samples[2:-1]  # the first two include the imports and the first layout
            for sample in kept:  # a newer book may replace one still queued: the first shown from then on
                later = [shown for built, shown in shows if built >= sample["start"]]
                if later:
                    sample["book"] = min(later) - sample["start"]
                sample["every"] = max(sample["panes"], sample.get("book", 0.0))
            names = dict.fromkeys(k for sample in kept for k in sample if k not in ("start", "every"))
            summary = {k: [percentile([s[k] for s in kept if k in s], q) * 1000 for q in (0.5, 0.95)]
                       for k in ["every", *names]}
            summary["booked"] = sum("book" in s for s in kept)
            mark("latency", json.dumps(summary))
            app.exit()
    app._display = display
    return run(app, *args, **kwargs)
CockpitApp.run = hooked_run
sys.exit(main(json.loads(os.environ["BENCH_ARGV"])))
"""


def measure(updates: int, *, book: bool = True, speed: float = 7200.0) -> tuple[list[Row], dict[str, list[float]]]:
    """The latency row and the p50/p95 of each stage (ms); `book=False` runs without holdings or equity."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**isolated_env(Path(folder)), **cockpit_env(["--demo", "--speed", f"{speed:g}"]),
               "BENCH_UPDATES": str(updates), "BENCH_BOOK": "1" if book else "0"}
        if book:
            (Path(folder) / "config.toml").write_text("[book]\nequity = 1000000\n", encoding="utf-8")
        marks = child(CHILD, "latency", env=env, timeout=updates * 2 + 60)
    stages = json.loads(marks["latency"][1])
    booked = stages.pop("booked")
    if booked < updates:  # without holdings the pane still shows an empty book for every bar
        raise SystemExit(f"the book was shown for {booked} of {updates} bars: its figure would leave bars out")
    p50, p95 = stages["every"]
    detail = "p50/p95 " + ", ".join(f"{name} {values[0]:.0f}/{values[1]:.0f}" for name, values in stages.items()
                                    if name != "every")
    name = "new bar -> every pane + book, p95 (ms)" if book else "new bar -> every pane, empty book, p95 (ms)"
    row = Row(name, f"{p95:.0f} (p50 {p50:.0f})", "-", p95 / TARGET_MS, f"p95 <= {TARGET_MS:.0f} ms", p95 <= TARGET_MS,
              detail)
    return [row], stages


def main() -> None:
    """Print the row."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--updates", type=int, default=30)
    parser.add_argument("--speed", type=float, default=7200.0, help="simulated seconds per second (3600: a bar a poll)")
    parser.add_argument("--no-book", action="store_true",
                        help="no holdings and no equity: the book pane shows an empty book")
    args = parser.parse_args()
    rows, _ = measure(args.updates, book=not args.no_book, speed=args.speed)
    for row in rows:
        print(row.line())


if __name__ == "__main__":
    main()
