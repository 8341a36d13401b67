"""Named scenarios: keyframed channels (hour offset from the scenario start -> value), linearly interpolated.

Channels: stress (0..1: factor vol, betas and correlation), drift (common risk factor, log/h), rates (US10Y
bp/h), dollar (DXY %/h), policy (fed funds path bp/h), leaders (leaders' own drift, log/h), crypto (crypto's
own drift, log/h), build (extra long open interest added per hour, share of OI), crowding (leverage of
new long positions). Hours before the first keyframe take the calm value, so the warm-up is calm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

Keys = tuple[tuple[float, float], ...]

CALM: dict[str, float] = {
    "stress": 0.05,
    "drift": 0.00004,
    "rates": 0.0,
    "dollar": 0.0,
    "policy": 0.0,
    "leaders": 0.00002,
    "crypto": 0.00003,
    "build": 0.0,
    "crowding": 3.5,
}


@dataclass(frozen=True, slots=True)
class Scenario:
    """A scripted market story after a calm warm-up."""

    name: str
    summary: str
    start: datetime
    hours: int
    keys: Mapping[str, Keys]


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "calm",
            "Four quiet days: low vol, loose correlation, no leverage build-up.",
            datetime(2026, 3, 9, tzinfo=UTC),
            96,
            {},
        ),
        Scenario(
            "cascade-2026-01",
            "Late-January 2026 risk-off week: hawkish shock, leaders gap down, weekend liquidation flywheel, "
            "second wave, open-interest reset.",
            datetime(2026, 1, 29, tzinfo=UTC),
            168,
            {
                "stress": ((-24, 0.08), (0, 0.15), (14, 0.3), (30, 0.6), (50, 0.85), (75, 1.0), (100, 0.7),
                           (130, 0.4), (168, 0.3)),
                "drift": ((-96, 0.0003), (14, 0.0003), (16, 0.0), (30, -0.0004), (40, -0.0018), (46, -0.0008),
                          (70, -0.0025), (90, -0.002), (100, 0.0), (130, 0.0005), (168, 0.0003)),
                "rates": ((13, 0.0), (14, 1.0), (26, 0.6), (40, 0.2), (60, 0.1), (100, 0.0), (130, -0.1),
                          (168, -0.05)),
                "dollar": ((13, 0.0), (14, 0.04), (40, 0.02), (70, 0.01), (100, 0.0), (168, -0.005)),
                "policy": ((13, 0.0), (14, 0.6), (40, 0.2), (100, 0.0)),
                "leaders": ((14, 0.0), (15, -0.004), (30, -0.003), (45, -0.001), (100, 0.0), (168, 0.0005)),
                "crypto": ((-36, -0.0004), (30, -0.0004), (40, -0.001), (50, -0.003), (62, -0.003),
                           (70, -0.001), (100, 0.0), (168, 0.0003)),
                "build": ((-48, 0.0), (-36, 0.006), (20, 0.008), (40, 0.0)),
                "crowding": ((-48, 3.5), (-24, 12.0), (10, 18.0), (40, 20.0), (60, 8.0), (168, 4.0)),
            },
        ),
        Scenario(
            "outlook-a",
            "Outlook A, normalization: after a selloff, yields stabilize, the dollar stops rising, "
            "leaders stop making lower lows.",
            datetime(2026, 2, 9, tzinfo=UTC),
            96,
            {
                "stress": ((-120, 0.05), (-96, 0.6), (0, 0.6), (48, 0.2), (96, 0.1)),
                "drift": ((-120, 0.0), (-96, -0.0008), (-6, -0.0008), (0, 0.0003), (96, 0.0004)),
                "rates": ((-96, 0.3), (-6, 0.3), (0, -0.15), (96, -0.1)),
                "dollar": ((-96, 0.01), (-6, 0.01), (0, -0.01), (96, -0.005)),
                "leaders": ((-96, -0.001), (-6, -0.001), (0, 0.0008), (96, 0.0005)),
                "crypto": ((-96, -0.0005), (-6, -0.0005), (0, 0.0002)),
            },
        ),
        Scenario(
            "outlook-b",
            "Outlook B, liquidity tightening: hawkish repricing, yields and the dollar keep rising, "
            "stress spreads across assets.",
            datetime(2026, 2, 16, tzinfo=UTC),
            96,
            {
                "stress": ((-24, 0.1), (0, 0.2), (96, 0.75)),
                "drift": ((-24, 0.0), (0, -0.0004), (96, -0.0008)),
                "rates": ((-24, 0.1), (0, 0.6), (96, 0.5)),
                "dollar": ((-24, 0.005), (0, 0.02), (96, 0.02)),
                "policy": ((-24, 0.1), (0, 0.5), (96, 0.4)),
                "leaders": ((0, -0.0015), (96, -0.001)),
                "crypto": ((0, -0.0005), (96, -0.0005)),
            },
        ),
        Scenario(
            "outlook-c",
            "Outlook C, reflation: after a scare, volatility collapses, leadership returns, the dollar eases.",
            datetime(2026, 2, 23, tzinfo=UTC),
            96,
            {
                "stress": ((-144, 0.05), (-120, 0.5), (-30, 0.5), (0, 0.15), (24, 0.02), (96, 0.02)),
                "drift": ((-144, 0.0), (-120, -0.0008), (-30, -0.0006), (0, 0.0008), (96, 0.001)),
                "rates": ((-30, 0.0), (0, 0.2), (96, 0.2)),
                "dollar": ((-120, 0.01), (-30, 0.0), (0, -0.015), (96, -0.01)),
                "leaders": ((-120, -0.0005), (-30, 0.0), (0, 0.002), (96, 0.0015)),
                "crypto": ((-120, -0.0005), (-30, 0.0), (0, 0.001), (96, 0.001)),
            },
        ),
    )
}

DEFAULT_SCENARIO = "cascade-2026-01"
