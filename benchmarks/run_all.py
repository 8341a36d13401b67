"""Every benchmark of issue 14 in one go (under five minutes with the defaults), one line per row.

Each row prints its figure, the reference measured in the same run, the ratio, the target and PASS/MISS.

    python benchmarks/run_all.py [--runs 3] [--cpu-seconds 60] [--memory-seconds 40] [--updates 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import first_figures  # noqa: E402
import latency  # noqa: E402
import memory  # noqa: E402
import open_cpu  # noqa: E402
from common import Row  # noqa: E402


def machine() -> str:
    """nproc, the CPU model and the Python version."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def main() -> None:
    """Run every benchmark and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="start-up runs per child")
    parser.add_argument("--cpu-seconds", type=float, default=60.0, help="window of the CPU children")
    parser.add_argument("--memory-seconds", type=float, default=40.0, help="how long the memory children run")
    parser.add_argument("--updates", type=int, default=20, help="new bars timed for the latency row")
    args = parser.parse_args()
    started = time.monotonic()
    print(f"machine: {machine()}")
    rows: list[Row] = []
    for name, measure in (
        ("start-up", lambda: first_figures.measure(args.runs)),
        ("cpu", lambda: open_cpu.measure(args.cpu_seconds)[0]),
        ("memory", lambda: memory.measure(args.memory_seconds)),
        ("latency", lambda: latency.measure(args.updates)[0]),
    ):
        begun = time.monotonic()
        found = measure()
        rows.extend(found)
        for row in found:
            print(row.line(), flush=True)
        print(f"  ({name}: {time.monotonic() - begun:.0f} s)", flush=True)
    missed = [row.name for row in rows if not row.passed]
    print(f"{len(rows) - len(missed)}/{len(rows)} rows meet their target; total {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
