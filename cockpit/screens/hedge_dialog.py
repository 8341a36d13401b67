"""The hedge dialog (SPEC §12): prefilled from the book, the hedge for a share of its ES- or BTC-beta with the
instrument chosen, its residual betas, and the *reduce* answer beside it. The arithmetic is `cockpit.hedge`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from cockpit.hedge import (
    DEFAULT_SHARE,
    INSTRUMENTS,
    check_share,
    default_instrument,
    hedge_lines,
    parse_instrument,
    plan_hedge,
    reduce_lines,
    reduce_to_limit,
)

if TYPE_CHECKING:
    from cockpit.analytics.beta import Series
    from cockpit.book import Book


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "").replace("_", ""))
    except ValueError:
        return None


class HedgeDialog(ModalScreen[None]):
    """Hedge or reduce the book; Esc closes."""

    BINDINGS = [Binding("escape", "close", "Close")]
    DEFAULT_CSS = """
    HedgeDialog { align: center middle; background: $background 60%; }
    HedgeDialog #hedge-box { width: 96; max-width: 98%; height: auto; max-height: 95%; padding: 0 1;
                             background: $surface; border: thick $accent; border-title-color: $accent; }
    HedgeDialog .hedge-row { height: 3; }
    HedgeDialog .hedge-row Label { width: 7; padding: 1 0 0 1; }
    HedgeDialog #hedge-with { width: 24; }
    HedgeDialog #hedge-share { width: 10; }
    HedgeDialog #hedge-price { width: 18; }
    HedgeDialog #hedge-answer, HedgeDialog #reduce-answer { margin: 1 0 0 0; }
    HedgeDialog #hedge-hint { color: $text-muted; margin: 1 0 0 0; }
    """

    def __init__(self, book: Book | None, series: Mapping[str, Series], *, es_symbol: str = "ES=F",
                 btc_symbol: str = "BTC/USDT:USDT", instrument: str | None = None,
                 share: float = DEFAULT_SHARE) -> None:
        super().__init__(id="hedge")
        self.book = book
        self.series = series
        self.es_symbol = es_symbol
        self.btc_symbol = btc_symbol
        chosen = instrument or (default_instrument(book).symbol if book is not None else "MES=F")
        self.instrument = parse_instrument(chosen).symbol
        self.share_text = f"{share:g}"

    def compose(self) -> ComposeResult:
        """The book's betas, the three inputs, the answers."""
        with Vertical(id="hedge-box") as box:
            box.border_title = "Hedge or reduce the book"
            box.border_subtitle = "Esc closes"
            yield Static(self._summary(), id="hedge-book")
            with Horizontal(classes="hedge-row"):
                yield Label("with")
                yield Select([(symbol, symbol) for symbol in INSTRUMENTS], value=self.instrument, allow_blank=False,
                             id="hedge-with")
                yield Label("share")
                yield Input(self.share_text, placeholder="0-1", id="hedge-share")
                yield Label("price")
                yield Input("", placeholder="the source's", id="hedge-price")
            yield Static(id="hedge-answer")
            yield Static(id="reduce-answer")
            yield Static("Tab moves between fields · whole contracts, rounded towards the smaller hedge",
                         id="hedge-hint")

    def on_mount(self) -> None:
        """Answer for the prefilled values at once."""
        self.recompute()

    def _summary(self) -> Text:
        book = self.book
        if book is None:
            return Text("The book is not built yet (no market data): the answers follow when it is.", style="dim")
        return Text(f"book: {len(book.positions)} position(s)   ES-beta {book.es_beta_exposure:,.0f}   "
                    f"BTC-beta {book.btc_beta_exposure:,.0f}   open risk {book.open_risk:,.0f}   "
                    f"beta window {book.window_h}h")

    @property
    def share_value(self) -> str:
        """The share as typed."""
        return self.query_one("#hedge-share", Input).value

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        self.recompute()

    def recompute(self) -> None:
        """The hedge and reduce answers for what the inputs say now (bad input is said, never raised)."""
        answer_box = self.query_one("#hedge-answer", Static)
        reduce_box = self.query_one("#reduce-answer", Static)
        if self.book is None:
            answer_box.update(Text("no book yet", style="dim"))
            reduce_box.update("")
            return
        selected = self.query_one("#hedge-with", Select).value
        self.instrument = str(selected) if isinstance(selected, str) else self.instrument
        share = _number(self.share_value)
        price_text = self.query_one("#hedge-price", Input).value.strip()
        price = _number(price_text) if price_text else None
        try:
            if share is None:
                raise ValueError(f"share must be a number above 0 and at most 1, got '{self.share_value}'")
            check_share(share)
            if price_text and (price is None or price <= 0):
                raise ValueError(f"price must be a number above zero, got '{price_text}'")
            answer = plan_hedge(self.book, self.series, INSTRUMENTS[self.instrument], share, price=price,
                                es_symbol=self.es_symbol, btc_symbol=self.btc_symbol)
        except ValueError as exc:
            answer_box.update(Text(str(exc), style="bold red"))
        else:
            answer_box.update(Text("\n".join(hedge_lines(answer))))
        reduce_box.update(Text("\n".join(reduce_lines(reduce_to_limit(self.book)))))

    @property
    def answer_text(self) -> str:
        """The hedge answer as plain text (for tests)."""
        return str(self.query_one("#hedge-answer", Static).visual)

    def action_close(self) -> None:
        """Back to where the dialog was opened."""
        self.dismiss(None)
