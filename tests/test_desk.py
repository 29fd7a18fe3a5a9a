"""The results desk: the views a journalist needs, and the rough edges found when it was tried.
Each rough edge has a test that fails without its fix."""

from __future__ import annotations

import asyncio
import gc
import threading
from pathlib import Path
from typing import Any

import pytest
import textual.constants
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from feeds.client import FeedPoller, Unchanged
from feeds.parse import parse_answer
from feeds.polling import Failed, PollSettings, Updated
from feeds.recorder import record
from feeds.recording import Recording
from feeds.replay import ReplayFeed, VirtualClock
from feeds.store import ResultsStore
from feeds.summary import as_text, find_region, summarise
from tests import factories as f
from tests.test_store import BRISTOL, BRISTOL_AREA
from tests.tui_helpers import FixedMonotonic, council_list, feed_recording, make_test_app
from tui.app import ALERT_GAP, FULL_COLLECTION_EVERY, ElectionNightApp
from tui.cli import main
from tui.feed_source import FeedSource
from tui.formatting import ago
from tui.glossary import GLOSSARY
from tui.screens.goto import GoToTime
from tui.screens.help import HelpScreen
from tui.screens.results import ResultsScreen
from tui.watchlist import WatchList
from tui.widgets.changes import ChangesPanel
from tui.widgets.council_list import COLUMN_KEYS, CouncilTable
from tui.widgets.council_map import CouncilMap
from tui.widgets.drawn_static import DrawnStatic
from tui.widgets.feed_status import FeedStatus
from tui.widgets.key_bar import KeyBar
from tui.widgets.referendums import ReferendumPanel
from tui.widgets.scoreboard_table import ScoreboardTable
from tui.widgets.table_lines import PAD, TableLines
from tui.widgets.view_tabs import ViewTabs

FINAL = 10**9


def bristol_app(
    tmp_path: Path, referendum: dict[str, Any]
) -> tuple[ElectionNightApp, ResultsStore]:
    """An app holding the Bristol referendum (as given) and its one counting area."""
    store = ResultsStore()
    document = f.snapshot(referendums=[referendum], counting_areas=[BRISTOL_AREA])
    store.apply(parse_answer(f.body(document)))
    return make_test_app(tmp_path, store=store), store


async def referendum_tab(app: ElectionNightApp, pilot: Pilot[None]) -> ReferendumPanel:
    """The referendums tab shown, its panel laid out and drawn at its width: on a loaded
    machine one pause can return before the panel's resize, and the first update would then
    be the one that finds the panel's real width (a layout, rightly)."""
    await pilot.press("4")
    panel = app.query_one("#referendum-panel", ReferendumPanel)
    for _ in range(50):
        await pilot.pause()
        if panel.size.width and panel.drawn_for == panel.size.width:
            break
    return panel


def text_of(widget: Widget) -> str:
    return str(widget.render())


# The views.


async def test_the_changes_view_groups_councils_by_party_gained_and_lost(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        text = text_of(app.query_one(ChangesPanel))
        assert text.startswith("35 councils changed hands")
        gains, losses = text.split("\nLosses\n")
        assert "Southampton from CON" in gains and "Southampton to LAB" in losses
        # Newest first within a party: Dundee City (18:02) before Kirklees' group order.
        assert gains.index("Dundee City") < gains.index("SNP") + 200


async def test_the_headline_says_who_is_up_and_who_is_down(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 40)):
        headline = text_of(app.query_one("#headline", DrawnStatic))
        assert headline.startswith("up: LAB +5") and "down: CON -11" in headline
        assert headline.endswith("35 councils changed hands")


