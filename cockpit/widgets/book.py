"""Book pane (SPEC §12): positions with their betas and open risk, exposure, the limits as bars, and the flags.

The book is built off the UI thread (the screen's book worker) and handed to the pane; rendering is pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from cockpit.kinds import Severity
from cockpit.widgets.format import age_text, cell, price, short_money, styled
from cockpit.widgets.pane import Pane
from cockpit.widgets.pane_view import PANE_TITLES, PaneContext, PaneView, freshness

if TYPE_CHECKING:  # the book and hedge modules load with the first book, after the first frame
    from cockpit.analytics.beta import Beta, Series
    from cockpit.book import Book, Position
    from cockpit.models import Flag

MAX_ROWS = 10
BAR_WIDTH = 24
SEVERITY_STYLES = {Severity.CRITICAL: "bold $loss", Severity.WARNING: "$alert", Severity.INFO: "$text-muted"}
EMPTY_HINT = ("no positions: i adds one here; `cockpit book add SYMBOL QTY [--price P] [--stop S]`, "
              "`cockpit book import FILE`, or fills in the journal")


def limit_bar(label: str, value: float | None, limit: float, width: int = BAR_WIDTH) -> str:
    """`book risk ████████░░░░│░░ 2.10 % of 3 %`: the bar fills to the limit mark, red beyond it."""
    if value is None:
        return styled(f"{label:<10}", "$text-muted") + styled(f"{'·' * width}  n/a (no equity)", "$stale")
    scale = max(limit * 1.5, 1e-12)
    filled = min(width, round(value / scale * width))
    mark = round(limit / scale * width)
    style = "$loss" if value > limit else "$alert" if value > 0.8 * limit else "$gain"
    cells = "".join("█" if i < filled else ("│" if i == mark else "░") for i in range(width))
    over = " OVER" if value > limit else ""
    return (styled(f"{label:<10}", "$text-muted") + styled(cells, style)
            + styled(f" {value:.2f} % of {limit:g} %{over}", style if over else None))


def _beta(beta: Beta) -> str:
    from cockpit.analytics.beta import BetaSource

    text = f"{beta.value:.2f}"
    if beta.source is BetaSource.ASSUMED:
        return cell(text + "*", 6, "$stale")
    return cell(text + ("=" if beta.source is BetaSource.IDENTITY else " "), 6)


def position_row(p: Position, ctx: PaneContext) -> str:
    """One position: symbol, qty, price, notional, betas, beta-weighted ES, risk to stop, age or why stale."""
    note = styled("stale", "$stale") if p.stale_reason else styled(age_text(ctx.age(p.age_s)), "$text-muted")
    if p.stop_side is not None:  # the short form: one line at 100 columns
        note += styled(f" {'at' if p.stop_side == 'at' else 'past'} stop {price(p.stop)}", "bold $loss")
    risk = p.open_risk
    return " ".join([
        cell(p.symbol[:14], 14, "$stale" if p.stale_reason else None, "<"),
        cell(f"{p.qty:g}"[:9], 9, "$loss" if p.qty < 0 else None),
        cell(price(p.price), 9),
        cell(signed_money(p.notional), 7),
        _beta(p.beta_es),
        _beta(p.beta_btc),
        cell(signed_money(p.es_beta_notional), 7),
        cell("no stop" if risk is None else short_money(risk), 7, "$text-muted" if risk is None else None),
        note,
    ])


def signed_money(value: float) -> str:
    """Scaled money with its sign: -1.2M, 600K."""
    return ("-" if value < 0 else "") + short_money(value)


def figures(*pairs: tuple[str, float]) -> str:
    """`label value  label value ...` with muted labels."""
    return "  ".join(styled(f"{label} ", "$text-muted") + signed_money(value) for label, value in pairs)


def flag_line(flag: Flag) -> str:
    """A flag in one line, coloured by severity."""
    return styled(f"{flag.id.value} ", SEVERITY_STYLES[flag.severity]) + styled(flag.message, None)


def answers(ctx: PaneContext, book: Book, series: Mapping[str, Series]) -> list[str]:
    """The default hedge (half the larger beta) and the reduce answer, as `cockpit hedge` prints them."""
    from cockpit.hedge import DEFAULT_SHARE, default_instrument, hedge_lines, plan_hedge, reduce_lines, reduce_to_limit

    if not book.positions:
        return []
    universe = ctx.universe
    btc = universe.btc if universe.btc in series else universe.btc_fallback
    answer = plan_hedge(book, series, default_instrument(book), DEFAULT_SHARE, es_symbol=universe.index,
                        btc_symbol=btc)
    return [styled(line, None) for line in ("", *hedge_lines(answer), *reduce_lines(reduce_to_limit(book)))]


def render_book(ctx: PaneContext, book: Book | None, error: str | None = None,
                extra_flags: Sequence[Flag] = (), series: Mapping[str, Series] | None = None) -> PaneView:
    """The book view of a context: positions, exposure, limits as bars and the book's flags."""
    from cockpit.book import AssetClass

    if book is None:
        body = styled(f"book unavailable: {error}", "$stale") if error else styled("building the book…", "$text-muted")
        return PaneView(verdict=styled("BOOK", "bold $text-muted"), body=body,
                        subtitle=styled(" no book yet ", "$text-muted"), state="stale" if error else "waiting")
    stale = [p for p in book.positions if p.stale_reason]
    ages = [p.age_s for p in book.positions if p.age_s is not None]
    state, subtitle = freshness(ctx, "book", max(ages) if ages else None)
    if stale and state == "ok":
        subtitle = styled(f" {len(stale)} of {len(book.positions)} STALE · age {age_text(ctx.age(max(ages)))} "
                          if ages else f" {len(stale)} of {len(book.positions)} STALE ", "$stale")
    flags = (*book.flags, *extra_flags)
    worst = max((f.severity.rank for f in flags), default=-1)
    verdict_word = "OVER LIMIT" if worst >= Severity.WARNING.rank else "WITHIN LIMITS" if book.equity else "NO EQUITY"
    verdict = (styled("book ", "$text-muted") + styled(verdict_word, "bold $loss" if worst >= 1 else "bold $text")
               + styled(f"  beta window {book.window_h}h of 1h bars, kept pairs only", "$text-muted"))
    lines = []
    if not book.positions:
        lines.append(styled(EMPTY_HINT, "$text-muted"))
    else:
        lines.append(styled(f"{'symbol':<14} {'qty':>9} {'price':>9} {'notion':>7} {'βES':>6} {'βBTC':>6} "
                            f"{'ES-β$':>7} {'risk':>7} age", "$text-muted"))
        lines += [position_row(p, ctx) for p in book.positions[:MAX_ROWS]]
        if len(book.positions) > MAX_ROWS:
            lines.append(styled(f"+{len(book.positions) - MAX_ROWS} more: cockpit book", "$text-muted"))
        for p in stale[:3]:
            lines.append(styled(f"{p.symbol}: {p.stale_reason}", "$stale"))
    how = "one book" if book.one_book else "RSS non-crypto/crypto"
    lines += [
        "",
        figures(("gross", book.gross), ("net", book.net), ("non-crypto", book.class_notional(AssetClass.EQUITY)),
                ("crypto", book.class_notional(AssetClass.CRYPTO))),
        figures(("β-weighted ES", book.es_beta_exposure), ("BTC", book.btc_beta_exposure),
                ("risk→stops", book.open_risk)) + styled(f" ({how})", "$text-muted")
        + (styled(f"  no stop: {', '.join(book.without_stop[:4])}", "$stale") if book.without_stop else ""),
        limit_bar("book risk", book.risk_pct, book.book_risk_pct_limit),
        limit_bar("drawdown", book.drawdown_pct, book.max_drawdown_pct_limit),
    ]
    if book.equity is None:
        lines.append(styled("limits need equity: [book] equity in config.toml", "$text-muted"))
    lines += [flag_line(f) for f in flags] or [styled("no book flags", "$text-muted")]
    lines += answers(ctx, book, series or {})
    lines.append(styled("h hedge dialog · i add a holding · β* assumed (too few pairs), β= the benchmark itself",
                        "$text-muted"))
    return PaneView(verdict=verdict, body="\n".join(lines), subtitle=subtitle, state=state)


class BookPane(Pane):
    """What the trader holds: exposure, betas, open risk and the book's limits."""

    PANE_KEY = "book"
    TITLE = PANE_TITLES["book"]
    HAS_CHART = False

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.book: Book | None = None
        self.error: str | None = None
        self.extra_flags: tuple[Flag, ...] = ()
        self.series: Mapping[str, Series] = {}

    def set_book(self, book: Book | None, error: str | None = None, extra_flags: Sequence[Flag] = (),
                 series: Mapping[str, Series] | None = None) -> None:
        """Remember the newest book and the price series it was marked to (the next render shows them)."""
        self.book, self.error, self.extra_flags = book, error, tuple(extra_flags)
        self.series = series or {}

    def render_view(self, ctx: PaneContext) -> PaneView:
        """The book view of the context."""
        return render_book(ctx, self.book, self.error, self.extra_flags, self.series)
