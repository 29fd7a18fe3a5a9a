"""Pilot tests: every key, the filter flow, detail, watching, replay controls, live polling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import ContentSwitcher, DataTable, Input

from feeds.parse import parse_answer
from feeds.polling import PollSettings
from feeds.recording import Recording
from feeds.replay import ReplayFeed, VirtualClock
from feeds.replay_server import ServerThread, create_app
from tests import factories as f
from tests.faultserver import FaultServer, Reply
from tests.tui_helpers import FixedMonotonic, council_list, feed_recording, make_test_app
from tui.launch import make_app
from tui.screens.council_detail import CouncilDetail
from tui.screens.goto import GoToTime
from tui.screens.help import HelpScreen
from tui.watchlist import WatchList
from tui.widgets.council_list import CouncilTable
from tui.widgets.council_map import CouncilMap
from tui.widgets.feed_status import FeedStatus
from tui.widgets.filter_bar import FilterBar
from tui.widgets.scoreboard_table import ScoreboardTable
from tui.widgets.ticker import Ticker
from tui.widgets.view_tabs import ViewTabs

TOKEN = "test-control-token"

FINAL = 10**9
MIDNIGHT_ISH = 5 * 3600 * 1000  # 03:00 BST


def scoreboard_rows(app) -> dict[str, list[str]]:
    table = app.query_one("#scoreboard-table", ScoreboardTable)
    return {party: [c.plain for c in table.row(party)] for party in table.parties}


def council_names(app) -> list[str]:
    table = app.query_one(CouncilTable)
    return [table.get_cell(council_id, "name").plain for council_id in table.council_ids]


async def test_final_state_matches_the_facts(tmp_path: Path, bundled_recording: Recording) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        rows = scoreboard_rows(app)
        assert rows["LAB"][1] == "74" and rows["CON"][1] == "35" and rows["LD"][1] == "16"
        assert rows["SNP"][1] == "1" and rows["PC"][1] == "4" and rows["NOC"][1] == "62"


async def test_tabs_switch_with_number_keys(tmp_path: Path, bundled_recording: Recording) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(80, 24)) as pilot:
        tabs = app.query_one(ViewTabs)
        views = app.query_one(ContentSwitcher)
        for key, tab in zip(
            "234561", ("councils", "map", "referendums", "mayors", "log", "overview"), strict=True
        ):
            await pilot.press(key)
            assert tabs.active == views.current == tab


async def test_tabs_switch_with_a_click_and_with_left_and_right(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    """As Textual's tabs: a click on a name (or under it) shows its view; with the tabs
    focused, left and right move along them (wrapping) and the tabs keep the focus."""
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(80, 24)) as pilot:
        tabs = app.query_one(ViewTabs)
        views = app.query_one(ContentSwitcher)
        assert app.focused is tabs  # as at the start with Textual's tabs
        start, _ = tabs.spans()["map"]
        await pilot.click(tabs, offset=(start + 1, 0))
        assert tabs.active == views.current == "map"
        await pilot.click(tabs, offset=(tabs.spans()["mayors"][0], 1))  # on the bar
        assert views.current == "mayors"
        tabs.focus()
        await pilot.press("right", "right", "right")
        assert views.current == "overview" and app.focused is tabs
        await pilot.press("left")
        assert views.current == "changes"
        names = tabs.render_line(0).text
        assert (
            names.split()
            == "1 Overview 2 Councils 3 Map 4 Referendums 5 Mayors 6 Log 7 Changes".split()
        )


async def test_in_a_narrow_terminal_the_view_shown_keeps_its_tab_on_screen(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    """Too narrow for all seven names, the row moves left as Textual's tabs scroll, so the
    view shown has its name and underline on screen; a click still picks what is under it."""
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(50, 24)) as pilot:
        tabs = app.query_one(ViewTabs)
        assert tabs.render_line(0).text.startswith(" 1 Overview ")
        await pilot.press("7")
        names = tabs.render_line(0).text
        assert names.rstrip().endswith("7 Changes") and len(names) == 50
        bar = tabs.get_component_rich_style("view-tabs--bar")
        lit = [
            segment.text
            for segment in tabs.render_line(1)
            if segment.style and segment.style.color == bar.color
        ]
        assert "".join(lit).strip("╸╺") == "━" * len("7 Changes")
        at = names.index("6 Log")
        await pilot.click(tabs, offset=(at, 0))
        assert tabs.active == "log"


async def test_region_keys_cycle_and_reset(tmp_path: Path, bundled_recording: Recording) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        assert app.night.view.region == "E12000001"  # North East, first in ONS order
        assert "North East: declared 6 of 6" in str(app.query_one("#declared").render())
        await pilot.press("r")
        assert app.night.view.region == "E12000002"
        await pilot.press("R", "R")
        assert app.night.view.region is None  # before the first region: all of Great Britain
        await pilot.press("R")
        assert app.night.view.region == "S92000003"  # the last region with councils
        await pilot.press("2")
        assert set(council_names(app)) and all(
            app.night.store.councils[council_id].region == "S92000003"
            for council_id in app.query_one(CouncilTable).council_ids
        )
        await pilot.press("0")
        assert app.night.view.region is None and len(council_names(app)) == 200


async def test_filter_london_narrows_every_widget(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.query_one(FilterBar)
        assert not bar.children  # its field is made when first opened
        await pilot.press("slash", *"London")
        await pilot.pause()
        assert app.night.view.text == "London"  # as you type
        assert app.focused is bar.query_one(Input)
        await pilot.press("enter")
        assert app.night.view.text == "London"  # kept
        await pilot.press("2")  # the council list catches up when it is shown
        names = council_names(app)
        assert len(names) == 32 and "Barnet" in names and "Manchester" not in names
        rows = scoreboard_rows(app)
        assert (
            int(rows["LAB"][1])
            + int(rows["CON"][1])
            + int(rows["LD"][1])
            + int(rows["NOC"][1])
            + int(rows.get("OTH", ["", "0"])[1])
            + int(rows.get("ASP", ["", "0"])[1])  # Tower Hamlets
            == 32
        )
        assert '"London"' in str(app.query_one("#title-bar").render())
        await pilot.press("5")  # a hidden tab's widget catches up when shown
        mayors = app.query_one("#mayors-table", DataTable)
        contests = {mayors.get_cell(r.key, "contest").plain for r in mayors.ordered_rows} - {""}
        assert "Watford mayor" not in contests and "Croydon mayor" in contests
        await pilot.press("slash", "escape", "2")
        assert app.night.view.text == "" and len(council_names(app)) == 200


async def test_enter_opens_detail_and_escape_closes(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "enter")
        assert isinstance(app.screen, CouncilDetail)
        assert app.screen.council_id == "local.aberdeen-city.2022-05-05"  # the first row
        await pilot.press("escape")
        assert not isinstance(app.screen, CouncilDetail)


async def test_watch_toggles_and_persists(tmp_path: Path, bundled_recording: Recording) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "down", "w")
        table = app.query_one(CouncilTable)
        watched = table.selected_id()
        assert watched in app.night.watchlist.ids
        assert table.get_cell(watched, "name").plain.startswith("★ ")
    saved = json.loads((tmp_path / "config" / "watchlist.json").read_text())
    assert saved == {"councils": [watched]}
    assert WatchList(tmp_path / "config" / "watchlist.json").ids == {watched}


async def test_sort_cycles_and_keeps_the_cursor_on_its_council(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "down", "down", "down")
        table = app.query_one(CouncilTable)
        chosen = table.selected_id()
        await pilot.press("s")
        assert table.sort_by == "declared"
        assert table.selected_id() == chosen
        names = council_names(app)
        assert names != sorted(names)
        await pilot.press("s", "s")
        assert table.sort_by == "seats changed"
        await pilot.press("s")
        assert table.sort_by == "control"
        first = app.night.store.councils[table.council_ids[0]]
        assert first.control_after != first.control_before  # changes of control first
        await pilot.press("s")
        assert table.sort_by == "name" and council_names(app) == sorted(
            council_names(app), key=str.casefold
        )


async def test_a_click_picks_the_council_drawn_there_after_rows_move(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    """The council list keeps each drawn line and moves it when a sort or filter moves its
    council: a click must pick the council the user sees under the pointer, and a second
    click on it opens it."""
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 30)) as pilot:
        table = await council_list(app, pilot)
        for keys in ((), ("s",), ("s",), ("r",), ("0",), ("s", "s")):
            await pilot.press(*keys)
            await pilot.pause()
            for line in (2, 5):
                # The header is line 0 of the table; the rows scrolled to follow.
                row = table.scroll_offset.y + line - 1
                await pilot.click(table, offset=(3, line))
                await pilot.pause()
                assert table.cursor_row == row
                assert table.selected_id() == table.council_ids[row]
        await pilot.click(table, offset=(3, 0))  # the header: nothing moves
        await pilot.pause()
        assert table.cursor_row == row and not isinstance(app.screen, CouncilDetail)
        await pilot.click(table, offset=(3, 5))
        await pilot.pause()
        assert isinstance(app.screen, CouncilDetail)
        assert app.screen.council_id == table.council_ids[row]


async def test_the_council_under_the_mouse_is_marked_until_a_key_moves_the_cursor(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 30)) as pilot:
        table = await council_list(app, pilot)

        def background(line: int) -> object:
            strip = table.render_lines(table.size.region)[line]
            return next(s.style.bgcolor for s in strip if s.style and s.text.strip())

        plain = background(5)
        await pilot.hover(table, offset=(3, 5))
        await pilot.pause()
        assert table.hover_row == 4 and background(5) not in (plain, background(3))
        await pilot.press("down")
        await pilot.pause()
        assert table.hover_row is None and background(5) == plain


async def test_the_council_list_moves_by_line_page_and_end_with_the_cursor_on_screen(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(100, 30)) as pilot:
        table = await council_list(app, pilot)
        page = table.scrollable_content_region.height - 1  # under the header

        def on_screen() -> bool:
            top = table.scroll_offset.y
            return top <= table.cursor_row < top + page

        await pilot.press("pagedown")
        assert table.cursor_row == page and on_screen()
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1 == 199 and on_screen()
        await pilot.press("down")
        assert table.cursor_row == 199
        await pilot.press("pageup")
        assert table.cursor_row == 199 - page and on_screen()
        await pilot.press("home")
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        await pilot.press("up", "down", "down", "enter")
        assert isinstance(app.screen, CouncilDetail)
        assert app.screen.council_id == table.council_ids[2]


async def test_region_keys_bring_back_the_council_lines_drawn_before(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    """Each council's line is drawn once for each look it has (its stripe, the cursor): a
    second round of the region keys shows every line from those kept."""
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 30)) as pilot:
        table = await council_list(app, pilot)
        drawn: list[str] = []
        painter_line = table._painter.line

        def counted(console, cells, *args, **kwargs):  # noqa: ANN001, ANN202
            drawn.append(cells[0].plain)
            return painter_line(console, cells, *args, **kwargs)

        table._painter.line = counted  # type: ignore[method-assign]

        async def round_of_regions() -> int:
            presses = 0
            while True:
                await pilot.press("r")
                await pilot.pause()
                presses += 1
                if app.night.view.region is None:
                    return presses

        regions = await round_of_regions()
        assert regions > 5 and drawn  # lines of each region's councils were drawn
        drawn.clear()
        assert await round_of_regions() == regions
        assert drawn == []


async def test_map_arrows_and_enter(tmp_path: Path, bundled_recording: Recording) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("3")
        council_map = app.query_one(CouncilMap)
        start = council_map.cursor
        await pilot.press("down")  # Aberdeen City, first by name, is in the far north
        assert council_map.cursor != start
        moved = council_map.cursor
        await pilot.press("enter")
        assert isinstance(app.screen, CouncilDetail) and app.screen.council_id == moved
        assert isinstance(app.screen, CouncilDetail)


async def test_help_lists_keys_and_replay_keys_are_hidden_when_live(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.check_action("toggle_pause", ()) is False
        assert app.check_action("go_to", ()) is False
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_declarations_feed_the_ticker_newest_first(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        feed_recording(app, bundled_recording, MIDNIGHT_ISH)
        await pilot.pause()
        latest = app.query_one("#latest").newest_first()
        assert len(latest) > 10
        declared = [e.when for e in latest if e.council_id and "recount" not in e.text]
        assert declared == sorted(declared, reverse=True)
        assert any(e.gain for e in latest)


def polled_by_hand(server: FaultServer, tmp_path: Path):  # noqa: ANN201
    """The live app on ``server`` with a long interval: the test, not the timer, decides when
    the next poll happens (``app.poll_feed()``)."""
    return make_app(
        server.url,
        settings=PollSettings(interval=60),
        watchlist=WatchList(tmp_path / "w.json"),
        monotonic=FixedMonotonic(),
    )


async def test_live_app_polls_a_real_feed_shows_errors_and_recovers(tmp_path: Path) -> None:
    with FaultServer(
        Reply.json(f.body(f.snapshot(seq=1)), headers={"ETag": '"1"'}),
        Reply(status=503, headers={"Retry-After": "60"}),
        Reply.json(f.body(f.changes(2, 1, councils=[f.council(revision=2, after="CON")]))),
    ) as server:
        app = polled_by_hand(server, tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "local.barnet.2022-05-05" in app.night.store.councils
            app.poll_feed()
            await app.workers.wait_for_complete()
            await pilot.pause()
            status = str(app.query_one(FeedStatus).render())
            assert "HTTP 503 Service Unavailable" in status
            assert app.night.store.councils["local.barnet.2022-05-05"].control_after == "LAB"
            app.poll_feed()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.night.health.last_error is None
            assert app.night.store.councils["local.barnet.2022-05-05"].control_after == "CON"


@pytest.fixture
def replay_server(bundled_recording: Recording):
    clock = VirtualClock(bundled_recording.duration_ms, speed=300, paused=True)
    feed = ReplayFeed(bundled_recording, clock)
    with ServerThread(create_app(feed, control_token=TOKEN)) as server:
        yield feed, server.url


async def test_replay_controls_drive_the_server_clock(tmp_path: Path, replay_server) -> None:
    feed, url = replay_server
    app = make_app(
        f"{url}/feed",
        replay_url=url,
        replay_token=TOKEN,
        settings=PollSettings(interval=60),
        watchlist=WatchList(tmp_path / "w.json"),
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.check_action("toggle_pause", ())

        async def press(*keys: str) -> None:
            await pilot.press(*keys)
            await app.workers.wait_for_complete()
            await pilot.pause()

        await press("space")
        assert not feed.clock.paused
        await press("space")
        assert feed.clock.paused
        await press("plus")
        assert feed.clock.speed == 600
        await press("minus", "minus")
        assert feed.clock.speed == 150
        await press("right_square_bracket")
        first = feed.recording.declaration_times()[0]
        assert feed.clock.now_ms() == first
        await press("right_square_bracket", "left_square_bracket")
        assert feed.clock.now_ms() == first
        await press("g")
        assert isinstance(app.screen, GoToTime)
        await press(*"02:00", "enter")
        assert feed.clock.now_ms() == 4 * 3600 * 1000
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "replay Fri 02:00 BST" in str(app.query_one("#title-bar").render())


async def test_command_palette_provider_finds_councils_and_regions(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    from tui.palette import ElectionCommands

    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(100, 30)) as pilot:
        provider = ElectionCommands(app.screen)
        names = [name for name, _, _ in provider._commands()]
        assert "Filter region: London" in names
        assert "Jump to council: Barnet" in names and "Watch council: Barnet" in names
        callback = dict((n, c) for n, c, _ in provider._commands())["Filter region: Wales"]
        callback()
        await pilot.pause()
        assert app.night.view.region == "W92000004"


async def test_updates_arrive_while_the_detail_is_open_and_hidden_lists_catch_up(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        feed_recording(app, bundled_recording, 2 * 3600 * 1000)
        await pilot.press("2")
        before = {
            council_id: app.query_one(CouncilTable).get_cell(council_id, "status").plain
            for council_id in app.query_one(CouncilTable).council_ids
        }
        await pilot.press("1")
        app.results.open_council("local.barnet.2022-05-05")
        await pilot.pause()
        feed_recording(app, bundled_recording, FINAL, after_ms=2 * 3600 * 1000)
        await pilot.pause()
        assert isinstance(app.screen, CouncilDetail) and app.is_running
        await pilot.press("escape", "2")
        after = {
            council_id: app.query_one(CouncilTable).get_cell(council_id, "status").plain
            for council_id in app.query_one(CouncilTable).council_ids
        }
        assert before != after
        assert set(after.values()) <= {"declared", "corrected"}


async def test_the_app_never_has_two_polls_in_flight_against_a_slow_feed(tmp_path: Path) -> None:
    # Each answer takes 0.3 s and the app asks to poll every 0.05 s: a set_interval design
    # would overlap or cancel polls; the next poll must wait for the previous one to end.
    slow = Reply.json(f.body(f.snapshot(seq=1)), delay=0.3, headers={"ETag": '"1"'})
    with FaultServer(slow) as server:
        app = make_app(
            server.url,
            settings=PollSettings(interval=0.05, min_interval=0.05),
            watchlist=WatchList(tmp_path / "w.json"),
        )
        async with app.run_test(size=(100, 30)) as pilot:
            while server.answered < 4:
                await pilot.pause(0.1)
        assert server.max_in_flight == 1
        assert app.source.poller is not None and app.source.poller.status.failures == 0


async def test_a_replayed_recordings_skipped_lines_are_in_the_log(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    from textual.widgets import Log

    from feeds.recording_writer import write_recording
    from tests.conftest import cut_to_region
    from tui.app import ElectionNightApp
    from tui.feed_source import FeedSource
    from tui.launch import replay_connector

    damaged = tmp_path / "damaged.jsonl"
    small = write_recording(cut_to_region(bundled_recording), tmp_path / "small.jsonl")
    lines = small.read_text(encoding="utf-8").splitlines(keepends=True)
    damaged.write_text("".join([*lines[:5], "not a line\n", *lines[5:]]), encoding="utf-8")
    app = ElectionNightApp(
        FeedSource("replay"),
        connect=replay_connector(damaged, speed=1, start=None, faults=None),
        watchlist=WatchList(tmp_path / "w.json"),
    )
    async with app.run_test(size=(100, 30)) as pilot:
        while app.source.poller is None or not app.night.store.councils:
            await pilot.pause(0.05)
        await pilot.press("6")  # the log writes its lines when shown
        log = app.query_one("#feed-log", Log)
        assert any("line 6: bad line" in line for line in log.lines)


async def test_a_poll_or_a_feed_that_lands_while_the_app_closes_is_dropped(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    """The last poll can finish, and a slow recording can finish loading, after the user has
    quit and the screens are gone: neither may raise, and a late feed is closed at once."""
    from feeds.polling import Updated
    from feeds.store import ResultsStore
    from tui.feed_source import FeedSource
    from tui.messages import FeedPolled

    app = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    assert not app.is_running
    first = bundled_recording.events[0]
    changes = ResultsStore().apply(first.answer)
    app._feed_polled(FeedPolled(Updated(changes, 1, True, 2.0), None))
    assert app._poll_timer is None
    closed: list[bool] = []
    app._connected(FeedSource("late"), lambda: closed.append(True))
    assert closed == [True]
    assert app.source.label == "test feed"


async def test_the_collector_is_back_on_after_the_first_frame(tmp_path: Path) -> None:
    """`election-night` turns the garbage collector off while it starts; the app must turn it
    back on, or a night-long session would never collect a cycle."""
    import gc

    gc.disable()
    try:
        app = make_test_app(tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert gc.isenabled()
    finally:
        gc.enable()


async def test_widgets_mounted_after_the_data_arrived_draw_the_night_as_it_stands(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    """The tabs not on screen are Lazy: mounted after the first frame, when a feed may have
    got there first. Each widget draws itself from the night when mounted."""
    from textual.widgets import Log

    from tui.widgets.feed_log import FeedLog

    app = make_test_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        feed_recording(app, bundled_recording, MIDNIGHT_ISH)
        app.night.log("an early line")
        await pilot.pause()
        table = CouncilTable(app.night)
        log = FeedLog(app.night)
        await app.results.mount_all([table, log])
        await pilot.pause()
        assert table.row_count == len(app.night.store.councils) == 200
        declared = {c.id for c in app.night.store.councils.values() if c.has_result}
        shown = {
            council_id
            for council_id in table.council_ids
            if table.get_cell(council_id, "status").plain in ("declared", "corrected")
        }
        assert declared and shown == declared
        assert any("an early line" in line for line in log.lines)
        await pilot.press("2")
        lazy_table = app.query_one("#council-table", CouncilTable)
        assert app.focused is lazy_table and lazy_table.row_count == 200
        await pilot.press("6")
        assert any("an early line" in line for line in app.query_one("#feed-log", Log).lines)
        await pilot.press("3")
        assert app.query_one(CouncilMap).is_mounted


async def test_the_log_writes_lines_while_shown_and_catches_up_when_shown_again(
    tmp_path: Path,
) -> None:
    """The Log tab writes a burst's lines in one batch while on screen, and nothing while
    hidden: shown again, it holds the night's lines in order."""
    from textual.widgets import Log

    app = make_test_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("6")
        log = app.query_one("#feed-log", Log)
        for n in range(3):
            app.night.log(f"shown line {n}")
        await pilot.pause()
        assert [line.split(" ", 1)[1] for line in log.lines[-3:]] == [
            f"shown line {n}" for n in range(3)
        ]
        await pilot.press("1")
        for n in range(3):
            app.night.log(f"hidden line {n}")
        await pilot.pause()
        assert not any("hidden line" in line for line in log.lines)
        await pilot.press("6")
        await pilot.pause()
        assert list(log.lines) == list(app.night.log_lines)
        assert log.lines[-1].endswith("hidden line 2")


