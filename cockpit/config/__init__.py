"""Profiles (shipped TOML) and the user's config.toml, read here and validated by `cockpit.settings`.

`COCKPIT_CONFIG` overrides the config file's path, `COCKPIT_DATA` the data folder.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit.errors import ConfigError
from cockpit.kinds import FlagId, ProfileName, Regime
from cockpit.settings import (
    ALERTS,
    SOURCES,
    TOP_LEVEL,
    build_profile,
    check_keys,
    check_table,
    decode_toml,
    located,
    toml_error,
)
from cockpit.settings import Profile as Profile  # re-exported: the profile schema lives in the pure ring
from cockpit.universe import ROLE_NAMES, Universe

APP_NAME = "cockpit"

# Top-level keys of config.toml and what each accepts (None: a table checked by its own rules).
CONFIG_SCHEMA: dict[str, Any] = {**TOP_LEVEL, "sources": SOURCES, "alerts": ALERTS}
# Keys that once sat at the top level; their one home now is [alerts].
MOVED_KEYS = {"bell": "[alerts] bell", "alert_severity": "[alerts] min_severity"}


@dataclass(frozen=True, slots=True)
class Config:
    """The user's settings after defaults and overrides are applied."""

    path: Path | None
    default_profile: ProfileName
    profiles: Mapping[ProfileName, Profile]
    universe: Universe
    theme: str = "cockpit-dark"
    keys: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, Any] = field(default_factory=dict)
    alerts: Mapping[str, Any] = field(default_factory=dict)
    equity: float | None = None  # [book] equity: what the book's limits are a share of
    multipliers: Mapping[str, float] = field(default_factory=dict)  # [book.multipliers] per-symbol overrides

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


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """A TOML file's table and its text; unreadable, binary or invalid files are one-line ConfigErrors."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    text = decode_toml(raw, str(path))
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(str(exc), str(path)) from None


def _shipped_profiles() -> dict[str, Any]:
    # Next to this module, as the shipped themes are: importlib.resources and the zipfile it brings cost
    # 5-9 ms before the first frame, for a package that is never imported from a zip.
    text = Path(__file__).with_name("profiles.toml").read_text(encoding="utf-8")
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




def _build_profile(name: ProfileName, values: Mapping[str, Any], multipliers: Mapping[Regime, float]) -> Profile:
    return build_profile(name, values, multipliers)


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
    "book_risk_pct": (0.0, 100.0),
    "max_drawdown_pct": (0.0, 100.0),
    "beta_window_h": (2.0, MAX_WINDOW),
    "re_entry_corr_4h": (-1.0, 1.0),
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
    user, text = read_toml(path) if path.exists() else ({}, "")
    where = str(path)

    for key in user:
        if key in MOVED_KEYS:
            raise ConfigError(f"{located(where, text, (), key)}: '{key}' is now {MOVED_KEYS[key]}")
    user = check_table(user, TOP_LEVEL, where, text)
    sources = check_table(user.get("sources", {}), SOURCES, where, text, ("sources",))
    alerts = check_table(user.get("alerts", {}), ALERTS, where, text, ("alerts",))
    keys = check_keys(user.get("keys", {}), where, text)

    user_profiles = user.get("profiles", {})
    profiles: dict[ProfileName, Profile] = {}
    for name in ProfileName:
        override = user_profiles.get(name.value, {})
        _check_type(override, dict, f"{where}: [profiles.{name.value}]")
        place = located(where, text, ("profiles", name.value))
        merged = _merge_profile(shipped[name.value], override, f"{place}: profiles.{name.value}")
        profiles[name] = _build_profile(name, merged, multipliers)
    for name in user_profiles:
        parse_profile_name(name)

    symbols = user.get("symbols", {})
    _check_type(symbols, dict, f"{located(where, text, ('symbols',))}: [symbols]")
    for role, symbol in symbols.items():
        if role not in ROLE_NAMES:
            raise ConfigError(f"{where}: unknown key 'symbols.{role}' (known: {', '.join(ROLE_NAMES)})")
        if role == "leaders":
            if not isinstance(symbol, list) or not symbol or not all(isinstance(s, str) and s for s in symbol):
                raise ConfigError(f"{where}: symbols.leaders: expected a list of symbols, got {symbol!r}")
        elif not isinstance(symbol, str) or not symbol.strip():
            raise ConfigError(f"{where}: symbols.{role}: expected a symbol (a string), got {symbol!r}")
    universe = Universe().with_overrides(symbols)

    equity, contract_overrides = _book_settings(user.get("book", {}), where)
    default_profile = parse_profile_name(user.get("default_profile", ProfileName.SWING.value))
    return Config(
        path=path if path.exists() else None,
        default_profile=default_profile,
        profiles=profiles,
        universe=universe,
        theme=str(user.get("theme", "cockpit-dark")),
        keys=keys,
        sources=sources,
        alerts=alerts,
        equity=equity,
        multipliers=contract_overrides,
    )


def _book_settings(book: Mapping[str, Any], where: str) -> tuple[float | None, dict[str, float]]:
    """[book] equity (positive) and [book.multipliers] (symbol = a positive number)."""
    if not isinstance(book, dict):
        raise ConfigError(f"{where}: [book] must be a table, got {type(book).__name__}")
    unknown = sorted(set(book) - {"equity", "multipliers"})
    if unknown:
        raise ConfigError(f"{where}: unknown key 'book.{unknown[0]}' (known: equity, multipliers)")
    equity = book.get("equity")
    if equity is not None and not 0 < equity < 1e15:
        raise ConfigError(f"{where}: book.equity must be a positive amount, got {equity}")
    overrides: dict[str, float] = {}
    for symbol, value in book.get("multipliers", {}).items():
        _check_type(value, float, f"{where}: book.multipliers.{symbol}")
        if not 0 < value < 1e9:
            raise ConfigError(f"{where}: book.multipliers.{symbol} must be a positive number, got {value}")
        overrides[str(symbol)] = float(value)
    return (None if equity is None else float(equity)), overrides
