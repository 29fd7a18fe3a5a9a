"""The hex map: drawing all 200 councils of the 2022 night, and a council's wards."""

from __future__ import annotations

import tempfile
import time

from benchmarks.harness import Figure, joined, make_bench_app, median, render_frame


async def bench_map(samples: int) -> list[Figure]:
    """The map tab on screen: each sample draws the whole map from nothing cached but the
    layout (placement, paints, hexes) and renders every line to segments, the work a frame
    of the map needs; the layout file's first read is timed apart. Then a council's wards:
    its ward map drawn and rendered the same way."""
    from feeds.bundled import BUNDLED_NIGHT
    from feeds.recording import read_recording
    from tui.hexmap import load_layout
    from tui.widgets.council_map import CouncilMap
    from tui.widgets.ward_map import WardMap

    recording = read_recording(BUNDLED_NIGHT)
    store = recording.state_at(recording.duration_ms)
    load_layout.cache_clear()
    t0 = time.perf_counter()
    load_layout()
    first_load = (time.perf_counter() - t0) * 1000
    biggest = max(store.wards_by_council, key=lambda c: len(store.wards_by_council[c]))
    draws, renders, wards = [], [], []
    with tempfile.TemporaryDirectory() as config:
        app = make_bench_app(config)
        async with app.run_test(size=(160, 50)) as pilot:
            await joined(app, pilot, store)
            await pilot.press("3")
            await pilot.pause()
            council_map = app.query_one(CouncilMap)
            ids = sorted(store.councils)
            for index in range(samples):
                council_map.cursor = ids[index % len(ids)]
                t0 = time.perf_counter()
                council_map._placement = None  # nothing cached: the whole map again
                council_map._dirty = True
                council_map._ensure_layout()  # placement, paints, hexes
                for line in council_map._lines:  # and every line rendered, as a frame does
                    list(line.render(app.console))
                draws.append((time.perf_counter() - t0) * 1000)
                await pilot.pause()
                t0 = time.perf_counter()
                render_frame(app)
                renders.append((time.perf_counter() - t0) * 1000)
            app.results.open_council(biggest)
            await pilot.pause()
            ward_map = app.screen.query_one(WardMap)
            for _ in range(max(5, samples // 4)):
                t0 = time.perf_counter()
                ward_map.redraw()
                for line in ward_map._draw():
                    list(line.render(app.console))
                wards.append((time.perf_counter() - t0) * 1000)
                await pilot.pause()
    name = store.councils[biggest].name
    return [
        Figure(
            "the map of 200 councils drawn and rendered, median",
            median(draws),
            "ms",
            median(renders),
            "full repaint of the screen",
            "<= 50 ms",
            median(draws) <= 50,
            f"{samples} cursor moves at 160x50, placement uncached; "
            f"first read of the layout file {first_load:.1f} ms",
        ),
        Figure(
            f"a council's wards on the map ({name}, "
            f"{len(store.wards_by_council[biggest])} wards), median",
            median(wards),
            "ms",
            None,
            "",
            "<= 100 ms",
            median(wards) <= 100,
        ),
    ]
