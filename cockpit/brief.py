"""The brief (SPEC §13): the regime and since when, the driver, the cause map, flags and the outlook, in a
paragraph and short tables a trader can paste into a journal. Pure: snapshot JSON in, brief out.

`cockpit brief` builds it from a moment and its timeline; a finished checklist run keeps the brief of the
moment it was saved, built from the snapshot the screen held (`snapshot_brief`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.checklist import RunDraft
    from cockpit.models import Snapshot


def brief_json(p: dict[str, Any]) -> dict[str, Any]:
    """The brief's figures, taken from the snapshot JSON of the same moment (so the two always agree)."""
    return {
        "as_of": p["as_of"], "source": p["source"], "label": p["label"], "profile": p["profile"],
        "regime": p["regime"], "driver": p["driver"], "cause_map": p["cause_map"], "thin": p["thin"],
        "flags": p["flags"], "flag_log": p["flag_log"], "outlook": p["outlook"],
        "figures": {
            "us10y_change_bp": p["macro"]["us10y"]["change_bp"], "dxy_change_pct": p["macro"]["dxy"]["change_pct"],
            "lookback_h": p["macro"]["lookback_h"],
            "corr_1h": p["correlation"]["1h"]["value"], "corr_4h": p["correlation"]["4h"]["value"],
            "btc_price": p["crypto"]["btc"]["price"], "btc_change_24h_pct": p["crypto"]["btc"]["change_24h_pct"],
            "btc_long_liq_usd_1h": p["crypto"]["btc"]["long_liq_usd_1h"],
            "flush_count": p["crypto"]["flush_count"], "oi_reset": p["crypto"]["oi_reset"],
            "leaders_verdict": p["leadership"]["verdict"],
        },
    }


def snapshot_brief(snap: Snapshot, hold_h: int) -> dict[str, Any]:
    """The brief of one snapshot told from the snapshot alone: its span window's hours (`snap.history`).

    No market state is at hand, so the bars-only stage evidence (risk-off shocks, the leaders' opening gaps)
    is left out, and no flag log is read: the flag table holds the spans the window saw.
    """
    from cockpit.snapshot import snapshot_json
    from cockpit.story import moment_story, story_json

    told = moment_story(None, snap, None, hold_h)
    return brief_json({**snapshot_json(snap), **story_json(told)})


def finished_brief(draft: RunDraft, hold_h: int) -> dict[str, Any] | None:
    """The brief a finished run keeps: of the moment it was decided on; None before a decision or without data."""
    if draft.decision is None or draft.moment is None:
        return None
    return snapshot_brief(draft.moment, hold_h)


def _n(value: Any, spec: str, unit: str = "", prefix: str = "") -> str:
    return "n/a" if value is None else f"{prefix}{format(value, spec)}{unit}"


DRIVER_WORDS = {"rates_shock": "a rates shock", "equity_leadership": "an AI/tech leadership repricing",
                "liquidation_cascade": "a crypto liquidation cascade", "mixed": "rates and equity leadership together"}


def brief_paragraph(b: dict[str, Any]) -> str:
    """The brief in one paragraph: regime, episode and driver, the figures, the thin window and the outlook."""
    regime, f, cmap = b["regime"], b["figures"], b["cause_map"]
    since = regime.get("since")
    driver = b["driver"]["label"]
    text = (f"Regime **{regime['label']}** (size ×{regime['multiplier']})"
            + (f" since {since}" if since else "") + ". ")
    if cmap["episode_start"]:
        text += f"Stress episode since {cmap['episode_start']}; "
        text += (f"the driver is {DRIVER_WORDS[driver]} ({b['driver']['evidence']}). " if driver
                 else "no driver stands out yet. ")
    else:
        text += "No stress episode. "
    text += (f"US10Y {_n(f['us10y_change_bp'], '+.1f', ' bp')} and DXY {_n(f['dxy_change_pct'], '+.2f', ' %')} "
             f"over {f['lookback_h']}h; ES~BTC correlation {_n(f['corr_1h'], '+.2f')} (1h), "
             f"{_n(f['corr_4h'], '+.2f')} (4h); BTC {_n(f['btc_price'], ',.0f')} "
             f"({_n(f['btc_change_24h_pct'], '+.1f', ' %')} 24h), long liquidations "
             f"{_n(None if f['btc_long_liq_usd_1h'] is None else f['btc_long_liq_usd_1h'] / 1e6, ',.1f', 'M', '$')} "
             f"in the last hour, {_n(f['flush_count'], 'g')} flush(es) in this move, OI reset "
             f"{'n/a' if f['oi_reset'] is None else 'yes' if f['oi_reset'] else 'no'}; "
             f"leaders {f['leaders_verdict'] or 'n/a'}.")
    if b["thin"]:
        text += f" THIN: {b['thin']['name']} until {b['thin']['until']}."
    outlook = b["outlook"]
    text += (f" Outlook {outlook['label']}." if outlook.get("label")
             else f" No outlook call ({outlook.get('reason') or 'nothing to judge'}).")
    return text


def stage_table(b: dict[str, Any]) -> list[str]:
    """The cause map's stages as Markdown table lines: stage, when reached, evidence."""
    lines = ["| stage | reached | evidence |", "|---|---|---|"]
    return lines + [f"| {_cell(s['name'])} | {s['reached_at'] or '—'} | {_cell(s['evidence'] or '')} |"
                    for s in b["cause_map"]["stages"]]


def flag_table(b: dict[str, Any]) -> list[str]:
    """The flag log's spans as Markdown table lines (a `none` row when there are none)."""
    lines = ["| flag | severity | since | until | message |", "|---|---|---|---|---|"]
    lines += [f"| {s['id']} | {s['severity']} | {s['since']} | {s['until'] or 'active'} | {_cell(s['message'])} |"
              for s in b["flag_log"]]
    return lines if b["flag_log"] else [*lines, "| none | | | | |"]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def brief_markdown(b: dict[str, Any]) -> str:
    """A heading, the paragraph and two short tables a trader can paste into a journal."""
    lines = [f"## Cockpit brief {b['as_of']} ({b['source']} {b['label']}, {b['profile']})".rstrip(), ""]
    lines += [brief_paragraph(b), "", *stage_table(b), "", *flag_table(b)]
    return "\n".join(lines) + "\n"
