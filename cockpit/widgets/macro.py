"""Macro pane: US10Y (bp), DXY (%), the fed funds path, VIX/VIX3M/MOVE, credit and the risk-budget verdict, with a
yields and dollar chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.widgets.charts import ChartSpec, Series
from cockpit.widgets.format import age_text, cell, num, row, signed, styled
from cockpit.widgets.pane import Pane
from cockpit.widgets.pane_view import PANE_TITLES, PaneContext, PaneView, freshness

if TYPE_CHECKING:
    from cockpit.models import ImpliedVolReading, MacroReading

VERDICT_STYLES = {"shrinking": "bold $loss", "stable": "bold $text", "expanding": "bold $gain"}


def policy_line(reading: MacroReading) -> str:
    """The implied policy path: front rate → last contract, and how many bp of cuts (or hikes) it prices."""
    path = reading.policy_path
    if not path:
        return row("path", [cell("n/a", 8)], label_width=6)
    front, last = path[0], path[-1]
    priced_bp = (last.rate - front.rate) * 100
    word = "cuts" if priced_bp < 0 else "hikes"
    style = "$loss" if priced_bp > 0 else "$gain" if priced_bp < 0 else None
    return row("path", [styled(f"{front.rate:.2f}→{last.rate:.2f}%", None),
                        styled(f"{abs(priced_bp):.0f}bp {word}", style)], label_width=6)


def _vol_row(label: str, reading: ImpliedVolReading | None, spec: str, extra: str = "") -> str:
    if reading is None:
        return row(label, [cell("n/a", 6)], label_width=5)
    cells = [cell(num(reading.value, spec), 6), signed(reading.change_pct, "+.0f", "%", 6, rising_is_good=False)]
    return row(label, [*cells, extra] if extra else cells, label_width=5)


def vol_credit_lines(m: MacroReading) -> list[str]:
    """VIX with its term structure (VIX3M; BACKWD when above it), MOVE, and credit (HYG/LQD), one row each."""
    if m.backwardation:
        term = styled("BACKWD", "bold $alert")
    else:
        term = styled(f"3M {num(m.vix3m.value, '.1f')}", "$text-muted") if m.vix3m else ""
    credit = m.credit
    if credit is None:
        credit_row = row("HY/IG", [cell("n/a", 6)], label_width=5)
    else:
        widening = styled("WIDEN", "bold $loss") if credit.spreads_widening else ""
        credit_row = row("HY/IG", [signed(credit.hyg_lqd_change_pct, "+.2f", "%", 8), widening], label_width=5)
    return [_vol_row("VIX", m.vix, ".1f", term), _vol_row("MOVE", m.move, ".0f"), credit_row]


def render_macro(ctx: PaneContext) -> PaneView:
    """The macro view: rises in yields, the dollar and the policy path are risk-negative ($loss)."""
    m = ctx.snapshot.readings.macro
    closed = not ctx.is_open(ctx.universe.us10y)
    state, subtitle = freshness(ctx, "macro", m.us10y_age_s, closed)
    front = m.policy_path[0].rate if m.policy_path else None
    dim = "$stale" if state == "stale" else None
    lines = [
        row("US10Y", [cell(num(m.us10y, ".3f", "%"), 7, dim),
                      signed(m.us10y_change_bp, "+.1f", "bp", 8, rising_is_good=False),
                      cell(age_text(ctx.age(m.us10y_age_s)), 5, "$text-muted")], label_width=6),
        row("DXY", [cell(num(m.dxy, ".2f"), 7, dim),
                    signed(m.dxy_change_pct, "+.2f", "%", 8, rising_is_good=False),
                    cell(age_text(ctx.age(m.dxy_age_s)), 5, "$text-muted")], label_width=6),
        row("FF", [cell(num(front, ".3f", "%"), 7, dim),
                   signed(m.policy_change_bp, "+.1f", "bp", 8, rising_is_good=False),
                   cell(age_text(ctx.age(m.us10y_age_s)), 5, "$text-muted")], label_width=6),
        policy_line(m),
        *vol_credit_lines(m),
        styled(f"changes over {m.lookback_h}h ({ctx.profile.name.value})", "$text-muted"),  # each one's own open hours
    ]
    if closed:
        lines.append(styled("rates & dollar futures CLOSED", "$text-muted"))
    verdict_word = m.risk_budget or "n/a"
    verdict = styled("risk budget ", "$text-muted") + styled(verdict_word.upper(), VERDICT_STYLES.get(verdict_word))
    chart = ChartSpec(lines=(
        Series("US10Y", m.us10y_history, "loss", "left"),
        Series("DXY", m.dxy_history, "primary", "right"),
    ))
    return PaneView(verdict=verdict, body="\n".join(lines), subtitle=subtitle, chart=chart, state=state)


class MacroPane(Pane):
    """Rates, the dollar and the policy path: is the risk budget shrinking?"""

    PANE_KEY = "macro"
    TITLE = PANE_TITLES["macro"]

    def render_view(self, ctx: PaneContext) -> PaneView:
        """The macro view of the context."""
        return render_macro(ctx)
