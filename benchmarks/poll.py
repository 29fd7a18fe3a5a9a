"""7. One 304 poll, and snapshot validation beside json.loads."""

from __future__ import annotations

import gc
import json
import time

import httpx

from benchmarks.harness import Figure, ServeProcess, four_hundred_councils, holding, median, p95


async def bench_poll_and_validate(samples: int) -> list[Figure]:
    from feeds.client import FeedPoller
    from feeds.parse import parse_answer
    from feeds.polling import PollSettings, Unchanged
    from feeds.recording_writer import state_body

    server = ServeProcess(start="100h")
    try:
        poller = FeedPoller(f"{server.url}/feed", settings=PollSettings())
        await poller.poll()  # the snapshot
        await poller.poll()  # the first "changes since" document: its own ETag from here on
        poll_ms, raw_ms = [], []
        async with httpx.AsyncClient() as client:
            etag = (await client.get(f"{server.url}/feed")).headers["ETag"]
            for _ in range(samples):
                t0 = time.perf_counter()
                outcome = await poller.poll()
                poll_ms.append((time.perf_counter() - t0) * 1000)
                assert isinstance(outcome, Unchanged)
                t0 = time.perf_counter()
                response = await client.get(f"{server.url}/feed", headers={"If-None-Match": etag})
                raw_ms.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 304
        await poller.aclose()
    finally:
        server.close()

    _, final, _, copies = four_hundred_councils()
    store = holding(final, copies)
    body = json.dumps(
        {"format": "election-night/1", "kind": "snapshot", "seq": 1, **state_body(store)}
    ).encode()
    # As in the app, which freezes the state it holds after each whole answer (timed with
    # it): the collector does not re-scan what lives all night, nor walk an answer later that
    # it was paused for while the answer was built. json.loads runs under the same collector.
    gc.collect()
    gc.freeze()
    validate_ms, json_ms, ratios = [], [], []
    # Paired and alternated: each validation beside a json.loads of the same bytes a moment
    # before or after it, so a slow spell of the machine (steal) weighs on both.
    for i in range(max(40, samples // 2)):
        for step in ("validate", "json") if i % 2 else ("json", "validate"):
            if step == "validate":
                t0 = time.perf_counter()
                answer = parse_answer(body)
                gc.freeze()
                validated = (time.perf_counter() - t0) * 1000
            else:
                t0 = time.perf_counter()
                json.loads(body)
                loaded = (time.perf_counter() - t0) * 1000
        validate_ms.append(validated)
        json_ms.append(loaded)
        ratios.append(validated / loaded)
    gc.unfreeze()
    assert len(answer.councils) == 400
    return [
        Figure(
            "one unchanged poll (304) on loopback, median",
            median(poll_ms),
            "ms",
            median(raw_ms),
            "bare httpx conditional GET, same server",
            "<= 2 ms",
            median(poll_ms) <= 2,
            f"{samples} polls; p95 {p95(poll_ms):.2f} ms",
        ),
        Figure(
            "400-council snapshot validated, median",
            median(validate_ms),
            "ms",
            median(json_ms),
            "json.loads of the same bytes",
            "<= 2x json.loads",
            median(ratios) <= 2,
            f"{len(body) // 1024} KiB; {len(ratios)} pairs, median of the pairs' ratios "
            f"{median(ratios):.2f}x (p95 {p95(ratios):.2f}x)",
        ),
    ]
