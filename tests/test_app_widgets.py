"""The panes' pure parts: formatting, layouts, flag ages, the header line, freshness and the themes."""

from __future__ import annotations

import colorsys
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.color import Color

from cockpit.config import load_config
from cockpit.errors import ConfigError
from cockpit.models import Flag, FlagId, ProfileName, Regime, Severity, SourceHealth
from cockpit.screens.layout import layout_for, mode_for, page_showing
from cockpit.widgets.charts import ChartSpec, Series
from cockpit.widgets.flags import FlagRow, flag_rows, order_rows, track_first_seen
from cockpit.widgets.format import age_text, money, price, short_money, signed
from cockpit.widgets.header import HeaderInfo, Oldest, header_markup
from cockpit.widgets.pane_view import panes_for_health
from cockpit.widgets.theme import SHIPPED_THEMES, load_theme_file, load_themes, themes_dir

T0 = datetime(2026, 1, 30, 12, tzinfo=UTC)


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "?"), (float("nan"), "?"), (-5, "0s"), (0, "0s"), (42.9, "42s"), (60, "1m"), (3599, "59m"),
    (3600, "1h"), (3660 * 3 + 20, "3h03m"), (36000 + 120, "10h"), (86400, "1d"), (90000, "1d01h"),
])
def test_ages_are_short(seconds: float | None, text: str) -> None:
    assert age_text(seconds) == text


@pytest.mark.parametrize(("value", "full", "short"), [
    (None, "n/a", "n/a"), (512.0, "$512", "512"), (245_710.0, "$246K", "246K"), (2_705_331.0, "$2.71M", "2.7M"),
    (9_552_051_079.0, "$9.55B", "9.6B"), (-1_500_000.0, "$-1.50M", "1.5M"),
])
def test_money_carries_its_unit(value: float | None, full: str, short: str) -> None:
    assert money(value) == full and short_money(value) == short


def test_prices_keep_sensible_precision() -> None:
    assert [price(v) for v in (90549.03, 2879.54, 99.2, 4.3283, None)] == ["90,549", "2,879.5", "99.20", "4.328",
                                                                         "n/a"]


def test_direction_is_a_glyph_and_a_theme_colour_never_colour_alone() -> None:
    assert signed(0.53, "+.2f", "%") == "[$gain]▲+0.53%[/]"
    assert signed(-2.88, "+.2f", "%") == "[$loss]▼-2.88%[/]"
    assert signed(12.2, "+.1f", "bp", rising_is_good=False) == "[$loss]▲+12.2bp[/]"
    assert signed(None, width=5) == "[$stale]  n/a[/]"
    # a change that rounds to zero at the shown precision reads flat, as an exact zero does (it read ▼-0.00%)
    assert signed(-0.001, "+.2f", "%") == signed(0.0, "+.2f", "%") == " +0.00%"
    assert signed(0.004, "+.1f", "bp") == " +0.0bp" and signed(0.06, "+.1f", "bp") == "[$gain]▲+0.1bp[/]"


def test_no_pane_css_holds_a_hex_colour() -> None:
    root = Path(__file__).resolve().parents[1]
    sources = [*(root / "cockpit" / "widgets").glob("*.py"), *(root / "cockpit" / "screens").glob("*.py"),
               *themes_dir().glob("*.tcss"), root / "cockpit" / "app.py"]
    for path in sources:
        text = path.read_text()
        css_blocks = re.findall(r'CSS = """(.*?)"""', text, re.S) if path.suffix == ".py" else [text]
        for block in css_blocks:
            assert not re.search(r"#[0-9a-fA-F]{3,8}\b", block), path


@pytest.mark.parametrize(("size", "mode"), [
    ((160, 45), "full"), ((120, 34), "full"), ((119, 45), "medium"), ((100, 30), "medium"), ((84, 22), "medium"),
    ((83, 30), "compact"), ((100, 21), "compact"), ((60, 20), "compact"), ((40, 12), "compact"), ((1, 1), "compact"),
])
def test_the_layout_mode_follows_the_terminal(size: tuple[int, int], mode: str) -> None:
    assert mode_for(*size) == mode


def test_medium_pages_keep_the_key_panes_together_and_compact_shows_one() -> None:
    assert layout_for(100, 30, 0).shown == ("macro", "correlation", "flags")
    assert layout_for(100, 30, 1).shown == ("leadership", "crypto", "sizing")
    assert layout_for(100, 30, 2).shown == ("book",)  # the Book page (SPEC §12)
    assert layout_for(100, 30, 3).shown == ("macro", "correlation", "flags")
    assert layout_for(60, 20, 4).shown == ("crypto",) and layout_for(60, 20, 6).shown == ("book",)
    assert layout_for(160, 45, 2).shown == ("macro", "leadership", "crypto", "correlation", "sizing", "flags")
    assert layout_for(160, 45, 1).shown == ("book",) and page_showing("book", "full") == 1
    assert not layout_for(40, 12, 0).charts and layout_for(60, 20, 0).charts
    assert page_showing("sizing", "medium") == 1 and page_showing("flags", "compact") == 2


