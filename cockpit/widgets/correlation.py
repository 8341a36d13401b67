"""Correlation pane: SPX futures against BTC on 1h and 4h bars (consecutive pairs only, gap pairs counted), realized
vols with their annualised level, the opening gap, and the both-down marker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.widgets.charts import ChartSpec, Series
from cockpit.widgets.format import age_text, cell, num, row, styled
from cockpit.widgets.pane import Pane
from cockpit.widgets.pane_view import PANE_TITLES, PaneContext, PaneView, freshness

if TYPE_CHECKING:
    from cockpit.models import CorrelationReading, VolReading

COLUMN = 9
GAP_SHOWN_PCT = 1.0  # SPEC §3: a session's opening gap is shown when |gap| >= 1 %


def coupling(value: float | None, threshold: float) -> tuple[str, str | None]:
    """The verdict word for a 4h correlation: one risk book, coupled, loose or decoupled."""
    if value is None:
        return "n/a", None
    if value >= threshold:
        return "one risk book", "bold $alert"
    if value >= 0.4:
        return "coupled", "bold $warning"
    if value >= 0.0:
        return "loose", "bold $gain"
    return "decoupled", "bold $gain"


def _corr_cell(value: float | None, threshold: float) -> str:
    style = "bold $alert" if value is not None and value >= threshold else None
    return cell(num(value, "+.2f"), COLUMN, style)


def _vol_cell(vol: VolReading, rising_ratio: float) -> str:
    ratio = vol.ratio
    style = "$loss" if ratio is not None and ratio >= rising_ratio else None
    return cell(num(ratio, ".2f", "x"), COLUMN, style)


def _trend_cell(trend: str | None) -> str:
    style = "$loss" if trend == "down" else "$gain" if trend == "up" else None
    glyph = {"down": "▼ ", "up": "▲ "}.get(trend or "", "")
    return cell(glyph + (trend or "n/a"), COLUMN, style)


def history_chart(c: CorrelationReading, threshold: float) -> ChartSpec:
    """1h and 4h rolling correlation on one time axis (4h points every fourth hour, ending together)."""
    count_1h = len(c.history_1h)
    end = max(count_1h - 1, (len(c.history_4h) - 1) * 4)
    xs_4h = tuple(float(end - 4 * (len(c.history_4h) - 1 - i)) for i in range(len(c.history_4h)))
    xs_1h = tuple(float(end - (count_1h - 1 - i)) for i in range(count_1h))
    return ChartSpec(
        lines=(Series("1h", c.history_1h, "primary", xs=xs_1h), Series("4h", c.history_4h, "accent", xs=xs_4h)),
        guides=((threshold, "alert"), (0.0, "stale")),
        ylim=(-1.0, 1.0),
    )


def render_correlation(ctx: PaneContext) -> PaneView:
    """The correlation view: both timeframes with their windows, vol ratios, trends and the marker."""
    c = ctx.snapshot.readings.correlation
    p = ctx.profile
    btc_age = ctx.snapshot.readings.crypto.btc.age_s
    index_closed = not ctx.is_open(ctx.universe.index)
    # The reading is as old as its older input (the index's last bar on a weekend), never BTC's fresh one.
    state, subtitle = freshness(ctx, "correlation", c.age_s, index_closed)
    index_name = ctx.universe.index
    lines = [
        row(f"{index_name}~BTC", [cell("1h", COLUMN, "bold"), cell("4h", COLUMN, "bold")]),
        row("corr", [_corr_cell(c.c1h.value, p.single_book_corr), _corr_cell(c.c4h.value, p.single_book_corr)]),
        row("window", [cell(f"{c.c1h.n}/{c.c1h.window}", COLUMN, "$text-muted"),
                       cell(f"{c.c4h.n}/{c.c4h.window}", COLUMN, "$text-muted")]),
        row(" gaps out", [cell(str(c.c1h.gap_pairs_dropped), COLUMN, "$text-muted"),
                          cell(str(c.c4h.gap_pairs_dropped), COLUMN, "$text-muted")]),
        row("", [cell(index_name, COLUMN, "bold"), cell("BTC", COLUMN, "bold")]),
        row("vol x", [_vol_cell(c.vol_index, p.vol_rising_ratio), _vol_cell(c.vol_btc, p.vol_rising_ratio)]),
        row("vol ann", [cell(num(v.annualised_pct, ".0f", "%"), COLUMN) for v in (c.vol_index, c.vol_btc)]),
        row(f"trend {p.dominant_timeframe}", [_trend_cell(c.trend_index), _trend_cell(c.trend_btc)]),
        row("age", [cell("CLOSED" if index_closed else age_text(ctx.age(c.age_s)), COLUMN, "$text-muted"),
                    cell(age_text(ctx.age(btc_age)), COLUMN, "$text-muted")]),
    ]
    if c.gap_pct is not None and abs(c.gap_pct) >= GAP_SHOWN_PCT:
        lines.append(styled(f"{index_name} opened {c.gap_pct:+.1f}% vs last close",
                            "bold $loss" if c.gap_pct < 0 else "bold $gain"))
    if c.both_down_vol_rising:
        lines.append(styled("▼ BOTH DOWN & VOL RISING: trade smaller", "bold $alert"))
    else:
        lines.append(styled(f"both down & vol rising: {num(None) if c.both_down_vol_rising is None else 'no'}",
                            "$text-muted"))
    word, style = coupling(c.c4h.value, p.single_book_corr)
    verdict = styled("stocks~crypto ", "$text-muted") + styled(word.upper(), style)
    return PaneView(verdict=verdict, body="\n".join(lines), subtitle=subtitle,
                    chart=history_chart(c, p.single_book_corr), state=state)


class CorrelationPane(Pane):
    """Are stocks and crypto one risk book right now?"""

    PANE_KEY = "correlation"
    TITLE = PANE_TITLES["correlation"]

    def render_view(self, ctx: PaneContext) -> PaneView:
        """The correlation view of the context."""
        return render_correlation(ctx)
