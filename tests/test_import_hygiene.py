"""The pure ring never imports textual; the first frame imports nothing heavy (STYLE.md, issue 14)."""

from __future__ import annotations

import functools
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import cockpit.analytics
import cockpit.rules

ROOT = Path(__file__).resolve().parents[1]


def _package_modules(package: object) -> list[str]:
    """The package and every module in it, found on disk (a new module is covered without editing this list)."""
    name = getattr(package, "__name__", "")
    paths = getattr(package, "__path__", [])
    return [name, *(f"{name}.{info.name}" for info in pkgutil.iter_modules(paths))]


PURE = [
    "cockpit.kinds",
    "cockpit.models",
    "cockpit.universe",
    "cockpit.settings",
    "cockpit.snapshot",
    *_package_modules(cockpit.analytics),
    *_package_modules(cockpit.rules),
    "cockpit.sizing",
    "cockpit.checklist",
    "cockpit.checklist_run",
    "cockpit.contracts",
    "cockpit.analytics.beta",
    "cockpit.book",
    "cockpit.hedge",
    "cockpit.reentry",
]
HEAVY = ("polars", "numpy", "pandas", "ccxt", "yfinance", "pyarrow")
# What neither the pure ring nor the first frame may load: the vendor clients and pandas.
VENDOR = ("ccxt", "yfinance", "pandas")


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", PURE)
def test_pure_module_never_imports_textual(module: str) -> None:
    modules = loaded_after(f"import {module}")
    assert "textual" not in modules
    assert not {*VENDOR, "sqlite3", "requests"} & modules


def test_the_pure_ring_is_discovered() -> None:
    assert len(_package_modules(cockpit.analytics)) > 3 and len(_package_modules(cockpit.rules)) > 2


@pytest.mark.parametrize("module", ["cockpit.models", "cockpit.universe", "cockpit.config", "cockpit.cli"])
def test_light_modules_import_nothing_heavy(module: str) -> None:
    assert not set(HEAVY) & loaded_after(f"import {module}")


def test_the_app_imports_nothing_heavy_before_its_first_frame() -> None:
    assert not set(HEAVY) & loaded_after("import cockpit.app")


# The pure ring judges settings but never reads them: none of these import the config, sources or journal.
OUTSIDE_THE_RING = ("cockpit.config", "cockpit.sources", "cockpit.journal", "textual")
RING_CORE = ["cockpit.kinds", "cockpit.models", "cockpit.universe", "cockpit.settings", "cockpit.sizing",
             "cockpit.checklist"]


@pytest.mark.parametrize("module", RING_CORE)
def test_pure_core_imports_neither_config_nor_io(module: str) -> None:
    modules = loaded_after(f"import {module}")
    assert not {m for m in modules if m.split(".")[0] == "textual" or m.startswith(OUTSIDE_THE_RING)}


# A real first frame: `cockpit --demo` headless, the modules loaded when the cockpit screen is first written.
FIRST_FRAME = """
import sys
from cockpit.app import CockpitApp
from cockpit.cli import main

run = CockpitApp.run
def hooked_run(app, *args, **kwargs):
    original = app._display
    def display(screen, renderable):
        original(screen, renderable)
        if renderable is not None and screen.id == "cockpit" and not hasattr(app, "_seen"):
            app._seen = True
            print("LOADED " + " ".join(sorted(sys.modules)), flush=True)
            app.exit()
    app._display = display
    return run(app, headless=True, size=(160, 45))
CockpitApp.run = hooked_run
sys.exit(main(["--demo"]))
"""


@functools.cache  # one real start for the tests that read it (which modules load does not depend on the folders)
def first_frame_modules() -> frozenset[str]:
    """The modules loaded when `cockpit --demo` first writes its screen."""
    out = subprocess.run([sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = [line for line in out.stdout.splitlines() if line.startswith("LOADED ")]
    assert lines, f"no first frame (exit {out.returncode}): {out.stderr[-2000:]}"
    return frozenset(lines[0].split()[1:])


def test_the_first_frame_loads_no_vendor_client_nor_pandas(isolated_dirs: Path) -> None:
    loaded = first_frame_modules()
    assert "cockpit.screens.main" in loaded
    assert not {*VENDOR, "polars", "numpy"} & loaded


def test_the_first_frame_loads_no_other_command(isolated_dirs: Path) -> None:
    from cockpit.cli import COMMANDS

    loaded = first_frame_modules()
    assert not {f"cockpit.commands.{name}" for name in COMMANDS} & loaded


def test_the_first_frame_loads_neither_the_feed_nor_the_book(isolated_dirs: Path) -> None:
    """The feed, the book, the hedge planner and the help screen load after the first frame (issue 14)."""
    loaded = first_frame_modules()
    assert not {"cockpit.feeds", "cockpit.book", "cockpit.hedge", "cockpit.screens.help"} & loaded


def test_the_first_frame_loads_the_kinds_but_not_the_records(isolated_dirs: Path) -> None:
    """The records' 18 dataclasses were a sixth of the cockpit's imports before the first frame (each compiles
    its generated methods); the screen, settings and keys need only the kinds, and the feed's worker loads the
    records after the frame."""
    loaded = first_frame_modules()
    assert "cockpit.kinds" in loaded and "cockpit.models" not in loaded


def test_the_first_frame_loads_neither_the_panes_nor_the_charts(isolated_dirs: Path) -> None:
    """The first frame draws placeholders from the panes' ids and titles; the panes' widgets, the charts and the
    time zones (about 7 ms of imports) load once it is on screen, when the panes are swapped in."""
    loaded = first_frame_modules()
    panes = {f"cockpit.widgets.{name}" for name in ("pane", "charts", "flags", "macro", "leadership", "crypto",
                                                     "correlation", "book")}
    assert "cockpit.widgets.pane_view" in loaded
    assert not (panes | {"zoneinfo", "cockpit.liquidity"}) & loaded
