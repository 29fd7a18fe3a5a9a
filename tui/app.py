"""The election-night app: polls a feed and shows the night as it unfolds."""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Footer, Log, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from feeds.aggregate import is_gain, result_phrase, scoreboard
from feeds.client import Dropped, Failed, FeedPoller, PollOutcome, PollSettings, Updated
from feeds.sanitise import clean_line
from feeds.store import ChangeSet, ResultsStore
from tui.commands import ElectionCommands
from tui.messages import FeedPolled
from tui.replay_control import ReplayControl
from tui.screens.council_detail import CouncilDetail, Revision
from tui.screens.goto import GoToTime
from tui.screens.help import HelpScreen
from tui.screens.ward_detail import WardDetail
from tui.view import UK, Filter, ago, region_codes, uk_time
from tui.watchlist import WatchList
from tui.widgets.council_list import CouncilTable
from tui.widgets.council_map import CouncilMap
from tui.widgets.feed_status import FeedStatus, OneLine
from tui.widgets.filter_bar import FilterBar
from tui.widgets.latest import Declaration, LatestDeclarations
from tui.widgets.mayors import MayorsTable
from tui.widgets.referendums import ReferendumPanel
from tui.widgets.scoreboard import ScoreboardPanel

if TYPE_CHECKING:
    from feeds.models import Council

HIGHLIGHT_SECONDS = 6.0
MAX_TOASTS = 3
WIDE = 130
TABS = ("overview", "councils", "map", "referendums", "mayors", "log")


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class FeedSource:
    """Where the data comes from: a poller, and replay controls when it is a replay."""

    label: str
    poller: FeedPoller | None = None
    replay: ReplayControl | None = None
    notes: list[str] = field(default_factory=list)  # e.g. a recording's skipped lines


class ElectionNightApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "election-night"
    COMMANDS = App.COMMANDS | {ElectionCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Keys"),
        Binding("r", "next_region", "Region"),
        Binding("R", "previous_region", "Prev region", show=False),
        Binding("0", "all_regions", "All GB", show=False),
        Binding("slash", "open_filter", "Filter"),
        *[
            Binding(str(i + 1), f"show_tab('{tab}')", tab.title(), show=False)
            for i, tab in enumerate(TABS)
        ],
        Binding("space", "toggle_pause", "Pause"),
        Binding("plus,equals_sign", "faster", "Faster"),
        Binding("minus", "slower", "Slower"),
        Binding("right_square_bracket", "step('next')", "Next decl"),
        Binding("left_square_bracket", "step('prev')", "Prev decl"),
        Binding("g", "go_to", "Go to"),
    ]
    REPLAY_ACTIONS = frozenset({"toggle_pause", "faster", "slower", "step", "go_to"})

    # init=False: on_mount draws every view once; initial watcher calls would draw them twice more.
    region: reactive[str | None] = reactive(None, bindings=True, init=False)
    text_filter: reactive[str] = reactive("", init=False)

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
        self.source = source
        self._connect = connect
        self._closers: list[Callable[[], None]] = []
        if source.poller is not None:
            self.store = source.poller.store
        else:
            self.store = store if store is not None else ResultsStore()
        self.clock = clock
        self.monotonic = monotonic
        self.watchlist = watchlist if watchlist is not None else WatchList()
        self.poll_enabled = poll
        self.revisions: dict[str, list[Revision]] = {}
        self.replay_status: dict[str, Any] | None = None
        self.next_poll_at: float | None = None
        self.last_update: float | None = None
        self.last_error: str | None = None
        self._poll_timer: Timer | None = None
        self._seen_data = False
        self._feed_log_lines = 0
        self._hidden_tabs_ready = False
        self._early_log: list[str] = []

    @property
    def is_replay(self) -> bool:
        return self.source.replay is not None

    @property
    def view(self) -> Filter:
        return Filter(self.region, self.text_filter)

    def compose(self) -> ComposeResult:
        # Kept by reference: every poll and keystroke updates these, and a query walks the DOM.
        self._title = OneLine(id="title-bar")
        self._banner = Static("", id="test-banner", markup=False)
        self._tabs = TabbedContent(initial="overview")
        self._scoreboard = ScoreboardPanel(id="scoreboard")
        self._latest = LatestDeclarations(id="latest")
        self._council_table = CouncilTable(id="council-table")
        self._council_map = CouncilMap(id="council-map")
        self._referendum_panels = (
            ReferendumPanel(id="overview-referendums"),
            ReferendumPanel(id="referendum-panel"),
        )
        self._mayors = MayorsTable(id="mayors-table")
        self._log = Log(id="feed-log", max_lines=500)
        yield self._title
        yield self._banner
        with self._tabs:
            with TabPane("1 Overview", id="overview"):
                with VerticalScroll(id="overview-scroll"):
                    with Horizontal(id="overview-columns"):
                        with Vertical(id="overview-left"):
                            yield self._scoreboard
                            yield self._referendum_panels[0]
                        with Vertical(id="overview-right"):
                            yield Static("Latest declarations", classes="heading")
                            yield self._latest
            # Filled after the first frame (_fill_hidden_tabs): ~5 % of start-up.
            yield TabPane("2 Councils", id="councils")
            yield TabPane("3 Map", id="map")
            yield TabPane("4 Referendums", id="referendums")
            yield TabPane("5 Mayors", id="mayors")
            yield TabPane("6 Log", id="log")
        yield FilterBar(id="filter-bar")
        yield FeedStatus(id="feed-status")
        yield Footer()

    def on_mount(self) -> None:
        self._council_table.watched = set(self.watchlist.ids)
        if self.watchlist.error:
            self.log_feed(self.watchlist.error)
        self.refresh_views(set(self.store.councils))
        self.tick()  # the status line from the first frame, not a second later
        self.set_interval(1.0, self.tick)
        # What exists now (modules, widgets) and after each whole state (the records) lives
        # as long as the app: frozen, the collector stops re-scanning it, which made
        # 100-200 ms pauses mid-night. Records that are replaced are freed by refcount.
        gc.freeze()
        self.call_after_refresh(gc.enable)  # off during start-up when the command turned it off
        self.call_after_refresh(self._fill_hidden_tabs)
        if self._connect is not None:
            # After the first frame: the loading thread would otherwise compete with it.
            self.call_after_refresh(self.connect_feed)
        elif self.source.poller is not None and self.poll_enabled:
            self.poll_feed()

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
            self.log_feed(note)
        if source.poller is not None:
            self.store = source.poller.store
        if self.poll_enabled:
            self.poll_feed()

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE, "-wide")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.REPLAY_ACTIONS:
            return self.is_replay
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
        self.next_poll_at = self.monotonic() + delay
        self._poll_timer = self.set_timer(delay, self.poll_feed)

    def poll_now(self) -> None:
        if self.source.poller is not None and self.poll_enabled:
            self._schedule_poll(0.05)

    @on(FeedPolled)
    def _feed_polled(self, message: FeedPolled) -> None:
        if not self.is_running:  # an answer that lands while the app closes has no screen
            return
        if message.replay_status is not None:
            self.replay_status = message.replay_status
        # The next poll is scheduled first: nothing that goes wrong in showing this answer
        # may stop the feed from being polled.
        if self.source.poller is not None and self.poll_enabled:
            self._schedule_poll(message.outcome.next_poll)
        try:
            self.apply_outcome(message.outcome)
        except Exception as error:  # noqa: BLE001 - a bug in showing one answer
            self.log_feed(f"internal error showing an answer ({type(error).__name__})")
            self.last_error = f"internal error ({type(error).__name__}); polling goes on"
            self.tick()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The one place a worker's failure lands. Polls report feed failures as outcomes;
        anything escaping one (a bug) is logged as ours and polling still goes on."""
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        name = type(worker.error).__name__
        self.log_feed(f"internal error in '{worker.description or worker.name}' ({name})")
        if worker.group == "poll":
            self.last_error = f"internal error ({name}); polling goes on"
            if self.source.poller is not None and self.poll_enabled and self.is_running:
                self._schedule_poll(self.source.poller.settings.interval)
            self.tick()

    def apply_outcome(self, outcome: PollOutcome) -> None:
        if isinstance(outcome, Failed):
            if outcome.reason != self.last_error:
                self.log_feed(f"feed error: {outcome.reason} (retry in {outcome.next_poll:.0f} s)")
            self.last_error = outcome.reason
        elif isinstance(outcome, Dropped):
            self.log_feed(outcome.reason)  # the feed answered, but nothing was updated
        else:
            if self.last_error is not None:
                self.log_feed("feed recovered")
            self.last_error = None
            self.last_update = self.monotonic()
        if isinstance(outcome, Updated):
            # The first state, or a fresh one after a gap or reset, is not news.
            first = outcome.snapshot and (self._seen_data is False or outcome.changes.reset)
            self._seen_data = True
            self.apply_changes(outcome.changes, snapshot=first)
            if first:
                gc.freeze()
        self.tick()

    def apply_changes(self, changes: ChangeSet, snapshot: bool = False) -> None:
        """Apply one poll's changes to every widget, by key, in a single repaint."""
        for reject in changes.rejects[:5]:
            self.log_feed(f"rejected {reject}")
        if len(changes.rejects) > 5:
            self.log_feed(f"… and {len(changes.rejects) - 5} more rejected record(s)")
        for note in changes.implausible:
            self.log_feed(f"implausible change, shown as the feed says: {note}")
            self.notify(f"Implausible change: {note}", severity="warning", markup=False, timeout=8)
        for note in changes.notes:
            self.log_feed(note)
        if changes.reset:
            self.log_feed("the feed restarted its history; showing its new state")
            self._latest.clear()
            self.revisions.clear()
        if changes.empty and not changes.rejects:
            return
        with self.batch_update():
            self._record_declarations(changes, snapshot)
            wards_of = {w.after.council for w in changes.wards.values()}
            for screen in self.screen_stack:
                if isinstance(screen, CouncilDetail) and (
                    screen.council_id in changes.councils
                    or screen.council_id in wards_of
                    or changes.reset
                ):
                    screen.refresh_detail()
                elif isinstance(screen, WardDetail) and (
                    screen.ward_id in changes.wards or changes.reset
                ):
                    screen.refresh_detail()
            if changes.reset:
                self.refresh_views(set(self.store.councils))
            else:
                self.refresh_views(set(changes.councils))

    def feed_time(self) -> dt.datetime:
        """Now on the night: the replay's clock in a replay, the wall clock when live."""
        status = self.replay_status
        if status and status.get("started_at"):
            started = dt.datetime.fromisoformat(str(status["started_at"]))
            return started + dt.timedelta(milliseconds=float(status.get("position_ms", 0)))
        return self.clock()

    def _record_declarations(self, changes: ChangeSet, snapshot: bool) -> None:
        latest = self._latest
        table = self._council_table
        now = self.feed_time()
        seen_at = uk_time(now)
        fresh: set[str] = set()
        alerts: list[tuple[str, str]] = []
        items = list(changes.councils.items())
        if snapshot:  # oldest first, so the ticker ends newest-first like a live night
            items.sort(
                key=lambda item: item[1].after.declared_at or dt.datetime.min.replace(tzinfo=dt.UTC)
            )
        for council_id, change in items:
            council = change.after
            self.revisions.setdefault(council_id, []).append(
                Revision(council.revision, council.status, council.recount, council.note, seen_at)
            )
            if council.status == "recount" and (
                change.before is None or change.before.status != "recount"
            ):
                latest.add(
                    Declaration(
                        now, council.region, council_id, f"{council.name}: recount under way"
                    )
                )
            if not (change.newly_declared or change.redeclared):
                continue
            watched = council_id in self.watchlist.ids
            gain = is_gain(council)
            prefix = ""
            if change.corrected:
                prefix = "Correction — "
            elif change.redeclared:
                prefix = "Re-declared — "
            text = f"{prefix}{council.name}: {result_phrase(council)}"
            # A correction is news when it comes: it keeps its place in time order at the
            # moment it was seen, as a recount does, not at the first declaration's time.
            latest.add(
                Declaration(
                    now if change.redeclared else (council.declared_at or now),
                    council.region,
                    council_id,
                    text,
                    gain=gain,
                    watched=watched,
                    correction=change.redeclared,
                )
            )
            fresh.add(council_id)
            if (gain or watched) and not snapshot:
                alerts.append((text, "Watched council" if watched else "Gain"))
        for area_key in changes.counting_areas:
            area = self.store.counting_areas.get(area_key)
            if area is not None and area.has_result:
                latest.add(
                    Declaration(
                        area.declared_at or now,
                        area.region,
                        None,
                        f"{self.store.referendums[area.referendum].name}: {area.name} declared",
                    )
                )
        for mayor_id in changes.mayors:
            contest = self.store.mayors[mayor_id]
            winner = contest.winner
            if winner is not None and contest.status in ("declared", "corrected"):
                latest.add(
                    Declaration(
                        contest.declared_at or now,
                        contest.region,
                        None,
                        f"{contest.name}: {winner.name} ({winner.party}) elected",
                    )
                )
        if fresh and not snapshot:  # a late joiner's whole state is not "new"
            table.highlight(fresh, self.store, HIGHLIGHT_SECONDS)
        self._alert(alerts)

    def _alert(self, alerts: list[tuple[str, str]]) -> None:
        """A toast per gain or watched council; a burst (a fast replay, a catch-up after an
        outage) becomes one toast, so the screen is not buried."""
        if len(alerts) <= MAX_TOASTS:
            for text, title in alerts:
                self.notify(text, title=title, markup=False, timeout=6)
            return
        watched = [text for text, title in alerts if title == "Watched council"]
        lines = [*watched, *(text for text, title in alerts if title != "Watched council")]
        shown = "\n".join(lines[:MAX_TOASTS])
        self.notify(
            f"{shown}\n… and {len(lines) - MAX_TOASTS} more (see Latest)",
            title=f"{len(alerts)} gains and watched councils",
            markup=False,
            timeout=8,
        )

    async def _fill_hidden_tabs(self) -> None:
        """Mount the tabs that are not on screen at start, after the first frame, and bring
        them up to date with whatever arrived meanwhile."""
        panes = (
            ("councils", self._council_table),
            ("map", VerticalScroll(self._council_map)),
            ("referendums", VerticalScroll(self._referendum_panels[1])),
            ("mayors", self._mayors),
            ("log", self._log),
        )
        for pane_id, widget in panes:
            pane = self.query_one(f"#{pane_id}", TabPane)
            if not pane.is_attached:  # the app is already leaving
                return
            await pane.mount(widget)
        await self.query_one(FilterBar).fill()
        self._hidden_tabs_ready = True
        for line in self._early_log:
            self._log.write_line(line)
        self._early_log.clear()
        self.refresh_views(set(self.store.councils))
        if self._tabs.active != "overview" and not self.query_one(FilterBar).is_open:
            self._focus_active_tab()  # the user got to another tab first

    def refresh_views(self, changed_councils: set[str]) -> None:
        store = self.store
        view = self.view
        visible = view.councils(store)
        regions = view.regions(store) if view.active else None
        board = scoreboard(visible, store.projections, store.parties, store.ward_tally)
        self._scoreboard.show(board, store, view.describe(store))
        self._referendum_panels[0].show(store, view)
        self._latest.show(regions)
        if self._hidden_tabs_ready:
            self._refresh_tabs(visible, regions, changed_councils)
        else:
            self._council_table.defer(changed_councils)
        self._show_title()

    def _refresh_tabs(
        self, visible: list[Council], regions: set[str] | None, changed_councils: set[str]
    ) -> None:
        store = self.store
        if self._tabs.active == "councils":
            self._council_table.sync(store, visible, changed_councils)
        else:  # drawn when its tab is shown
            self._council_table.defer(changed_councils)
        self._council_map.show(store, visible)
        self._referendum_panels[1].show(store, self.view)
        self._mayors.show(
            store, [m for m in store.mayors.values() if regions is None or m.region in regions]
        )

    # The top lines and the status line.

    def _show_title(self) -> None:
        store = self.store
        name = store.election.name if store.election else "Waiting for the feed"
        text = Text()
        # The moment first: at 80 columns a long election name is what gets cut.
        if self.replay_status and self.replay_status.get("started_at"):
            moment = self.feed_time().astimezone(UK)
            text.append(f"replay {moment.strftime('%a %H:%M %Z')}", style="bold")
        else:
            text.append(self.clock().astimezone(UK).strftime("%H:%M %Z"), style="bold")
        text.append(" · ")
        text.append(self.view.describe(store), style="bold reverse" if self.view.active else "bold")
        text.append(" · ")
        text.append(name)
        self._title.set_text(text)
        banner = self._banner
        is_test = bool(store.election and store.election.test)
        if banner.display != is_test:  # changing it re-lays the screen out: only when needed
            banner.update(Content("TEST DATA — this feed says it is test or rehearsal data"))
            banner.display = is_test

    def tick(self) -> None:
        status = self.default_screen.query(FeedStatus).first() if self.is_running else None
        if status is None or not status.is_attached:
            return  # shutting down: the interval can fire once more as widgets go
        now = self.monotonic()
        poller = self.source.poller
        stale = poller.is_stale(now) if poller is not None else False
        updated = ago(now - self.last_update) if self.last_update is not None else None
        if stale and poller is not None and poller.status.last_success is not None:
            updated = f"{updated} — STALE"
        replay = None
        if self.replay_status is not None:
            state = "paused" if self.replay_status.get("paused") else "playing"
            if self.replay_status.get("finished"):
                state = "finished"
            speed = self.replay_status.get("speed", 1)
            replay = f"REPLAY ×{float(speed):g} {state}"  # type: ignore[arg-type]
        status.show(
            source=self.source.label,
            updated=updated,
            next_poll=(self.next_poll_at - now) if self.next_poll_at is not None else None,
            error=self.last_error,
            stale=stale,
            rejected=self.store.rejected_total,
            replay=replay,
        )
        self._show_title()

    def notify(  # type: ignore[override]
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
            lines, title=clean_line(title, 80), severity=severity, timeout=timeout, markup=False
        )

    def log_feed(self, line: str) -> None:
        line = clean_line(line)
        stamp = self.clock().astimezone(UK).strftime("%H:%M:%S")
        if self._hidden_tabs_ready:
            self._log.write_line(f"{stamp} {line}")
        else:
            self._early_log.append(f"{stamp} {line}")

    # Filtering by region.

    def watch_region(self) -> None:
        self.refresh_views(set())

    def watch_text_filter(self) -> None:
        self.refresh_views(set())

    def _cycle_region(self, step: int) -> None:
        codes = [
            c
            for c in region_codes(self.store)
            if any(x.region == c for x in self.store.councils.values())
        ]
        if not codes:
            return
        if self.region not in codes:
            self.region = codes[0] if step > 0 else codes[-1]
        else:
            index = codes.index(self.region) + step
            self.region = codes[index] if 0 <= index < len(codes) else None

    def action_next_region(self) -> None:
        self._cycle_region(1)

    def action_previous_region(self) -> None:
        self._cycle_region(-1)

    def action_all_regions(self) -> None:
        self.region = None
        self.text_filter = ""

    async def action_open_filter(self) -> None:
        await self.query_one(FilterBar).open(self.text_filter)

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.text_filter = event.text.strip()
        if event.done:
            self.query_one(TabbedContent).focus()
            self._focus_active_tab()

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "councils" and self._hidden_tabs_ready:
            self._council_table.catch_up(self.store, self.view.councils(self.store))

    def _focus_active_tab(self) -> None:
        targets = {
            "councils": self._council_table,
            "map": self._council_map,
            "mayors": self._mayors,
        }
        target = targets.get(self._tabs.active)
        if target is not None and target.is_mounted:
            target.focus()

    def action_show_tab(self, tab: str) -> None:
        self._tabs.active = tab
        self._focus_active_tab()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.is_replay))

    # Councils: detail and watching.

    @on(CouncilTable.Selected)
    @on(CouncilMap.Selected)
    def _open_detail(self, event: CouncilTable.Selected | CouncilMap.Selected) -> None:
        self.open_council(event.council_id)

    def open_council(self, council_id: str) -> None:
        if council_id in self.store.councils:
            self.push_screen(CouncilDetail(council_id))

    @on(CouncilTable.WatchToggled)
    def _watch_toggled(self, event: CouncilTable.WatchToggled) -> None:
        self.toggle_watch(event.council_id)

    def toggle_watch(self, council_id: str) -> None:
        council = self.store.councils.get(council_id)
        if council is None:
            return
        watched = self.watchlist.toggle(council_id)
        table = self._council_table
        table.watched = set(self.watchlist.ids)
        if table.is_mounted:
            table.refresh_rows(self.store, {council_id})
        message = f"{'Watching' if watched else 'No longer watching'} {council.name}"
        if self.watchlist.error:
            message += f" ({self.watchlist.error})"
        self.notify(message, markup=False, timeout=3)

    # Replay controls, sent to the replay server over HTTP.

    @work(exclusive=True, group="replay-control", exit_on_error=False)
    async def replay_command(self, action: str, **params: str) -> None:
        replay = self.source.replay
        if replay is None:
            return
        status = await replay.command(action, **params)
        if status is None:
            self.notify("The replay server did not answer", severity="error", markup=False)
            return
        if "error" in status:
            self.notify(f"Replay: {status['error']}", severity="warning", markup=False)
            return
        self.replay_status = status
        self.tick()
        self.poll_now()

    def action_toggle_pause(self) -> None:
        self.replay_command("toggle")

    def _speed(self) -> float:
        return float((self.replay_status or {}).get("speed", 1.0))  # type: ignore[arg-type]

    def action_faster(self) -> None:
        self.replay_command("speed", value=str(self._speed() * 2))

    def action_slower(self) -> None:
        self.replay_command("speed", value=str(self._speed() / 2))

    def action_step(self, direction: str) -> None:
        self.replay_command("step", direction=direction)

    def action_go_to(self) -> None:
        def chosen(value: str | None) -> None:
            if value:
                self.replay_command("seek", at=value)

        self.push_screen(GoToTime(), chosen)

    async def on_unmount(self) -> None:
        gc.unfreeze()  # what was frozen can be collected again once the app is gone
        if self.source.poller is not None:
            await self.source.poller.aclose()
        if self.source.replay is not None:
            await self.source.replay.aclose()
        for close in self._closers:
            close()


