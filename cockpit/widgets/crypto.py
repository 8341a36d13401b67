"""Crypto structure pane: BTC and ETH perps: funding, open interest, liquidations and the structure verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.widgets.charts import ChartSpec, Series
from cockpit.widgets.format import age_text, cell, money, num, price, row, short_money, signed, styled, yes_no
from cockpit.widgets.pane import Pane
from cockpit.widgets.pane_view import PANE_TITLES, PaneContext, PaneView, freshness

if TYPE_CHECKING:
    from cockpit.models import CryptoAsset

VERDICT_STYLES = {"calm": "bold $gain", "building": "bold $warning", "liquidation-driven": "bold $alert",
                  "reset": "bold $primary"}
COLUMN = 9


def _per_interval(asset: CryptoAsset) -> str:
    """The predicted rate per the perp's own funding interval: 0.010%/8h, 0.001%/1h."""
    if asset.funding_rate is None:
        return num(None)
    return f"{asset.funding_rate * 100:.3f}%/{asset.funding_interval_h or 8:g}h"


def _funding_pct(rate: float | None) -> str:
    return num(None if rate is None else rate * 100, ".4f", "%")


Z_CAP = 10.0


def z_text(z: float | None) -> str:
    """A liquidation z-score for the screen: capped at '>10' (the JSON keeps the number)."""
    if z is not None and z > Z_CAP:
        return f">{Z_CAP:.0f}"
    return num(z, "+.1f")


def _z_style(asset: CryptoAsset, threshold: float) -> str | None:
    z = asset.liq_zscore_1h
    return "bold $alert" if z is not None and z >= threshold else None


def coins(value: float | None) -> str:
    """A coin amount scaled to K/M: 110K, 2.05M."""
    return short_money(value)


def _interval_label(btc: CryptoAsset, eth: CryptoAsset) -> str:
    intervals = {a.funding_interval_h for a in (btc, eth) if a.funding_interval_h is not None}
    return f"/{next(iter(intervals)):g}h" if len(intervals) == 1 else "/int"


def asset_rows(btc: CryptoAsset, eth: CryptoAsset, ctx: PaneContext) -> list[str]:
    """One row per figure, BTC and ETH side by side, each figure with its unit."""
    pair = (btc, eth)
    z_limit = ctx.profile.liq_zscore
    per = _interval_label(btc, eth)
    return [
        row("", [cell(btc.symbol.split("/")[0], COLUMN, "bold"), cell(eth.symbol.split("/")[0], COLUMN, "bold")]),
        row("price $", [cell(price(a.price), COLUMN) for a in pair]),
        row("4h", [signed(a.change_4h_pct, "+.2f", "%", COLUMN) for a in pair]),
        row("24h", [signed(a.change_24h_pct, "+.2f", "%", COLUMN) for a in pair]),
        row("funding", [cell(_per_interval(a), COLUMN) for a in pair]),  # predicted, per the venue's interval
        row(" settled", [cell(_funding_pct(a.funding_settled_rate), COLUMN, "$text-muted") for a in pair]),
        row(" annual", [signed(a.funding_annualised_pct, "+.1f", "%", COLUMN, rising_is_good=False) for a in pair]),
        row(f" $ {per[1:]}/d", [cell(f"{short_money(a.funding_spend_usd_per_interval)}/"
                                     f"{short_money(a.funding_spend_usd_per_day)}", COLUMN) for a in pair]),
        row("OI coins", [cell(coins(a.open_interest), COLUMN) for a in pair]),  # changes and resets are in coins
        row("OI $", [cell(money(a.open_interest_usd), COLUMN) for a in pair]),
        row(f"OI {ctx.profile.oi_lookback_h}h", [signed(a.oi_change_pct, "+.1f", "%", COLUMN) for a in pair]),
        row("liq L/S", [cell(f"{short_money(a.long_liq_usd_1h)}/{short_money(a.short_liq_usd_1h)}", COLUMN)
                        for a in pair]),
        row("liq z", [cell(z_text(a.liq_zscore_1h), COLUMN, _z_style(a, z_limit)) for a in pair]),
        row("liq %OI", [cell(num(a.liq_oi_pct_1h, ".3f", "%"), COLUMN) for a in pair]),
        row("age", [cell(age_text(ctx.age(a.age_s)), COLUMN, "$text-muted") for a in pair]),
    ]


def render_crypto(ctx: PaneContext) -> PaneView:
    """The crypto structure view; the chart is BTC price over its long-liquidation bars."""
    c = ctx.snapshot.readings.crypto
    state, subtitle = freshness(ctx, "crypto", c.btc.age_s)
    lines = asset_rows(c.btc, c.eth, ctx)
    under_way = " (now)" if c.flush_active else ""
    flushes = f"{c.flush_count}{under_way}" if c.flushes_known else "n/a"  # no tape: unknown, not zero
    lines.append(styled(f"flushes {flushes} · OI reset {yes_no(c.oi_reset)} · "
                        f"trend BTC {c.btc.trend or 'n/a'}", "$text-muted"))
    word = c.state or "n/a"
    verdict = styled("structure ", "$text-muted") + styled(word.upper(), VERDICT_STYLES.get(word))
    chart = ChartSpec(
        lines=(Series("BTC", c.btc.price_history, "primary"),),
        bars=(Series("long liq $M", tuple(v / 1e6 for v in c.btc.liq_history), "loss"),),
    )
    return PaneView(verdict=verdict, body="\n".join(lines), subtitle=subtitle, chart=chart, state=state)


class CryptoPane(Pane):
    """Perp structure: is this tape liquidation-driven?"""

    PANE_KEY = "crypto"
    TITLE = PANE_TITLES["crypto"]

    def render_view(self, ctx: PaneContext) -> PaneView:
        """The crypto view of the context."""
        return render_crypto(ctx)
