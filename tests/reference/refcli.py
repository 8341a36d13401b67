"""Run `cockpit snapshot --data FILE --json` in-process at a chosen moment, and read its JSON.

A `--data` file is evaluated at its end (its last bar's close), so the moment T is chosen by giving the
command the file cut at T: every bar whose hour ended by T. The cut is written as Parquet and as CSV.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from refbars import cut, write_one

from cockpit.cli import main

FORMATS = ("parquet", "csv")
_CACHE: dict[tuple[str, str, str], dict[str, Any]] = {}


def run_snapshot(path: Path, *extra: str) -> dict[str, Any]:
    """The JSON object `cockpit snapshot --data PATH --json` prints."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["snapshot", "--data", str(path), "--json", *extra])
    assert code == 0, f"cockpit snapshot exited {code}: {err.getvalue()}"
    return json.loads(out.getvalue())


def snapshot_at(frame: pl.DataFrame, name: str, at: datetime, fmt: str, folder: Path) -> dict[str, Any]:
    """The snapshot of `frame` at `at` from a `fmt` file (cached per fixture, moment and format)."""
    key = (name, at.isoformat(), fmt)
    if key not in _CACHE:
        path = write_one(cut(frame, at), folder / f"{name}-{at:%Y%m%dT%H%M}", fmt)
        _CACHE[key] = run_snapshot(path)
        as_of = _CACHE[key]["as_of"]
        assert as_of.replace("Z", "+00:00").startswith(at.isoformat()[:16]), (as_of, at)
    return _CACHE[key]


_MISSING = object()


def dig(payload: dict[str, Any], dotted: str) -> Any:
    """`payload["a"]["b"]["c"]` for "a.b.c", failing with the key path when the JSON has no such key."""
    node: Any = payload
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise AssertionError(f"snapshot JSON has no key {dotted!r} (missing at {part!r})")
        node = node[part]
    return node


def close_enough(got: float | None, want: float | None, rel: float = 1e-9) -> bool:
    """Equal to 1e-9 relative, or equal to `want` rounded to the decimals the JSON printed.

    The JSON rounds its figures for display; an exact definition still has to match every digit shown,
    and the display has to keep at least 3 decimals or 4 significant digits (-0.722 bp, 1.0396, 7.49 %).
    A JSON number drops trailing zeros, so -7.0800 (4 decimals) arrives as -7.08: `got` is accepted when
    it equals `want` rounded to *some* precision that meets the floor, not only the shortest one.
    """
    if want is None or got is None:
        return got is None and want is None
    if math.isclose(got, want, rel_tol=rel, abs_tol=1e-12):
        return True
    if want == 0:
        return False
    magnitude = math.floor(math.log10(abs(want))) + 1
    for digits in range(0, 13):
        if digits < 3 and digits + magnitude < 4:
            continue
        if math.isclose(round(want, digits), got, rel_tol=1e-12, abs_tol=1e-15):
            return True
    return False


def check(payload: dict[str, Any], dotted: str, want: float | None, rel: float = 1e-9) -> None:
    got = dig(payload, dotted)
    assert close_enough(got, want, rel), f"{dotted}: snapshot {got!r}, reference {want!r}"


def flag_ids(payload: dict[str, Any]) -> list[str]:
    return [f["id"] for f in payload["flags"]]
