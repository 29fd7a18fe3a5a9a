"""The results view: title, the tabs of the night, the filter, the status line.

The views of the tabs not on screen at start are mounted just after the first frame; each
then draws itself from the night as it stands and follows it from there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Static

from tui.filter import Filter, region_codes
from tui.night import Night
from tui.palette import ElectionCommands
from tui.widgets.council_map import CouncilMap
from tui.widgets.feed_status import FeedStatus
from tui.widgets.filter_bar import FilterBar
from tui.widgets.key_bar import KeyBar
from tui.widgets.referendums import ReferendumPanel
from tui.widgets.scoreboard import ScoreboardPanel
from tui.widgets.ticker import Ticker
from tui.widgets.title_bar import TestBanner, TitleBar
from tui.widgets.view_tabs import ViewTabs

if TYPE_CHECKING:
    from tui.widgets.council_list import CouncilTable

WIDE = 130
HUGE = 190  # the overview gets the map beside the scoreboard
BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide"), (HUGE, "-huge")]
VIEWS = {
    "overview": "Overview",
    "councils": "Councils",
    "map": "Map",
    "referendums": "Referendums",
    "mayors": "Mayors",
    "log": "Log",
    "changes": "Changes",
}
TABS = tuple(VIEWS)
TAB_KEYS = "show a view: Overview, Councils, Map, Referendums, Mayors, Log, Changes"


class ViewPane(Widget):
    """One view's place in the switcher: Textual's ``TabPane`` would load the module of its
    tabbed content and tabs (~9 ms of CPU before the first frame) for a plain container."""

    DEFAULT_CSS = """
    ViewPane { height: auto; }
    """


def width_class(width: int) -> str:
    """The class ``HORIZONTAL_BREAKPOINTS`` gives a screen this wide, as Textual picks it."""
    return next(name for least, name in sorted(BREAKPOINTS, reverse=True) if width >= least)


class ResultsScreen(Screen[None]):
    COMMANDS = App.COMMANDS | {ElectionCommands}
    HORIZONTAL_BREAKPOINTS = BREAKPOINTS
    BINDINGS = [
        Binding("r", "next_region", "Region", tooltip="next region"),
        Binding("R", "previous_region", "Prev region", show=False, tooltip="previous region"),
        Binding("0", "all_regions", "All GB", show=False, tooltip="all of Great Britain"),
        Binding(
            "slash",
            "open_filter",
            "Filter",
            tooltip="filter by region, council or ward name as you type; "
            "Enter keeps, Escape clears",
        ),
        *[
            Binding(str(i + 1), f"show_tab('{tab}')", tab.title(), show=False, tooltip=TAB_KEYS)
            for i, tab in enumerate(TABS)
        ],
    ]

    def __init__(self, night: Night, *, width: int | None = None) -> None:
        # Made with its width's class (Textual adds it at the first resize, after the first
        # frame), so the first frame is laid out for the terminal it is on and the styles of
        # every widget are not worked out again when the class comes.
        super().__init__(classes=width_class(width) if width else None)
        self.night = night
        self._resumed = False

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler. At the first resume every widget has just been
        # styled as it mounted, with the width class already set: working the styles of all
        # of them out again (~20 ms) would only delay the first frame.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def compose(self) -> ComposeResult:
        night = self.night
        yield TitleBar(night, id="title-bar")
        yield TestBanner(night, id="test-banner")
        yield ViewTabs(
            [(view, f"{n} {name}") for n, (view, name) in enumerate(VIEWS.items(), 1)],
            active="overview",
            id="view-tabs",
        )
        with ContentSwitcher(initial="overview", id="views"):
            with ViewPane(id="overview"):
                with VerticalScroll(id="overview-scroll"):
                    with Horizontal(id="overview-columns"):
                        with Vertical(id="overview-left"):
                            yield ScoreboardPanel(night, id="scoreboard")
                            yield ReferendumPanel(night, id="overview-referendums")
                        with Vertical(id="overview-middle"):
                            yield CouncilMap(night, id="overview-map", take_focus=False)
                        with Vertical(id="overview-right"):
                            yield Static("Latest declarations", classes="heading")
                            yield Ticker(night, id="latest")
            # The other views are mounted after the first frame (_mount_hidden_views).
            for view in TABS[1:]:
                yield ViewPane(id=view)
        yield FilterBar(id="filter-bar")
        yield FeedStatus(night, id="feed-status")
        yield KeyBar(id="key-bar")

    def on_mount(self) -> None:
        self.call_after_refresh(self._mount_hidden_views)

    def _mount_hidden_views(self) -> None:
        """The views of the tabs not on screen, mounted just after the first frame so that it
        does not wait for them; each draws the night as it stands when it mounts."""
        if not self.is_attached:
            return  # the app is already leaving (a bad recording ends it at once)
        from tui.widgets.changes import ChangesPanel
        from tui.widgets.council_list import CouncilTable
        from tui.widgets.feed_log import FeedLog
        from tui.widgets.mayors import MayorsTable

        night = self.night
        views: dict[str, Widget] = {
            "councils": CouncilTable(night, id="council-table"),
            "map": VerticalScroll(CouncilMap(night, id="council-map")),
            "referendums": VerticalScroll(ReferendumPanel(night, id="referendum-panel")),
            "mayors": MayorsTable(night, id="mayors-table"),
            "log": FeedLog(night, id="feed-log"),
            "changes": VerticalScroll(ChangesPanel(night, id="changes-panel")),
        }
        for tab, view in views.items():
            self.query_one(f"#{tab}", ViewPane).mount(view)

    @staticmethod
    def help_sections() -> list[tuple[str, list[Binding]]]:
        from tui.screens.council_detail import CouncilDetail, WardTable
        from tui.screens.help import help_section
        from tui.widgets.council_list import CouncilTable

        return [
            help_section("Views and filter", ResultsScreen, FilterBar),
            help_section("Councils", CouncilTable),
            help_section("Map", CouncilMap),
            help_section("Council detail", CouncilDetail, WardTable),
        ]

    # Filtering by region and name.

    def set_region(self, region: str | None) -> None:
        self.night.set_view(Filter(region, self.night.view.text))

    def _cycle_region(self, step: int) -> None:
        store = self.night.store
        held = {council.region for council in store.councils.values()}
        codes = [code for code in region_codes(store) if code in held]
        if not codes:
            return
        region = self.night.view.region
        if region not in codes:
            self.set_region(codes[0] if step > 0 else codes[-1])
        else:
            index = codes.index(region) + step
            self.set_region(codes[index] if 0 <= index < len(codes) else None)

    def action_next_region(self) -> None:
        self._cycle_region(1)

    def action_previous_region(self) -> None:
        self._cycle_region(-1)

    def action_all_regions(self) -> None:
        self.night.set_view(Filter())

    def action_open_filter(self) -> None:
        self.query_one(FilterBar).open(self.night.view.text)

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.night.set_view(Filter(self.night.view.region, event.text.strip()))
        if event.done:
            self.query_one(ViewTabs).focus()
            self._focus_active_tab()

    # Tabs.

    def _focus_active_tab(self) -> None:
        targets = {"councils": "#council-table", "map": "#council-map", "mayors": "#mayors-table"}
        views = self.query_one(ContentSwitcher)
        wanted = targets.get(views.current or "")
        pane = views.visible_content
        for target in pane.query(wanted) if wanted is not None and pane is not None else []:
            target.focus()  # once mounted (after the first frame)
            break

    def action_show_tab(self, tab: str) -> None:
        self._show(tab)
        self._focus_active_tab()

    def on_view_tabs_chosen(self, event: ViewTabs.Chosen) -> None:
        self._show(event.view)  # the tabs keep the focus, for left and right

    def _show(self, tab: str) -> None:
        # The view and its underline change in the same frame.
        self.query_one(ContentSwitcher).current = tab
        self.query_one(ViewTabs).active = tab

    # Councils: detail and watching.

    # Named handlers, not @on: the council list's module is loaded after the first frame.
    def on_council_table_selected(self, event: CouncilTable.Selected) -> None:
        self.open_council(event.council_id)

    def on_council_map_selected(self, event: CouncilMap.Selected) -> None:
        self.open_council(event.council_id)

    def open_council(self, council_id: str) -> None:
        if council_id in self.night.store.councils:
            from tui.screens.council_detail import CouncilDetail

            self.app.push_screen(CouncilDetail(self.night, council_id))

    def on_council_table_watch_toggled(self, event: CouncilTable.WatchToggled) -> None:
        self.toggle_watch(event.council_id)

    def toggle_watch(self, council_id: str) -> None:
        message = self.night.toggle_watch(council_id)
        if message:
            self.notify(message, timeout=3)
