"""The typed settings schema: a profile, `[sources]`, `[alerts]`, `[keys]` and a theme's numbers (pure).

Every value a user can write is checked here against its type and bounds (finite numbers only: TOML
accepts `inf` and `nan`), and every error names the key, the file and its line. Reading the files is the
I/O ring's job (`cockpit.config`, the theme loader); this module only judges values and text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cockpit.errors import ConfigError
from cockpit.kinds import ProfileName, Regime, Severity


@dataclass(frozen=True, slots=True)
class Profile:
    """One trading horizon's timeframes, windows and thresholds (SPEC §3, §4)."""

    name: ProfileName
    horizon: str
    timeframes: tuple[str, ...]
    signal_timeframe: str
    dominant_timeframe: str
    macro_lookback_h: int
    us10y_rise_bp: float
    dxy_rise_pct: float
    corr_window_1h: int
    corr_window_4h: int
    single_book_corr: float
    liq_zscore: float
    liq_baseline_h: int
    liq_price_lookback_h: int
    oi_build_pct: float
    oi_lookback_h: int
    vol_recent_n: int
    vol_prior_n: int
    vol_spike_ratio: float
    vol_rising_ratio: float
    leadership_bars: int
    trend_ma_bars: int
    revenge_window_min: int
    scale_in_slice: float
    tiers: Mapping[int, float]
    default_tier: int
    emphasis: tuple[str, ...]
    rules: frozenset[str]
    regime_multipliers: Mapping[Regime, float] = field(default_factory=dict)
    # flags v2, holds and the regime's hysteresis (SPEC §3 v2); plan limits (SPEC §6). Defaults are swing's.
    regime_hold_h: int = 12
    span_window_h: int = 48
    outlook_stress_h: int = 168
    liq_oi_pct: float = 0.05
    liq_fall_pct: float = 1.0
    liq_abs_oi_pct: float = 0.25
    liq_abs_fall_pct: float = 2.0
    liq_hold_h: int = 2
    corr_risk_off_min: float = 0.5
    single_book_min_pairs: int = 20
    vol_floor_index_pct: float = 15.0
    vol_floor_btc_pct: float = 45.0
    vol_gap_pct: float = 3.0
    vix_spike_level: float = 25.0
    vix_spike_change_pct: float = 20.0
    vol_release_ratio: float = 1.5
    vol_spike_hold_h: int = 12
    regime_vix: float = 30.0
    regime_index_vol_pct: float = 30.0
    trend_break_atr: float = 1.0
    macro_stable_bp: float = 2.0
    macro_stable_pct: float = 0.10
    max_gross_leverage: float = 3.0
    # the book (SPEC §12): limits, and the re-entry window after stress
    book_risk_pct: float = 3.0
    max_drawdown_pct: float = 10.0
    beta_window_h: int = 168
    re_entry_window: bool = False
    re_entry_corr_4h: float = 0.5
    re_entry_vol_ratio: float = 1.2
    re_entry_hold_h: int = 48
    move_lookback_h: int = 72
    oi_reset_pct: float = 8.0
    credit_widening_pct: float = 0.5

    def multiplier(self, regime: Regime) -> float:
        """The sizing multiplier the regime allows."""
        return self.regime_multipliers.get(regime, 1.0)

    def history_hours(self) -> int:
        """How many hours of 1h bars every window of this profile needs (for trimming input)."""
        # trading days: 20 of them span up to 30 calendar days with weekends and holidays
        per_bar = {"1h": 1, "4h": 4, "1d": 36, "1w": 168}
        trend = (max(self.trend_ma_bars, 15) + 2) * per_bar[self.dominant_timeframe]  # 15: the ATR's 14 + 1
        lead = (self.leadership_bars + 2) * per_bar[self.signal_timeframe]
        corr = max(self.corr_window_1h * 3, self.corr_window_4h * 4 * 3)
        vol = (self.vol_recent_n + self.vol_prior_n) * 3
        liquidations = self.liq_baseline_h + self.move_lookback_h + 48
        macro = self.macro_lookback_h * 6 + 96  # bars back, not hours: a cash-session index has 7 a day
        return max(trend, lead, corr, vol, liquidations, macro) + 24


