"""The soak run: the bundled night replayed fast over real HTTP with faults injected into a
share of polls. It must end in exactly the state of a clean run, with memory, open
connections and tasks flat. Used by tests/test_soak.py (short) and `pytest -m soak` (long)."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from dataclasses import dataclass, field

from feeds.client import FeedPoller, poll_forever
from feeds.polling import Failed, PollOutcome, PollSettings
from feeds.recording import Recording
from feeds.recording_writer import state_body
from feeds.replay import FaultSpec, ReplayFeed, VirtualClock
from feeds.replay_server import ServerThread, create_app

TOKEN = "test-control-token"


@dataclass
class SoakReport:
    seconds: float
    polls: int = 0
    failures: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    memory_mid_kib: float = 0.0
    memory_end_kib: float = 0.0
    peak_kib: float = 0.0
    tasks_mid: int = 0
    tasks_end: int = 0
    connections_max: int = 0
    matches_clean_run: bool = False


def _open_connections(poller: FeedPoller) -> int:
    client = poller._client
    if client is None:
        return 0
    pool = getattr(client._transport, "_pool", None)
    return len(getattr(pool, "connections", [])) if pool is not None else 0


async def soak(recording: Recording, seconds: float, faults: str) -> SoakReport:
    report = SoakReport(seconds=seconds)
    final_seq = len(recording.events)
    clock = VirtualClock(recording.duration_ms, speed=recording.duration_ms / (seconds * 1000))
    feed = ReplayFeed(recording, clock, FaultSpec.parse(faults))
    settings = PollSettings(
        interval=0.02, min_interval=0.02, max_backoff=0.2, max_retry_after=0.2, deadline=2.0
    )
    tracemalloc.start()
    started = time.monotonic()
    with ServerThread(create_app(feed, control_token=TOKEN)) as server:
        poller = FeedPoller(f"{server.url}/feed", settings=settings)
        stop = asyncio.Event()
        midpoint = started + seconds / 3

        def on_outcome(outcome: PollOutcome) -> None:
            report.polls += 1
            report.failures += isinstance(outcome, Failed)
            report.connections_max = max(report.connections_max, _open_connections(poller))
            now = time.monotonic()
            if not report.tasks_mid and now >= midpoint:
                report.memory_mid_kib = tracemalloc.get_traced_memory()[0] / 1024
                report.tasks_mid = len(asyncio.all_tasks())
            if poller.store.seq == final_seq and clock.finished:
                stop.set()
            if now - started > seconds * 4 + 30:
                stop.set()  # a bound on the loop, whatever happens

        await poll_forever(poller, on_outcome, stop)
        report.memory_end_kib = tracemalloc.get_traced_memory()[0] / 1024
        report.peak_kib = tracemalloc.get_traced_memory()[1] / 1024
        report.tasks_end = len(asyncio.all_tasks())
        await poller.aclose()
    tracemalloc.stop()
    report.faults = dict(feed.stats.faults)
    clean = recording.state_at(recording.duration_ms)
    report.matches_clean_run = state_body(poller.store) == state_body(clean)
    return report
