"""Build the app with injected clock, data and config for Pilot and snapshot tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from textual.pilot import Pilot

from feeds.polling import Updated
from feeds.recording import Recording
from feeds.store import ChangeSet, CouncilChange, ResultsStore, WardChange
from tui.app import ElectionNightApp
from tui.feed_source import FeedSource
from tui.watchlist import WatchList

if TYPE_CHECKING:
    from tui.widgets.council_list import CouncilTable

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


def merge(first: ChangeSet, then: ChangeSet) -> ChangeSet:
    """Two successive polls' changes as one poll that brought both would report them."""
    for key, change in then.councils.items():
        held = first.councils.get(key)
        first.councils[key] = CouncilChange(held.before if held else change.before, change.after)
    for key, ward in then.wards.items():
        held_ward = first.wards.get(key)
        first.wards[key] = WardChange(held_ward.before if held_ward else ward.before, ward.after)
    first.referendums |= then.referendums
    first.counting_areas |= then.counting_areas
    first.mayors |= then.mayors
    first.projections |= then.projections
    first.meta |= then.meta
    first.reset |= then.reset
    first.rejects += then.rejects
    first.implausible += then.implausible
    first.notes += then.notes
    return first


def feed_recording(
    app: ElectionNightApp,
    recording: Recording,
    until_ms: float,
    *,
    every_ms: int = 20 * 60_000,
    after_ms: float = -1,
) -> None:
    """Apply a recording's events up to ``until_ms`` as polls would, one poll for each
    ``every_ms`` of the night (a viewer polling a fast replay gets a few minutes a poll), at
    its own moment. Call it from inside the running app (``run_before``)."""
    pending: ChangeSet | None = None
    window_end = 0
    seq = 0
    first = after_ms < 0

    def flush() -> None:
        nonlocal pending, first
        if pending is not None:
            app.apply_outcome(Updated(pending, seq, first, 1.0))
            pending, first = None, False

    for event in recording.events:
        if event.t > until_ms:
            break
        if event.t <= after_ms:
            continue
        if event.t > window_end:
            flush()
            window_end = event.t + every_ms
        changes = app.night.store.apply(event.answer)
        seq = event.seq
        app.night.clock = FixedClock(NIGHT_START + dt.timedelta(milliseconds=event.t))
        pending = changes if pending is None else merge(pending, changes)
    flush()


async def without_toasts(app: ElectionNightApp, pilot: Pilot[None]) -> None:
    """Settle, then clear the toasts: ``notify`` posts a message, so a toast raised by the
    last update arrives after an immediate ``clear_notifications``."""
    await pilot.pause()
    app.clear_notifications()
    await pilot.pause()


async def council_list(app: ElectionNightApp, pilot: Pilot[None]) -> CouncilTable:
    """The Councils tab shown and drawn: its list."""
    from tui.widgets.council_list import CouncilTable

    await pilot.press("2")
    await pilot.pause()
    return app.query_one(CouncilTable)
