"""The shared harness: figures, statistics, frames, the bench app, probes in a fresh process."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
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
    steal_pct: float | None = None  # the machine's CPU time taken by other guests meanwhile


def cpu_jiffies() -> tuple[int, int] | None:
    """The machine's (steal, total) CPU time so far, from /proc/stat; None off Linux.

    On a shared virtual machine the hypervisor gives other guests some of our CPU time
    ("steal"): a run with 20-35 % steal was seen to double the same code's latencies, so
    every figure is printed with the steal measured while it ran."""
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()
    except OSError:
        return None
    values = [int(v) for v in fields[1:9]]  # user nice system idle iowait irq softirq steal
    return (values[7] if len(values) > 7 else 0), sum(values)


def steal_between(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    if before is None or after is None or after[1] <= before[1]:
        return None
    return 100.0 * (after[0] - before[0]) / (after[1] - before[1])


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


def snapshot_of(store):  # noqa: ANN001, ANN201
    """The whole state ``store`` holds, as the snapshot answer a late joiner gets."""
    from feeds.answer import Answer

    return Answer(
        kind="snapshot",
        seq=1,
        election=store.election,
        regions=list(store.regions.values()),
        parties=list(store.parties.values()),
        councils=list(store.councils.values()),
        referendums=list(getattr(store, "referendums", {}).values()),
        counting_areas=list(getattr(store, "counting_areas", {}).values()),
        mayors=list(getattr(store, "mayors", {}).values()),
        wards=list(getattr(store, "wards", {}).values()),
        projections=getattr(store, "projections", None),
    )


async def joined(app, pilot, store) -> None:  # noqa: ANN001
    """Give the running app ``store``'s state as its first poll does (a whole snapshot):
    the scoreboard, the lists and the latest declarations as a session joining the night
    at that moment has them."""
    from feeds.polling import Updated

    changes = app.night.store.apply(snapshot_of(store))
    app.apply_outcome(Updated(changes, 1, True, 1.0))
    await pilot.pause()


def make_bench_app(config: str):  # noqa: ANN201
    """The app, not polling, holding nothing yet: give it a night with ``joined``."""
    from tui.app import ElectionNightApp
    from tui.feed_source import FeedSource
    from tui.watchlist import WatchList

    return ElectionNightApp(
        FeedSource("benchmark"),
        store=None,
        poll=False,
        watchlist=WatchList(Path(config) / "w.json"),
        clock=lambda: dt.datetime(2022, 5, 6, 3, tzinfo=dt.UTC),
        monotonic=lambda: 0.0,
    )


# 2. Declaration to frame; 4. filter keystroke --------------------------------------------------


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


def user_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a probe runs in: bytecode cached, as on a user's machine after the
    first run (this workplace sets PYTHONDONTWRITEBYTECODE: every probe compiled what it
    imported late, e.g. Rich's 7 ms Unicode width table inside the night's first frames)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


def run_probe(name: str, env: dict[str, str] | None = None) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--probe", name],
        cwd=ROOT,
        env=user_environment(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


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


class FrameWatch:
    """Every frame the app writes, timed as a terminal gets it, and what the terminal then shows.

    Headless, Textual composes each frame but skips turning it into the bytes a terminal is
    sent (``App._display`` returns early). This watch does that step, exactly as the real
    path does (``CompositorUpdate.render_segments``), notes when each frame is done, and then
    (untimed) feeds the bytes to a terminal emulator (pyte) to know what the screen shows.

    An event's latency runs from the event to the end of the first frame after which the
    screen shows what it shows once everything has settled (no frame for ``quiet`` seconds):
    the first frame that shows the whole effect. Textual sometimes writes more frames after
    that (a second layout for containers that changed size) that change nothing on screen;
    the time to the last frame is kept too (``last``). Textual paints on a timer (60 frames a
    second at most), so the wait for the next tick is in the figure, as it is for a user."""

    def __init__(self, app, quiet: float = 0.06, *, screens: bool = True) -> None:  # noqa: ANN001
        """``screens=False``: frame times only, no bytes kept (for the memory probe)."""
        import pyte

        self.app = app
        self.quiet = quiet
        # (end time, bytes written); what each frame left on screen, worked out later
        self.frames: list[tuple[float, int]] = []
        # The UI thread's CPU time at the end of each frame: the app's own work, which the
        # time other guests take from this machine (steal) does not inflate.
        self.frame_cpu: list[float] = []
        self._written: list[str] = []
        self._shown: list[int] = []
        self.last: list[float] = []
        width, height = app.size
        self._screen = pyte.Screen(width, height)
        self._stream = pyte.ByteStream(self._screen)
        original = app._display

        def display(screen, renderable) -> None:  # noqa: ANN001
            original(screen, renderable)
            if renderable is None or app._batch_count:
                return
            text = (
                renderable.render_segments(app.console)
                if hasattr(renderable, "render_segments")
                else ""
            )
            self.frames.append((time.perf_counter(), len(text)))
            self.frame_cpu.append(time.thread_time())
            if screens:
                self._written.append(text)

        app._display = display

    def _screens(self) -> list[int]:
        """What the terminal shows after each frame so far (characters, colours and
        attributes), worked out outside the timed frames."""
        for text in self._written[len(self._shown) :]:
            self._stream.feed(text.encode())
            buffer = self._screen.buffer
            self._shown.append(
                hash(
                    tuple(
                        tuple(
                            (c.data, c.fg, c.bg, c.bold, c.italics, c.underscore, c.reverse)
                            for c in buffer[y].values()
                        )
                        for y in range(self._screen.lines)
                    )
                )
            )
        return self._shown

    async def settled(self, t0: float, limit: float = 5.0) -> float | None:
        """Milliseconds from ``t0`` to the end of the first frame after which the screen is
        as it settles (see the class), waiting until no frame has come for ``quiet``
        seconds; None when nothing was drawn. The time to the last frame goes to ``last``."""
        import asyncio

        called = time.perf_counter()  # the event's own work may already have run
        deadline = called + limit
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            after = [i for i, (end, size) in enumerate(self.frames) if end > t0 and size]
            if after and (now - self.frames[after[-1]][0] >= self.quiet or now > deadline):
                shown = self._screens()
                final = shown[after[-1]]
                first = next(i for i in after if shown[i] == final)
                self.last.append((self.frames[after[-1]][0] - t0) * 1000)
                return (self.frames[first][0] - t0) * 1000
            if not after and (now - called >= max(self.quiet * 4, 0.25) or now > deadline):
                return None


async def time_to_frame(app, pilot, polls) -> tuple[list[float], list[float]]:  # noqa: ANN001
    """Each poll ``(make_answer, seq)``: from the answer in hand (its body parsed, applied,
    given to the app) to the end of the first frame showing all of it (``FrameWatch``);
    beside each, the reference measured the same way: the whole screen repainted
    (``Screen.refresh()``) to the end of its frame. Polls that drew nothing are not counted
    (none are expected)."""
    from feeds.polling import Updated

    watch = frame_watch(app)
    await watch.settled(time.perf_counter())  # anything pending first
    latencies: list[float] = []
    renders: list[float] = []
    for make_answer, seq in polls:
        t0 = time.perf_counter()
        changes = app.night.store.apply(make_answer())
        app.apply_outcome(Updated(changes, seq, False, 1.0))
        latency = await watch.settled(t0)
        if latency is not None:
            latencies.append(latency)
        app.clear_notifications()
        await watch.settled(time.perf_counter())
        reference = await repaint_to_frame(app, watch)
        if reference is not None:
            renders.append(reference)
    return latencies, renders


def frame_watch(app) -> FrameWatch:  # noqa: ANN001
    watch = getattr(app, "_frame_watch", None) or FrameWatch(app)
    app._frame_watch = watch
    return watch


async def repaint_to_frame(app, watch: FrameWatch) -> float | None:  # noqa: ANN001
    """The reference: the whole screen repainted, from the request to the end of its frame,
    through the same timer, compositor and watch as the events measured beside it."""
    t0 = time.perf_counter()
    app.screen.refresh()
    latency = await watch.settled(t0)
    watch.last.pop()
    return latency


def press_key(app, key: str) -> None:  # noqa: ANN001
    """A key press as the terminal driver delivers it: the app's bindings decide what it does
    (unlike calling the action, which skips the focus and footer work a real key sets off)."""
    from textual import events

    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)


async def time_keys(app, pilot, key: str, count: int) -> list[float]:  # noqa: ANN001
    """A key pressed ``count`` times: each from the key to the end of the first frame showing
    its whole effect, as written (``FrameWatch``)."""
    watch = frame_watch(app)
    await watch.settled(time.perf_counter())
    latencies = []
    for _ in range(count):
        t0 = time.perf_counter()
        press_key(app, key)
        latency = await watch.settled(t0)
        if latency is not None:
            latencies.append(latency)
    return latencies
