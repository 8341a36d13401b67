"""`cockpit serve`: the screen as a web page on localhost, its terminal over a websocket, and in headless Chromium."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cockpit.commands.serve import is_local, screen_command

pytest.importorskip("textual_serve", reason="the web extra (textual-serve) is not installed")
aiohttp = pytest.importorskip("aiohttp", reason="textual-serve's aiohttp is not installed")

TITLES = ("Macro", "Leadership", "Crypto structure", "Correlation", "Sizing", "Flags")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ANSI = re.compile(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_page(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"cockpit serve exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.read().decode("utf-8"))
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no page at {url} within {timeout_s:.0f} s")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`cockpit serve --demo` on a free localhost port, 36 h into the cascade at real-time speed: address, page."""
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "cockpit", "serve", "--demo", "--at", "46h", "--speed", "1",
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env={**os.environ})
    try:
        page = wait_for_page(f"http://127.0.0.1:{port}/", process)
        yield f"127.0.0.1:{port}", page
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_only_loopback_counts_as_local() -> None:
    assert all(is_local(host) for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2", "[::1]"))
    assert not any(is_local(host) for host in ("0.0.0.0", "192.168.1.20", "::", "cockpit.lan"))


def test_each_tab_runs_the_screen_with_the_source_options_given() -> None:
    from cockpit.cli import build_parser

    args = build_parser().parse_args(["serve", "--demo", "--scenario", "calm", "--seed", "7", "--at", "36h",
                                      "--port", "9000"])
    assert screen_command(args).split()[1:] == ["-m", "cockpit", "--demo", "--scenario", "calm", "--seed", "7",
                                                "--at", "36h"]
    replay = build_parser().parse_args(["serve", "--replay", "my rec/"])
    assert screen_command(replay).endswith("-m cockpit --replay 'my rec/'")


def test_a_host_off_localhost_warns_in_one_line_before_serving() -> None:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "cockpit", "serve", "--demo", "--host", "0.0.0.0",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL)
    try:
        assert process.stderr is not None
        warning = process.stderr.readline().decode()
        assert warning.startswith("cockpit: warning: serving on 0.0.0.0:") and "no authentication" in warning
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_bad_options_are_one_line_and_status_2() -> None:
    for argv, words in ((["--port", "0"], "--port must be between 1 and 65535"),
                        (["--scenario", "nope"], "unknown scenario 'nope'")):
        result = subprocess.run([sys.executable, "-m", "cockpit", "serve", "--demo", *argv], capture_output=True,
                                text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and words in result.stderr


def test_a_port_in_use_is_one_line_and_status_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "cockpit", "serve", "--demo", "--port", str(port)],
                                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"cockpit: error: cannot listen on 127.0.0.1:{port} (")


async def test_the_page_loads_and_its_websocket_runs_the_cockpit(served: tuple[str, str]) -> None:
    address, page = served
    assert f'data-session-websocket-url="ws://{address}/ws"' in page and "<div>cockpit</div>" in page
    screen = ""
    async with aiohttp.ClientSession() as session, session.ws_connect(f"ws://{address}/ws?width=160&height=45") as ws:
        deadline = time.monotonic() + 60
        received = b""
        while not all(title in screen for title in TITLES) and time.monotonic() < deadline:
            try:
                message = await asyncio.wait_for(ws.receive(), timeout=2)
            except TimeoutError:
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                received += message.data
                screen = ANSI.sub("", received.decode("utf-8", "replace"))
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                break
    missing = [title for title in TITLES if title not in screen]
    assert not missing, f"pane titles never drawn: {missing}"


# --- headless Chromium --------------------------------------------------------------------------------


def find_browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page target's websocket."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.handlers: dict[str, Any] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self.ws.send_str(json.dumps({"id": self.next_id, "method": method, "params": params}))
        return await asyncio.wait_for(future, timeout=30)

    async def read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self.pending:
                future = self.pending.pop(data["id"])
                if "error" in data:
                    future.set_exception(AssertionError(f"devtools: {data['error']}"))
                else:
                    future.set_result(data.get("result", {}))
            elif data.get("method") in self.handlers:
                task = asyncio.create_task(self.handlers[data["method"]](data["params"]))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)