async def test_before_the_feed_answers_the_scoreboard_waits_instead_of_counting_nothing(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    """No "declared 0 of 0 councils" and no board of zeros before the feed has said what the
    election is: the overview says it is waiting, then shows the board with the first answer."""
    app = make_test_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.query_one("#scoreboard-table", ScoreboardTable)
        assert text_of(app.query_one("#headline", DrawnStatic)) == "Waiting for the feed."
        assert text_of(app.query_one("#declared", DrawnStatic)) == ""
        assert table.parties == [] and table.size.height == 0
        feed_recording(app, bundled_recording, 0)
        await pilot.pause()
        assert "NOC" in table.parties and table.size.height == 1 + len(table.parties)
        assert "declared 0 of 200 councils" in text_of(app.query_one("#declared", DrawnStatic))


async def test_before_the_first_result_the_scoreboard_lists_every_party_and_when(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        feed_recording(app, bundled_recording, 0)
        await pilot.pause()
        table = app.query_one("#scoreboard-table", ScoreboardTable)
        parties = set(table.parties)
        assert {"LAB", "CON", "LD", "GRN", "SNP", "PC", "NOC"} <= parties
        assert all(table.cell(p, "councils").plain == "0" for p in parties)
        coverage = text_of(app.query_one("#coverage", DrawnStatic))
        assert "Polls close at 22:00 on Thu 05 May" in coverage


async def test_the_help_has_the_glossary(tmp_path: Path) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.pause()
        shown = " ".join(
            strip.text
            for static in app.screen.query(Static)
            for strip in static.render_lines(static.region.reset_offset)
        )
        for term, means in GLOSSARY:
            assert term in shown and means.split()[0] in shown


async def test_the_footer_shows_the_replay_keys_from_the_first_frame(tmp_path: Path) -> None:
    opened = threading.Event()

    def connect_later() -> tuple[FeedSource, object]:
        opened.wait(10)  # the recording is still being read
        raise RuntimeError("test over")

    app = ElectionNightApp(
        FeedSource("replay of a night"),
        connect=connect_later,  # type: ignore[arg-type]
        watchlist=WatchList(tmp_path / "w.json"),
    )
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            keys = str(app.query_one(KeyBar).render())
            assert "Pause" in keys and "Go to" in keys
    finally:
        opened.set()


async def test_the_council_list_at_80x24_ends_the_change_column_on_screen(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(80, 24)) as pilot:
        table = await council_list(app, pilot)
        widths = table.column_widths()
        keys = COLUMN_KEYS
        assert keys[:4] == ["name", "control", "result", "change"]
        assert sum(widths[:4]) <= 80 - 2  # the change column ends inside the screen


async def test_a_big_terminal_puts_the_map_beside_the_scoreboard(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        overview_map = app.query_one("#overview-map")
        scoreboard = app.query_one("#scoreboard")
        assert overview_map.display and overview_map.region.width > 40
        assert overview_map.region.x > scoreboard.region.x  # beside, not below
        assert app.query_one("#overview-referendums").display
    small = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with small.run_test(size=(120, 40)):
        assert not small.query_one("#overview-middle").display


async def test_a_name_filter_keeps_the_ticker_to_the_matching_councils(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        feed_recording(app, bundled_recording, FINAL)
        await pilot.pause()
        await pilot.press("slash", *"Barnet", "enter")
        await pilot.pause()
        shown = app.query_one("#latest").render_line(0).text
        assert "Barnet: LAB gain from CON" in shown


async def test_a_ward_name_finds_its_council(tmp_path: Path, bundled_recording: Recording) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"Burnt Oak", "enter", "2")
        await pilot.pause()
        table = app.query_one(CouncilTable)
        assert table.council_ids == ["local.barnet.2022-05-05"]


# Rough edges.


async def test_corrections_and_recounts_are_in_the_log(tmp_path: Path) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(100, 30)):
        store = app.night.store
        for document in (
            f.snapshot(councils=[f.council(), f.bolton(status="counting")]),
            f.changes(2, 1, councils=[f.council(status="corrected", revision=2, after="LD"),
                                      f.bolton(status="recount", revision=2, recount=1)]),
        ):  # fmt: skip
            app.night.apply(store.apply(parse_answer(f.body(document))))
        log = "\n".join(app.night.log_lines)
        assert "Correction — Barnet: LD gain from CON" in log
        assert "Bolton: recount under way" in log


async def test_p_polls_now_instead_of_waiting_out_the_backoff(tmp_path: Path) -> None:
    poller = FeedPoller("http://127.0.0.1:9/feed")
    app = make_test_app(tmp_path, source=FeedSource("feed", poller), poll=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app._schedule_poll(25.0)  # a long wait after failures
        polls = poller.status.polls
        await pilot.press("p")
        await pilot.pause(0.3)  # the poll is due in 50 ms
        await app.workers.wait_for_complete()
        assert poller.status.polls == polls + 1
    assert PollSettings().max_backoff <= 30


def test_the_interval_asked_for_is_the_shortest_and_a_longer_poll_after_is_said() -> None:
    poller = FeedPoller("http://127.0.0.1:9/feed", settings=PollSettings(interval=5))
    poller._server_interval = 2.0
    assert poller.next_interval() == 5  # the feed cannot make us poll faster than asked
    assert poller.status.interval_note is None
    poller._server_interval = 20.0
    assert poller.next_interval() == 20
    assert "every 20 s" in (poller.status.interval_note or "")


async def test_a_304_is_a_check_not_a_change_and_stale_is_said_once(tmp_path: Path) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(160, 30)):
        app.night.take(Unchanged(5.0))
        health = app.night.health
        assert health.last_check is not None and health.last_change is None
        line = str(app.query_one(FeedStatus).render())
        assert "checked just now" in line and "no data yet" in line
        poller = FeedPoller("http://127.0.0.1:9/feed")
        poller.status.failures = 3
        health.poller = poller
        app.night.take(Failed("HTTP 502 Bad Gateway", 5.0, 3))
        assert str(app.query_one(FeedStatus).render()).count("STALE") == 1


async def test_record_leaves_no_file_when_the_feed_never_answers(tmp_path: Path) -> None:
    out = tmp_path / "night.jsonl"
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.5, stop.set)
    lines = await record(
        "http://127.0.0.1:9/feed", out, PollSettings(interval=0.05, min_interval=0.05), stop=stop
    )
    assert lines == 0 and not out.exists()


def test_serve_test_marks_the_night_as_test_data(small_recording: Recording) -> None:
    import json

    feed = ReplayFeed(small_recording, VirtualClock(small_recording.duration_ms), test=True)
    assert json.loads(feed.answer(None))["election"]["test"] is True
    plain = ReplayFeed(small_recording, VirtualClock(small_recording.duration_ms))
    assert not json.loads(plain.answer(None))["election"].get("test")


async def test_the_go_to_prompt_is_whole_at_80_columns(tmp_path: Path) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(GoToTime())
        await pilot.pause()
        label = app.screen.query_one(Label)
        words = str(label.render()).split()
        lines = [strip.text for strip in label.render_lines(label.region.reset_offset)]
        assert " ".join(" ".join(lines).split()) == " ".join(words)  # nothing cut


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--start", "banana"], "--start: cannot read the time 'banana'"),
        (["replay", "/no/such/night.jsonl"], "cannot read /no/such/night.jsonl"),
    ],
)
def test_bad_replay_options_are_refused_before_the_screen_is_drawn(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.launch

    def no_app(*args: object, **kwargs: object) -> int:
        raise AssertionError("the app was started")

    monkeypatch.setattr(tui.launch, "run_replay", no_app)
    assert main(argv) == 2
    assert said in capsys.readouterr().err


async def test_the_mayors_table_says_why_it_is_empty(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"Scotland", "enter", "5")
        await pilot.pause()
        table = app.query_one("#mayors-table", DataTable)
        assert table.get_cell_at((0, 0)).plain == "No mayoral contests in this view."


def test_summary_names_the_leader_prints_rejected_and_skips_an_empty_scoreboard() -> None:
    store = ResultsStore()
    area = dict(BRISTOL_AREA, status="counting", votes={"committee": 5000, "mayor": 3000},
                rejected=42)  # fmt: skip
    area.pop("status")
    area["status"] = "declared"
    referendum = dict(BRISTOL, counting_areas=2)
    store.apply(parse_answer(f.body(f.snapshot(councils=[], referendums=[referendum],
                                               counting_areas=[area]))))  # fmt: skip
    text = as_text(summarise(store))
    assert "rejected 42" in text
    assert "no outcome yet: Committee leads" in text
    assert "Party" not in text and "Declared 0 of 0 councils" not in text


def test_a_night_with_northern_ireland_is_the_united_kingdom() -> None:
    store = ResultsStore()
    belfast = f.council("belfast", "N09000003", region="N92000002", status="counting")
    regions = [*f.REGIONS, {"code": "N92000002", "name": "Northern Ireland"}]
    store.apply(parse_answer(f.body(f.snapshot(councils=[f.council(), belfast], regions=regions))))
    assert as_text(summarise(store)).startswith("Local elections - United Kingdom")
    gb = ResultsStore()
    gb.apply(parse_answer(f.body(f.snapshot(regions=regions))))  # NI listed, no record there
    assert gb.whole_name() == "Great Britain"


def test_a_region_is_found_by_every_name_it_is_known_by(tmp_path: Path) -> None:
    store = ResultsStore()
    regions = [{"code": "E12000006", "name": "East"}]
    store.apply(parse_answer(f.body(f.snapshot(regions=regions))))
    assert find_region(store, "East of England").code == "E12000006"
    assert find_region(store, "east").code == "E12000006"
    from tui.filter import Filter

    council = f.council("luton", "E06000032", region="E12000006")
    store.apply(parse_answer(f.body(f.changes(2, 1, councils=[council]))))
    assert [c.name for c in Filter(text="East of England").councils(store)] == ["Luton"]


async def test_toasts_sit_above_the_status_line(tmp_path: Path) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.notify("A gain")
        await pilot.pause()
        await pilot.pause()
        toast = app.screen.query_one("Toast")
        status = app.query_one(FeedStatus)
        assert toast.region.bottom <= status.region.y


async def test_alert_toasts_never_pile_up_across_polls(tmp_path: Path) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        store = app.night.store
        councils = [f.council(f"c{i}", f"E0900{i:04d}", status="counting") for i in range(8)]
        app.night.apply(store.apply(parse_answer(f.body(f.snapshot(councils=councils)))))
        for i in range(8):  # a fast replay: one gain a poll
            gain = f.council(f"c{i}", f"E0900{i:04d}", revision=2)
            document = f.changes(i + 2, i + 1, councils=[gain])
            app.night.apply(store.apply(parse_answer(f.body(document))))
            await pilot.pause()
        assert len(app.screen.query("Toast")) <= 3


async def test_alerts_close_together_wait_for_the_next_round_of_toasts(tmp_path: Path) -> None:
    """A fast replay gains several councils a second, and each round of toasts lays the
    screen out twice. Alerts within ALERT_GAP of a round are held, then raised together after
    the frame of the first answer once the gap is over."""
    monotonic = FixedMonotonic()
    app = make_test_app(tmp_path, monotonic=monotonic)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        store = app.night.store
        councils = [f.council(f"c{i}", f"E0900{i:04d}", status="counting") for i in range(4)]
        app.night.apply(store.apply(parse_answer(f.body(f.snapshot(councils=councils)))))

        def gain(i: int) -> None:
            council = f.council(f"c{i}", f"E0900{i:04d}", revision=2)
            document = f.changes(i + 2, i + 1, councils=[council])
            app.night.apply(store.apply(parse_answer(f.body(document))))

        def toasted() -> list[str]:
            return [n.message.split(":")[0].lower() for n in app._notifications]

        gain(0)
        await pilot.pause()
        assert toasted() == ["c0"]
        gain(1)
        await pilot.pause()
        gain(2)
        await pilot.pause()
        assert toasted() == ["c0"]  # held: too soon after c0
        monotonic.now += ALERT_GAP
        gain(3)
        await pilot.pause()
        assert set(toasted()) == {"c1", "c2", "c3"}  # c0 gave way


async def test_held_alerts_are_raised_when_no_answer_follows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.app

    monkeypatch.setattr(tui.app, "ALERT_GAP", 0.05)
    app = make_test_app(tmp_path)  # its monotonic clock stands still: only the timer is left
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        store = app.night.store
        councils = [f.council(f"c{i}", f"E0900{i:04d}", status="counting") for i in range(2)]
        app.night.apply(store.apply(parse_answer(f.body(f.snapshot(councils=councils)))))
        for i in range(2):
            council = f.council(f"c{i}", f"E0900{i:04d}", revision=2)
            document = f.changes(i + 2, i + 1, councils=[council])
            app.night.apply(store.apply(parse_answer(f.body(document))))
            await pilot.pause()
        assert len(app._notifications) == 1
        for _ in range(40):  # the app's timer, ALERT_GAP after the first round
            await pilot.pause(0.05)
            if len(app._notifications) == 2:
                break
        assert [n.message.split(":")[0].lower() for n in app._notifications] == ["c0", "c1"]


def test_ages_read_steadily() -> None:
    assert [ago(s) for s in (0, 9.9, 10, 29, 59, 60, 3_599, 3_600 + 120)] == [
        "just now",
        "just now",
        "10 s ago",
        "20 s ago",
        "50 s ago",
        "1 min ago",
        "59 min ago",
        "1 h 2 min ago",
    ]


async def test_an_idle_feed_leaves_the_status_line_still_and_a_backoff_counts_down(
    tmp_path: Path,
) -> None:
    """Polled every 2 s with nothing new, the line used to change every second ("checked 1 s
    ago", "next poll 1 s"), a frame a second all night. Now it changes when something does."""
    monotonic = FixedMonotonic()
    app = make_test_app(tmp_path, monotonic=monotonic)
    async with app.run_test(size=(160, 30)) as pilot:
        status = app.query_one(FeedStatus)
        health = app.night.health
        health.poll_every = 2.0
        lines = []
        for _ in range(6):  # three polls, a tick between each
            app.night.take(Unchanged(2.0))
            health.next_poll_at = monotonic.now + 2.0
            app.night.tick()
            lines.append(str(status.render()))
            monotonic.now += 1.0
            app.night.tick()
            lines.append(str(status.render()))
            monotonic.now += 1.0
        assert len(set(lines)) == 1
        assert "checked just now" in lines[0] and "polled every 2 s" in lines[0]
        app.night.take(Failed("HTTP 502 Bad Gateway", 30.0, 1))
        health.next_poll_at = monotonic.now + 30.0
        app.night.tick()
        assert "next poll in 30 s" in str(status.render())
        monotonic.now += 1.0
        app.night.tick()
        await pilot.pause()
        assert "next poll in 29 s" in str(status.render())


async def test_new_referendum_numbers_redraw_the_panel_without_laying_out_the_screen(
    tmp_path: Path,
) -> None:
    """Every poll of a referendum night changes its numbers: the panel asked Textual for a
    whole new layout each time (~20 ms a frame), though its shape stayed the same."""
    from feeds.polling import Updated

    app, store = bristol_app(tmp_path, dict(BRISTOL, counting_areas=2))
    async with app.run_test(size=(160, 50)) as pilot:
        panel = await referendum_tab(app, pilot)
        layouts: list[bool] = []
        refresh = panel.refresh

        def spy(*regions: object, **options: bool) -> object:
            layouts.append(bool(options.get("layout")))
            return refresh(*regions, **options)  # type: ignore[arg-type]

        panel.refresh = spy  # type: ignore[method-assign]
        for seq, votes in ((2, 5100), (3, 5200)):
            area = dict(BRISTOL_AREA, revision=seq, votes={"committee": votes, "mayor": 3000})
            changes = store.apply(
                parse_answer(f.body(f.changes(seq, seq - 1, counting_areas=[area])))
            )
            app.night.take(Updated(changes, seq, False, 1.0))
            await pilot.pause()
        assert "5,200" in str(panel.render())
        assert layouts and not any(layouts)
        # The second area settles it: the line that said why it was open goes blank, and the
        # panel keeps its height.
        second = dict(BRISTOL_AREA, code="E06000036", name="Bracknell", region="E12000008")
        changes = store.apply(parse_answer(f.body(f.changes(4, 3, counting_areas=[second]))))
        app.night.take(Updated(changes, 4, False, 1.0))
        await pilot.pause()
        assert "final result" in str(panel.render()) and not any(layouts)
        other = dict(BRISTOL, id="ref.other.2022-05-05", name="Other")
        area = dict(BRISTOL_AREA, referendum=other["id"])
        document = f.changes(5, 4, referendums=[other], counting_areas=[area])
        changes = store.apply(parse_answer(f.body(document)))
        app.night.take(Updated(changes, 5, False, 1.0))
        await pilot.pause()
        assert any(layouts)  # a second referendum: the panel grows, the screen is laid out


async def test_a_filter_decides_the_council_lists_scrollbar_in_the_frame_that_shows_it(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    """When a filter made the list fit the screen (or overflow it), the scrollbar was decided
    during the layout, which asked for a second layout a frame later: every such key cost two
    laid-out frames. Now it is decided with the new length, before the frame."""
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 30)) as pilot:
        table = await council_list(app, pilot)
        assert table.show_vertical_scrollbar  # 200 councils do not fit
        app.results.set_region("E12000001")  # the North East: a handful of councils
        assert table.row_count < 20 and not table.show_vertical_scrollbar
        app.results.set_region(None)
        assert table.row_count == 200 and table.show_vertical_scrollbar
        await pilot.pause()
        assert table.show_vertical_scrollbar


