"""Speed and memory of election-night against its targets.

    uv run python -m benchmarks [--quick] [--only NAME ...]

Each figure is measured beside a reference taken in the same run on the same machine, so
that the numbers mean something on a shared, noisy machine. Prints a table and writes JSON
lines (name, value, unit, reference, target, met) to benchmarks/results/latest.jsonl.
The method and the latest figures are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from rich.console import Console

TOKEN = "test-control-token"

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "latest.jsonl"


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    reference: float | None
    reference_name: str
    target: str
    met: bool
    note: str = ""


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def render_frame(app) -> None:  # noqa: ANN001
    """A full repaint of the whole screen, as the driver would write it (the reference)."""
    console = Console(
        file=io.StringIO(), force_terminal=True, color_system="truecolor", width=app.size.width
    )
    console.print(app.screen._compositor.render_update(full=True), end="")


def paint_frame(app) -> None:  # noqa: ANN001
    """The frame Textual paints next, now: layout if needed, then the changed regions, written
    through the app's driver. This is Screen._on_timer_update, which the screen's update
    timer would otherwise run on its next tick."""
    app.screen._on_timer_update()


# 1. Cold start ----------------------------------------------------------------------------


def bench_startup(runs: int) -> list[Figure]:
    # As on a user's machine after the first run: bytecode cached. (This workplace sets
    # PYTHONDONTWRITEBYTECODE, which would make every start compile every module.)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def probe(mode: str) -> float:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.probe_startup", mode],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env=env,
        )
        return float(out.stdout.strip().splitlines()[-1])

    minimal, first, data = [], [], []
    probe("minimal")  # warm the file and bytecode caches once for all
    probe("replay-data")
    for _ in range(runs):  # interleaved, so that a noisy moment hits all three alike
        minimal.append(probe("minimal"))
        first.append(probe("replay"))
        data.append(probe("replay-data"))
    ratio = median(first) / median(minimal)
    ratio_data = median(data) / median(minimal)
    return [
        Figure(
            "cold start to first painted frame, bundled replay",
            median(first),
            "ms",
            median(minimal),
            "minimal Textual app to first frame",
            "<= 1.5x reference",
            ratio <= 1.5,
            f"ratio {ratio:.2f}x, {runs} runs each, medians",
        ),
        Figure(
            "cold start to first frame showing the night's data",
            median(data),
            "ms",
            median(minimal),
            "minimal Textual app to first frame",
            "(no target)",
            True,
            f"ratio {ratio_data:.2f}x",
        ),
    ]


# Shared: an app holding 400 councils --------------------------------------------------------


def four_hundred_councils():  # noqa: ANN201
    """The bundled night's 200 councils, declared, and 200 more copies of them under new ids."""
    from feeds.bundled import BUNDLED_NIGHT
    from feeds.recording import read_recording

    recording = read_recording(BUNDLED_NIGHT)
    final = recording.state_at(recording.duration_ms)
    start = recording.state_at(0)
    copies = []
    for index, council in enumerate(list(start.councils.values())):
        copies.append(
            council.model_copy(
                update={
                    "id": council.id.replace("local.", "local.copy-"),
                    "code": f"E{99000000 + index:08d}",
                    "name": council.name + " (copy)",
                }
            )
        )
    return recording, final, start, copies


def holding(state, copies):  # noqa: ANN001, ANN201
    """A store with ``state``'s councils and the copies: 400 councils."""
    from feeds.answer import Answer
    from feeds.store import ResultsStore

    store = ResultsStore()
    store.apply(
        Answer(
            kind="snapshot",
            seq=1,
            election=state.election,
            regions=list(state.regions.values()),
            parties=list(state.parties.values()),
            councils=[*state.councils.values(), *copies],
        )
    )
    return store


