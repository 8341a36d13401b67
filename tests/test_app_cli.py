"""Starting the screen from the command line: bad input is one line and status 2; q exits 0; light start."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from test_app_helpers import cached_simulator  # noqa: F401
from textual.app import App

from cockpit.app import CockpitApp
from cockpit.cli import main

HEAVY = ("polars", "numpy", "pandas", "ccxt", "yfinance", "pyarrow")


@pytest.fixture
def headless(monkeypatch: pytest.MonkeyPatch) -> list[CockpitApp]:
    """Run the app headless: wait for the first snapshot (if a source was chosen), then press q."""
    started: list[CockpitApp] = []

    async def quit_after_first_snapshot(pilot: Any) -> None:
        app = pilot.app
        for _ in range(500):
            await app.workers.wait_for_complete()
            await pilot.pause()
            if not app.is_running or app.source_factory is None:
                break
            if app.cockpit.snapshot is not None and app.cockpit.snapshot.judged:
                app.first_snapshot = app.cockpit.snapshot
                break
        if app.is_running:
            await pilot.press("q")

    def run(self: CockpitApp, **_: Any) -> None:
        started.append(self)
        App.run(self, headless=True, size=(160, 45), auto_pilot=quit_after_first_snapshot)

    monkeypatch.setattr(CockpitApp, "run", run)
    return started


def test_demo_opens_and_q_exits_with_status_0(headless: list[CockpitApp]) -> None:
    assert main(["--demo", "--scenario", "calm", "--seed", "3", "--at", "48h"]) == 0
    snap = headless[0].first_snapshot  # type: ignore[attr-defined]
    assert snap is not None and snap.label == "calm" and snap.profile.value == "swing"


def test_plain_cockpit_builds_the_live_source_with_the_demo_one_key_away() -> None:
    from cockpit.cli import build_parser
    from cockpit.commands.screen import build_app

    app = build_app(build_parser().parse_args([]))
    assert app.notice is None and app.source_factory is not None and app.demo_factory is not None


def test_a_file_that_is_not_bar_data_is_one_line_and_status_2(
        headless: list[CockpitApp], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "prices.csv"
    bad.write_text("date,price\n2026-01-01,1\n")
    assert main(["--data", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cockpit: error: ") and "missing column" in err


@pytest.mark.parametrize(("argv", "words"), [
    (["--demo", "--scenario", "nope"], "unknown scenario 'nope'"),
    (["--demo", "--speed", "0"], "--speed must be positive"),
    (["--demo", "--at", "soon"], "is not a duration"),
    (["--data", "missing.csv"], "missing.csv: no such file or folder"),
    (["--replay", "missing.parquet"], "missing.parquet: no such file or folder"),
    (["--demo", "--profile", "scalp"], "unknown profile 'scalp'"),
])
def test_bad_arguments_are_one_line_and_status_2(argv: list[str], words: str, headless: list[CockpitApp],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and not headless


def test_an_unknown_command_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    from cockpit.cli import COMMANDS

    assert main(["--demo", "snapshots"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice: 'snapshots'" in err
    assert all(f"'{name}'" in err for name in COMMANDS)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    from cockpit.cli import COMMANDS

    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)


def test_a_command_word_given_as_an_option_value_still_runs_the_screen() -> None:
    from cockpit.cli import parse_arguments

    args = parse_arguments(["--demo", "--scenario", "brief"])
    assert args.command is None and args.scenario == "brief"
    assert parse_arguments(["--scenario", "calm", "snapshot", "--json"]).command == "snapshot"


@pytest.mark.parametrize(("config", "words"), [
    ('[keys]\nzoom = "z"\n', "unknown action 'zoom' in [keys]"),
    ('theme = "neon"\n', "unknown theme 'neon'"),
])
def test_bad_config_for_the_screen_is_one_line_and_status_2(
        config: str, words: str, isolated_dirs: Path, headless: list[CockpitApp],
        capsys: pytest.CaptureFixture[str]) -> None:
    (isolated_dirs / "config" / "config.toml").write_text(config)
    assert main(["--demo"]) == 2
    assert words in capsys.readouterr().err and not headless


def test_a_broken_user_theme_is_one_line_naming_the_file(
        isolated_dirs: Path, headless: list[CockpitApp], capsys: pytest.CaptureFixture[str]) -> None:
    themes = isolated_dirs / "config" / "themes"
    themes.mkdir()
    (themes / "mine.toml").write_text('name = "mine"\nprimary = "not-a-colour"\n')
    assert main(["--demo"]) == 2
    err = capsys.readouterr().err
    assert "mine.toml: primary: 'not-a-colour' is not a colour" in err


def test_a_user_theme_from_the_config_folder_is_picked_up(isolated_dirs: Path, headless: list[CockpitApp]) -> None:
    themes = isolated_dirs / "config" / "themes"
    themes.mkdir()
    (themes / "night.toml").write_text('name = "night"\nprimary = "#884400"\n[variables]\ngain = "#00AAFF"\n')
    (isolated_dirs / "config" / "config.toml").write_text('theme = "night"\n')
    assert main(["--demo"]) == 0
    app = headless[0]
    assert app.theme == "night" and "night" in [t.name for t in app.cockpit_themes]


def test_nothing_heavy_is_imported_before_the_first_frame() -> None:
    script = textwrap.dedent(f"""
        import asyncio, sys
        from cockpit.cli import build_parser
        from cockpit.commands.screen import build_app
        args = build_parser().parse_args([])
        app = build_app(args)
        app.source_factory = None
        app.notice = "no source"
        async def main():
            async with app.run_test(size=(160, 45)) as pilot:
                for _ in range(20):  # the first frame's placeholder, then the real pane once laid out
                    await pilot.pause()
                    if app.cockpit.query_one("#macro").region.height > 0:
                        break
                assert app.cockpit.query_one("#macro").region.height > 0
        asyncio.run(main())
        print(",".join(m for m in {HEAVY!r} if m in sys.modules))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
