"""Live sources: Yahoo (yfinance) and one crypto venue (ccxt), merged behind the one Source interface.

Building is cheap (no client, no network, no heavy import): each part is constructed on the first poll,
which the app runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.errors import ConfigError
from cockpit.settings import SOURCES, SourceSettings, source_settings

if TYPE_CHECKING:
    from cockpit.config import Config
    from cockpit.sources.base import Source

LiveSettings = SourceSettings  # `[sources]` after defaults, checked by the settings schema
DEFAULTS: dict[str, Any] = {name: getattr(SourceSettings(), name) for name in SOURCES}
MAX_BACKFILL_H = 24 * 180


def live_settings(config: Config) -> LiveSettings:
    """`[sources]` over the defaults (types and bounds were checked on load); an unknown venue is a ConfigError."""
    from cockpit.sources.live.venues import VENUES

    settings = source_settings(config.sources)
    if settings.venue not in VENUES:
        where = f"{config.path}: " if config.path else ""
        raise ConfigError(f"{where}[sources] venue '{settings.venue}' is not supported "
                          f"(supported: {', '.join(VENUES)})")
    return settings


def backfill_hours(config: Config) -> int:
    """Hours of history the most demanding profile needs (capped), fetched once and then cached."""
    return min(MAX_BACKFILL_H, max(profile.history_hours() for profile in config.profiles.values()))


def build_live_source(
    config: Config,
    *,
    data_folder: Path | None = None,
    yahoo_session_factory: Callable[[], Any] | None = None,
    exchange_factory: Callable[[], Any] | None = None,
    stream_factory: Callable[[], Any] | None = None,
    now: Callable[[], datetime] | None = None,
) -> Source:
    """Yahoo plus the configured venue as one Source; the factories are seams for offline tests."""
    from cockpit.config import data_dir
    from cockpit.sources.live.composite import CompositeSource

    settings = live_settings(config)
    folder = data_folder or data_dir()
    cache_dir = folder / "cache"
    backfill = backfill_hours(config)
    clock: dict[str, Any] = {} if now is None else {"now": now}

    def build_yahoo() -> Source:
        from cockpit.sources.live.yahoo import YahooSource

        extra: dict[str, Any] = dict(clock)
        if yahoo_session_factory is not None:
            extra["session_factory"] = yahoo_session_factory
        return YahooSource(config.universe, poll_interval_s=settings.yahoo_poll_s, stale_s=settings.yahoo_stale_s,
                           timeout_s=settings.timeout_s, backfill_h=backfill, cache_dir=cache_dir, **extra)

    def build_exchange() -> Source:
        from cockpit.sources.live.exchange import ExchangeSource
        from cockpit.sources.live.liquidation_stream import LiquidationStream
        from cockpit.sources.live.liquidations import LiquidationStore
        from cockpit.sources.live.venues import venue_spec

        spec = venue_spec(settings.venue)
        store = LiquidationStore(folder / "liquidations.sqlite3")
        stream = LiquidationStream(spec, config.universe.perp_symbols(), store, timeout_s=settings.timeout_s,
                                   exchange_factory=stream_factory, **clock)
        return ExchangeSource(spec, config.universe, poll_interval_s=settings.exchange_poll_s,
                              stale_s=settings.exchange_stale_s, timeout_s=settings.timeout_s,
                              backfill_h=min(backfill, spec.ohlcv_limit - 1), cache_dir=cache_dir,
                              exchange_factory=exchange_factory, liquidations=stream,
                              liquidation_store=store, **clock)

    return CompositeSource(
        [("yahoo", build_yahoo), (settings.venue, build_exchange)],
        poll_interval_s=min(settings.yahoo_poll_s, settings.exchange_poll_s),
        deadline_s=settings.deadline_s,
        **clock,
    )


__all__ = ["DEFAULTS", "LiveSettings", "backfill_hours", "build_live_source", "live_settings"]