def make_bench_app(store, config: str, size=(160, 50)):  # noqa: ANN001, ANN201
    from tui.app import ElectionNightApp
    from tui.feed_source import FeedSource
    from tui.watchlist import WatchList

    return ElectionNightApp(
        FeedSource("benchmark"),
        store=store,
        poll=False,
        watchlist=WatchList(Path(config) / "w.json"),
        clock=lambda: dt.datetime(2022, 5, 6, 3, tzinfo=dt.UTC),
        monotonic=lambda: 0.0,
    )


# 2. Declaration to frame; 4. filter keystroke --------------------------------------------------


async def bench_declaration_and_filter(samples: int) -> list[Figure]:
    from feeds.client import Updated
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
    latencies, renders, filters, filters_list = [], [], [], []
    with tempfile.TemporaryDirectory() as config:
        app = make_bench_app(store, config)
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            for body in bodies:
                t0 = time.perf_counter()
                changes = app.night.store.apply(parse_answer(body))
                app.apply_outcome(Updated(changes, app.night.store.seq or 0, False, 1.0))
                paint_frame(app)
                latencies.append((time.perf_counter() - t0) * 1000)
                app.clear_notifications()
                await pilot.pause()
                t0 = time.perf_counter()
                render_frame(app)
                renders.append((time.perf_counter() - t0) * 1000)
            for _ in range(24):
                t0 = time.perf_counter()
                app.action_next_region()
                paint_frame(app)
                filters.append((time.perf_counter() - t0) * 1000)
                await pilot.pause()
            await pilot.press("2")  # the same keys with the council list on screen
            await pilot.pause()
            for _ in range(24):
                t0 = time.perf_counter()
                app.action_next_region()
                paint_frame(app)
                filters_list.append((time.perf_counter() - t0) * 1000)
                await pilot.pause()
    reference = median(renders)
    # Reference: a full repaint of the unchanged screen (every line, not just what changed).
    return [
        Figure(
            "new declaration to the frame showing it (400 councils), median",
            median(latencies),
            "ms",
            reference,
            "full repaint of the screen",
            "median <= 20 ms",
            median(latencies) <= 20,
            f"{len(latencies)} declarations",
        ),
        Figure(
            "new declaration to the frame showing it (400 councils), p95",
            p95(latencies),
            "ms",
            p95(renders),
            "full repaint, p95",
            "p95 <= 50 ms",
            p95(latencies) <= 50,
        ),
        Figure(
            "region filter keystroke to repainted screen (400 councils), median",
            median(filters),
            "ms",
            reference,
            "full repaint of the screen",
            "<= 50 ms",
            median(filters) <= 50,
            f"max {max(filters):.1f} ms over 24 keys (overview on screen)",
        ),
        Figure(
            "region filter keystroke, council list on screen (400 councils), median",
            median(filters_list),
            "ms",
            reference,
            "full repaint of the screen",
            "<= 50 ms",
            median(filters_list) <= 50,
            f"max {max(filters_list):.1f} ms over 24 keys",
        ),
    ]


async def bench_ward_declarations(samples: int) -> list[Figure]:
    """The ward-level 2022 night held (200 councils, 3,965 wards, 21,029 candidates): each
    line of the recording after 03:00 (the wards and councils one poll brings) to its frame."""
    from feeds.bundled import BUNDLED_NIGHT
    from feeds.client import Updated
    from feeds.recording import read_recording

    recording = read_recording(BUNDLED_NIGHT)
    moment = 6 * 3600 * 1000  # 03:00 BST
    store = recording.state_at(moment)
    events = [e for e in recording.events if e.t > moment and not e.keyframe and e.answer.wards]
    events = events[:samples]
    latencies, renders = [], []
    with tempfile.TemporaryDirectory() as config:
        app = make_bench_app(store, config)
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            for event in events:
                t0 = time.perf_counter()
                changes = app.night.store.apply(event.answer)
                app.apply_outcome(Updated(changes, event.seq, False, 1.0))
                paint_frame(app)
                latencies.append((time.perf_counter() - t0) * 1000)
                app.clear_notifications()
                await pilot.pause()
                t0 = time.perf_counter()
                render_frame(app)
                renders.append((time.perf_counter() - t0) * 1000)
    wards = sum(len(e.answer.wards) for e in events)
    return [
        Figure(
            "ward-level night held: a poll's declarations to the frame, median",
            median(latencies),
            "ms",
            median(renders),
            "full repaint of the screen",
            "median <= 16 ms",
            median(latencies) <= 16,
            f"{len(events)} polls, {wards} ward declarations",
        ),
        Figure(
            "ward-level night held: a poll's declarations to the frame, p95",
            p95(latencies),
            "ms",
            p95(renders),
            "full repaint, p95",
            "p95 <= 33 ms",
            p95(latencies) <= 33,
        ),
    ]


