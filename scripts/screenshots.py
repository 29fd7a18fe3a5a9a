"""Regenerate screenshots/ from the bundled recording at set moments of the night.

Run: uv run python scripts/screenshots.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path

from feeds.bundled import BUNDLED_NIGHT
from feeds.polling import Updated
from feeds.recording import read_recording
from tui.app import ElectionNightApp
from tui.feed_source import FeedSource
from tui.watchlist import WatchList

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
START = dt.datetime(2022, 5, 5, 21, 0, tzinfo=dt.UTC)
HOUR = 3600 * 1000
FINAL = 10**9

SHOTS = [
    # name, moment (ms from polls closing), keys, size
    ("overview-0300", 5 * HOUR, (), (160, 45)),
    ("councils-0300", 5 * HOUR, ("2",), (120, 36)),
    ("map-final", FINAL, ("3",), (160, 50)),
    ("map-final-80x24", FINAL, ("3",), (80, 24)),
    ("changes-final", FINAL, ("7",), (120, 40)),
    ("councils-80x24", FINAL, ("2",), (80, 24)),
    ("london-final", FINAL, ("slash", *"London", "enter"), (140, 40)),
    ("detail-final", FINAL, ("2", "down", "down", "down", "enter"), (110, 40)),
    ("overview-final-80x24", FINAL, (), (80, 24)),
    ("ward-stv-final", FINAL, ("open:local.edinburgh.2022-05-05", "enter"), (130, 40)),
    ("referendums-final", FINAL, ("4",), (110, 30)),
]


async def shoot(name: str, moment: int, keys: tuple[str, ...], size: tuple[int, int]) -> None:
    recording = read_recording(BUNDLED_NIGHT, strict=True)
    with tempfile.TemporaryDirectory() as config:
        moment = min(moment, recording.duration_ms)
        now = [START]  # the night's clock moves with each event, as in a replay
        app = ElectionNightApp(
            FeedSource("replay of local-2022-05-05.jsonl.gz"),
            clock=lambda: now[0],
            monotonic=lambda: 0.0,
            watchlist=WatchList(Path(config) / "watchlist.json"),
            poll=False,
        )
        async with app.run_test(size=size) as pilot:
            for event in recording.events:
                if event.t > moment:
                    break
                now[0] = START + dt.timedelta(milliseconds=event.t)
                changes = app.night.store.apply(event.answer)
                app.apply_outcome(Updated(changes, event.seq, False, 1.0))
            now[0] = START + dt.timedelta(milliseconds=moment)
            app.night.health.last_check = app.night.health.last_change = 0.0
            app.night.tick()
            await pilot.pause()  # notify posts a message: let the toasts arrive, then clear them
            app.clear_notifications()
            await pilot.pause()
            for key in keys:
                if key.startswith("open:"):  # a council's detail, as Enter on its row does
                    app.results.open_council(key.removeprefix("open:"))
                else:
                    await pilot.press(key)
                await pilot.pause()
            app.save_screenshot(str(OUT / f"{name}.svg"))
    print(f"wrote screenshots/{name}.svg")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    for shot in SHOTS:
        await shoot(*shot)


if __name__ == "__main__":
    asyncio.run(main())
