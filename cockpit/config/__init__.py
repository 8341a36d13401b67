"""Profiles (shipped TOML) and the user's config.toml, validated strictly.

`COCKPIT_CONFIG` overrides the config file's path, `COCKPIT_DATA` the data folder.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from cockpit.errors import ConfigError
from cockpit.models import FlagId, ProfileName, Regime
from cockpit.universe import ROLE_NAMES, Universe

APP_NAME = "cockpit"

# Top-level sections of config.toml and the keys each accepts (None: any key, checked by its owner).
CONFIG_SCHEMA: dict[str, Any] = {
    "default_profile": str,
    "theme": str,
    "bell": bool,
    "alert_severity": str,
    "profiles": dict,
    "symbols": dict,
    "keys": dict,
    "sources": {
        "venue": str,
        "yahoo_poll_s": (int, float),
        "exchange_poll_s": (int, float),
        "yahoo_stale_s": (int, float),
        "exchange_stale_s": (int, float),
        "timeout_s": (int, float),
    },
    "alerts": {
        "desktop": bool,
        "bell": bool,
        "min_severity": str,
        "ntfy_topic": str,
        "ntfy_server": str,
    },
}


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

    def multiplier(self, regime: Regime) -> float:
        """The sizing multiplier the regime allows."""
        return self.regime_multipliers.get(regime, 1.0)

    def history_hours(self) -> int:
        """How many hours of 1h bars every window of this profile needs (for trimming input)."""
        per_bar = {"1h": 1, "4h": 4, "1d": 24, "1w": 168}
        trend = (self.trend_ma_bars + 2) * per_bar[self.dominant_timeframe]
        lead = (self.leadership_bars + 2) * per_bar[self.signal_timeframe]
        corr = max(self.corr_window_1h * 3, self.corr_window_4h * 4 * 3)
        vol = (self.vol_recent_n + self.vol_prior_n) * 2
        return max(trend, lead, corr, vol, self.liq_baseline_h + 48, self.macro_lookback_h * 4) + 24


@dataclass(frozen=True, slots=True)
class Config:
    """The user's settings after defaults and overrides are applied."""

    path: Path | None
    default_profile: ProfileName
    profiles: Mapping[ProfileName, Profile]
    universe: Universe
    theme: str = "cockpit-dark"
    bell: bool = True
    alert_severity: str = "critical"
    keys: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, Any] = field(default_factory=dict)
    alerts: Mapping[str, Any] = field(default_factory=dict)

    def profile(self, name: str | ProfileName | None = None) -> Profile:
        """The named profile (the default one when None); unknown names are a UserError."""
        return self.profiles[parse_profile_name(name or self.default_profile)]


def parse_profile_name(name: str | ProfileName) -> ProfileName:
    """A ProfileName, or a ConfigError listing the valid ones."""
    try:
        return ProfileName(str(name))
    except ValueError:
        valid = ", ".join(p.value for p in ProfileName)
        raise ConfigError(f"unknown profile '{name}' (valid: {valid})") from None


def config_path() -> Path:
    """Where config.toml lives: `COCKPIT_CONFIG`, else the platform config folder."""
    override = os.environ.get("COCKPIT_CONFIG")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def data_dir() -> Path:
    """Where the journal, caches and recordings live: `COCKPIT_DATA`, else the platform data folder."""
    override = os.environ.get("COCKPIT_DATA")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME)


def user_config_dir() -> Path:
    """The folder holding config.toml (user themes are picked up from its `themes/`)."""
    return config_path().parent


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _shipped_profiles() -> dict[str, Any]:
    text = resources.files("cockpit.config").joinpath("profiles.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _check_type(value: Any, expected: Any, where: str) -> None:
    if isinstance(expected, tuple):
        ok = isinstance(value, expected) and not isinstance(value, bool)
    elif expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, expected)
    if not ok:
        name = getattr(expected, "__name__", "number")
        raise ConfigError(f"{where}: expected {name}, got {type(value).__name__} {value!r}")


