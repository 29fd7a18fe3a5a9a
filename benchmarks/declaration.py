"""2. A declaration to its frame; 4. a filter keystroke to its frame."""

from __future__ import annotations

import json
import tempfile
from functools import partial

from benchmarks.harness import (
    Figure,
    four_hundred_councils,
    holding,
    joined,
    make_bench_app,
    median,
    p95,
    time_keys,
    time_to_frame,
)


def burst_bodies(final, start, copies, after: int, bursts: int = 5, size: int = 100) -> list[bytes]:  # noqa: ANN001
    """Changes answers of ``size`` newly declared councils each: the declared copies."""
    from feeds.recording_writer import dump_record

    declared = list(final.councils.values())
    bodies = []
    for n in range(bursts):
        councils = []
        for index in range(size):
            copy = copies[(n * size + index) % len(copies)]
            result = declared[(n * size + index + n) % len(declared)]  # each burst new results
            councils.append(
                dump_record(
                    result.model_copy(
                        update={
                            "id": copy.id,
                            "code": copy.code,
                            "name": copy.name,
                            "revision": 100 + n,
                        }
                    )
                )
            )
        seq = 1000 + n
        bodies.append(
            json.dumps(
                {
                    "format": "election-night/1",
                    "kind": "changes",
                    "seq": seq,
                    "since": seq - 1,
                    "councils": councils,
                }
            ).encode()
        )
    return bodies


async def bench_declaration_and_filter(samples: int) -> list[Figure]:
    from feeds.parse import parse_answer
    from feeds.recording_writer import dump_record

    _, final, start, copies = four_hundred_councils()
    store = holding(start, copies)
    declared = [c for c in final.councils.values()][:samples]
    bodies = []
    for seq, council in enumerate(declared, start=2):
        document = {
            "format": "election-night/1",
            "kind": "changes",
            "seq": seq,
            "since": seq - 1,
            "councils": [dump_record(council.model_copy(update={"revision": 99}))],
        }
        bodies.append(json.dumps(document).encode())
    with tempfile.TemporaryDirectory() as config:
        app = make_bench_app(config)
        async with app.run_test(size=(160, 50)) as pilot:
            await joined(app, pilot, store)
            await pilot.pause()
            polls = [(partial(parse_answer, body), seq) for seq, body in enumerate(bodies, 2)]
            latencies, renders = await time_to_frame(app, pilot, polls)
            filters = await time_keys(app, pilot, "r", 24)
            app.results.action_all_regions()
            # 100 declarations in one answer (a burst after a quiet spell, or a fast replay),
            # from councils still to declare after the samples above.
            bursts = [
                (partial(parse_answer, body), seq)
                for seq, body in enumerate(burst_bodies(final, start, copies, samples), 1000)
            ]
            burst, _ = await time_to_frame(app, pilot, bursts)
            await pilot.press("2")  # the same keys with the council list on screen
            await pilot.pause()
            filters_list = await time_keys(app, pilot, "r", 24)
    reference = median(renders)
    # Reference: a full repaint of the unchanged screen (every line, not just what changed).
    return [
        Figure(
            "new declaration to the frame showing it (400 councils), median",
            median(latencies),
            "ms",
            reference,
            "whole screen repainted, to its frame",
            "median <= 20 ms",
            median(latencies) <= 20,
            f"{len(latencies)} declarations",
        ),
        Figure(
            "new declaration to the frame showing it (400 councils), p95",
            p95(latencies),
            "ms",
            p95(renders),
            "whole screen repainted, p95",
            "p95 <= 50 ms",
            p95(latencies) <= 50,
        ),
        Figure(
            "100 declarations in one answer to the frame showing them (400 councils), median",
            median(burst),
            "ms",
            reference,
            "whole screen repainted, to its frame",
            "<= 50 ms",
            median(burst) <= 50,
            f"{len(burst)} answers of 100 councils each, max {max(burst):.1f} ms",
        ),
        Figure(
            "region filter keystroke to repainted screen (400 councils), median",
            median(filters),
            "ms",
            reference,
            "whole screen repainted, to its frame",
            "<= 50 ms",
            median(filters) <= 50,
            f"max {max(filters):.1f} ms over 24 keys (overview on screen)",
        ),
        Figure(
            "region filter keystroke, council list on screen (400 councils), median",
            median(filters_list),
            "ms",
            reference,
            "whole screen repainted, to its frame",
            "<= 50 ms",
            median(filters_list) <= 50,
            f"max {max(filters_list):.1f} ms over 24 keys",
        ),
    ]
