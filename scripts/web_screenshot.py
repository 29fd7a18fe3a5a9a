"""Make screenshots/web.png, the README's picture of the app in a browser: ``election-night
web`` on the bundled night (its state at 10:00 on Friday, North East chosen), in headless
Chromium (Debian's ``chromium``). Needs the dev dependencies (playwright)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.servers import CHROMIUM, CHROMIUM_ARGS, web_app

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "screenshots" / "web.png"
NIGHT = ROOT / "feeds" / "recordings" / "local-2022-05-05.jsonl.gz"


def main() -> None:
    with web_app(str(NIGHT), "--speed", "1", "--start", "12h") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_timeout(8000)  # the recording read and the night drawn
        page.focus(".xterm-helper-textarea")
        page.keyboard.press("r")
        page.wait_for_timeout(1500)
        OUTPUT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT))
        browser.close()
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
