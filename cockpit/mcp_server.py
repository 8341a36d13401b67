"""The MCP server of `cockpit mcp`: the read-only agent tools over stdio, with descriptions an agent can act on.

Imported only when `cockpit mcp` runs (it needs the `agent` extra); the tools themselves live in
`cockpit.agent` and reuse the commands' own functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from cockpit import __version__
from cockpit.errors import UserError

if TYPE_CHECKING:
    from cockpit.agent import AgentTools

STALENESS = (
    " Freshness: every figure has `age_s` (seconds since its data); `freshness` gives each source's age, `stale` "
    "(true when older than its limit), `state` (ok, stale, closed = market shut, down, disabled, unsupported) and "
    "the error in words. Stale data is marked stale and raises a STALE_DATA flag, never shown as fresh; `null` "
    "means a figure could not be computed (missing data), never zero. `source` says where the data came from: "
    "demo is the built-in simulator (simulated figures, not market data), replay a recording, file a user's "
    "bar file, live the real feeds."
)

SNAPSHOT = (
    "The cockpit's whole evaluation at one moment: exactly the JSON of `cockpit snapshot --json` (schema 1). "
    "`as_of` is the moment evaluated (UTC). `macro`: US10Y yield in % and its change in basis points, DXY and "
    "its change in %, the fed funds futures path (rate = 100 - price), all over `lookback_h` hours, and "
    "`risk_budget` shrinking/stable/expanding. `leadership`: the AI/semis/software basket against the index "
    "(relative strength in %, breadth above its moving average and at new lows as shares 0-1, verdict "
    "leading/breaking/broken, coverage of members with data). `crypto`: BTC and ETH perps with price, "
    "funding rate per interval as a fraction (0.0001 = 0.01 %) and annualised in %, open interest in USD and "
    "its change, long and short liquidations in USD over the last hour with a robust z-score, trend; `state` "
    "calm/building/liquidation-driven/reset, `flush_count`, `oi_reset`. `correlation`: rolling correlation "
    "(-1..1) of index futures and BTC returns on 1h and 4h bars (`window` = returns used), realized vol recent "
    "vs prior and their ratio, `both_down_vol_rising`. `regime`: calm, trend_break, volatility_event, "
    "liquidity_shock or unknown, with the sizing multiplier it allows (by default 1, 0.75, 0.5, 0.25; unknown "
    "sizes like the most cautious) and its evidence. `outlook`: A_normalization, B_liquidity_tightening, "
    "C_reflation or null, with signals for and against. `flags`: active rule flags, most severe first, with evidence."
    + STALENESS
)

FLAGS = (
    "The active flags, most severe first: id (RISK_BUDGET_SHRINKING, LIQUIDATION_CASCADE, OI_BUILD_INTO_DECLINE, "
    "LEADERSHIP_BREAK, CORRELATED_RISK_OFF, SINGLE_RISK_BOOK, VOL_SPIKE, STALE_DATA), severity (info, warning, "
    "critical), a one-line message and the evidence figures that fired it; with the regime they set and the "
    "freshness of the data behind them. `log` is the flag log (each flag's active span, since/until, last "
    "7 days) where this cockpit keeps one, and null where it does not yet." + STALENESS
)

SIZE = (
    "The risk-tier sizing calculator, the same as `cockpit size --json`: qty = equity x tier risk % x regime "
    "multiplier / |entry - stop|. Returns qty, notional, the risk amount and its % of equity, the tier and "
    "multiplier used, 1R/2R/3R targets, leverage used (notional / equity) and, with `leverage`, the isolated "
    "liquidation price of a linear perp and the margin; a stop beyond liquidation is flagged "
    "STOP_BEYOND_LIQUIDATION. Without `regime` it sizes for the regime the cockpit judges now (stated in "
    "`regime` and `regime_judged_at`; unknown, the most cautious, when the data cannot judge it). A "
    "calculation only: it places no order."
)

CHECK_PLAN = (
    "Pre-trade checks for a planned trade, the same as `cockpit snapshot --plan PLAN.json --json`, against the "
    "journal's closed round trips (read only). `checks` lists the plan's own flags: REVENGE_ENTRY (entry soon "
    "after a losing trade), FIRST_FLUSH (buying the first liquidation flush before open interest reset), "
    "AGAINST_DOMINANT_TREND, MACRO_NOT_STABLE (yields or the dollar still rising), ALL_IN_ENTRY (bigger than "
    "the profile's scale-in slice), OVERSIZED (risk above the tier the regime allows, or notional above the "
    "leverage limit), STOP_BEYOND_LIQUIDATION; each with evidence. An empty `checks` means no rule objected. "
    "`snapshot` is the whole evaluation with those flags joined. It records nothing and places no order."
    + STALENESS
)

CHECKLIST = (
    "The saved daily risk-off checklist runs (`cockpit checklist history --json`), newest last: each run's "
    "start and finish (UTC), profile, source, the five steps with the readings shown, the suggested and given "
    "answers (overridden = the trader disagreed with the cockpit), time spent against each step's budget, and "
    "the decision (hedge, reduce or wait) with its note. Read from the journal without writing it; none "
    "when no run was saved."
)

SCENARIOS = (
    "The built-in simulator's named scenarios (`cockpit scenarios --json`): name, start date, length, summary "
    "and which is the default. These are simulated markets for practice and tests, not history to trade on."
)

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                            open_world_hint=False)

Money = Annotated[float, Field(description="a positive amount in the quote currency, e.g. 50000")]
Price = Annotated[float, Field(description="a positive price, e.g. 84250")]
Side = Annotated[str, Field(description="long or short")]
Tier = Annotated[int | None, Field(description="risk tier 1, 2 or 3 (0.25, 0.50, 1.00 % of equity by default); "
                                               "omit for the profile's default")]
Leverage = Annotated[float | None, Field(description="perp leverage, e.g. 5: adds the liquidation price")]
Mmr = Annotated[float | None, Field(description="maintenance margin rate (default 0.005)")]


def _answer(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A tool's answer; bad input comes back as an MCP tool error with the CLI's one-line message."""
    try:
        return call()
    except UserError as exc:
        raise ToolError(str(exc)) from None


