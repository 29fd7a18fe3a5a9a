"""The election-night app: its lifecycle, its global keys, and the feed it polls.

Everything on screen lives in ``ResultsScreen`` and its widgets, which follow ``Night``;
the App turns each poll into ``Night.take`` and keeps polling whatever happens.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.signal import Signal
from textual.theme import Theme
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from feeds.news import News
from feeds.sanitise import clean_line
from feeds.store import ResultsStore
from tui.feed_source import FeedSource
from tui.messages import FeedPolled
from tui.night import Night, NightUpdate
from tui.screens.results import ResultsScreen
from tui.tones import Tones
from tui.watchlist import WatchList

if TYPE_CHECKING:
    from feeds.polling import PollOutcome

MAX_TOASTS = 3
ALERT_SECONDS = 6.0
# At most one round of alert toasts a second: a fast replay gains several councils a second,
# and each round lays the screen out twice (a toast mounted, then sized).
ALERT_GAP = 1.0
REPLAY_ACTIONS = frozenset({"toggle_pause", "faster", "slower", "step", "go_to"})


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ReplayKeys:
    """The replay's keys, in their own help section (the App binds them)."""

    BINDINGS = [
        Binding("space", "toggle_pause", "Pause", tooltip="pause / resume"),
        Binding("plus,equals_sign", "faster", "Faster", tooltip="faster"),
        Binding("minus", "slower", "Slower", tooltip="slower"),
        Binding("right_square_bracket", "step('next')", "Next decl", tooltip="next declaration"),
        Binding("left_square_bracket", "step('prev')", "Prev decl", tooltip="previous declaration"),
        Binding("g", "go_to", "Go to", tooltip="go to a time (e.g. 02:30, 4h, 2022-05-06 12:00)"),
    ]


class AppKeys:
    BINDINGS = [
        Binding("q", "quit", "Quit", tooltip="quit"),
        Binding("question_mark", "help", "Keys", tooltip="this help"),
        Binding("p", "poll_now", "Poll now", show=False,
                tooltip="poll the feed now, without waiting out the wait after an error"),
        Binding("ctrl+p", "command_palette", "palette", show=False,
                tooltip="command palette: jump to a council, filter a region, watch a council"),
    ]  # fmt: skip


# A full collection walks every object not frozen (35-90 ms with the national council list
# shown). CPython makes one after ten young-generation collections once the survivors since
# the last exceed a quarter of what it holds, which after gc.freeze is little: they came
# every few seconds, inside frames. After a hundred, they are ten times rarer (the p95 of a
# council-list key at national scale: 67-135 -> 56-62 ms).
FULL_COLLECTION_EVERY = 100


class ElectionNightApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "election-night"
    BINDINGS = [*AppKeys.BINDINGS[:3], *ReplayKeys.BINDINGS]

    def __init__(
        self,
        source: FeedSource,
        *,
        store: ResultsStore | None = None,
        clock: Callable[[], dt.datetime] = wall_clock,
        monotonic: Callable[[], float] = time.monotonic,
        watchlist: WatchList | None = None,
        poll: bool = True,
        connect: Callable[[], tuple[FeedSource, Callable[[], None]]] | None = None,
    ) -> None:
        super().__init__()
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            # Still unless asked: the tabs' underline slid for 0.3 s on every change of view,
            # a score of frames before the screen settled. TEXTUAL_ANIMATIONS=full brings it back.
            self.animation_level = "none"
        self.source = source
        self._connect = connect
        # A replay opens its feed after the first frame; its keys are shown from the first.
        self.replay_keys = source.replay is not None or connect is not None
        self._closers: list[Callable[[], None]] = []
        if source.poller is not None:
            store = source.poller.store
        self.night = Night(
            self,
            label=source.label,
            store=store if store is not None else ResultsStore(),
            clock=clock,
            monotonic=monotonic,
            watchlist=watchlist if watchlist is not None else WatchList(),
        )
        self.night.health.poller = source.poller
        self.poll_enabled = poll
        self._poll_timer: Timer | None = None
        self._results: ResultsScreen | None = None
        self._alert_times: list[float] = []  # when the alert toasts on screen were shown
        self._alerts_held: list[News] = []  # to be raised with the next round of toasts
        self._implausible_held: list[str] = []
        self._alerts_raised_at = -1e9  # on the night's monotonic clock: the last round
        self._alerts_timer: Timer | None = None
        self._gc_thresholds: tuple[int, int, int] | None = None
        self._collector_held = False  # paused from an answer until its frame is out

    def get_default_screen(self) -> ResultsScreen:
        return self.results

    @property
    def results(self) -> ResultsScreen:
        """The results view: the screen under any detail or help the user opened."""
        if self._results is None:
            self._results = ResultsScreen(self.night, width=self.size.width)
        return self._results

    def on_mount(self) -> None:
        night = self.night
        if night.watchlist.error:
            night.log(night.watchlist.error)
        night.changed.subscribe(self, self._alert, immediate=True)
        theme_changed: Signal[Theme] = self.theme_changed_signal
        theme_changed.subscribe(self, self._theme_changed)
        self.set_interval(1.0, night.tick)
        # What exists now (modules, widgets) and after each whole state (the records) lives
        # as long as the app: frozen, the collector stops re-scanning it, which made
        # 100-200 ms pauses mid-night. Records that are replaced are freed by refcount.
        gc.freeze()
        self.call_after_refresh(gc.enable)  # off during start-up when the command turned it off
        self._gc_thresholds = gc.get_threshold()
        gc.set_threshold(*self._gc_thresholds[:2], FULL_COLLECTION_EVERY)
        if self._connect is not None:
            # After the first frame: the loading thread would otherwise compete with it.
            self.call_after_refresh(self.connect_feed)
        elif self.source.poller is not None and self.poll_enabled:
            self.poll_feed()

    def _theme_changed(self, _: Theme) -> None:
        self.night.set_tones(Tones.from_theme(self.theme_variables))

    @work(thread=True, exit_on_error=False, group="connect", description="open the feed")
    def connect_feed(self) -> None:
        """Heavy start-up work (reading a recording, starting its server) off the UI thread,
        so that the first frame is painted at once."""
        assert self._connect is not None
        try:
            source, close = self._connect()
        except Exception as error:  # a bad recording: leave with its message, as the CLI would
            self.call_from_thread(
                self.exit, return_code=2, message=Content(f"election-night: {error}")
            )
            return
        try:
            self.call_from_thread(self._connected, source, close)
        except RuntimeError:  # the app's loop is gone: nobody will watch this feed
            close()

    def _connected(self, source: FeedSource, close: Callable[[], None]) -> None:
        if not self.is_running:  # the user left while the feed was opening
            close()
            return
        self._closers.append(close)
        self.source = source
        for note in source.notes:
            self.night.log(note)
        if source.poller is not None:
            self.night.connected(source.poller.store, source.poller, source.label)
        if self.poll_enabled:
            self.poll_feed()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in REPLAY_ACTIONS:
            return self.replay_keys
        return True

    # Polling: one request in flight; the next is scheduled when this one is handled.

    @work(exclusive=True, group="poll", exit_on_error=False, description="poll the feed")
    async def poll_feed(self) -> None:
        poller = self.source.poller
        assert poller is not None
        outcome = await poller.poll()
        status = await self.source.replay.status() if self.source.replay else None
        self.post_message(FeedPolled(outcome, status))

    def _schedule_poll(self, delay: float) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self.night.health.next_poll_at = self.night.monotonic() + delay
        self._poll_timer = self.set_timer(delay, self.poll_feed)

    def poll_now(self) -> None:
        if self.source.poller is not None and self.poll_enabled:
            self._schedule_poll(0.05)

    def action_poll_now(self) -> None:
        if self.source.poller is None:
            return
        if any(w.group == "poll" and w.is_running for w in self.workers):
            return  # one request in flight: the answer is on its way
        self.poll_now()

    @on(FeedPolled)
    def _feed_polled(self, message: FeedPolled) -> None:
        if not self.is_running:  # an answer that lands while the app closes has no screen
            return
        if message.replay_status is not None:
            self.night.health.replay = message.replay_status
        # The next poll is scheduled first: nothing that goes wrong in showing this answer
        # may stop the feed from being polled.
        if self.source.poller is not None and self.poll_enabled:
            from feeds.polling import Unchanged, Updated  # loaded with the poller

            if isinstance(message.outcome, Updated | Unchanged):  # not a failure backing off
                self.night.health.poll_every = message.outcome.next_poll
            self._schedule_poll(message.outcome.next_poll)
        try:
            self.apply_outcome(message.outcome)
        except Exception as error:  # noqa: BLE001 - a bug in showing one answer
            self._internal_error("showing an answer", error)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The one place a worker's failure lands. Polls report feed failures as outcomes;
        anything escaping one (a bug) is logged as ours and polling still goes on."""
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error
        self._internal_error(f"'{worker.description or worker.name}'", error)
        if worker.group == "poll" and self.source.poller is not None:
            if self.poll_enabled and self.is_running:
                self._schedule_poll(self.source.poller.settings.interval)

    def _internal_error(self, where: str, error: BaseException | None) -> None:
        name = type(error).__name__
        self.night.log(f"internal error in {where} ({name})")
        self.night.health.last_error = f"internal error ({name}); polling goes on"
        self.night.tick()

    def apply_outcome(self, outcome: PollOutcome) -> None:
        """One poll's outcome onto the screen, in a single repaint."""
        from feeds.polling import Updated  # not needed before the first outcome

        if isinstance(outcome, Updated):
            self._collect_after_frame()
        with self.batch_update():
            update = self.night.take(outcome)
        if update is not None and update.whole:
            gc.freeze()  # the whole state lives all night: see on_mount

    def _collect_after_frame(self) -> None:
        """The collector waits while an answer is applied and drawn, and runs once its frame
        is out: young-generation collections in between only walked what the answer had
        just built (4-12 ms of the worst answer-to-frame gaps of a night at top speed)."""
        if gc.isenabled():
            gc.disable()
            self._collector_held = True
            self.call_after_refresh(self._collect_again)

    def _collect_again(self) -> None:
        if self._collector_held:
            self._collector_held = False
            gc.enable()

    def _alert(self, update: NightUpdate) -> None:
        """Toasts come with the frame after the one that shows the results: a toast lays the
        screen out again (15-25 ms at 160x50), and the results need not wait for it."""
        implausible = update.changes.implausible if update.changes is not None else []
        alerts = [item for item in update.news if item.alert]
        if implausible or alerts:
            self._implausible_held.extend(implausible)
            self._alerts_held.extend(alerts)
            self.call_after_refresh(self._raise_alerts)

    def _raise_alerts(self) -> None:
        """The alerts held, as toasts, unless a round was raised less than ``ALERT_GAP``
        ago: then they wait for the next answer's frame or, with no answer, for a timer."""
        wait = self._alerts_raised_at + ALERT_GAP - self.night.monotonic()
        if wait > 0:
            if self._alerts_timer is None:
                self._alerts_timer = self.set_timer(wait, self._alerts_due)
            return
        self._raise_held_alerts()

    def _alerts_due(self) -> None:
        self._alerts_timer = None
        self._raise_held_alerts()

    def _raise_held_alerts(self) -> None:
        """A toast per gain or watched council; a burst (a fast replay, a catch-up after an
        outage) becomes one toast, so the screen is not buried."""
        if self._alerts_timer is not None:
            self._alerts_timer.stop()
            self._alerts_timer = None
        implausible, self._implausible_held = self._implausible_held, []
        alerts, self._alerts_held = self._alerts_held, []
        if not (implausible or alerts):
            return
        self._alerts_raised_at = self.night.monotonic()
        for note in implausible:
            self.notify(f"Implausible change: {note}", severity="warning", timeout=8)
        if not alerts:
            return
        # Across polls too (a fast replay declares every second): never more than
        # MAX_TOASTS alert toasts on screen; older ones give way to the newest.
        now = time.monotonic()
        self._alert_times = [t for t in self._alert_times if now - t < ALERT_SECONDS]
        coming = len(alerts) if len(alerts) <= MAX_TOASTS else 1
        if len(self._alert_times) + coming > MAX_TOASTS:
            self.clear_notifications()
            self._alert_times.clear()
        self._alert_times.extend([now] * coming)
        if len(alerts) <= MAX_TOASTS:
            for item in alerts:
                self.notify(
                    item.text,
                    title="Watched council" if item.watched else "Gain",
                    timeout=ALERT_SECONDS,
                )
            return
        lines = [i.text for i in alerts if i.watched] + [i.text for i in alerts if not i.watched]
        shown = "\n".join(lines[:MAX_TOASTS])
        self.notify(
            f"{shown}\n… and {len(lines) - MAX_TOASTS} more (see Latest)",
            title=f"{len(alerts)} gains and watched councils",
            timeout=ALERT_SECONDS,
        )

    def notify(  # markup is never honoured
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast is plain text through the one sanitiser, whatever it quotes: never
        markup, never a control byte."""
        lines = "\n".join(clean_line(part) for part in message.split("\n"))
        super().notify(
            lines,
            title=clean_line(title, 80),
            severity=severity,
            timeout=timeout if timeout is not None else 6,
            markup=False,
        )

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen, help_section

        sections = [help_section("App", AppKeys), *ResultsScreen.help_sections()]
        if self.replay_keys:
            sections.append(help_section("Replay", ReplayKeys))
        self.push_screen(HelpScreen(sections))

    # Replay controls, sent to the replay server over HTTP.

    @work(exclusive=True, group="replay-control", exit_on_error=False)
    async def replay_command(self, action: str, **params: str) -> None:
        replay = self.source.replay
        if replay is None:
            return
        status = await replay.command(action, **params)
        if status is None:
            self.notify("The replay server did not answer", severity="error")
            return
        if "error" in status:
            self.notify(f"Replay: {status['error']}", severity="warning")
            return
        self.night.health.replay = status
        self.night.tick()
        self.poll_now()

    def action_toggle_pause(self) -> None:
        self.replay_command("toggle")

    def _speed(self) -> float:
        speed: Any = (self.night.health.replay or {}).get("speed", 1.0)
        return float(speed)

    def action_faster(self) -> None:
        self.replay_command("speed", value=str(self._speed() * 2))

    def action_slower(self) -> None:
        self.replay_command("speed", value=str(self._speed() / 2))

    def action_step(self, direction: str) -> None:
        self.replay_command("step", direction=direction)

    def action_go_to(self) -> None:
        from tui.screens.goto import GoToTime

        def chosen(value: str | None) -> None:
            if value:
                self.replay_command("seek", at=value)

        self.push_screen(GoToTime(), chosen)

    async def on_unmount(self) -> None:
        self._collect_again()  # an answer applied as the app closed: no frame will follow
        gc.unfreeze()  # what was frozen can be collected again once the app is gone
        if self._gc_thresholds is not None:
            gc.set_threshold(*self._gc_thresholds)
        if self.source.poller is not None:
            await self.source.poller.aclose()
        if self.source.replay is not None:
            await self.source.replay.aclose()
        for close in self._closers:
            close()