async def test_quitting_at_the_first_frame_is_clean(tmp_path: Path) -> None:
    """The hidden tabs are filled just after the first frame; a user (or a bad recording)
    can end the app before that, and the filling must then stand down, not raise."""
    app = make_test_app(tmp_path)
    app.call_after_refresh(app.exit)  # queued before the app's own after-first-frame work
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    assert not app.is_running  # and run_test raised nothing the app hit on the way out


async def test_the_ticker_keeps_declaration_time_order_and_never_shows_stale_lines(
    tmp_path: Path,
) -> None:
    """Lines were cached by id() of entries then freed and reused (stale lines after 300),
    and the order broke for snapshots, seeks, many areas in one poll and corrections."""
    import datetime as dt

    from feeds.news import News
    from tui.night import NEWS_HELD as MAX_ENTRIES

    app = make_test_app(tmp_path)
    async with app.run_test(size=(120, 60)) as pilot:
        latest = app.query_one("#latest", Ticker)
        start = dt.datetime(2022, 5, 6, 0, 0, tzinfo=dt.UTC)
        minutes = list(range(450))
        import random

        random.Random(7).shuffle(minutes)  # arrival order unlike declaration order
        for round_ in range(3):  # many adds and shows, so freed entries' ids get reused
            for m in minutes[round_ * 150 : (round_ + 1) * 150]:
                when = start + dt.timedelta(minutes=m)
                app.night.news.add(News("area", when, "E12000007", f"area {m:03d} declared"))
            latest.show_entries()
            await pilot.pause()
        newest = latest.newest_first()
        assert len(newest) == MAX_ENTRIES
        assert [e.when for e in newest] == sorted((e.when for e in newest), reverse=True)
        assert newest[0].text == "area 449 declared"  # the latest declared, not the last added
        assert newest[-1].text == f"area {450 - MAX_ENTRIES:03d} declared"
        for y, entry in enumerate(newest[:40]):
            assert entry.text in latest.render_line(y).text


