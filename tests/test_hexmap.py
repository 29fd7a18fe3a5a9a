"""The hex map: councils at their places, moving by geography, drawn at every size."""

from __future__ import annotations

from pathlib import Path

from feeds.parse import parse_answer
from feeds.store import ResultsStore
from scripts.build_hexmaps import DEFAULT_OUTPUT, build
from tests import factories as f
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.tui_helpers import make_test_app
from tui.hexmap import centre, load_layout, place_councils
from tui.widgets.council_map import CouncilMap

CORNWALL = f.council("cornwall", "E06000052", region="E12000009", before="CON", after="CON",
                     total=87, up=87, won={"CON": 47, "LD": 13}, change={})  # fmt: skip
DEVON = f.council("devon", "E10000008", region="E12000009", status="counting", total=60, up=60)
KENT = f.council("kent", "E10000016", region="E12000008", status="counting", total=81, up=81)
HIGHLAND = f.council(
    "highland", "S12000017", region="S92000003", status="counting", total=74, up=74
)
NORTH_YORKSHIRE = f.council(
    "north-yorkshire", "E10000023", region="E12000003", status="counting", total=90, up=90
)
NOWHERE = f.council("atlantis", "E06000999", region="E12000009", status="counting")


def store_of(*councils: dict) -> ResultsStore:
    store = ResultsStore()
    regions = [*f.REGIONS, {"code": "E12000009", "name": "South West"},
               {"code": "E12000008", "name": "South East"},
               {"code": "E12000003", "name": "Yorkshire and The Humber"}]  # fmt: skip
    store.apply(parse_answer(f.body(f.snapshot(councils=list(councils), regions=regions))))
    return store


def test_councils_sit_where_britain_has_them() -> None:
    store = store_of(CORNWALL, DEVON, KENT, HIGHLAND, NORTH_YORKSHIRE)
    placement = place_councils(list(store.councils.values()), load_layout())
    where = {cid.split(".")[1]: centre(cells) for cid, cells in placement.cells.items()}
    assert where["cornwall"][0] < where["devon"][0] < where["kent"][0]  # west to east
    assert where["cornwall"][1] < where["north-yorkshire"][1] < where["highland"][1]  # north
    # A county fills the hexes of all its districts: North Yorkshire's seven.
    assert len(placement.cells["local.north-yorkshire.2022-05-05"]) == 7
    assert not placement.placed


def test_a_council_missing_from_the_layout_is_placed_by_its_region_and_reported() -> None:
    store = store_of(CORNWALL, NOWHERE)
    placement = place_councils(list(store.councils.values()), load_layout())
    assert placement.placed == ["Atlantis"]
    [cell] = placement.cells["local.atlantis.2022-05-05"]
    assert cell not in {(q, r) for q, r, _ in load_layout().districts.values()}
    x, y = centre([cell])
    south_west = [(q, r) for q, r, region in load_layout().districts.values()
                  if region == "E12000009"]  # fmt: skip
    sx, sy = centre(south_west)
    assert abs(x - sx) < 6 and abs(y - sy) < 6  # beside its region, not anywhere


async def test_arrow_keys_move_by_geography(tmp_path: Path) -> None:
    store = store_of(CORNWALL, DEVON, KENT, HIGHLAND, NORTH_YORKSHIRE)
    app = make_test_app(tmp_path, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        council_map = app.query_one(CouncilMap)
        council_map.cursor = "local.cornwall.2022-05-05"
        await pilot.press("up")  # from Cornwall, up (north) reaches Devon
        assert council_map.cursor == "local.devon.2022-05-05"
        await pilot.press("right")  # and east of Devon, Kent
        assert council_map.cursor == "local.kent.2022-05-05"
        await pilot.press("up")
        assert council_map.cursor == "local.north-yorkshire.2022-05-05"
        await pilot.press("up")
        assert council_map.cursor == "local.highland.2022-05-05"
        await pilot.press("up")  # nothing further north: the cursor stays
        assert council_map.cursor == "local.highland.2022-05-05"
        await pilot.press("down", "down", "down")
        assert council_map.cursor in ("local.devon.2022-05-05", "local.kent.2022-05-05")


async def test_the_map_fits_80x24_and_uses_a_big_terminal(tmp_path: Path) -> None:
    store = store_of(CORNWALL, DEVON, KENT, HIGHLAND, NORTH_YORKSHIRE)
    for size, compact in (((80, 24), True), ((160, 50), False)):
        app = make_test_app(tmp_path, store=store)
        async with app.run_test(size=size) as pilot:
            await pilot.press("3")
            await pilot.pause()
            council_map = app.query_one(CouncilMap)
            map_part = "\n".join(line.plain[: size[0] - 34] for line in council_map._lines)
            assert ("▀" in map_part) == compact  # half-block hexes only when small
            assert ("CON" in map_part) != compact  # codes on hexes when large
            assert len(council_map._lines) <= size[1] - 5  # no scrolling needed
            assert max(line.cell_len for line in council_map._lines) <= size[0] - 2


@needs_shared_data
def test_the_shipped_hex_layouts_are_built_from_shared_data() -> None:
    assert DEFAULT_OUTPUT.read_bytes() == build(SHARED_DATA), (
        "tui/maps/hexmaps.json.gz is out of date: run `uv run python scripts/build_hexmaps.py`"
    )


def test_the_layout_keeps_its_licence_notice() -> None:
    licence = load_layout().licence
    assert "MIT License" in licence and "Permission is hereby granted" in licence


async def test_the_layout_is_read_only_when_the_map_is_first_shown(tmp_path: Path) -> None:
    load_layout.cache_clear()
    store = store_of(CORNWALL, DEVON)
    app = make_test_app(tmp_path, store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.night.apply(store.apply(parse_answer(f.body(f.changes(2, 1, councils=[
            f.council("devon", "E10000008", region="E12000009", status="counting",
                      total=60, up=60, revision=2)])))))  # fmt: skip
        await pilot.pause()
        assert load_layout.cache_info().currsize == 0  # the overview: no map work at all
        await pilot.press("3")
        await pilot.pause()
        assert load_layout.cache_info().currsize == 1
