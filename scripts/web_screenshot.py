"""Make screenshots/web.png, the README's picture of the app in a browser: ``election-night
web`` on the bundled night (its state at 10:00 on Friday, North East chosen), in headless
Chromium (Debian's ``chromium``). Needs the dev dependencies (playwright)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "screenshots" / "web.png"
NIGHT = ROOT / "feeds" / "recordings" / "local-2022-05-05.jsonl.gz"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip


def main() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui.cli",
            "web",
            str(NIGHT),
            "--port",
            str(port),
            "--speed",
            "1",
            "--start",
            "12h",
        ],  # fmt: skip
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"http://127.0.0.1:{port}", wait_until="domcontentloaded")
            page.wait_for_timeout(8000)  # the recording read and the night drawn
            page.focus(".xterm-helper-textarea")
            page.keyboard.press("r")
            page.wait_for_timeout(1500)
            OUTPUT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(OUTPUT))
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