async def test_rows_brought_back_by_a_filter_are_not_built_again_unless_their_council_changed(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    store = bundled_recording.state_at(FINAL)
    app = make_test_app(tmp_path, store=store)
    async with app.run_test(size=(120, 30)) as pilot:
        table = await council_list(app, pilot)
        newcastle = next(c for c in store.councils.values() if c.name == "Newcastle upon Tyne")
        sunderland = next(c for c in store.councils.values() if c.name == "Sunderland")
        name_cell = table.get_cell(newcastle.id, "name")
        app.results.set_region("E12000007")  # London: the North East's rows go
        assert newcastle.id not in table.council_ids
        app.results.set_region(None)
        assert table.get_cell(newcastle.id, "name") is name_cell  # kept, not built again
        sunderland_cell = table.get_cell(sunderland.id, "name")
        corrected = sunderland.model_copy(
            update={"revision": sunderland.revision + 1, "status": "corrected"}
        )
        changes = store.apply(parse_answer(f.body(f.changes(
            (store.seq or 0) + 1, store.seq or 0, councils=[corrected.model_dump(mode="json")]
        ))))  # fmt: skip
        app.night.take(Updated(changes, store.seq or 0, False, 1.0))
        await pilot.pause()
        assert table.get_cell(sunderland.id, "name") is not sunderland_cell
        assert table.get_cell(newcastle.id, "name") is name_cell

        def corrected_colour() -> object:
            style = table.get_cell(sunderland.id, "status").style
            assert not isinstance(style, str)
            return style.color

        dark = corrected_colour()
        app.theme = "textual-light"
        await pilot.pause()
        assert corrected_colour() != dark  # rows made again in the new theme's colours


async def test_a_view_key_moves_the_tab_underline_at_once(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        tabs = app.query_one(ViewTabs)

        def underlined() -> tuple[int, int]:
            bar = tabs.get_component_rich_style("view-tabs--bar")
            x, lit = 0, []
            for segment in tabs.render_line(1):
                if segment.style and segment.style.color == bar.color:
                    lit += range(x, x + len(segment.text))
                x += len(segment.text)
            return min(lit), max(lit) + 1

        start, end = tabs.spans()["councils"]
        assert underlined() != (start, end)
        app.results.action_show_tab("councils")
        # in the frame that shows the list, not one after it
        assert tabs.active == "councils" and underlined() == (start, end)


async def test_animations_are_off_unless_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    assert make_test_app(tmp_path).animation_level == "none"
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "full")
    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "full")
    assert make_test_app(tmp_path).animation_level == "full"


