"""What the issue-14 benchmarks share: the instrumented children, the offline fixtures, the statistics.

Every child is a fresh Python process on a 160x45 pseudo-terminal (startup.py's harness). A child marks
`frame` when its first full screen is written, `figures` when the first screen with a snapshot on it is
written (the preview of a profile's figures counts: the moment's figures are on screen), `judged` when the
first screen with a judged snapshot (flags, regime, outlook over the span window) is written, then does
what `BENCH_MODE` asks: exit (`figures`, once judged), measure its own CPU with timer callbacks, widget
refreshes and frames written counted (`cpu`; the window opens two seconds after the feed's start-up is
over: a live source's first network answer is in and the story's week is told), or report its
resident memory at given seconds (`memory`). Live children have every non-loopback connection refused at
the socket level.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's cockpit, not an installed one

from startup import HOOK, run_once  # noqa: E402

NO_NETWORK = """
import socket
_real_connect, _real_getaddrinfo = socket.socket.connect, socket.getaddrinfo
def _local(host):
    return host is None or (isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1")))
def _connect(self, address):
    if self.family == socket.AF_UNIX or _local(address[0] if isinstance(address, tuple) else address):
        return _real_connect(self, address)
    raise OSError(101, f"network disabled for the benchmark: {address!r}")
def _getaddrinfo(host, *args, **kwargs):
    if _local(host):
        return _real_getaddrinfo(host, *args, **kwargs)
    raise socket.gaierror(-3, "network disabled for the benchmark")
socket.socket.connect, socket.getaddrinfo = _connect, _getaddrinfo
"""

DRIVE = """
import json, time, collections
from textual.timer import Timer
from textual.widget import Widget

MODE = os.environ.get("BENCH_MODE", "figures")
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
SETTLE = float(os.environ.get("BENCH_SETTLE", "2"))
SAMPLES = [float(s) for s in os.environ.get("BENCH_SAMPLES", "15").split(",")]
COUNTS = {"ticks": collections.Counter(), "refreshes": collections.Counter(), "frames": 0}

_tick = Timer._tick
async def counted_tick(self, *, next_timer, count):
    COUNTS["ticks"][self.name.split("#")[0]] += 1
    await _tick(self, next_timer=next_timer, count=count)
Timer._tick = counted_tick
_refresh = Widget.refresh
def counted_refresh(self, *args, **kwargs):
    COUNTS["refreshes"][type(self).__name__] += 1
    return _refresh(self, *args, **kwargs)
Widget.refresh = counted_refresh

# Each thread's CPU over the window, by what it is: threads alive at both ends are read from /proc, threads
# that end inside the window report their own CPU time as they end.
import re, threading
THREAD_END = {}
_thread_run = threading.Thread.run
def timed_run(self):
    try:
        _thread_run(self)
    finally:
        THREAD_END[threading.get_native_id()] = (self.name, time.thread_time())
threading.Thread.run = timed_run

def thread_cpu():
    out, tick = {}, os.sysconf("SC_CLK_TCK")
    names = {t.native_id: t.name for t in threading.enumerate()}
    for tid in os.listdir("/proc/self/task"):
        try:
            fields = open(f"/proc/self/task/{tid}/stat").read().rsplit(")", 1)[1].split()
            comm = open(f"/proc/self/task/{tid}/comm").read().strip()
        except OSError:
            continue
        out[int(tid)] = (names.get(int(tid), comm), (int(fields[11]) + int(fields[12])) / tick)
    return out

def thread_group(name):
    if name.startswith("asyncio_"):
        return "executors"  # Textual's thread workers, aiohttp's name lookups
    if re.match(r"(polars|tokio|jemalloc|async-executor)", name):
        return "polars (native)"
    target = re.match(r"Thread-\\d+ \\((.*)\\)$", name)
    if target is not None and target.group(1) == "_run_via_pool":
        return "yfinance downloads"  # its `multitasking` threads
    return target.group(1) if target else name

def threads_over(before, minutes):
    after, spent = thread_cpu(), {}
    for tid, (name, cpu) in after.items():
        spent[thread_group(name)] = spent.get(thread_group(name), 0.0) + cpu - before.get(tid, (name, 0.0))[1]
    for tid, (name, cpu) in THREAD_END.items():
        if tid not in after:
            spent[thread_group(name)] = spent.get(thread_group(name), 0.0) + cpu - before.get(tid, (name, 0.0))[1]
    return {k: round(v * 1000 / minutes) for k, v in sorted(spent.items(), key=lambda kv: -kv[1]) if v > 0}

def rss_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0

def drive(app, ready, describe=lambda: "", judged=lambda: True, settled=lambda: True):
    original = app._display
    state = {}
    def display(screen, renderable):
        original(screen, renderable)
        if renderable is None or app._batch_count:
            return
        COUNTS["frames"] += 1
        if "figures" not in state and getattr(app, "_bench_frame", False) and ready():
            state["figures"] = True
            mark("figures", describe())
            app.call_later(start)
        if "figures" in state and "judged" not in state and judged():
            state["judged"] = True
            mark("judged")
            if MODE == "figures":
                app.set_timer(0.2, app.exit)
    app._display = display

    def start():
        if MODE == "figures":
            app.set_timer(60.0, app.exit)  # at the latest: the judged snapshot exits at once
        elif MODE == "cpu":  # left open: from when start-up is over (a live source's first network answer is in)
            def wait_settled():
                if settled():
                    app.set_timer(SETTLE, window)
                else:
                    app.set_timer(0.1, wait_settled)
            wait_settled()
        elif MODE == "memory":
            begun = time.monotonic()
            for at in SAMPLES:
                app.set_timer(at, lambda at=at: mark(f"rss@{at:g}", f"{rss_mib():.1f}"))
            app.set_timer(max(SAMPLES) + 0.1, app.exit)

    def window():
        COUNTS["ticks"].clear(); COUNTS["refreshes"].clear(); COUNTS["frames"] = 0
        THREAD_END.clear(); threads = thread_cpu()
        cpu, wall = time.process_time(), time.monotonic()
        def done():
            share = (time.process_time() - cpu) / (time.monotonic() - wall) * 100
            minutes = (time.monotonic() - wall) / 60
            per_min = {
                "ticks": {k: round(v / minutes) for k, v in COUNTS["ticks"].most_common(6)},
                "refreshes": {k: round(v / minutes) for k, v in COUNTS["refreshes"].most_common(6)},
                "frames": round(COUNTS["frames"] / minutes),
                "thread_ms": threads_over(threads, minutes),
            }
            mark("cpu", f"{share:.3f} " + json.dumps(per_min, separators=(",", ":")))
            app.exit()
        app.set_timer(SECONDS, done)
"""

BARE = HOOK + DRIVE + """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("hello")
        yield Footer()

app = Bare()
hook(app)
drive(app, lambda: True)
app.run()
"""

COCKPIT = HOOK + DRIVE + """
import sys
if os.environ.get("BENCH_OFFLINE"):
    exec(os.environ["BENCH_OFFLINE"])
if os.environ.get("BENCH_PATCH"):  # a what-if of one benchmark (first_figures.py --floor)
    exec(os.environ["BENCH_PATCH"])
from cockpit.app import CockpitApp
from cockpit.cli import main

def describe(app):
    from cockpit.widgets.header import CockpitHeader
    screen = app.cockpit
    header = screen.query_one(CockpitHeader).info
    oldest = "-" if header.oldest is None else f"{header.oldest.age_s:.0f}s:{header.oldest.name}"
    stale = sum("STALE" in str(p.border_subtitle) for p in screen.panes())
    return json.dumps({"oldest": oldest, "stale_panes": stale, "trouble": header.trouble}, separators=(",", ":"))

run = CockpitApp.run
def hooked_run(app, *args, **kwargs):
    hook(app, "cockpit")
    drive(app, lambda: app.cockpit.snapshot is not None, lambda: describe(app),
          lambda: app.cockpit.snapshot is not None and app.cockpit.snapshot.judged,
          lambda: app.cockpit.feed is None or getattr(app.cockpit.feed, "started", True))
    return run(app, *args, **kwargs)
CockpitApp.run = hooked_run
sys.exit(main(json.loads(os.environ["BENCH_ARGV"])))
"""

FLOOR = HOOK + """
import importlib
for name in os.environ["BENCH_IMPORTS"].split(","):
    importlib.import_module(name)
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        mark("rss", f"{int(line.split()[1]) / 1024:.1f}")
"""


def cockpit_env(argv: Sequence[str], *, offline: bool = False, **extra: str) -> dict[str, str]:
    """The environment of a cockpit child running `cockpit <argv>`."""
    env = {"BENCH_ARGV": json.dumps(list(argv)), **extra}
    if offline:
        env["BENCH_OFFLINE"] = NO_NETWORK
    return env


@dataclass(frozen=True)
class Row:
    """One line of the report: the figure, its reference, the ratio and whether it meets the target."""

    name: str
    figure: str
    reference: str
    ratio: float | None
    target: str
    passed: bool
    note: str = ""

    def line(self) -> str:
        """The row as one printed line."""
        ratio = "" if self.ratio is None else f"{self.ratio:5.2f}x"
        verdict = "PASS" if self.passed else "MISS"
        note = f"  ({self.note})" if self.note else ""
        return (f"{self.name:<44} {self.figure:>18}  ref {self.reference:<18} {ratio:>7}  {self.target:<26} "
                f"{verdict}{note}")


def spread(values: Sequence[float]) -> str:
    """Median with the min-max range: `412 [398-440]`."""
    return f"{statistics.median(values):.0f} [{min(values):.0f}-{max(values):.0f}]"


def alternate(runs: int, *children: Callable[[], float]) -> list[list[float]]:
    """Run each child `runs` times, interleaved (a, b, a, b, ...), after one warm-up round."""
    for child in children:
        child()
    samples: list[list[float]] = [[] for _ in children]
    for _ in range(runs):
        for index, child in enumerate(children):
            samples[index].append(child())
    return samples


def child(code: str, mark: str, *, env: dict[str, str] | None = None,
          timeout: float = 90.0) -> dict[str, tuple[float, str]]:
    """Run one child and return its marks (fails if `mark` is missing)."""
    return run_once(code, timeout, require=mark, env=env)


# --- offline fixtures ------------------------------------------------------------------------------


def default_universe() -> object:
    """The universe of a config with no user file."""
    from cockpit.config import load_config

    with tempfile.TemporaryDirectory() as folder:
        return load_config(Path(folder) / "config.toml").universe


def isolated_env(folder: Path) -> dict[str, str]:
    """COCKPIT_CONFIG and COCKPIT_DATA inside `folder`: defaults, and nothing of the user's touched."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    return {"COCKPIT_CONFIG": str(folder / "config.toml"), "COCKPIT_DATA": str(folder / "data")}


def simulated_bars() -> object:
    """The default scenario's bars for the default universe (a polars frame)."""
    from cockpit.sources.simulator import SimulatorSource

    universe = default_universe()
    simulator = SimulatorSource(universe=universe, speed=0.0)  # type: ignore[arg-type]
    return simulator.state_at(simulator.end).bars


def write_bar_file(path: Path, hours: int = 24 * 40) -> Path:
    """A Parquet file of the last `hours` of simulated 1h bars, to replay."""
    import polars as pl

    bars = simulated_bars()
    assert isinstance(bars, pl.DataFrame)
    newest = bars.get_column("ts").max()
    assert isinstance(newest, datetime)
    bars.filter(pl.col("ts") > newest - timedelta(hours=hours)).write_parquet(path)
    return path


def seed_live_cache(data_dir: Path, *, venue: str = "bybit", age_h: float = 2.0) -> datetime:
    """Bar caches for the live sources (Yahoo and the venue), the newest bar `age_h` hours old; returns it."""
    import polars as pl

    from cockpit.universe import Universe

    bars = simulated_bars()
    universe = default_universe()
    assert isinstance(bars, pl.DataFrame) and isinstance(universe, Universe)
    newest = bars.get_column("ts").max()
    assert isinstance(newest, datetime)
    target = (datetime.now(UTC) - timedelta(hours=age_h)).replace(minute=0, second=0, microsecond=0)
    shifted = bars.with_columns(pl.col("ts") + (target - newest))
    cache = data_dir / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    perps = universe.perp_symbols()
    shifted.filter(pl.col("symbol").is_in(perps)).write_parquet(cache / f"{venue}-1h.parquet")
    shifted.filter(~pl.col("symbol").is_in(perps)).write_parquet(cache / "yahoo-1h.parquet")
    return target