async def test_a_redeclaration_is_not_called_a_correction_unless_it_is_one(
    tmp_path: Path,
) -> None:
    import datetime as dt

    from tests.tui_helpers import FixedClock

    # The night is well on: corrections come after the 02:30 declaration.
    app = make_test_app(tmp_path, clock=FixedClock(dt.datetime(2022, 5, 6, 3, 0, tzinfo=dt.UTC)))
    async with app.run_test(size=(120, 40)) as pilot:
        for document in (
            f.snapshot(councils=[f.council(status="counting", revision=1)]),
            f.changes(2, 1, councils=[f.council(revision=2)]),
            f.changes(3, 2, councils=[f.council(revision=3, after="CON")]),
            f.changes(4, 3, councils=[f.council(revision=4, status="corrected", after="LD")]),
        ):
            app.night.apply(app.night.store.apply(parse_answer(f.body(document))))
        await pilot.pause()
        texts = [e.text for e in app.query_one("#latest", Ticker).newest_first()]
        assert texts[0] == "Correction — Barnet: LD gain from CON"
        assert "Re-declared — Barnet: CON hold" in texts
        assert not any(t.startswith("Correction — Barnet: CON") for t in texts)


async def test_the_app_keeps_polling_after_hostile_times(tmp_path: Path) -> None:
    """A declared_at of 9999-12-31T23:59:59-01:00 killed the poll worker and nothing was
    shown again. Now that record is rejected and the next poll is shown (anything escaping a
    poll is in tests/test_poll_survival.py)."""
    hostile = f.council("brent", "E09000005", declared_at="9999-12-31T23:59:59-01:00")
    with FaultServer(
        Reply.json(f.body(f.snapshot(seq=1, councils=[f.council(), hostile]))),
        Reply.json(f.body(f.changes(2, 1, councils=[f.council(revision=2, after="CON")]))),
    ) as server:
        app = polled_by_hand(server, tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert list(app.night.store.councils) == ["local.barnet.2022-05-05"]
            assert app.night.store.rejected_total == 1
            app.poll_feed()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.night.store.councils["local.barnet.2022-05-05"].control_after == "CON"
            assert app.night.health.last_error is None


async def test_a_theme_switch_redraws_every_colour_from_the_new_theme(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    """Colours come from theme variables: after a switch to a light theme, rises are drawn
    in that theme's success colour, not the dark theme's (unreadable on white)."""
    from textual.color import Color

    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 40)) as pilot:

        def rise_colour() -> str:
            table = app.query_one("#scoreboard-table", ScoreboardTable)
            cell = table.cell("LAB", "councils_change")
            style = cell.style
            assert not isinstance(style, str) and style.color is not None
            return Color.from_rich_color(style.color).hex

        dark = rise_colour()
        assert dark == Color.parse(app.theme_variables["text-success"]).hex
        app.theme = "textual-light"
        await pilot.pause()
        light = rise_colour()
        assert light == Color.parse(app.theme_variables["text-success"]).hex != dark


