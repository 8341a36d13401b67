"""Named scenarios: keyframed channels (hour offset from the scenario start -> value), linearly interpolated.

Channels: stress (0..1: factor vol, betas and correlation), drift (common risk factor, log/h), rates (US10Y
bp/h), dollar (DXY %/h), policy (fed funds path bp/h), leaders (leaders' own drift, log/h), crypto (crypto's
own drift, log/h), build (extra long positions opened per hour, share of OI), crowding (median leverage of
new long positions), deleverage (extra share of positions closed per hour). The factor, rates, dollar,
policy and leaders channels only act while CME trades. Hours before the first keyframe take the calm
value, so the warm-up is calm. Each summary says what happens when, in hours from the start (`--at`).
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
    "crypto": 0.00002,
    "build": 0.0,
    "crowding": 3.5,
    "deleverage": 0.0,
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
            "Four quiet days from Mon 9 Mar 00:00 UTC (US summer time: ES halts 21:00-22:00 UTC): BTC vol "
            "about 35 %, ES about 12 %, loose correlation, funding at the 1 bp base, no leverage build-up, no "
            "flush.",
            datetime(2026, 3, 9, tzinfo=UTC),
            96,
            {},
        ),
        Scenario(
            "cascade-2026-01",
            "Late-January 2026 risk-off week from Thu 29 Jan 00:00 UTC. h 0-36 longs crowd (funding 5-7 bp, "
            "OI building, ES at highs after a January rally), leaders soften in Thursday's session; h 37 Fri "
            "13:00 hawkish shock (US10Y +9 bp, DXY +0.7 % by h 38); h 38 leaders gap down at the US open while "
            "the index holds (leadership break by h 39), the index gives way from h 40, VIX over 25 by h 44; "
            "h 46 ES shuts for the weekend; h 60-66 Sat 12:00-18:00 weekend flush while ES is shut; h 95 Sun "
            "23:00 ES reopens into a steady, correlated decline; h 110-116 Mon US session second wave with the "
            "4h correlation over 0.7; OI reset h 111-118; from h 124 a partial recovery.",
            datetime(2026, 1, 29, tzinfo=UTC),
            168,
            {
                "stress": ((-24, 0.05), (0, 0.08), (36, 0.1), (37, 0.6), (45, 0.8), (60, 0.8), (95, 0.85),
                           (96, 0.95), (110, 1.0), (117, 1.0), (130, 0.7), (168, 0.45)),
                "drift": ((-360, 0.0002), (-72, 0.00025), (36, 0.00025),
                          (37, -0.0006), (39, -0.0006), (40, -0.004), (44, -0.004),
                          (45, -0.0015), (46, 0.0), (95, -0.0012), (109, -0.0012), (110, -0.006), (116, -0.006),
                          (117, -0.001), (122, 0.0), (126, 0.0012), (168, 0.0005)),
                "rates": ((36, 0.0), (37, 6.0), (38, 3.0), (39, 0.2), (45, 0.2), (46, 0.1), (95, 0.2), (116, 0.2),
                          (117, 0.05), (130, 0.0), (168, -0.05)),
                "dollar": ((36, 0.0), (37, 0.5), (38, 0.2), (39, 0.0), (45, 0.0), (46, 0.01), (116, 0.012), (130, 0.0),
                           (168, -0.005)),
                "policy": ((36, 0.0), (37, 3.0), (38, 0.3), (46, 0.1), (130, 0.0)),
                "leaders": ((14, 0.0), (15, -0.001), (36, -0.001), (37, -0.07), (38, -0.006), (45, -0.003),
                            (46, 0.0), (109, 0.0),
                            (110, -0.002), (116, -0.002), (122, 0.0), (130, 0.0006), (168, 0.0004)),
                "crypto": ((0, 0.0002), (36, 0.0002), (37, -0.0002), (46, -0.0002), (47, -0.0008), (59, -0.0008),
                           (60, -0.016), (63, -0.016), (64, -0.001), (66, -0.0005), (72, 0.0), (108, 0.0),
                           (110, -0.001), (116, -0.001), (120, 0.0), (124, 0.004), (150, 0.0015), (168, 0.0005)),
                "build": ((-24, 0.0), (-12, 0.0035), (36, 0.0035), (37, 0.0), (68, 0.0), (72, 0.002),
                          (104, 0.002), (108, 0.0)),
                "crowding": ((-24, 3.5), (0, 6.0), (36, 7.0), (37, 6.0), (56, 5.0), (68, 3.5), (72, 6.0),
                             (104, 6.0), (116, 3.5)),
                "deleverage": ((56, 0.0), (57, 0.001), (68, 0.0), (109, 0.0), (110, 0.005),
                               (120, 0.005), (130, 0.0)),
            },
        ),
        Scenario(
            "outlook-a",
            "Outlook A, normalization, from Mon 9 Feb 00:00 UTC: the four days before sell off (yields and "
            "the dollar up); from h 0 yields and the dollar go flat, vol eases through h 48, leaders stop "
            "making lower lows.",
            datetime(2026, 2, 9, tzinfo=UTC),
            96,
            {
                "stress": ((-120, 0.05), (-96, 0.6), (0, 0.6), (48, 0.2), (96, 0.1)),
                "drift": ((-120, 0.0), (-96, -0.0008), (-6, -0.0008), (0, 0.0003), (96, 0.0004)),
                "rates": ((-96, 0.3), (-6, 0.3), (0, -0.01), (96, -0.02)),
                "dollar": ((-96, 0.01), (-6, 0.01), (0, -0.003), (96, -0.003)),
                "leaders": ((-96, -0.001), (-6, -0.001), (0, 0.0008), (96, 0.0005)),
                "crypto": ((-96, -0.0005), (-6, -0.0005), (0, 0.0002)),
            },
        ),
        Scenario(
            "outlook-b",
            "Outlook B, liquidity tightening, from Mon 16 Feb 00:00 UTC: yields (about +0.25 bp an open hour) "
            "and the dollar keep rising to h 96, credit spreads widen (HYG/LQD falls), VIX and MOVE climb, "
            "stress spreads across assets.",
            datetime(2026, 2, 16, tzinfo=UTC),
            96,
            {
                "stress": ((-24, 0.1), (0, 0.2), (96, 0.75)),
                "drift": ((-24, 0.0), (0, -0.0004), (96, -0.0008)),
                "rates": ((-24, 0.1), (0, 0.3), (96, 0.25)),
                "dollar": ((-24, 0.005), (0, 0.015), (96, 0.012)),
                "policy": ((-24, 0.1), (0, 0.5), (96, 0.4)),
                "leaders": ((0, -0.0015), (96, -0.001)),
                "crypto": ((0, -0.0005), (96, -0.0005)),
            },
        ),
        Scenario(
            "outlook-c",
            "Outlook C, reflation, from Mon 23 Feb 00:00 UTC: after a sharp scare the week before, from h 0 "
            "volatility collapses (VIX near 14 by h 48), leadership returns, the dollar eases, BTC trends up.",
            datetime(2026, 2, 23, tzinfo=UTC),
            96,
            {
                "stress": ((-144, 0.05), (-120, 0.9), (-30, 0.9), (0, 0.3), (24, 0.06), (48, 0.02), (96, 0.02)),
                "drift": ((-144, 0.0), (-120, -0.0005), (-30, -0.0004), (0, 0.0008), (96, 0.001)),
                "rates": ((-30, 0.0), (0, 0.2), (96, 0.2)),
                "dollar": ((-120, 0.01), (-30, 0.0), (0, -0.015), (96, -0.01)),
                "leaders": ((-120, -0.0003), (-30, 0.0), (0, 0.003), (48, 0.002), (96, 0.0015)),
                "crypto": ((-120, 0.0), (-30, 0.0), (0, 0.0018), (36, 0.0012), (96, 0.001)),
            },
        ),
    )
}

DEFAULT_SCENARIO = "cascade-2026-01"