async def test_full_collections_are_rarer_while_the_app_runs(tmp_path: Path) -> None:
    before = gc.get_threshold()
    app = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.get_threshold() == (*before[:2], FULL_COLLECTION_EVERY)
    assert gc.get_threshold() == before


@pytest.mark.parametrize(("width", "expected"), [(100, "-narrow"), (150, "-wide"), (200, "-huge")])
async def test_the_results_screen_starts_with_its_widths_class(
    tmp_path: Path, width: int, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual adds a breakpoint class at the first resize, after the first frame, and then
    works out every widget's styles again; the screen is made with it instead."""
    changed: list[set[str]] = []
    update_classes = ResultsScreen.update_classes

    def noted(screen: ResultsScreen, classes: dict[str, bool], **kwargs: bool) -> ResultsScreen:
        before = set(screen.classes)
        update_classes(screen, classes, **kwargs)
        if set(screen.classes) != before:
            changed.append(set(screen.classes))
        return screen

    monkeypatch.setattr(ResultsScreen, "update_classes", noted)
    app = make_test_app(tmp_path)
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.pause()
        assert expected in app.results.classes
        assert changed == []
        await pilot.resize_terminal(width + 60 if width < 190 else 100, 30)
        await pilot.pause()
        assert len(changed) == 1 and expected not in changed[0]


async def test_the_first_resume_does_not_style_every_widget_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every widget is styled as it mounts, with the screen's width class already set:
    Textual's first resume worked out the styles of all of them again (~20 ms before the
    first frame). The frame is the same without that pass; a later resume still has it."""
    from textual import events
    from textual.css.stylesheet import Stylesheet

    passes: list[int] = []
    update_nodes = Stylesheet.update_nodes

    def noted(sheet: Stylesheet, nodes: Any, animate: bool = False) -> None:
        nodes = list(nodes)
        passes.append(len(nodes))
        update_nodes(sheet, nodes, animate=animate)

    monkeypatch.setattr(Stylesheet, "update_nodes", noted)
    app = make_test_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.results
        widgets = len(list(screen.walk_children(with_self=True)))
        assert passes and max(passes) < widgets / 2
        opening = app.export_screenshot()
        screen.update_node_styles(animate=False)
        await pilot.pause()
        assert app.export_screenshot() == opening
        passes.clear()
        screen.post_message(events.ScreenResume())  # as when made current again by a mode
        await pilot.pause()
        assert max(passes) >= widgets


async def test_the_overview_map_is_drawn_for_the_width_it_is_laid_out_at(
    tmp_path: Path, bundled_recording: Recording, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawn before its first layout for a guessed 80 columns, the map put its side panel
    beside a map too wide for it, and bits of that drawing stayed on screen."""
    widths: list[int] = []
    draw = CouncilMap._draw

    def noted(council_map: CouncilMap, width: int) -> list[Text]:
        if council_map.id == "overview-map":
            widths.append(width)
        return draw(council_map, width)

    monkeypatch.setattr(CouncilMap, "_draw", noted)
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        shown = app.results.query_one("#overview-map", CouncilMap)
        assert widths and set(widths) == {shown.content_size.width}


