"""Idle CPU of `cockpit --demo` left open: with the simulator running, then paused.

The cockpit runs in a fresh process on a real 160x45 pseudo-terminal. After its first snapshot it is left
alone for `--seconds` with the simulator running (a new hourly bar every 5 s at the default speed), then
paused with the space key's action and left alone again. CPU is the process's own CPU time (every thread)
over each window, as a share of one core.

    python benchmarks/idle_cpu.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import HOOK, run_once  # noqa: E402

CHILD = HOOK + """
import time
from cockpit.app import CockpitApp
from cockpit.cli import main

SECONDS = float(os.environ["BENCH_SECONDS"])
run = CockpitApp.run

def hooked_run(app, *args, **kwargs):
    hook(app, "cockpit")
    state = {}

    def window(name, then):
        start_cpu, start_wall = time.process_time(), time.monotonic()
        def done():
            cpu, wall = time.process_time() - start_cpu, time.monotonic() - start_wall
            mark(name, f"{cpu / wall * 100:.2f} {app.cockpit.feed.polls}")
            then()
        app.set_timer(SECONDS, done)

    def paused_window():
        app.cockpit.action_toggle_pause()
        app.set_timer(1.0, lambda: window("paused", app.exit))

    def watch():
        if app.cockpit.snapshot is not None and "started" not in state:
            state["started"] = True
            state["timer"].stop()
            app.set_timer(2.0, lambda: window("running", paused_window))

    app.call_later(lambda: state.setdefault("timer", app.set_interval(0.05, watch)))
    return run(app, *args, **kwargs)

CockpitApp.run = hooked_run
sys.exit(main(["--demo"]))
"""


def main() -> None:
    """One run: CPU share while running and while paused."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    import os

    os.environ["BENCH_SECONDS"] = str(args.seconds)
    events = run_once(CHILD, timeout=args.seconds * 2 + 60)
    running, running_polls = events["running"][1].split()
    paused, paused_polls = events["paused"][1].split()
    print(f"window: {args.seconds:.0f} s each, 160x45 pty, `cockpit --demo` at its default speed (720x)")
    print(f"simulator running: {float(running):5.2f} % of one core  ({running_polls} polls so far)")
    print(f"simulator paused:  {float(paused):5.2f} % of one core  ({paused_polls} polls so far)")


if __name__ == "__main__":
    main()
