"""Ward declarations to their frame, with the 2022 ward-level night held."""

from __future__ import annotations

import tempfile

from benchmarks.harness import Figure, joined, make_bench_app, median, p95, time_to_frame


async def bench_ward_declarations(samples: int) -> list[Figure]:
    """The ward-level 2022 night held (200 councils, 3,965 wards, 21,029 candidates): each
    line of the recording after 03:00 (the wards and councils one poll brings) to its frame."""
    from feeds.bundled import BUNDLED_NIGHT
    from feeds.recording import read_recording

    recording = read_recording(BUNDLED_NIGHT)
    moment = 6 * 3600 * 1000  # 03:00 BST
    store = recording.state_at(moment)
    events = [e for e in recording.events if e.t > moment and not e.keyframe and e.answer.wards]
    events = events[:samples]
    with tempfile.TemporaryDirectory() as config:
        app = make_bench_app(config)
        async with app.run_test(size=(160, 50)) as pilot:
            await joined(app, pilot, store)
            await pilot.pause()
            polls = [(lambda e=event: e.answer, event.seq) for event in events]
            latencies, renders = await time_to_frame(app, pilot, polls)
    wards = sum(len(e.answer.wards) for e in events)
    return [
        Figure(
            "ward-level night held: a poll's declarations to the frame, median",
            median(latencies),
            "ms",
            median(renders),
            "whole screen repainted, to its frame",
            "median <= 16 ms",
            median(latencies) <= 16,
            f"{len(events)} polls, {wards} ward declarations",
        ),
        Figure(
            "ward-level night held: a poll's declarations to the frame, p95",
            p95(latencies),
            "ms",
            p95(renders),
            "whole screen repainted, p95",
            "p95 <= 33 ms",
            p95(latencies) <= 33,
        ),
    ]
