"""Crypto structure pane: BTC and ETH perps: funding, open interest, liquidations and the structure verdict."""

from __future__ import annotations

from cockpit.models import CryptoAsset
from cockpit.widgets.charts import ChartSpec, Series
from cockpit.widgets.format import age_text, cell, money, num, price, row, short_money, signed, styled, yes_no
from cockpit.widgets.pane import Pane, PaneContext, PaneView, freshness

VERDICT_STYLES = {"calm": "bold $gain", "building": "bold $warning", "liquidation-driven": "bold $alert",
                  "reset": "bold $primary"}
COLUMN = 9


def _funding_pct(rate: float | None) -> str:
    return num(None if rate is None else rate * 100, ".4f", "%")


def _liq_z(asset: CryptoAsset, threshold: float) -> str:
    z = asset.liq_zscore_1h
    style = "bold $alert" if z is not None and z >= threshold else None
    return cell(num(z, "+.1f"), COLUMN, style)


def asset_rows(btc: CryptoAsset, eth: CryptoAsset, ctx: PaneContext) -> list[str]:
    """One row per figure, BTC and ETH side by side, each figure with its unit."""
    pair = (btc, eth)
    z_limit = ctx.profile.liq_zscore
    return [
        row("", [cell(btc.symbol.split("/")[0], COLUMN, "bold"), cell(eth.symbol.split("/")[0], COLUMN, "bold")]),
        row("price $", [cell(price(a.price), COLUMN) for a in pair]),
        row("4h", [signed(a.change_4h_pct, "+.2f", "%", COLUMN) for a in pair]),
        row("24h", [signed(a.change_24h_pct, "+.2f", "%", COLUMN) for a in pair]),
        row("funding", [cell(_funding_pct(a.funding_rate), COLUMN) for a in pair]),  # predicted, this interval
        row(" settled", [cell(_funding_pct(a.funding_settled_rate), COLUMN, "$text-muted") for a in pair]),
        row(" annual", [signed(a.funding_annualised_pct, "+.1f", "%", COLUMN, rising_is_good=False) for a in pair]),
        row(" spend", [cell(money(a.funding_spend_usd_per_interval), COLUMN) for a in pair]),
        row("OI", [cell(money(a.open_interest_usd), COLUMN) for a in pair]),
        row(f"OI {ctx.profile.oi_lookback_h}h", [signed(a.oi_change_pct, "+.1f", "%", COLUMN) for a in pair]),
        row("liq L/S", [cell(f"{short_money(a.long_liq_usd_1h)}/{short_money(a.short_liq_usd_1h)}", COLUMN)
                        for a in pair]),
        row("liq z", [_liq_z(a, z_limit) for a in pair]),
        row("age", [cell(age_text(ctx.age(a.age_s)), COLUMN, "$text-muted") for a in pair]),
    ]


def render_crypto(ctx: PaneContext) -> PaneView:
    """The crypto structure view; the chart is BTC price over its long-liquidation bars."""
    c = ctx.snapshot.readings.crypto
    state, subtitle = freshness(ctx, "crypto", c.btc.age_s)
    lines = asset_rows(c.btc, c.eth, ctx)
    lines.append(styled(f"flushes {c.flush_count} · OI reset {yes_no(c.oi_reset)} · trend BTC {c.btc.trend or 'n/a'}",
                        "$text-muted"))
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
    TITLE = "Crypto structure"

    def render_view(self, ctx: PaneContext) -> PaneView:
        """The crypto view of the context."""
        return render_crypto(ctx)
