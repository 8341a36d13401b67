"""`cockpit checklist`: list saved risk-off checklist runs, or export them as a review a trader keeps."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.commands.output import note, write_out
from cockpit.errors import UserError

if TYPE_CHECKING:
    from cockpit.journal.checklist import RunRecord


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2101, 1, 1, tzinfo=UTC)  # exclusive
SINCE_HELP = "only runs started since DATE (YYYY-MM-DD, an ISO time, or a span like 7d)"


def register(subparsers: Any) -> None:
    """Add the `checklist` subcommand with `history` and `export`."""
    parser = subparsers.add_parser(
        "checklist", help="saved daily risk-off checklist runs: history and export",
        description="Runs are saved in journal.sqlite3 in the data folder (COCKPIT_DATA overrides "
                    "the folder). Press c in the cockpit to run one.")
    actions = parser.add_subparsers(dest="checklist_action", metavar="ACTION", parser_class=type(parser))
    history = actions.add_parser("history", help="list the saved runs, newest last")
    history.add_argument("--json", action="store_true", help="one JSON array of run objects")
    history.add_argument("--since", metavar="DATE", default=None, help=SINCE_HELP)
    history.set_defaults(handler=run_history)
    export = actions.add_parser("export", help="write the runs as a Markdown review or JSON")
    export.add_argument("--format", choices=("markdown", "json"), default="markdown",
                        help="default: markdown")
    export.add_argument("--since", metavar="DATE", default=None, help=SINCE_HELP)
    export.add_argument("--output", metavar="FILE", default=None,
                        help="write to FILE instead of the terminal")
    export.set_defaults(handler=run_export)
    parser.set_defaults(handler=run_history, json=False, since=None)


def parse_since(text: str, now: datetime, option: str = "--since") -> datetime:
    """YYYY-MM-DD (midnight UTC), an ISO time (UTC when no zone is given) or a span back from `now`, in UTC.

    Anything else, or a time outside the years 1970-2100, is a UserError naming `option`.
    """
    cleaned = text.strip()
    span = bool(cleaned) and cleaned[-1].lower() in "dhm" and cleaned[0].isdigit() and "-" not in cleaned
    try:
        if span:
            from cockpit.commands.common import parse_duration

            try:
                moment = now - parse_duration(cleaned)
            except UserError as exc:
                raise UserError(f"{option}: {exc}") from None
        else:
            try:
                parsed = datetime.fromisoformat(cleaned)
            except ValueError:
                raise UserError(f"{option}: '{text}' is not a date (use YYYY-MM-DD, an ISO time, or a span like 7d)"
                                ) from None
            moment = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:  # a span or an offset that leaves the calendar
        moment = None
    if moment is None or not EARLIEST <= moment < LATEST:
        what = "reaches back before 1970" if span else "is outside the years 1970-2100"
        raise UserError(f"{option}: '{text}' {what}")
    return moment


def load_runs(since: str | None, now: datetime | None = None, *, read_only: bool = False,
              option: str = "--since") -> list[RunRecord]:
    """The journal's runs, newest last, optionally only those started since `since` (a bad one names `option`).

    `read_only` opens the journal without creating or migrating it (no journal yet: no runs).
    """
    from cockpit.journal.checklist import list_runs
    from cockpit.journal.store import connect, connect_readonly

    start = parse_since(since, now or datetime.now(UTC), option) if since else None
    con = connect_readonly() if read_only else connect()
    if con is None:
        return []
    try:
        return list_runs(con, start)
    finally:
        con.close()


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def run_json(run: RunRecord) -> dict[str, Any]:
    """One run as the stable JSON object of `history --json` and `export --format json`."""
    return {
        "id": run.id,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "status": run.status,
        "profile": run.profile,
        "source": run.source,
        "decision": run.decision,
        "note": run.note,
        "seconds_total": round(run.seconds_total, 1),
        "steps": [
            {"step": s.number, "key": s.key, "name": s.name, "question": s.question, "suggested": s.suggested,
             "answer": s.answer, "overridden": s.overridden, "note": s.note,
             "seconds_spent": round(s.seconds_spent, 1), "budget_s": s.budget_s}
            for s in run.steps
        ],
        "readings": {s.key: dict(s.readings) for s in run.steps},
        "brief": None if run.brief is None else dict(run.brief),
    }


def _clock(seconds: float) -> str:
    from cockpit.checklist import format_clock

    return format_clock(round(seconds))


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def run_markdown(run: RunRecord) -> str:
    """One run as a Markdown section: heading, decision and note, then each step's question and readings."""
    from cockpit.checklist import STEPS

    budget = sum(spec.budget_s for spec in STEPS)
    decision = (run.decision or run.status).upper()
    lines = [f"## {run.started_at:%Y-%m-%d %H:%M} UTC · {run.profile} · {decision}", ""]
    finished = f", finished {run.finished_at:%Y-%m-%d %H:%M:%S} UTC" if run.finished_at else ", not finished"
    lines += [
        f"- Source: {run.source}",
        f"- Started {run.started_at:%Y-%m-%d %H:%M:%S} UTC{finished}",
        f"- Time spent: {_clock(run.seconds_total)} of {_clock(budget)}",
        f"- Decision: **{run.decision or 'none'}**",
        f"- Note: {run.note or '—'}",
        "",
    ]
    saved = {s.number: s for s in run.steps}
    for spec in STEPS:
        step = saved.get(spec.number)
        if step is None:
            lines += [f"### {spec.number}/{len(STEPS)} {spec.name}", "", "Not reached.", ""]
            continue
        over = " · over budget" if step.seconds_spent > step.budget_s else ""
        lines += [f"### {step.number}/{len(STEPS)} {step.name} ({_clock(step.seconds_spent)} of "
                  f"{_clock(step.budget_s)}{over})", "", f"*{step.question}*", "",
                  "| Reading | Value |", "|---|---|"]
        lines += [f"| {_cell(r.get('label', key))} | {_cell(r.get('text', r.get('value')))} |"
                  for key, r in step.readings.items()]
        mark = f", **overridden** (suggested {step.suggested or 'none'})" if step.overridden else (
            f" (suggested {step.suggested or 'none'})")
        lines += ["", f"Answer: **{step.answer or 'none'}**{mark}"]
        if step.note:
            lines.append(f"Note: {step.note}")
        lines.append("")
    return "\n".join(lines + brief_lines(run))