def drawn_with_data(rows: str) -> bool:
    """The figures are on screen and judged: the header names the scenario, no pane is still waiting, and the
    regime is no longer being judged (the first figures show before their span window is judged)."""
    return "cascade-2026-01" in rows and "waiting for data" not in rows and "JUDGING" not in rows


async def browse(url: str, browser: str, profile_dir: Path, screenshot: Path) -> str:
    """Open `url` in headless Chromium; the terminal's rows as text once every pane is drawn with its figures.

    The page draws the terminal on a canvas. Its script is served to this browser with xterm's screen-reader
    mode switched on, so xterm also writes each rendered row into its accessibility tree, which is text.
    """
    process = await asyncio.create_subprocess_exec(
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
        "--window-size=1600,1000", f"--user-data-dir={profile_dir}", "--remote-debugging-port=0", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        port_file = profile_dir / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline:
                raise AssertionError("headless Chromium did not open its DevTools port")
            await asyncio.sleep(0.1)
        port = port_file.read_text().split()[0]
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            target = next(t for t in targets if t["type"] == "page")
            async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                devtools = DevTools(ws)
                reader = asyncio.create_task(devtools.read())

                async def serve_script(params: dict[str, Any]) -> None:
                    body = await devtools.call("Fetch.getResponseBody", requestId=params["requestId"])
                    script = base64.b64decode(body["body"]) if body["base64Encoded"] else body["body"].encode()
                    script = script.replace(b"screenReaderMode:!1", b"screenReaderMode:!0")
                    await devtools.call("Fetch.fulfillRequest", requestId=params["requestId"], responseCode=200,
                                        responseHeaders=[{"name": "Content-Type", "value": "text/javascript"}],
                                        body=base64.b64encode(script).decode())

                devtools.handlers["Fetch.requestPaused"] = serve_script
                script_only = {"urlPattern": "*/textual.js", "requestStage": "Response"}
                await devtools.call("Fetch.enable", patterns=[script_only])
                await devtools.call("Page.enable")
                await devtools.call("Page.navigate", url=url)
                rows, deadline = "", time.monotonic() + 90
                while time.monotonic() < deadline:
                    result = await devtools.call("Runtime.evaluate", returnByValue=True, expression=(
                        "(document.querySelector('.xterm-accessibility-tree') || {}).innerText || ''"))
                    rows = str(result["result"].get("value", ""))
                    if all(title in rows for title in TITLES) and drawn_with_data(rows):
                        break
                    await asyncio.sleep(0.5)
                await asyncio.sleep(1.0)  # let the canvas catch up with the rows before the picture
                shot = await devtools.call("Page.captureScreenshot", format="png")
                await asyncio.to_thread(screenshot.write_bytes, base64.b64decode(shot["data"]))
                reader.cancel()
                return rows
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


@pytest.fixture
def chromium() -> str:
    """The headless browser's binary; the test skips, saying why, when there is none."""
    browser = find_browser()
    if browser is None:
        pytest.skip(f"no Chromium binary found (looked for {', '.join(BROWSERS)}); CI installs Debian's chromium")
    return browser


@pytest.mark.browser
async def test_headless_chromium_draws_every_pane(chromium: str, served: tuple[str, str], tmp_path: Path) -> None:
    screenshot = tmp_path / "cockpit-in-chromium.png"
    rows = await browse(f"http://{served[0]}/?fontsize=12", chromium, tmp_path / "chromium-profile", screenshot)
    missing = [title for title in TITLES if title not in rows]
    assert not missing, f"pane titles not in the rendered terminal: {missing}\n{rows[:2000]}"
    assert drawn_with_data(rows), f"the panes never showed the demo's figures\n{rows[:2000]}"
    assert "RISK_BUDGET_SHRINKING" in rows and screenshot.stat().st_size > 10_000
