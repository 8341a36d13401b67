"""Time to first frame: `cockpit --demo` against a bare Textual app, measured in the same run.

Each run is a fresh Python process on a real pseudo-terminal of 160x45 (imports included, as a user starts
it), timed from just before the process is spawned to the moment its first full frame has been written to
the terminal. The cockpit is also timed to its first snapshot on screen (the simulator is built and
evaluated in a worker after the first frame), and the heavy modules loaded by the first frame are listed.

    python benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import fcntl
import functools
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Both children record the first frame the same way: the first screen update written to the terminal.
HOOK = """
import os, sys, time
MARKS = open(os.environ["BENCH_MARKS"], "a")
def mark(name, extra=""):
    MARKS.write(f"{name} {time.time()} {extra}\\n"); MARKS.flush()
def hook(app, screen_id=None):
    original = app._display
    def display(screen, renderable):
        original(screen, renderable)
        if renderable is not None and not app._batch_count and not hasattr(app, "_bench_frame") and (
                screen_id is None or screen.id == screen_id):
            app._bench_frame = True
            heavy = ",".join(m for m in ("polars", "numpy", "pandas", "ccxt", "yfinance") if m in sys.modules)
            mark("frame", heavy or "-")
    app._display = display
"""

BARE = HOOK + """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("hello")
        yield Footer()
    def on_mount(self):
        self.set_timer(1.5, self.exit)

app = Bare()
hook(app)
app.run()
"""

COCKPIT = HOOK + """
from cockpit.app import CockpitApp
from cockpit.cli import main

run = CockpitApp.run
def hooked_run(app, *args, **kwargs):
    hook(app, "cockpit")
    def watch():
        if app.cockpit.snapshot is not None and not hasattr(app, "_bench_data"):
            app._bench_data = True
            mark("data")
            app.set_timer(0.2, app.exit)
    app.call_later(lambda: app.set_interval(0.005, watch))
    return run(app, *args, **kwargs)
CockpitApp.run = hooked_run
sys.exit(main(["--demo"]))
"""


@functools.cache
def byte_compile() -> None:
    """Compile the cockpit's modules to bytecode once, as installing its wheel does.

    The libraries were byte-compiled when they were installed. Where Python is told not to write bytecode
    (PYTHONDONTWRITEBYTECODE, as on the development machine), every child would otherwise compile every cockpit
    module it imports from source, a cost no installed cockpit pays.
    """
    import compileall

    compileall.compile_dir(ROOT / "cockpit", quiet=1)


def run_once(code: str, timeout: float = 60.0, *, require: str | None = "frame",
             env: dict[str, str] | None = None) -> dict[str, tuple[float, str]]:
    """Spawn one process on a 160x45 pty; seconds from spawn to each mark it wrote."""
    byte_compile()
    with tempfile.TemporaryDirectory() as tmp:
        marks = Path(tmp) / "marks"
        marks.touch()
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
        env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {}), "BENCH_MARKS": str(marks),
               "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "45"}
        started = time.time()
        child = subprocess.Popen([sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave, env=env,
                                 cwd=ROOT, start_new_session=True)
        os.close(slave)
        drain = threading.Thread(target=_drain, args=(master,), daemon=True)
        drain.start()
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        finally:
            os.close(master)
        events = {}
        for line in marks.read_text().splitlines():
            name, stamp, extra = (line.split(" ", 2) + [""])[:3]
            events[name] = (float(stamp) - started, extra.strip())
    if require is not None and require not in events:
        raise SystemExit(f"benchmark child wrote no '{require}' mark (exit {child.returncode})")
    return events


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


def main() -> None:
    """Interleave bare and cockpit runs; print medians and the ratio."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    run_once(BARE), run_once(COCKPIT)  # warm the file cache
    bare, frame, data, heavy = [], [], [], set()
    for _ in range(args.runs):
        bare.append(run_once(BARE)["frame"][0])
        cockpit = run_once(COCKPIT)
        frame.append(cockpit["frame"][0])
        heavy.add(cockpit["frame"][1])
        data.append(cockpit["data"][0])
    bare_ms, frame_ms, data_ms = (statistics.median(v) * 1000 for v in (bare, frame, data))
    print(f"runs: {args.runs} each, interleaved, 160x45 pty; median wall time from process spawn")
    print(f"bare Textual app, first frame:   {bare_ms:7.0f} ms")
    print(f"cockpit --demo, first frame:     {frame_ms:7.0f} ms   ratio {frame_ms / bare_ms:.2f}x")
    print(f"cockpit --demo, first snapshot:  {data_ms:7.0f} ms")
    print(f"heavy modules loaded by the first frame: {', '.join(sorted(heavy))}")


if __name__ == "__main__":
    main()
