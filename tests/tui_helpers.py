"""Build the app with injected clock, data and config for Pilot and snapshot tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.pilot import Pilot

from feeds.client import Updated
from feeds.recording import Recording
from feeds.store import ResultsStore
from tui.app import ElectionNightApp, FeedSource
from tui.watchlist import WatchList

NIGHT_START = dt.datetime(2022, 5, 5, 21, 0, tzinfo=dt.UTC)


class FixedClock:
    def __init__(self, when: dt.datetime = NIGHT_START) -> None:
        self.when = when

    def __call__(self) -> dt.datetime:
        return self.when


class FixedMonotonic:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_test_app(
    tmp_path: Path,
    *,
    store: ResultsStore | None = None,
    source: FeedSource | None = None,
    clock: FixedClock | None = None,
    monotonic: FixedMonotonic | None = None,
    poll: bool = False,
) -> ElectionNightApp:
    app = ElectionNightApp(
        source or FeedSource("test feed"),
        store=store,
        clock=clock or FixedClock(),
        monotonic=monotonic or FixedMonotonic(),
        watchlist=WatchList(tmp_path / "config" / "watchlist.json"),
        poll=poll,
    )
    return app


def feed_recording(app: ElectionNightApp, recording: Recording, until_ms: float) -> None:
    """Apply a recording's events up to ``until_ms`` as successive polls would, each at its
    own moment of the night. Call it from inside the running app (``run_before``)."""
    for event in recording.events:
        if event.t > until_ms:
            break
        changes = app.store.apply(event.answer)
        app.clock = FixedClock(NIGHT_START + dt.timedelta(milliseconds=event.t))
        app.apply_outcome(Updated(changes, event.seq, event.keyframe, 1.0))


async def without_toasts(app: ElectionNightApp, pilot: Pilot[None]) -> None:
    """Settle, then clear the toasts: ``notify`` posts a message, so a toast raised by the
    last update arrives after an immediate ``clear_notifications``."""
    await pilot.pause()
    app.clear_notifications()
    await pilot.pause()
