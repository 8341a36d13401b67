"""`cockpit doctor`: can each live source be reached, how fast, the last error, where files live and whether
the data folder and journal can be written.

Exits 1 when a source is down or nothing can be saved, so it works in scripts; with no network it finishes
within the probe deadline and says which source failed and why. Keys are reported only as present and where from.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cockpit import __version__
from cockpit.commands.output import write_out


def register(subparsers: Any) -> None:
    """Add the `doctor` subcommand."""
    parser = subparsers.add_parser("doctor", help="check live sources, keys, config and data paths")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(handler=run)


def _cache_facts(path: Path) -> str:
    if not path.exists():
        return "none yet"
    try:
        import polars as pl

        frame = pl.read_parquet(path, columns=["ts", "symbol"])
    except Exception as exc:  # a damaged cache is reported, and rebuilt by the next poll
        return f"unreadable ({type(exc).__name__})"
    if frame.is_empty():
        return "empty"
    newest = frame["ts"].max()
    stamp = newest.strftime("%Y-%m-%d %H:%M") if isinstance(newest, datetime) else "?"
    return f"{frame.height} bars, {frame['symbol'].n_unique()} symbols, newest {stamp}Z"


def folder_problem(folder: Path) -> str | None:
    """Why nothing can be saved in `folder` (read-only, missing rights, full), or None when a file can be written."""
    import tempfile

    probe = folder if folder.exists() else next((p for p in folder.parents if p.exists()), folder)
    try:
        handle, name = tempfile.mkstemp(prefix=".doctor-", dir=probe)
        try:
            os.write(handle, b"ok")
            os.fsync(handle)
        finally:
            os.close(handle)
            os.unlink(name)
    except OSError as exc:
        return f"cannot write in {probe} ({exc.strerror or exc})"
    return None


def journal_problem(path: Path) -> str | None:
    """Why the journal cannot take a save (read-only, locked, damaged), or None; a missing journal is fine."""
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=1.0)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"the journal cannot be written ({exc})"
    return None


def gather(config: Any) -> dict[str, Any]:
    """Everything the doctor reports (probes included), as plain values."""
    from cockpit.config import config_path, data_dir
    from cockpit.journal.store import journal_path
    from cockpit.redaction import env_names, load_keys
    from cockpit.sources.live import live_settings
    from cockpit.sources.live.liquidations import BASELINE_H, LiquidationStore
    from cockpit.sources.live.probe import probe_exchange, probe_yahoo, run_probes

    settings = live_settings(config)
    folder = data_dir()
    cfg = config_path()
    keys = load_keys(settings.venue)
    liq_path = folder / "liquidations.sqlite3"
    baseline: dict[str, str] = {}
    if liq_path.exists():
        try:
            store = LiquidationStore(liq_path)
            now = datetime.now(UTC)
            for symbol in config.universe.perp_symbols():
                baseline[symbol] = f"{store.baseline_hours(settings.venue, symbol, now)}h of {BASELINE_H}h"
            store.close()
        except sqlite3.DatabaseError as exc:  # the doctor reports a damaged file, it does not crash on it
            baseline["error"] = f"{liq_path} unreadable ({exc})"
    problem = folder_problem(folder) or journal_problem(journal_path(folder))
    results = run_probes([
        ("yahoo", lambda: probe_yahoo(config.universe, settings.timeout_s)),
        (settings.venue, lambda: probe_exchange(settings.venue, settings.timeout_s)),
    ], settings.deadline_s)
    return {
        "version": __version__,
        "config": {"path": str(cfg), "exists": cfg.exists()},
        "data": {"path": str(folder), "journal": str(journal_path(folder)),
                 "writable": problem is None, "problem": problem,
                 "yahoo_cache": _cache_facts(folder / "cache" / "yahoo-1h.parquet"),
                 "venue_cache": _cache_facts(folder / "cache" / f"{settings.venue}-1h.parquet"),
                 "liquidation_baseline": baseline or "none recorded yet"},
        "venue": settings.venue,
        "keys": {"present": keys is not None, "from": keys.origin if keys else None,
                 "hint": keys.api_key.hint() if keys else None,
                 "set_with": " / ".join(env_names(settings.venue)[:2]) + " or the OS keyring"},
        "sources": [{"name": r.name, "ok": r.ok, "latency_ms": None if r.latency_ms is None else round(r.latency_ms, 1),
                     "error": r.error, **r.detail} for r in results],
    }


def render(report: dict[str, Any]) -> str:
    """The report as lines a person reads."""
    data, keys = report["data"], report["keys"]
    lines = [
        f"cockpit {report['version']}",
        f"config   {report['config']['path']}"
        + ("" if report["config"]["exists"] else "  (not found: defaults in use)"),
        f"data     {data['path']}" + ("  (writable)" if data["writable"] else f"  NOT WRITABLE: {data['problem']}; "
                                                                           "journal saves and caches will fail"),
        f"journal  {data['journal']}",
        f"caches   yahoo: {data['yahoo_cache']};  {report['venue']}: {data['venue_cache']}",
        f"liquidation baseline  {data['liquidation_baseline']}",
        f"keys     {report['venue']}: " + (f"from {keys['from']} {keys['hint']}" if keys["present"]
                                         else f"none (optional; set {keys['set_with']})"),
        "",
        "SOURCES",
    ]
    for source in report["sources"]:
        status = "reachable" if source["ok"] else "DOWN"
        latency = "" if source["latency_ms"] is None else f"{source['latency_ms']:.0f} ms"
        extra = ", ".join(f"{k} {v}" for k, v in source.items() if k not in ("name", "ok", "latency_ms", "error"))
        lines.append(f"  {source['name']:<12} {status:<10} {latency:>9}  {source['error'] or extra}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Probe, print, and exit 1 when any source is down."""
    from cockpit.commands.common import config_for

    report = gather(config_for(args))
    if args.json:
        write_out(json.dumps(report, indent=2) + "\n")
    else:
        write_out(render(report))
    healthy = report["data"]["writable"] and all(source["ok"] for source in report["sources"])
    return 0 if healthy else 1