# the keys SPEC §3 v2 added, with their types (each profile of profiles.toml sets them)
V2_KEYS: dict[str, type[int] | type[float]] = {
    "regime_hold_h": int, "span_window_h": int, "outlook_stress_h": int, "liq_oi_pct": float,
    "liq_fall_pct": float, "liq_abs_oi_pct": float, "liq_abs_fall_pct": float, "liq_hold_h": int,
    "corr_risk_off_min": float, "single_book_min_pairs": int, "vol_floor_index_pct": float,
    "vol_floor_btc_pct": float, "vol_gap_pct": float, "vix_spike_level": float, "vix_spike_change_pct": float,
    "vol_release_ratio": float, "vol_spike_hold_h": int, "regime_vix": float, "regime_index_vol_pct": float,
    "trend_break_atr": float, "macro_stable_bp": float, "macro_stable_pct": float, "max_gross_leverage": float,
}


def _v2_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: kind(values[key]) for key, kind in V2_KEYS.items() if key in values}


def _build_profile(name: ProfileName, values: Mapping[str, Any], multipliers: Mapping[Regime, float]) -> Profile:
    tiers = {int(k): float(v) for k, v in values["tiers"].items()}
    return Profile(
        name=name,
        horizon=str(values["horizon"]),
        timeframes=tuple(values["timeframes"]),
        signal_timeframe=str(values["signal_timeframe"]),
        dominant_timeframe=str(values["dominant_timeframe"]),
        macro_lookback_h=int(values["macro_lookback_h"]),
        us10y_rise_bp=float(values["us10y_rise_bp"]),
        dxy_rise_pct=float(values["dxy_rise_pct"]),
        corr_window_1h=int(values["corr_window_1h"]),
        corr_window_4h=int(values["corr_window_4h"]),
        single_book_corr=float(values["single_book_corr"]),
        liq_zscore=float(values["liq_zscore"]),
        liq_baseline_h=int(values["liq_baseline_h"]),
        liq_price_lookback_h=int(values["liq_price_lookback_h"]),
        oi_build_pct=float(values["oi_build_pct"]),
        oi_lookback_h=int(values["oi_lookback_h"]),
        vol_recent_n=int(values["vol_recent_n"]),
        vol_prior_n=int(values["vol_prior_n"]),
        vol_spike_ratio=float(values["vol_spike_ratio"]),
        vol_rising_ratio=float(values["vol_rising_ratio"]),
        leadership_bars=int(values["leadership_bars"]),
        trend_ma_bars=int(values["trend_ma_bars"]),
        revenge_window_min=int(values["revenge_window_min"]),
        scale_in_slice=float(values["scale_in_slice"]),
        tiers=tiers,
        default_tier=int(values["default_tier"]),
        emphasis=tuple(values["emphasis"]),
        rules=frozenset(values["rules"]),
        regime_multipliers=multipliers,
        **_v2_values(values),
    )


VALID_TIMEFRAMES = ("1h", "4h", "1d", "1w")
MAX_WINDOW = 5000.0  # bars or hours: beyond this no history is long enough
MAX_TIER_PCT = 10.0  # risk per trade, % of equity
NUMBER_BOUNDS: dict[str, tuple[float, float]] = {
    "liq_baseline_h": (23.0, MAX_WINDOW),
    "corr_window_1h": (2.0, MAX_WINDOW),
    "corr_window_4h": (2.0, MAX_WINDOW),
    "vol_recent_n": (1.0, MAX_WINDOW),
    "vol_prior_n": (1.0, MAX_WINDOW),
    "single_book_corr": (0.0, 1.0),
    "scale_in_slice": (0.0, 1.0),
    "default_tier": (0.0, 9.0),
    "span_window_h": (0.0, 720.0),
    "outlook_stress_h": (0.0, 720.0),
    "corr_risk_off_min": (-1.0, 1.0),
}


def _check_tiers(tiers: Mapping[str, Any], default_tier: int, where: str) -> None:
    """Tier keys are whole numbers, values a risk % in (0, MAX_TIER_PCT]; the default tier must exist."""
    for key, value in tiers.items():
        if not str(key).isdigit() or not str(key).isascii():
            raise ConfigError(f"{where}: tier '{key}' is not a whole number")
        _check_type(value, float, f"{where}.{key}")
        if not 0 < value <= MAX_TIER_PCT:
            raise ConfigError(f"{where}.{key}: risk must be above 0 and at most {MAX_TIER_PCT:g} %, got {value}")
    if str(default_tier) not in {str(k) for k in tiers}:
        raise ConfigError(f"{where}: default_tier {default_tier} is not one of the tiers {', '.join(map(str, tiers))}")


