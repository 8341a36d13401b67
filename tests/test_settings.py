"""The typed settings schema: bad values in config.toml or a theme are one line naming key, file and line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.config import Profile, load_config
from cockpit.errors import ConfigError
from cockpit.settings import Profile as PureProfile
from cockpit.settings import SourceSettings, key_line
from cockpit.sources.live import live_settings
from cockpit.widgets.theme import load_theme_file, load_themes


def one_line(capsys: pytest.CaptureFixture[str], code: int, *needles: str) -> str:
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("cockpit: error: ") and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize(
    ("value", "words"),
    [("inf", "finite"), ("nan", "finite"), ("-inf", "finite"), ("1e-9", "between 1 and 120"),
     ("0", "between 1 and 120"), ("121", "between 1 and 120"), ('"6"', "expected a number"),
     ("true", "expected a number")],
)
def test_a_bad_timeout_is_one_line_naming_key_file_and_line(value: str, words: str, isolated_dirs: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    config = isolated_dirs / "config" / "config.toml"
    config.write_text(f'theme = "cockpit-dark"\n\n[sources]\nvenue = "bybit"\ntimeout_s = {value}\n')
    one_line(capsys, main(["doctor"]), "config.toml:5", "timeout_s", words)  # doctor: no OverflowError


@pytest.mark.parametrize("key", ["exchange_poll_s", "yahoo_poll_s"])
def test_polling_faster_than_every_5_seconds_is_refused(key: str, isolated_dirs: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (isolated_dirs / "config" / "config.toml").write_text(f"[sources]\n{key} = 0.001\n")
    one_line(capsys, main(["snapshot", "--demo"]), "config.toml:2", key, "between 5 and")


def test_dotted_keys_and_alerts_are_located_too(isolated_dirs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """(`bell` is no longer a top-level key: its one home is [alerts], and the old spelling says so with its line.)"""
    config = isolated_dirs / "config" / "config.toml"
    config.write_text('theme = "cockpit-dark"\nsources.exchange_stale_s = nan\n')
    one_line(capsys, main(["snapshot", "--demo"]), "config.toml:2", "exchange_stale_s")
    config.write_text('[alerts]\ndesktop = true\nmin_severity = "loud"\n')
    one_line(capsys, main(["snapshot", "--demo"]), "config.toml:3", "min_severity", "critical")
    config.write_text('[sources]\nvenue = "bybit"\npoll_s = 5\n')
    one_line(capsys, main(["snapshot", "--demo"]), "config.toml:3", "unknown key '[sources] poll_s'", "timeout_s")
    config.write_text('theme = "cockpit-dark"\nbell = true\n')
    one_line(capsys, main(["snapshot", "--demo"]), "config.toml:2", "[alerts] bell")
    config.write_text('[keys]\nhelp = 5\n')
    one_line(capsys, main(["snapshot", "--demo"]), "config.toml:2", "[keys] help")


def test_binary_bytes_in_the_config_are_one_line(isolated_dirs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (isolated_dirs / "config" / "config.toml").write_bytes(b'theme = "cockpit-dark"\n\xff\xfe\x00\x01garbage\n')
    one_line(capsys, main(["snapshot", "--demo"]), "config.toml:2", "not UTF-8")


def test_a_bom_in_the_config_is_accepted(isolated_dirs: Path) -> None:
    (isolated_dirs / "config" / "config.toml").write_bytes(b'\xef\xbb\xbfdefault_profile = "long"\n')
    assert load_config().default_profile.value == "long"


def test_good_sources_load_as_typed_settings(isolated_dirs: Path) -> None:
    (isolated_dirs / "config" / "config.toml").write_text("[sources]\ntimeout_s = 10\nexchange_poll_s = 5\n")
    settings = live_settings(load_config())
    assert settings == SourceSettings(timeout_s=10.0, exchange_poll_s=5.0)
    assert isinstance(settings.timeout_s, float) and settings.deadline_s == 30.0


@pytest.mark.parametrize(
    ("line", "words"),
    [("luminosity_spread = nan", "finite"), ("text_alpha = inf", "finite"), ("text_alpha = 7", "between 0 and 1"),
     ('luminosity_spread = "wide"', "expected a number")],
)
def test_a_theme_with_a_bad_number_is_refused_before_the_screen(line: str, words: str, tmp_path: Path) -> None:
    theme = tmp_path / "night.toml"
    theme.write_text(f'name = "night"\nprimary = "#884400"\n{line}\n')
    with pytest.raises(ConfigError, match=rf"night.toml:3: .*{words}"):
        load_theme_file(theme)


def test_a_binary_or_bom_theme(tmp_path: Path) -> None:
    theme = tmp_path / "night.toml"
    theme.write_bytes(b'name = "night"\nprimary = "#884400"\n\x89PNG\x00\x00')
    with pytest.raises(ConfigError, match=r"night.toml:3: not UTF-8"):
        load_theme_file(theme)
    theme.write_bytes(b'\xef\xbb\xbfname = "night"\nprimary = "#884400"\n')
    assert load_theme_file(theme).name == "night"


def test_the_screen_refuses_a_nan_theme_in_one_line(isolated_dirs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    themes = isolated_dirs / "config" / "themes"
    themes.mkdir()
    (themes / "night.toml").write_text('name = "night"\nprimary = "#884400"\nluminosity_spread = nan\n')
    one_line(capsys, main(["--demo"]), "night.toml:3", "luminosity_spread")
    assert len(load_themes()) == 3  # the shipped ones still load


def test_profile_lives_in_the_pure_ring_and_config_re_exports_it() -> None:
    assert Profile is PureProfile
    names = {f.name for f in dataclasses.fields(Profile)}
    swing = load_config().profile("swing")
    assert all(getattr(swing, name) is not None for name in names - {"regime_multipliers"})


def test_key_line_finds_tables_dotted_keys_and_headers() -> None:
    text = '# comment\nbell = true\n[profiles.swing]\ncorr_window_1h = 3\n[sources]\n"timeout_s" = 4\n'
    assert key_line(text, ("profiles", "swing"), "corr_window_1h") == 4
    assert key_line(text, ("sources",), "timeout_s") == 6
    assert key_line(text, ("sources",), "absent") == 5
    assert key_line(text, (), "bell") == 2
    assert key_line(text, ("alerts",), "bell") is None