# 3. Whole night at maximum speed; 6. peak memory ---------------------------------------------


def night_probe() -> dict[str, float]:
    """Runs in a subprocess: the app, headless, against the replay server at top speed."""
    from feeds.bundled import BUNDLED_NIGHT
    from feeds.client import PollSettings
    from feeds.recording import read_recording
    from feeds.replay import MAX_SPEED, ReplayFeed, VirtualClock
    from feeds.replay_server import ServerThread, create_app
    from feeds.synthetic import with_referendum
    from tui.launch import make_app
    from tui.watchlist import WatchList

    t_start = time.perf_counter()
    recording = with_referendum(read_recording(BUNDLED_NIGHT))
    final_seq = len(recording.events)
    clock = VirtualClock(recording.duration_ms, speed=MAX_SPEED, paused=True)
    feed = ReplayFeed(recording, clock)
    gaps: list[float] = []
    result: dict[str, float] = {}
    with (
        ServerThread(create_app(feed, control_token=TOKEN)) as server,
        tempfile.TemporaryDirectory() as config,
    ):
        app = make_app(
            f"{server.url}/feed",
            replay_url=server.url,
            replay_token=TOKEN,
            settings=PollSettings(interval=0.02, min_interval=0.02),
            watchlist=WatchList(Path(config) / "w.json"),
        )
        original = app.apply_changes

        def timed(changes, snapshot: bool = False) -> None:  # noqa: ANN001
            nonlocal t_play
            if clock.paused:  # the first answer (the opening state) is in: play the night
                t_play = time.perf_counter()
                clock.resume()
            t0 = time.perf_counter()
            original(changes, snapshot)
            paint_frame(app)
            gaps.append((time.perf_counter() - t0) * 1000)
            if app.night.store.seq == final_seq:
                result["seconds"] = time.perf_counter() - t_play
                app.exit()

        app.apply_changes = timed  # type: ignore[method-assign]
        t_play = 0.0
        app.run(headless=True, size=(160, 50))
    result["max_gap_ms"] = max(gaps) if gaps else 0.0
    result["frames"] = len(gaps)
    result["events"] = final_seq
    result["load_seconds"] = t_play - t_start
    result["maxrss_mib"] = peak_rss_mib()
    return result


def minimal_memory_probe() -> dict[str, float]:
    from textual.app import App

    class Minimal(App[None]):
        def on_mount(self) -> None:
            self.call_after_refresh(self.exit)

    Minimal().run(headless=True, size=(160, 50))
    return {"maxrss_mib": peak_rss_mib()}


def peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: a child's ru_maxrss starts
    at its parent's peak (it survives fork and exec), VmHWM starts afresh at exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_probe(name: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--probe", name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_night() -> list[Figure]:
    night = run_probe("night")
    minimal = run_probe("minimal-memory")
    return [
        Figure(
            "whole night at maximum replay speed (bundled + 382-area referendum) to final frame",
            night["seconds"],
            "s",
            night["load_seconds"],
            "loading and indexing the recording",
            "<= 5 s",
            night["seconds"] <= 5,
            f"{int(night['frames'])} frames for {int(night['events'])} events",
        ),
        Figure(
            "longest frame during that night (apply + paint)",
            night["max_gap_ms"],
            "ms",
            None,
            "",
            "<= 100 ms",
            night["max_gap_ms"] <= 100,
        ),
        Figure(
            "peak memory for the whole night (max RSS)",
            night["maxrss_mib"],
            "MiB",
            minimal["maxrss_mib"],
            "minimal Textual app max RSS",
            "<= 120 MB (ward-level night)",
            night["maxrss_mib"] * 1.048576 <= 120,
        ),
    ]


# 5. Idle CPU; 7. one 304 poll and snapshot validation ----------------------------------------


class ServeProcess:
    """`election-night serve` in its own process, so its CPU is not counted as the app's."""

    def __init__(self, start: str) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "serve", "--port", str(self.port), "--start", start],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/replay", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("serve did not start")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


async def bench_idle_cpu(seconds: float) -> list[Figure]:
    from feeds.client import PollSettings
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
            "<= 1 %",
            share <= 1.0,
            f"{polls} polls, {not_modified} answered 304",
        )
    ]


async def bench_poll_and_validate(samples: int) -> list[Figure]:
    from feeds.client import FeedPoller, PollSettings, Unchanged
    from feeds.parse import parse_answer
    from feeds.recording_writer import state_body

    server = ServeProcess(start="100h")
    try:
        poller = FeedPoller(f"{server.url}/feed", settings=PollSettings())
        await poller.poll()
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
    validate_ms, json_ms = [], []
    for _ in range(max(20, samples // 4)):
        t0 = time.perf_counter()
        answer = parse_answer(body)
        validate_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        json.loads(body)
        json_ms.append((time.perf_counter() - t0) * 1000)
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
            "<= 10 ms",
            median(validate_ms) <= 10,
            f"{len(body) // 1024} KiB",
        ),
    ]


# -------------------------------------------------------------------------------------------


BENCHES: dict[str, Callable[[argparse.Namespace], list[Figure]]] = {
    "startup": lambda a: bench_startup(3 if a.quick else 11),
    "declaration": lambda a: asyncio.run(bench_declaration_and_filter(40 if a.quick else 120)),
    "night": lambda a: bench_night(),
    "wards": lambda a: asyncio.run(bench_ward_declarations(40 if a.quick else 120)),
    "poll": lambda a: asyncio.run(bench_poll_and_validate(50 if a.quick else 200)),
    "idle": lambda a: asyncio.run(bench_idle_cpu(15 if a.quick else 60)),
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer samples, 15 s idle run")
    parser.add_argument("--only", nargs="*", choices=list(BENCHES))
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe = {"night": night_probe, "minimal-memory": minimal_memory_probe}[args.probe]
        print(json.dumps(probe()))
        return 0
    os.environ.setdefault("ELECTION_NIGHT_CONFIG_DIR", tempfile.mkdtemp())
    figures: list[Figure] = []
    for name in args.only or list(BENCHES):
        print(f"running {name} …", file=sys.stderr)
        figures.extend(BENCHES[name](args))
    RESULTS.parent.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with RESULTS.open("w", encoding="utf-8") as handle:
        for figure in figures:
            handle.write(json.dumps({"at": stamp, **asdict(figure)}) + "\n")
    print(f"\n{'figure':<78} {'value':>10}  {'reference':>22}  {'target':<18} met")
    for figure in figures:
        reference = f"{figure.reference:.2f}" if figure.reference is not None else "—"
        print(
            f"{figure.name[:78]:<78} {figure.value:>8.2f} {figure.unit:<4} "
            f"{reference:>18}  {figure.target:<18} {'yes' if figure.met else 'NO'}"
        )
        if figure.note:
            print(f"    {figure.note}; reference: {figure.reference_name or '—'}")
    print(f"\nJSON lines: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