@dataclass(frozen=True, slots=True)
class Setting:
    """What one key accepts: a type, and for numbers an inclusive range (always finite)."""

    kind: type
    low: float | None = None
    high: float | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()
    what: str = "value"

    def check(self, value: Any, where: str) -> Any:
        """The value if it fits, else a ConfigError saying what was expected."""
        if self.kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{where}: expected a number, got {type(value).__name__} {value!r}")
            number = float(value)
            if not math.isfinite(number):
                raise ConfigError(f"{where}: expected a finite number, got {value}")
            low = -math.inf if self.low is None else self.low
            high = math.inf if self.high is None else self.high
            if not low <= number <= high:
                raise ConfigError(f"{where}: must be between {low:g} and {high:g}{self.unit}, got {value:g}")
            return number
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: expected true or false, got {type(value).__name__} {value!r}")
            return value
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {type(value).__name__} {value!r}")
        if self.choices and value not in self.choices:
            raise ConfigError(f"{where}: unknown {self.what} '{value}' (valid: {', '.join(self.choices)})")
        return value


POLL = Setting(float, 5.0, 86400.0, " s")  # faster than every 5 s only hammers the provider
STALE = Setting(float, 5.0, 7 * 86400.0, " s")
TIMEOUT = Setting(float, 1.0, 120.0, " s")
SEVERITIES = tuple(s.value for s in Severity)

SOURCES: dict[str, Setting] = {
    "venue": Setting(str),
    "yahoo_poll_s": POLL,
    "exchange_poll_s": POLL,
    "yahoo_stale_s": STALE,
    "exchange_stale_s": STALE,
    "timeout_s": TIMEOUT,
}
ALERTS: dict[str, Setting] = {
    "desktop": Setting(bool),
    "bell": Setting(bool),
    "min_severity": Setting(str, choices=SEVERITIES, what="severity"),
    "ntfy_topic": Setting(str),
    "ntfy_server": Setting(str),
}
TOP_LEVEL: dict[str, Setting | None] = {  # None: a table checked by its own rules
    "default_profile": Setting(str, choices=tuple(p.value for p in ProfileName), what="profile"),
    "theme": Setting(str),
    "profiles": None,
    "symbols": None,
    "keys": None,
    "sources": None,
    "alerts": None,
    "book": None,
}
THEME_NUMBERS: dict[str, Setting] = {
    "luminosity_spread": Setting(float, 0.0, 1.0),
    "text_alpha": Setting(float, 0.0, 1.0),
}


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """`[sources]` after defaults: the venue, poll intervals, stale limits and the per-request timeout."""

    venue: str = "bybit"
    yahoo_poll_s: float = 60.0
    exchange_poll_s: float = 30.0
    yahoo_stale_s: float = 900.0
    exchange_stale_s: float = 300.0
    timeout_s: float = 6.0

    @property
    def deadline_s(self) -> float:
        """How long one poll of the merged source may take before it answers with what it has."""
        return max(15.0, 3.0 * self.timeout_s)


# --- where a key is written --------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def _path_of(header: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in header.split("."))


def key_line(text: str, section: tuple[str, ...], key: str | None = None) -> int | None:
    """The 1-based line where `key` is set in table `section` of TOML `text` (the table's header when
    `key` is None or not found there); None when it cannot be told."""
    lines = text.splitlines()
    current: tuple[str, ...] = ()
    header_line: int | None = None
    pattern = None if key is None else re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
    dotted = None if key is None else re.compile(rf"""^\s*{re.escape(".".join((*section, key)))}\s*=""")
    for number, line in enumerate(lines, start=1):
        header = _HEADER.match(line)
        if header:
            current = _path_of(header.group(1))
            if current == section and header_line is None:
                header_line = number
            continue
        if pattern is not None and current == section and pattern.match(line):
            return number
        if dotted is not None and current == () and dotted.match(line):
            return number
    if header_line is None and section and len(section) > 1:
        return key_line(text, section[:-1], section[-1])
    return header_line