async def test_the_collector_waits_for_the_frame_that_shows_an_answer(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert gc.isenabled()
        collecting: list[bool] = []
        take = app.night.take

        def noted(outcome: Updated) -> object:
            collecting.append(gc.isenabled())
            return take(outcome)

        app.night.take = noted  # type: ignore[method-assign]
        feed_recording(app, bundled_recording, 2 * 3600_000)
        assert collecting and not any(collecting)
        assert not gc.isenabled()
        await pilot.pause()  # the frame is out
        assert gc.isenabled()
        feed_recording(app, bundled_recording, FINAL, after_ms=2 * 3600_000)
    assert gc.isenabled()  # left on when the app closes before the frame


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=" 0123456789,.%+-—▲ab\u00e9\u4e2d", max_size=12),
    style=st.sampled_from(["", "bold", "dim", "green", "bold red on blue"]),
    spans=st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 12), st.sampled_from(["bold", "red"])),
        max_size=3,
    ),
    room=st.integers(0, 4),
    justify=st.sampled_from(["left", "right"]),
)
def test_drawn_table_cells_look_as_rich_lays_them_out(
    text: str, style: str, spans: list[tuple[int, int, str]], room: int, justify: str
) -> None:
    """The scoreboard and the council list draw their cells without Rich's wrapping: the
    characters in the styles Rich gives them, left or right in their column (the room left
    over in the row's style, as DataTable pads a cell)."""
    console = Console(width=80, color_system="truecolor", force_terminal=True)
    cell = Text(text.strip(), style=style, justify=justify)  # type: ignore[arg-type]
    for start, end, span_style in spans:
        cell.stylize(span_style, start, end)
    width = cell.cell_len + room
    rich = console.render_lines(cell, console.options.update_width(max(1, cell.cell_len)))[0]
    drawn = rich if cell.cell_len else []
    gap = [Segment(" " * room)]
    expected = [Segment(PAD), *(gap + drawn if justify == "right" else drawn + gap), Segment(PAD)]
    got = list(TableLines().line(console, [cell], [width], Style.null(), width + 2))

    def look(segments: list[Segment]) -> list[tuple[str, Style]]:
        shown = [Segment(s.text, s.style or Style.null()) for s in segments if s.text]
        return [(s.text, s.style) for s in Segment.simplify(shown)]

    assert look(got) == look(expected)