def make_app(
    url: str | None,
    *,
    settings: PollSettings | None = None,
    replay_url: str | None = None,
    replay_token: str | None = None,
    label: str | None = None,
    **kwargs: Any,
) -> ElectionNightApp:
    """Build the app for a feed URL (and replay controls when it is a replay server)."""
    poller = FeedPoller(url, settings=settings) if url else None
    replay = ReplayControl(replay_url, token=replay_token) if replay_url else None
    source = FeedSource(label or url or "no feed", poller, replay)
    return ElectionNightApp(source, **kwargs)


def replay_connector(
    path: str | Path, *, speed: float, start: str | None, faults: str | None
) -> Callable[[], tuple[FeedSource, Callable[[], None]]]:
    """Reads the recording and starts its replay server on a free loopback port (in a
    thread, when the app calls it); the app then polls it like any live feed."""

    def connect() -> tuple[FeedSource, Callable[[], None]]:
        import httpx  # noqa: F401  (loaded here, off the UI thread, before the first poll)

        from feeds.commands import open_replay
        from feeds.replay import ServerThread, create_app, new_control_token

        feed = open_replay(path, speed=speed, start=start, faults=faults)
        token = new_control_token()
        server = ServerThread(create_app(feed, control_token=token)).start()
        poller = FeedPoller(
            f"{server.url}/feed",
            settings=PollSettings(interval=0.5, min_interval=0.25, stale_after=20),
        )
        control = ReplayControl(server.url, token=token)
        source = FeedSource(f"replay of {Path(path).name}", poller, control)
        source.notes.extend(feed.recording.warnings)
        return source, server.stop

    return connect


def run_replay(path: str | Path, *, speed: float, start: str | None, faults: str | None) -> int:
    app = ElectionNightApp(
        FeedSource(f"replay of {Path(path).name}"),
        connect=replay_connector(path, speed=speed, start=start, faults=faults),
    )
    app.run()
    return app.return_code or 0


def run_watch(url: str, settings: PollSettings) -> int:
    make_app(url, settings=settings).run()
    return 0