def _merge_profile(base: dict[str, Any], override: Mapping[str, Any], where: str) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if key not in base:
            known = ", ".join(sorted(base))
            raise ConfigError(f"{where}: unknown key '{key}' (known: {known})")
        default = base[key]
        if isinstance(default, bool):
            _check_type(value, bool, f"{where}.{key}")
        elif isinstance(default, (int, float)):
            _check_type(value, float if isinstance(default, float) else int, f"{where}.{key}")
            low, high = NUMBER_BOUNDS.get(key, (0.0, MAX_WINDOW))
            if not low < value <= high:
                raise ConfigError(f"{where}.{key}: must be above {low:g} and at most {high:g}, got {value}")
        elif isinstance(default, str):
            _check_type(value, str, f"{where}.{key}")
        elif isinstance(default, list):
            _check_type(value, list, f"{where}.{key}")
            if not all(isinstance(item, str) for item in value):
                raise ConfigError(f"{where}.{key}: expected a list of strings, got {value!r}")
        elif isinstance(default, dict):
            _check_type(value, dict, f"{where}.{key}")
        merged[key] = value
    _check_tiers(merged["tiers"], merged["default_tier"], f"{where}.tiers")
    unknown_rules = sorted(set(merged["rules"]) - {f.value for f in FlagId})
    if unknown_rules:
        raise ConfigError(f"{where}.rules: unknown rule {', '.join(repr(r) for r in unknown_rules)} "
                          f"(known: {', '.join(f.value for f in FlagId)})")
    for tf_key in ("signal_timeframe", "dominant_timeframe"):
        if merged[tf_key] not in VALID_TIMEFRAMES:
            raise ConfigError(f"{where}.{tf_key}: '{merged[tf_key]}' is not one of {', '.join(VALID_TIMEFRAMES)}")
    return merged


def load_config(path: Path | None = None) -> Config:
    """Defaults, then the user's config.toml if it exists; any unknown key is a ConfigError."""
    shipped = _shipped_profiles()
    multipliers = {Regime(k): float(v) for k, v in shipped.pop("regime_multipliers").items()}
    path = path or config_path()
    user: dict[str, Any] = _read_toml(path) if path.exists() else {}
    where = str(path)

    for key, value in user.items():
        if key not in CONFIG_SCHEMA:
            known = ", ".join(sorted(CONFIG_SCHEMA))
            raise ConfigError(f"{where}: unknown key '{key}' (known: {known})")
        expected = CONFIG_SCHEMA[key]
        if isinstance(expected, dict):
            _check_type(value, dict, f"{where}: [{key}]")
            for sub, sub_value in value.items():
                if sub not in expected:
                    known = ", ".join(sorted(expected))
                    raise ConfigError(f"{where}: unknown key '{key}.{sub}' (known: {known})")
                _check_type(sub_value, expected[sub], f"{where}: {key}.{sub}")
        else:
            _check_type(value, expected, f"{where}: {key}")

    user_profiles = user.get("profiles", {})
    profiles: dict[ProfileName, Profile] = {}
    for name in ProfileName:
        override = user_profiles.get(name.value, {})
        _check_type(override, dict, f"{where}: [profiles.{name.value}]")
        merged = _merge_profile(shipped[name.value], override, f"{where}: profiles.{name.value}")
        profiles[name] = _build_profile(name, merged, multipliers)
    for name in user_profiles:
        parse_profile_name(name)

    symbols = user.get("symbols", {})
    for role, symbol in symbols.items():
        if role not in ROLE_NAMES:
            raise ConfigError(f"{where}: unknown key 'symbols.{role}' (known: {', '.join(ROLE_NAMES)})")
        if role == "leaders":
            if not isinstance(symbol, list) or not symbol or not all(isinstance(s, str) and s for s in symbol):
                raise ConfigError(f"{where}: symbols.leaders: expected a list of symbols, got {symbol!r}")
        elif not isinstance(symbol, str) or not symbol.strip():
            raise ConfigError(f"{where}: symbols.{role}: expected a symbol (a string), got {symbol!r}")
    universe = Universe().with_overrides(symbols)

    default_profile = parse_profile_name(user.get("default_profile", ProfileName.SWING.value))
    return Config(
        path=path if path.exists() else None,
        default_profile=default_profile,
        profiles=profiles,
        universe=universe,
        theme=str(user.get("theme", "cockpit-dark")),
        bell=bool(user.get("bell", True)),
        alert_severity=str(user.get("alert_severity", "critical")),
        keys=dict(user.get("keys", {})),
        sources=dict(user.get("sources", {})),
        alerts=dict(user.get("alerts", {})),
    )