async def test_the_referendum_panel_drawn_line_by_line_can_still_be_selected(
    tmp_path: Path,
) -> None:
    """Its lines bypass the Static's own drawing: a mouse selection still starts at the
    offset under the pointer, and a selection is drawn and copied as the Static's."""
    from textual.geometry import Offset
    from textual.selection import Selection

    app, _ = bristol_app(tmp_path, BRISTOL)
    async with app.run_test(size=(160, 50)) as pilot:
        panel = await referendum_tab(app, pilot)
        region = panel.content_region
        widget, offset = app.screen.get_widget_and_offset_at(region.x + 3, region.y + 2)
        assert widget is panel and offset == Offset(3, 2)  # "Q?" is line 2
        app.screen.selections = {panel: Selection(Offset(0, 0), Offset(7, 0))}
        await pilot.pause()
        assert panel.text_selection is not None
        assert app.screen.get_selected_text() == "Bristol"


async def test_a_gains_toast_comes_after_the_frame_that_shows_it(tmp_path: Path) -> None:
    """A toast lays the screen out (15-25 ms at 160x50): it waits for the frame that shows
    the results it announces, rather than being mounted in that frame."""
    app = make_test_app(tmp_path)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        store = app.night.store
        before = f.snapshot(councils=[f.council(status="counting", revision=1)])
        app.night.apply(store.apply(parse_answer(f.body(before))))
        await pilot.pause()
        screen = app.screen
        frames: list[tuple[str, int]] = []  # what each frame showed: declared, toasts
        frame = screen._compositor_refresh

        def spy() -> None:
            frame()
            declared = text_of(app.query_one("#declared", DrawnStatic))
            frames.append((declared, len(screen.query("Toast"))))

        screen._compositor_refresh = spy  # type: ignore[method-assign]
        gain = f.changes(2, 1, councils=[f.council(revision=2)])
        app.night.apply(store.apply(parse_answer(f.body(gain))))
        for _ in range(3):
            await pilot.pause()
        shown = [toasts for declared, toasts in frames if "declared 1 of 1" in declared]
        assert shown[0] == 0 and shown[-1] == 1