def brief_lines(run: RunRecord) -> list[str]:
    """The brief kept with the run: its paragraph and the cause map's stages (a line saying why when none)."""
    from cockpit.brief import brief_paragraph, stage_table

    brief = run.brief
    if brief is None:
        why = ("No brief was kept with this run (saved before briefs were, or without data to tell one)."
               if run.decision else "No brief: a run keeps one when its decision is saved.")
        return ["### Brief", "", why, ""]
    try:
        return [f"### Brief at {brief['as_of']}", "", brief_paragraph(dict(brief)), "", *stage_table(dict(brief)), ""]
    except (KeyError, TypeError, ValueError):
        return ["### Brief", "", "The brief kept with this run cannot be read.", ""]


def runs_markdown(runs: list[RunRecord]) -> str:
    """The review document: a title, then one section per run, oldest first."""
    lines = ["# Risk-off checklist review", ""]
    if not runs:
        return "\n".join([*lines, "No checklist runs saved.", ""])
    first, last = runs[0].started_at, runs[-1].started_at
    lines += [f"{len(runs)} run(s), {first:%Y-%m-%d} to {last:%Y-%m-%d} (UTC).", "", ""]
    return "\n".join(lines) + "\n".join(run_markdown(run) for run in runs)


def history_table(runs: list[RunRecord]) -> str:
    """One line per run: id, start, profile, source, decision, time spent, answers (* = overridden), note."""
    from cockpit.checklist import STEPS

    if not runs:
        return "no checklist runs saved yet (press c in the cockpit to run one)\n"
    lines = [f"{'id':>4}  {'started (UTC)':<16}  {'profile':<7}  {'decision':<10}  {'time':>6}  "
             f"{'answers 1-4':<19}  source / note"]
    for run in runs:
        answers = " ".join(f"{s.answer or '-'}{'*' if s.overridden else ''}"
                           for s in run.steps if s.number < len(STEPS))
        tail = run.source + (f" / {run.note}" if run.note else "")
        decision = run.decision or run.status
        lines.append(f"{run.id:>4}  {run.started_at:%Y-%m-%d %H:%M}  {run.profile:<7}  "
                     f"{decision:<10}  {_clock(run.seconds_total):>6}  {answers:<19}  {tail}")
    return "\n".join(lines) + "\n"


def run_history(args: argparse.Namespace) -> int:
    """Print the runs as a table, or with --json as one JSON array."""
    runs = load_runs(args.since)
    if args.json:
        write_out(json.dumps([run_json(run) for run in runs], indent=2) + "\n")
    else:
        write_out(history_table(runs))
    return 0


def write_review(path: Path, text: str) -> None:
    """Write the review whole or not at all (a failed write never leaves half a review)."""
    from cockpit.files import write_text_atomic

    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise UserError(f"{path}: cannot write ({exc.strerror or exc})") from None


def run_export(args: argparse.Namespace) -> int:
    """Write the review (Markdown or JSON) to --output or the terminal."""
    runs = load_runs(args.since)
    if args.format == "json":
        text = json.dumps([run_json(run) for run in runs], indent=2) + "\n"
    else:
        text = runs_markdown(runs)
    if args.output:
        write_review(Path(args.output), text)
        note(f"wrote {len(runs)} run(s) to {args.output}")
    else:
        write_out(text)
    return 0

