"""The cockpit's themes: the colour variables every pane uses, and the theme files that define them.

Themes are TOML files (`name`, the Textual theme colours, and a `[variables]` table with `gain`, `loss`,
`stale`, `alert`). The shipped ones live in the wheel's `cockpit/_themes` (the repo's `themes/` when run
from a checkout); the user's own go in the config folder's `themes/` and may replace a shipped one by name.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

import cockpit
from cockpit.errors import ConfigError
from cockpit.settings import THEME_NUMBERS, located

# Fallbacks for the cockpit's own variables: a theme that leaves one out still renders.
THEME_VARIABLE_DEFAULTS: dict[str, str] = {
    "gain": "#2ECC71",
    "loss": "#FF5C5C",
    "stale": "#7A8591",
    "alert": "#FF2E63",
}
SHIPPED_THEMES = ("cockpit-dark", "cockpit-light", "cockpit-contrast")
DEFAULT_THEME = "cockpit-dark"

_COLOUR_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background",
                  "surface", "panel", "boost")
_THEME_FIELDS = {f.name for f in fields(Theme)}


def themes_dir() -> Path:
    """The shipped themes folder: `cockpit/_themes` in a wheel, else the repo's `themes/`."""
    packaged = Path(cockpit.__file__).parent / "_themes"
    if packaged.is_dir():
        return packaged
    return Path(cockpit.__file__).parent.parent / "themes"


def style_paths() -> list[Path]:
    """The shipped `*.tcss` style sheets, in a stable order (later files win)."""
    return sorted(themes_dir().glob("*.tcss"))


def _check_colour(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a colour string, got {type(value).__name__} {value!r}")
    try:
        Color.parse(value)
    except ColorParseError:
        raise ConfigError(f"{where}: '{value}' is not a colour") from None
    return value


def parse_theme(values: dict[str, Any], path: Path, text: str = "") -> Theme:
    """A Textual Theme from one theme file's table; unknown keys, bad colours and numbers are a ConfigError."""
    for key in values:
        if key not in _THEME_FIELDS or key == "ansi":
            known = ", ".join(sorted(_THEME_FIELDS - {"ansi"}))
            raise ConfigError(f"{located(str(path), text, (), key)}: unknown key '{key}' (known: {known})")
    name = values.get("name", path.stem)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{path}: name: expected a non-empty string")
    if "primary" not in values:
        raise ConfigError(f"{path}: missing key 'primary'")
    colours = {k: _check_colour(values[k], f"{path}: {k}") for k in _COLOUR_FIELDS if k in values}
    raw_variables = values.get("variables", {})
    if not isinstance(raw_variables, dict):
        raise ConfigError(f"{path}: [variables] must be a table")
    checked = {str(k): _check_colour(v, f"{path}: variables.{k}") for k, v in raw_variables.items()}
    dark = values.get("dark", True)
    if not isinstance(dark, bool):
        raise ConfigError(f"{path}: dark: expected true or false")
    numbers: dict[str, float] = {"luminosity_spread": 0.15, "text_alpha": 0.95}
    for key, setting in THEME_NUMBERS.items():
        if key in values:
            numbers[key] = setting.check(values[key], f"{located(str(path), text, (), key)}: {key}")
    variables = {**THEME_VARIABLE_DEFAULTS, **checked}
    theme = Theme(name=name, primary=colours.pop("primary"), dark=dark, variables=variables,
                  luminosity_spread=numbers["luminosity_spread"], text_alpha=numbers["text_alpha"])
    for key, colour in colours.items():
        setattr(theme, key, colour)
    return theme


def load_theme_file(path: Path) -> Theme:
    """One theme file, read and validated (binary bytes, a BOM and bad TOML as for config.toml)."""
    from cockpit.config import read_toml

    values, text = read_toml(path)
    return parse_theme(values, path, text)


def load_themes(user_dir: Path | None = None) -> tuple[Theme, ...]:
    """The shipped themes, then the user's `*.toml` themes (a user theme replaces a shipped one of its name)."""
    by_name: dict[str, Theme] = {}
    for path in sorted(themes_dir().glob("*.toml")):
        theme = load_theme_file(path)
        by_name[theme.name] = theme
    if user_dir is not None and user_dir.is_dir():
        for path in sorted(user_dir.glob("*.toml")):
            theme = load_theme_file(path)
            by_name[theme.name] = theme
    return tuple(by_name.values())