def test_flags_remember_when_they_first_appeared_and_show_newest_first() -> None:
    warn = Flag(FlagId.VOL_SPIKE, Severity.WARNING, "vol")
    crit = Flag(FlagId.LIQUIDATION_CASCADE, Severity.CRITICAL, "cascade")
    seen, new = track_first_seen({}, (warn,), T0)
    assert new == (warn,)
    later = T0 + timedelta(hours=2)
    seen, new = track_first_seen(seen, (crit, warn), later)
    assert new == (crit,) and seen == {FlagId.VOL_SPIKE: T0, FlagId.LIQUIDATION_CASCADE: later}
    rows = order_rows(flag_rows((warn, crit), seen, later + timedelta(minutes=5)))
    assert [(r.flag.id, r.age_s) for r in rows] == [(FlagId.LIQUIDATION_CASCADE, 300.0), (FlagId.VOL_SPIKE, 7500.0)]
    seen, new = track_first_seen(seen, (crit,), later)
    assert FlagId.VOL_SPIKE not in seen
    seen, new = track_first_seen(seen, (crit, warn), later)
    assert new == (warn,) and seen[FlagId.VOL_SPIKE] == later


def test_a_flag_line_says_severity_in_words_and_colour() -> None:
    line = FlagRow(Flag(FlagId.LIQUIDATION_CASCADE, Severity.CRITICAL, "cascade [z 4]"), 300.0).markup()
    assert line.startswith("[bold $alert]CRIT[/]") and "5m" in line and "cascade \\[z 4]" in line


def test_the_header_says_source_clock_profile_regime_tier_and_oldest_data() -> None:
    info = HeaderInfo(source="demo", label="cascade-2026-01", clock=T0, clocked=True, paused=True, speed=720.0,
                      profile="swing", horizon="days to weeks", regime=Regime.LIQUIDITY_SHOCK, multiplier=0.25,
                      oldest=Oldest("leaders", 54000.0, True))
    text = header_markup(info)
    for part in (" DEMO ", "cascade-2026-01", "Fri 2026-01-30 12:00Z", "⏸ PAUSED", "SWING", "days to weeks",
                 "LIQUIDITY SHOCK", "size ×0.25", "15h (leaders, closed)"):
        assert part in text
    live = header_markup(HeaderInfo(source="live", trouble="RuntimeError: boom"))
    assert " LIVE " in live and "SOURCE FAILING: RuntimeError: boom" in live
    narrow = header_markup(HeaderInfo(source="replay", label="rec.parquet", clock=T0, profile="long", narrow=True,
                                      regime=Regime.CALM, multiplier=1.0))
    assert "01-30 12:00Z" in narrow and "Fri" not in narrow and "×1.00" in narrow and "size" not in narrow


@pytest.mark.parametrize(("name", "panes"), [
    ("yahoo", {"macro", "leadership", "correlation"}),
    ("bybit", {"crypto", "correlation"}),
    ("exchange", {"crypto", "correlation"}),
    ("simulator", {"macro", "leadership", "crypto", "correlation", "flags", "sizing"}),
])
def test_a_source_health_covers_the_panes_fed_by_it(name: str, panes: set[str]) -> None:
    assert panes_for_health(name) == panes
    assert SourceHealth(name, 1.0, False).name == name


def test_an_empty_chart_spec_draws_nothing() -> None:
    assert ChartSpec().empty and not ChartSpec(lines=(Series("a", (1.0, 2.0)),)).empty


def _hue(colour: str) -> float:
    r, g, b = Color.parse(colour).rgb
    return colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)[0] * 360


def test_shipped_themes_define_every_cockpit_colour_and_contrast_avoids_red_green() -> None:
    themes = {t.name: t for t in load_themes()}
    assert set(SHIPPED_THEMES) <= set(themes)
    for name in SHIPPED_THEMES:
        assert {"gain", "loss", "stale", "alert"} <= set(themes[name].variables)
    assert themes["cockpit-light"].dark is False
    contrast = themes["cockpit-contrast"].variables
    gain, loss = _hue(contrast["gain"]), _hue(contrast["loss"])
    assert 180 <= gain <= 250  # blue
    assert 20 <= loss <= 50  # orange, not red and not green


def test_a_user_theme_replaces_a_shipped_one_and_bad_files_name_the_key(tmp_path: Path) -> None:
    (tmp_path / "dark.toml").write_text('name = "cockpit-dark"\nprimary = "#112233"\n')
    themes = {t.name: t for t in load_themes(tmp_path)}
    assert themes["cockpit-dark"].primary == "#112233"
    assert themes["cockpit-dark"].variables["gain"]  # defaults fill what the file leaves out
    bad = tmp_path / "bad.toml"
    for text, words in (('primary = "#000"\nglow = 1\n', "unknown key 'glow'"), ("name = 'x'\n", "missing key"),
                        ('primary = "#000"\n[variables]\ngain = 3\n', "variables.gain"),
                        ("primary = [", "not valid TOML")):
        bad.write_text(text)
        with pytest.raises(ConfigError, match=re.escape(words)):
            load_theme_file(bad)


def test_profiles_drive_the_labels_the_panes_show() -> None:
    config = load_config()
    assert [config.profile(p).macro_lookback_h for p in ProfileName] == [4, 24, 120]
