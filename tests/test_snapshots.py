"""SVG snapshots of the whole screen and each view, at 80x24 and 160x50.

Deterministic: the data is injected (a recording replayed to a set moment), the clocks are
fixed, no poller runs, and notifications are cleared before the capture.
Update with `uv run pytest tests/test_snapshots.py --snapshot-update`, then open the SVGs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from feeds.client import FeedPoller
from feeds.parse import parse_answer
from feeds.polling import Failed
from feeds.recording import Recording, read_recording
from feeds.synthetic import with_referendum
from tests import factories as f
from tests.conftest import BUNDLED_NIGHT
from tests.tui_helpers import (
    NIGHT_START,
    FixedClock,
    FixedMonotonic,
    feed_recording,
    make_test_app,
    without_toasts,
)
from tui.feed_source import FeedSource

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 50), id="160x50")]
HOUR = 3600 * 1000
MOMENTS = {"before": 0, "midnight": 5 * HOUR, "final": 10**9}

_recording: Recording | None = None


def night() -> Recording:
    global _recording
    if _recording is None:
        _recording = read_recording(BUNDLED_NIGHT, strict=True)
    return _recording


def app_at(tmp_path: Path, moment: float, recording: Recording | None = None):
    recording = recording or night()
    app = make_test_app(tmp_path, clock=FixedClock(NIGHT_START))

    async def run_before(pilot) -> None:
        feed_recording(app, recording, moment)
        await pilot.pause()
        app.night.clock = FixedClock(
            NIGHT_START + dt.timedelta(milliseconds=min(moment, recording.duration_ms))
        )
        app.night.health.last_check = app.night.health.last_change = app.night.monotonic()
        app.night.tick()
        await without_toasts(app, pilot)

    return app, run_before


def with_keys(run_before, *keys: str):
    async def run(pilot) -> None:
        await run_before(pilot)
        await pilot.press(*keys)
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_overview(snap_compare, tmp_path: Path, size: tuple[int, int], moment: str) -> None:
    app, run_before = app_at(tmp_path, MOMENTS[moment])
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_councils_midnight(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    app, run_before = app_at(tmp_path, MOMENTS["midnight"])
    assert snap_compare(app, terminal_size=size, run_before=with_keys(run_before, "2"))


@pytest.mark.parametrize("size", SIZES)
def test_map_final(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    app, run_before = app_at(tmp_path, MOMENTS["final"])
    assert snap_compare(app, terminal_size=size, run_before=with_keys(run_before, "3"))


@pytest.mark.parametrize("size", SIZES)
def test_filtered_to_london(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    app, run_before = app_at(tmp_path, MOMENTS["final"])
    keys = ("slash", *"London", "enter")
    assert snap_compare(app, terminal_size=size, run_before=with_keys(run_before, *keys))


def test_filtered_region_councils(snap_compare, tmp_path: Path) -> None:
    app, run_before = app_at(tmp_path, MOMENTS["final"])
    assert snap_compare(
        app, terminal_size=(160, 50), run_before=with_keys(run_before, "r", "r", "2")
    )


@pytest.mark.parametrize("size", SIZES)
def test_national_referendum(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    app, run_before = app_at(tmp_path, 6 * HOUR, with_referendum(night()))
    assert snap_compare(app, terminal_size=size, run_before=with_keys(run_before, "4"))


@pytest.mark.parametrize("size", SIZES)
def test_mayors_final(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    app, run_before = app_at(tmp_path, MOMENTS["final"])
    assert snap_compare(app, terminal_size=size, run_before=with_keys(run_before, "5"))


def test_council_detail_corrected(snap_compare, tmp_path: Path) -> None:
    app, run_before = app_at(tmp_path, MOMENTS["final"])

    async def run(pilot) -> None:
        await run_before(pilot)
        corrected = next(c.id for c in app.night.store.councils.values() if c.status == "corrected")
        app.results.open_council(corrected)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 40), run_before=run)


def test_council_detail_lists_its_wards(snap_compare, tmp_path: Path) -> None:
    """Barnet: LAB 41, CON 22, and its 24 wards."""
    app, run_before = app_at(tmp_path, MOMENTS["final"])

    async def run(pilot) -> None:
        await run_before(pilot)
        app.results.open_council("local.barnet.2022-05-05")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 50), run_before=run)


@pytest.mark.parametrize(
    ("council", "ward"),
    [
        pytest.param("local.edinburgh.2022-05-05", "local.edinburgh.almond.2022-05-05", id="stv"),
        pytest.param("local.barnet.2022-05-05", "local.barnet.burnt-oak.2022-05-05", id="fptp"),
    ],
)
def test_ward_detail(snap_compare, tmp_path: Path, council: str, ward: str) -> None:
    app, run_before = app_at(tmp_path, MOMENTS["final"])

    async def run(pilot) -> None:
        await run_before(pilot)
        app.results.open_council(council)
        await pilot.pause()
        from tui.screens.council_detail import WardTable

        table = app.screen.query_one(WardTable)
        table.move_cursor(row=table.get_row_index(ward))
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(130, 40), run_before=run)


def test_help(snap_compare, tmp_path: Path) -> None:
    app, run_before = app_at(tmp_path, MOMENTS["before"])
    assert snap_compare(
        app, terminal_size=(100, 30), run_before=with_keys(run_before, "question_mark")
    )


def unreachable_feed_app(tmp_path: Path, clock: FixedClock):  # noqa: ANN201
    """An app polling a port nothing listens on, its monotonic clock fixed at 1000 s."""
    monotonic = FixedMonotonic(1000.0)
    poller = FeedPoller("http://127.0.0.1:9/feed", monotonic=monotonic)
    app = make_test_app(
        tmp_path,
        source=FeedSource("http://127.0.0.1:9/feed", poller),
        monotonic=monotonic,
        clock=clock,
    )
    return app, poller


@pytest.mark.parametrize("size", SIZES)
def test_error_and_stale(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    app, poller = unreachable_feed_app(tmp_path, FixedClock(NIGHT_START + dt.timedelta(hours=6)))

    async def run(pilot) -> None:
        feed_recording(app, night(), MOMENTS["midnight"])
        await pilot.pause()
        poller.status.last_success = 1000.0 - 14 * 60
        app.night.health.last_check = app.night.health.last_change = 1000.0 - 14 * 60
        app.apply_outcome(Failed("HTTP 502 Bad Gateway (HTML error page)", 30.0, 12))
        await without_toasts(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)


def test_feed_down_before_its_first_answer(snap_compare, tmp_path: Path) -> None:
    """Nothing from the feed yet, and it fails: the scoreboard waits (no "0 of 0 councils")
    and the status line says why."""
    app, _ = unreachable_feed_app(tmp_path, FixedClock(NIGHT_START))

    async def run(pilot) -> None:
        app.night.health.last_check = 1000.0 - 30
        app.apply_outcome(Failed("connection refused", 8.0, 3))
        await without_toasts(app, pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_test_data_banner_with_projections(snap_compare, tmp_path: Path) -> None:
    document = f.snapshot(
        election={**f.ELECTION, "test": True, "name": "Rehearsal feed"},
        councils=[
            f.council(),
            f.bolton(
                before="LAB", after="NOC", won={"LAB": 9, "CON": 8}, change={"LAB": -3, "CON": 3}
            ),
        ],
        projections={
            "revision": 1,
            "source": "Test projection",
            "shares": [
                {"party": "LAB", "share": 35.0, "change": 6.0},
                {"party": "CON", "share": 30.0, "change": -5.0},
                {"party": "LD", "share": 19.0, "change": 2.0},
            ],
        },
    )
    app = make_test_app(tmp_path)

    async def run(pilot) -> None:
        changes = app.night.store.apply(parse_answer(f.body(document)))
        app.night.apply(changes)
        app.night.health.last_check = app.night.health.last_change = app.night.monotonic()
        app.night.tick()
        await without_toasts(app, pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run)


def test_changes_final(snap_compare, tmp_path: Path) -> None:
    app, run_before = app_at(tmp_path, MOMENTS["final"])
    assert snap_compare(app, terminal_size=(120, 40), run_before=with_keys(run_before, "7"))


def test_overview_on_a_big_terminal(snap_compare, tmp_path: Path) -> None:
    app, run_before = app_at(tmp_path, MOMENTS["midnight"])
    assert snap_compare(app, terminal_size=(200, 60), run_before=run_before)