def located(where: str, text: str, section: tuple[str, ...], key: str | None = None) -> str:
    """`file:line` for a key (just `file` when the line cannot be told)."""
    line = key_line(text, section, key) if text else None
    return f"{where}:{line}" if line else where


def _label(section: tuple[str, ...], key: str | None) -> str:
    table = f"[{'.'.join(section)}]" if section else ""
    return f"{table} {key}".strip() if key else table


def check_table(values: Any, schema: Mapping[str, Setting | None], where: str, text: str,
                section: tuple[str, ...] = ()) -> dict[str, Any]:
    """A table's values checked against `schema` (unknown keys named with the known ones)."""
    if not isinstance(values, dict):
        raise ConfigError(f"{located(where, text, section)}: {_label(section, None)} must be a table, "
                          f"got {type(values).__name__}")
    checked: dict[str, Any] = {}
    for key, value in values.items():
        place = located(where, text, section, key)
        if key not in schema:
            raise ConfigError(f"{place}: unknown key '{_label(section, key)}' (known: {', '.join(sorted(schema))})")
        setting = schema[key]
        checked[key] = value if setting is None else setting.check(value, f"{place}: {_label(section, key)}")
    return checked


def check_keys(values: Any, where: str, text: str) -> dict[str, str]:
    """`[keys]`: action = "key[,key]" strings (which actions exist is the screen's to say)."""
    if not isinstance(values, dict):
        raise ConfigError(f"{located(where, text, ('keys',))}: [keys] must be a table")
    for action, keys in values.items():
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(f"{located(where, text, ('keys',), action)}: [keys] {action}: expected a key name "
                              f"such as \"ctrl+r\", got {keys!r}")
    return dict(values)


def source_settings(values: Mapping[str, Any]) -> SourceSettings:
    """`[sources]` (already checked) over the defaults."""
    return SourceSettings(**{k: v for k, v in values.items() if k in SOURCES})


def build_profile(name: ProfileName, values: Mapping[str, Any], multipliers: Mapping[Regime, float]) -> Profile:
    """A Profile from one profile table: every field of the dataclass from the key of its name."""
    tiers = {int(k): float(v) for k, v in values["tiers"].items()}
    made: dict[str, Any] = {"name": name, "tiers": tiers, "regime_multipliers": multipliers}
    for spec in Profile.__dataclass_fields__.values():
        if spec.name in made:
            continue
        value = values[spec.name]
        kind = str(spec.type)
        if kind.startswith("tuple"):
            made[spec.name] = tuple(value)
        elif kind.startswith("frozenset"):
            made[spec.name] = frozenset(value)
        elif kind == "int":
            made[spec.name] = int(value)
        elif kind == "float":
            made[spec.name] = float(value)
        elif kind == "bool":
            made[spec.name] = bool(value)
        elif kind == "str":
            made[spec.name] = str(value)
        else:
            made[spec.name] = value
    return Profile(**made)


def strip_bom(text: str) -> str:
    """TOML text without a leading byte-order mark (editors on some systems add one)."""
    return text[1:] if text.startswith("\ufeff") else text


def decode_toml(raw: bytes, where: str) -> str:
    """UTF-8 text of a TOML file (a BOM dropped); binary bytes are a ConfigError naming the line."""
    try:
        return strip_bom(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{where}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                          "is this a config file?") from None


_TOML_AT = re.compile(r"\(at line (\d+), column \d+\)")


def toml_error(message: str, where: str) -> ConfigError:
    """A TOML parse error as one line, `file:line: not valid TOML: …`."""
    found = _TOML_AT.search(message)
    place = f"{where}:{found.group(1)}" if found else where
    reason = _TOML_AT.sub("", message).strip()
    return ConfigError(f"{place}: not valid TOML: {reason}")