async def test_lines_drawn_by_the_app_look_as_textual_draws_them_in_either_theme(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    """The headline, the title bar, the status line and the others draw their own lines
    (made once while their text stays the same). Each must look as Textual would draw the
    widget, and take the new colours when the theme changes."""
    from textual.widget import Widget

    from tui.widgets.drawn_static import DrawnStatic
    from tui.widgets.one_line import OneLine
    from tui.widgets.scoreboard_table import ScoreboardTable

    app = make_test_app(tmp_path, store=bundled_recording.state_at(MIDNIGHT_ISH))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        drawn = [
            w
            for w in (*app.query(DrawnStatic), *app.query(OneLine), *app.query(ScoreboardTable))
            if w.region.area
        ]
        assert {w.id for w in drawn} >= {
            "headline",
            "declared",
            "title-bar",
            "feed-status",
            "scoreboard-table",
        }

        def lines(widget: Widget, own: bool) -> list[list[tuple[str, object, object]]]:
            """Cell by cell what shows: the character, its background and, where it is not
            a space, its colour and weight."""
            crop = widget.region.size.region
            strips = widget.render_lines(crop) if own else Widget.render_lines(widget, crop)
            shown = []
            for strip in strips:
                cells = []
                for text, style, _ in strip:
                    for character in text:
                        seen = None if character == " " or style is None else style.color
                        bold = bool(style and style.bold and character != " ")
                        cells.append((character, style and style.bgcolor, (seen, bold)))
                shown.append(cells)
            return shown

        def backgrounds(widget: Widget) -> set[object]:
            return {bg for line in lines(widget, own=True) for _, bg, _ in line}

        before = {w.id: backgrounds(w) for w in drawn}
        for widget in drawn:
            assert lines(widget, own=True) == lines(widget, own=False), widget.id
        app.theme = "textual-light"
        await pilot.pause()
        for widget in drawn:
            assert lines(widget, own=True) == lines(widget, own=False), widget.id
            assert backgrounds(widget) != before[widget.id], widget.id


async def test_the_app_does_not_shadow_textuals_logger(tmp_path: Path) -> None:
    """`self._log` once held the Log widget, which broke `textual run --dev`."""
    from textual.app import App

    app = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)):
        assert type(app)._log is App._log
        assert "_log" not in vars(app)


