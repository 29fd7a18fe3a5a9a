"""The night as the app holds it, and the one path by which widgets hear of it.

``Night`` keeps the results store, what the user narrowed the screen to, what the app has
seen of each council, the feed's health and the Log's lines. It publishes three signals;
every widget and screen subscribes to the ones it shows and draws itself from ``Night``'s
typed attributes. The App only feeds it poll outcomes: a new widget needs no App edit.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.signal import Signal

from feeds.news import News, NewsReel, feed_notes, news_of
from feeds.sanitise import clean_line
from feeds.store import ChangeSet, ResultsStore
from tui.filter import Filter
from tui.formatting import UK, uk_time
from tui.tones import Tones
from tui.watchlist import WatchList

if TYPE_CHECKING:
    from textual.app import App

    from feeds.pollers import Poller
    from feeds.polling import PollOutcome

LOG_LINES = 500
NEWS_HELD = 300


@dataclass(frozen=True, slots=True)
class Revision:
    """A revision of a council's result as the app saw it arrive."""

    revision: int
    status: str
    recount: int | None
    note: str | None
    seen_at: str  # UK time on the night


@dataclass(frozen=True, slots=True)
class NightUpdate:
    """What changed: published on ``Night.changed`` once per poll or change of view."""

    councils: frozenset[str] = frozenset()  # councils whose records changed
    changes: ChangeSet | None = None  # None when only the view (or the theme) changed
    news: tuple[News, ...] = ()
    whole: bool = False  # a whole state taken at once (first poll, reset): nothing flashes
    reset: bool = False  # the feed restarted its history: drop what was held from before
    view_changed: bool = False  # the filter or theme changed: redraw what is shown

    def touches(self, council_id: str) -> bool:
        return self.reset or self.view_changed or council_id in self.councils


@dataclass(slots=True)
class FeedHealth:
    """How the feed is doing, for the status line."""

    label: str
    last_check: float | None = None  # monotonic time of the last answer (a 304 included)
    last_change: float | None = None  # ... of the last answer that changed the data
    interval_note: str | None = None  # why polls are further apart than asked
    last_error: str | None = None
    next_poll_at: float | None = None
    poll_every: float | None = None  # the wait after the last good answer: the steady cadence
    replay: dict[str, object] | None = None  # the replay server's clock, when a replay
    poller: Poller | None = field(default=None, repr=False)

    def stale(self, now: float) -> bool:
        return self.poller is not None and self.poller.is_stale(now)


class Night:
    def __init__(
        self,
        owner: App[Any],
        *,
        label: str,
        store: ResultsStore,
        clock: Callable[[], dt.datetime],
        monotonic: Callable[[], float],
        watchlist: WatchList,
    ) -> None:
        self.store = store
        self.view = Filter()
        self.clock = clock
        self.monotonic = monotonic
        self.watchlist = watchlist
        self.health = FeedHealth(label)
        self.revisions: dict[str, list[Revision]] = {}
        self.log_lines: deque[str] = deque(maxlen=LOG_LINES)
        self.news = NewsReel(NEWS_HELD)
        self.tones = Tones.from_theme(owner.theme_variables)
        self.changed: Signal[NightUpdate] = Signal(owner, "night-changed")
        self.ticked: Signal[None] = Signal(owner, "night-ticked")  # health, and the clock
        self.logged: Signal[str] = Signal(owner, "night-logged")
        self._seen_data = False

    def feed_time(self) -> dt.datetime:
        """Now on the night: the replay's clock in a replay, the wall clock when live."""
        status = self.health.replay
        if status and status.get("started_at"):
            started = dt.datetime.fromisoformat(str(status["started_at"]))
            position = status.get("position_ms", 0)
            offset = float(position) if isinstance(position, int | float | str) else 0.0
            return started + dt.timedelta(milliseconds=offset)
        return self.clock()

    # What arrives.

    def take(self, outcome: PollOutcome) -> NightUpdate | None:
        """One poll's outcome: the feed's health, the Log, and what changed."""
        # Imported here, not with the module: the first frame comes before any outcome.
        from feeds.polling import Dropped, Failed, Updated

        update = None
        health = self.health
        if isinstance(outcome, Failed):
            if outcome.reason != health.last_error:
                self.log(f"feed error: {outcome.reason} (retry in {outcome.next_poll:.0f} s)")
            health.last_error = outcome.reason
        elif isinstance(outcome, Dropped):
            self.log(outcome.reason)  # the feed answered, but nothing was updated
        else:
            if health.last_error is not None:
                self.log("feed recovered")
            health.last_error = None
            health.last_check = self.monotonic()
        if isinstance(outcome, Updated) and not (outcome.changes.empty and not outcome.snapshot):
            health.last_change = health.last_check
        note = health.poller.status.interval_note if health.poller is not None else None
        if note != health.interval_note:
            health.interval_note = note
            if note:
                self.log(note)
        if isinstance(outcome, Updated):
            # The first state, or a fresh one after a gap or reset, is not news.
            whole = outcome.snapshot and (not self._seen_data or outcome.changes.reset)
            self._seen_data = True
            update = self.apply(outcome.changes, whole=whole)
        self.tick()
        return update

    def apply(self, changes: ChangeSet, *, whole: bool = False) -> NightUpdate | None:
        """Apply changes already in the store: keep their history and publish them."""
        for line in feed_notes(changes):
            self.log(line)
        if changes.reset:
            self.revisions.clear()
            self.news.clear()
        if changes.empty and not changes.rejects:
            return None
        now = self.feed_time()
        news = news_of(changes, self.store, now=now, watched=self.watchlist.ids, snapshot=whole)
        seen_at = uk_time(now)
        for council_id, change in changes.councils.items():
            council = change.after
            self.revisions.setdefault(council_id, []).append(
                Revision(council.revision, council.status, council.recount, council.note, seen_at)
            )
        for item in news:
            self.news.add(item)
            if item.amends and not whole:
                self.log(item.text)
        councils = set(changes.councils)
        councils.update(w.after.council for w in changes.wards.values())
        if changes.reset:
            councils.update(self.store.councils)
        update = NightUpdate(
            frozenset(councils), changes, tuple(news), whole=whole, reset=changes.reset
        )
        self.changed.publish(update)
        return update

    def connected(self, store: ResultsStore, poller: Poller | None, label: str) -> None:
        """The feed is open (a replay opens after the first frame)."""
        self.store = store
        self.health.poller = poller
        self.health.label = label

    # What the user asks for.

    def set_view(self, view: Filter) -> None:
        if view != self.view:
            self.view = view
            self.changed.publish(NightUpdate(view_changed=True))

    def set_tones(self, tones: Tones) -> None:
        """The theme changed: everything is redrawn in its colours."""
        self.tones = tones
        self.changed.publish(NightUpdate(view_changed=True))

    def toggle_watch(self, council_id: str) -> str | None:
        """Watch or stop watching a council; returns what to tell the user."""
        council = self.store.councils.get(council_id)
        if council is None:
            return None
        watched = self.watchlist.toggle(council_id)
        self.changed.publish(NightUpdate(councils=frozenset({council_id})))
        message = f"{'Watching' if watched else 'No longer watching'} {council.name}"
        if self.watchlist.error:
            message += f" ({self.watchlist.error})"
        return message

    # The Log and the clock.

    def log(self, line: str) -> None:
        stamp = self.clock().astimezone(UK).strftime("%H:%M:%S")
        line = f"{stamp} {clean_line(line)}"
        self.log_lines.append(line)
        self.logged.publish(line)

    def tick(self) -> None:
        self.ticked.publish(None)
