"""Leadership pane: AI/semis/software leaders against the index: relative strength, breadth, the verdict."""

from __future__ import annotations

from cockpit.widgets.charts import ChartSpec, Series
from cockpit.widgets.format import age_text, cell, num, row, signed, styled, yes_no
from cockpit.widgets.pane import Pane
from cockpit.widgets.pane_view import PANE_TITLES, PaneContext, PaneView, freshness

VERDICT_STYLES = {"leading": "bold $gain", "neutral": "bold $text", "breaking": "bold $loss", "broken": "bold $alert"}


def _share(value: float | None, count: int) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0%} ({round(value * count)}/{count})" if count else f"{value:.0%}"


def render_leadership(ctx: PaneContext) -> PaneView:
    """The leadership view: relative strength vs the index, breadth, the index's own trend, coverage."""
    lead = ctx.snapshot.readings.leadership
    leaders = ctx.universe.leaders
    closed = bool(leaders) and not ctx.is_open(leaders[0])
    state, subtitle = freshness(ctx, "leadership", lead.age_s, closed)
    have, total = len(lead.members), len(lead.members) + len(lead.missing)
    index_word = "n/a" if lead.index_above_ma is None else ("above MA" if lead.index_above_ma else "below MA")
    lines = [
        styled(f"leaders vs {ctx.universe.index} · {lead.timeframe} bars", "$text-muted"),
        row("rel str", [signed(lead.relative_strength_pct, "+.2f", "%", 9),
                        cell(age_text(ctx.age(lead.age_s)), 5, "$text-muted")]),
        row("new low", [cell(yes_no(lead.rs_new_low), 9, "bold $loss" if lead.rs_new_low else None)]),
        row(">MA", [cell(_share(lead.breadth_above_ma, have), 9)]),
        row("new lows", [cell(_share(lead.breadth_new_lows, have), 9,
                              "$loss" if (lead.breadth_new_lows or 0) > 0.25 else None)]),
        row("index", [cell(index_word, 9, "$gain" if lead.index_above_ma else "$loss"
                           if lead.index_above_ma is False else None)]),
        row("members", [cell(f"{have}/{total}", 9, "$loss" if lead.missing else None)]),
    ]
    if lead.missing:
        lines.append(styled("no data: " + " ".join(lead.missing), "$stale"))
    if closed:
        lines.append(styled(f"US equities CLOSED · last bar {age_text(ctx.age(lead.age_s))} ago", "$text-muted"))
    word = lead.verdict or "n/a"
    verdict = styled("leaders ", "$text-muted") + styled(word.upper(), VERDICT_STYLES.get(word))
    if lead.index_holding and word in ("breaking", "broken"):
        verdict += styled(" · index holding", "bold $alert")
    chart = ChartSpec(
        lines=(Series("leaders/index", lead.rs_history, "accent"),),
        guides=((0.0, "stale"),),
    )
    body = "\n".join(lines)
    if lead.relative_strength_pct is None and not lead.members:
        body = styled("no leader data: " + num(None), "$stale")
    return PaneView(verdict=verdict, body=body, subtitle=subtitle, chart=chart, state=state)


class LeadershipPane(Pane):
    """Are the AI/semis/software leaders breaking while the index holds?"""

    PANE_KEY = "leadership"
    TITLE = PANE_TITLES["leadership"]

    def render_view(self, ctx: PaneContext) -> PaneView:
        """The leadership view of the context."""
        return render_leadership(ctx)
