"""5. Idle CPU with an unchanged feed."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Figure, ServeProcess


async def bench_idle_cpu(seconds: float) -> list[Figure]:
    from feeds.polling import PollSettings
    from tui.launch import make_app
    from tui.watchlist import WatchList

    server = ServeProcess(start="100h")  # past the end: the feed no longer changes
    try:
        with tempfile.TemporaryDirectory() as config:
            app = make_app(
                f"{server.url}/feed",
                settings=PollSettings(interval=2.0),
                watchlist=WatchList(Path(config) / "w.json"),
            )
            async with app.run_test(size=(120, 40)) as pilot:
                await app.workers.wait_for_complete()
                await pilot.pause()
                polls_before = app.source.poller.status.polls
                cpu0, wall0 = time.process_time(), time.perf_counter()
                await asyncio.sleep(seconds)
                cpu = time.process_time() - cpu0
                wall = time.perf_counter() - wall0
                polls = app.source.poller.status.polls - polls_before
                not_modified = app.source.poller.status.not_modified
            # Reference: the same process doing nothing but an idle event loop.
            cpu1 = time.process_time()
            await asyncio.sleep(min(10.0, seconds))
            idle = (time.process_time() - cpu1) / min(10.0, seconds) * 100
    finally:
        server.close()
    share = cpu / wall * 100
    return [
        Figure(
            f"CPU watching an unchanged feed polled every 2 s for {seconds:.0f} s",
            share,
            "% of one core",
            idle,
            "idle asyncio loop in the same process",
            "<= 0.5 %",
            share <= 0.5,
            f"{polls} polls, {not_modified} answered 304",
        )
    ]
