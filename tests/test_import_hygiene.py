"""The pure ring never imports textual; the first frame imports nothing heavy (STYLE.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PURE = [
    "cockpit.models",
    "cockpit.universe",
    "cockpit.settings",
    "cockpit.snapshot",
    "cockpit.analytics.bars",
    "cockpit.analytics.series",
    "cockpit.analytics.calendar",
    "cockpit.analytics.liquidations",
    "cockpit.analytics.macro",
    "cockpit.analytics.leadership",
    "cockpit.analytics.crypto",
    "cockpit.analytics.readings",
    "cockpit.rules",
    "cockpit.rules.market",
    "cockpit.rules.regime",
    "cockpit.rules.pretrade",
    "cockpit.rules.spans",
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


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", PURE)
def test_pure_module_never_imports_textual(module: str) -> None:
    modules = loaded_after(f"import {module}")
    assert "textual" not in modules
    assert not {"ccxt", "yfinance", "sqlite3", "requests"} & modules


@pytest.mark.parametrize("module", ["cockpit.models", "cockpit.universe", "cockpit.config", "cockpit.cli"])
def test_light_modules_import_nothing_heavy(module: str) -> None:
    assert not set(HEAVY) & loaded_after(f"import {module}")


def test_the_app_imports_nothing_heavy_before_its_first_frame() -> None:
    assert not set(HEAVY) & loaded_after("import cockpit.app")


# The pure ring judges settings but never reads them: none of these import the config, sources or journal.
OUTSIDE_THE_RING = ("cockpit.config", "cockpit.sources", "cockpit.journal", "textual")
RING_CORE = ["cockpit.models", "cockpit.universe", "cockpit.settings", "cockpit.sizing", "cockpit.checklist"]


@pytest.mark.parametrize("module", RING_CORE)
def test_pure_core_imports_neither_config_nor_io(module: str) -> None:
    modules = loaded_after(f"import {module}")
    assert not {m for m in modules if m.split(".")[0] == "textual" or m.startswith(OUTSIDE_THE_RING)}
