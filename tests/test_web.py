"""The app in a real browser: ``election-night web`` (textual-serve) driven by headless Chromium.

Chromium draws the terminal on a canvas, so what the page shows is read the way xterm.js
builds it: every byte the page receives over its websocket is fed to a terminal emulator
(pyte) of the size the page asked for. Skipped, with the reason, only where Debian's chromium
is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.servers import CHROMIUM, CHROMIUM_ARGS, web_app
from tests.conftest import BUNDLED_NIGHT

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


@pytest.fixture
def web_server() -> Iterator[str]:
    with web_app(str(BUNDLED_NIGHT), "--speed", "1", "--start", "12h") as url:
        yield url


class BrowserScreen:
    """The terminal the page shows, rebuilt from the bytes it receives."""

    def __init__(self) -> None:
        import pyte

        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)

    def sent(self, payload: str | bytes) -> None:
        if isinstance(payload, str) and payload.startswith('["resize"'):
            size = json.loads(payload)[1]
            self.screen.resize(size["height"], size["width"])

    def received(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            self.stream.feed(payload)

    @property
    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)


@needs_chromium
def test_the_app_in_a_browser_filters_by_region(web_server: str, tmp_path: Path) -> None:
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    shown = BrowserScreen()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on(
                "websocket",
                lambda ws: (
                    ws.on("framesent", shown.sent),
                    ws.on("framereceived", shown.received),
                ),
            )
            page.goto(web_server, wait_until="domcontentloaded")

            def until(text: str, timeout: float = 30.0) -> None:
                deadline = time.monotonic() + timeout
                while text not in shown.text:
                    if time.monotonic() > deadline:
                        raise AssertionError(f"{text!r} never shown; the page shows:\n{shown.text}")
                    page.wait_for_timeout(100)

            until("of 200 councils")  # the night has arrived (the region key needs councils)
            assert "Party  Councils" in shown.text and "Latest declarations" in shown.text
            page.focus(".xterm-helper-textarea")  # where xterm.js takes the keyboard
            page.keyboard.press("r")  # the first region
            until("North East: declared")
            line = next(ln for ln in shown.text.splitlines() if "North East: declared" in ln)
            assert "of 6 councils" in line  # the North East's six councils of 2022
            page.keyboard.press("2")  # the council list, filtered to the region
            until("Hartlepool")
            assert "Birmingham" not in shown.text
            page.keyboard.press("1")
            until("North East: declared")
            page.screenshot(path=str(tmp_path / "web.png"))  # as the README's, by its script
        finally:
            browser.close()
    assert (tmp_path / "web.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_source_runs_in_the_browser_as_in_a_terminal() -> None:
    from tui.cli import web_command

    tail = lambda *a, **k: web_command(*a, **k)[3:]  # noqa: E731 - after "python -m tui.cli"
    assert tail(None) == ["replay", str(BUNDLED_NIGHT)]
    assert tail("night.jsonl", speed=60, start="23:30") == [
        "replay", "night.jsonl", "--speed", "60", "--start", "23:30"]  # fmt: skip
    assert tail("https://example.net/feed.json") == ["watch", "https://example.net/feed.json"]
    assert tail("pa:/srv/pa") == ["watch", "pa:/srv/pa"]
    assert tail("dc:local.2026-05-07", dc_url="http://127.0.0.1:8033") == [
        "watch", "dc:local.2026-05-07", "--dc-url", "http://127.0.0.1:8033"]  # fmt: skip