def build_server(tools: AgentTools) -> MCPServer:
    """The MCP server with the six read-only tools registered."""
    instructions = (
        f"Read-only tools of the cockpit, a risk monitor for correlated stock and crypto selloffs, reading the "
        f"{tools.source_kind} source. Read `snapshot` or `flags` before suggesting a trade, size it with `size`, "
        "and run `check_plan` on it. Check `freshness` and STALE_DATA first: stale figures are marked, not fresh. "
        "No tool places an order or writes the journal."
    )
    server: MCPServer = MCPServer("cockpit", instructions=instructions, version=__version__)

    @server.tool(description=SNAPSHOT, annotations=READ_ONLY)
    def snapshot() -> dict[str, Any]:
        return _answer(tools.snapshot)

    @server.tool(description=FLAGS, annotations=READ_ONLY)
    def flags() -> dict[str, Any]:
        return _answer(tools.flags)

    @server.tool(description=SIZE, annotations=READ_ONLY)
    def size(equity: Money, entry: Price, stop: Annotated[float, Field(description="stop price: below entry for "
                                                                                    "a long, above for a short")],
             side: Side = "long", tier: Tier = None,
             regime: Annotated[str | None, Field(description="calm, trend_break, volatility_event, liquidity_shock "
                                                             "or unknown; omit for the cockpit's current regime")]
             = None,
             leverage: Leverage = None, mmr: Mmr = None) -> dict[str, Any]:
        return _answer(lambda: tools.size(equity=equity, entry=entry, stop=stop, side=side, tier=tier,
                                          regime=regime, leverage=leverage, mmr=mmr))

    @server.tool(description=CHECK_PLAN, annotations=READ_ONLY)
    def check_plan(symbol: Annotated[str, Field(description="the instrument, e.g. BTC/USDT:USDT or ES=F")],
                   side: Side, entry: Price,
                   stop: Annotated[float, Field(description="planned stop price")],
                   qty: Annotated[float, Field(description="planned quantity in units of the instrument")],
                   ts: Annotated[str | None, Field(description="planned entry time, ISO-8601 UTC; omit for the "
                                                               "snapshot's moment")] = None,
                   equity: Annotated[float | None, Field(description="account equity, for the size checks")] = None,
                   tier: Tier = None, leverage: Leverage = None, mmr: Mmr = None) -> dict[str, Any]:
        plan = {"ts": ts, "symbol": symbol, "side": side, "entry": entry, "stop": stop, "qty": qty,
                "equity": equity, "tier": tier, "leverage": leverage, "mmr": mmr}
        return _answer(lambda: tools.check_plan(plan))

    @server.tool(description=CHECKLIST, annotations=READ_ONLY)
    def checklist_history(since: Annotated[str | None, Field(
            description="only runs started since: YYYY-MM-DD, an ISO time, or a span like 7d")] = None,
            ) -> dict[str, Any]:
        return _answer(lambda: tools.checklist_history(since))

    @server.tool(description=SCENARIOS, annotations=READ_ONLY)
    def scenarios() -> dict[str, Any]:
        return _answer(tools.scenarios)

    return server