async def test_the_scoreboard_repaints_only_the_rows_that_changed() -> None:
    """A declaration that moves two parties' figures repaints those two lines, with no new
    layout; a party more or fewer lays the screen out again. The figures stand right-aligned
    under their headings, and a column never narrows mid-night."""
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.geometry import Region

    def number(value: int) -> Text:
        return Text(str(value), justify="right")

    columns = [("party", Text("Party")), ("councils", Text("Councils", justify="right"))]

    class Board(App[None]):
        def compose(self) -> ComposeResult:
            yield ScoreboardTable(id="scoreboard-table")

    app = Board()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ScoreboardTable)
        rows = [("LAB", [Text("LAB"), number(9)]), ("CON", [Text("CON"), number(10)])]
        table.show(columns, rows)
        await pilot.pause()
        lines = [strip.text for strip in table.render_lines(table.region.reset_offset)[:3]]
        assert lines[0].rstrip() == " Party  Councils"
        assert lines[1].rstrip() == " LAB           9"
        assert lines[2].rstrip() == " CON          10"

        refreshed: list[tuple[tuple[Region, ...], bool]] = []
        original = table.refresh

        def spy(*regions: Region, layout: bool = False, **kwargs: object) -> ScoreboardTable:
            refreshed.append((regions, layout))
            return original(*regions, layout=layout, **kwargs)  # type: ignore[arg-type]

        table.refresh = spy  # type: ignore[method-assign]
        table.show(columns, [("LAB", [Text("LAB"), number(10)]), rows[1]])
        assert refreshed == [((Region(0, 1, table.size.width, 1),), False)]
        refreshed.clear()
        table.show(columns, [("LAB", [Text("LAB"), number(10)]), rows[1]])
        assert refreshed == []  # nothing changed: nothing drawn
        table.show(columns, [("LAB", [Text("LAB"), number(123456789)]), rows[1]])
        table.show(columns, [("LAB", [Text("LAB"), number(7)]), rows[1]])
        await pilot.pause()
        lines = [strip.text for strip in table.render_lines(table.region.reset_offset)[:3]]
        assert lines[0].rstrip() == " Party   Councils"  # as wide as it was for 9 digits
        assert lines[1].rstrip() == " LAB            7"
        refreshed.clear()
        table.show(columns, [*rows, ("LD", [Text("LD"), number(1)])])
        assert refreshed == [((), True)]
        # A column that goes (the feed stops giving projections) takes its room with it.
        share = ("pns", Text("PNS", justify="right"))
        table.show([*columns, share], [(p, [*c, Text("35%", justify="right")]) for p, c in rows])
        assert table.column_keys == ["party", "councils", "pns"]
        wide = table.get_content_width(table.size, table.size)
        table.show(columns, rows)
        assert table.column_keys == ["party", "councils"]
        assert table.get_content_width(table.size, table.size) == wide - len(" PNS ")
