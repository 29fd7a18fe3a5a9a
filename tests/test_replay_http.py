"""The replay server over real HTTP on 127.0.0.1, polled by the app's own client."""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from feeds.client import FeedPoller, poll_forever
from feeds.moments import parse_moment
from feeds.polling import PollSettings, Unchanged, Updated
from feeds.recorder import RecordError, record
from feeds.recording import Recording, read_recording
from feeds.recording_writer import state_body, write_recording
from feeds.replay import FaultSpec, ReplayFeed, VirtualClock
from feeds.replay_server import ServerThread, create_app
from feeds.sanitise import is_printable
from feeds.store import ResultsStore
from tests import factories as f
from tests.conftest import ROOT

TOKEN = "test-control-token"
CONTROL = {"Authorization": f"Bearer {TOKEN}"}


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def replay(bundled_recording: Recording, clock_time: FakeTime) -> Iterator[tuple[ReplayFeed, str]]:
    clock = VirtualClock(bundled_recording.duration_ms, speed=1000, monotonic=clock_time)
    feed = ReplayFeed(bundled_recording, clock)
    with ServerThread(create_app(feed, control_token=TOKEN)) as server:
        yield feed, server.url


async def test_snapshot_changes_and_304(
    replay: tuple[ReplayFeed, str], clock_time: FakeTime
) -> None:
    feed, url = replay
    poller = FeedPoller(f"{url}/feed", settings=PollSettings(interval=1))
    first = await poller.poll()
    assert isinstance(first, Updated) and first.snapshot
    assert len(poller.store.councils) == 200
    assert not any(c.has_result for c in poller.store.councils.values())
    # The clock has not moved: the changes since the snapshot are none (a different document
    # from the snapshot, so a different ETag), and from then on 304.
    empty = await poller.poll()
    assert isinstance(empty, Updated) and empty.changes.empty
    assert isinstance(await poller.poll(), Unchanged)
    clock_time.now = 8 * 3600 / 1000  # eight hours of the night at 1000x
    later = await poller.poll()
    assert isinstance(later, Updated) and not later.snapshot
    assert later.changes.councils
    expected = feed.recording.state_at(8 * 3600 * 1000)
    assert state_body(poller.store) == state_body(expected)
    await poller.aclose()


async def test_controls_pause_speed_seek_and_step(
    replay: tuple[ReplayFeed, str], clock_time: FakeTime
) -> None:
    feed, url = replay
    async with httpx.AsyncClient(base_url=url, headers=CONTROL) as client:
        status = (await client.post("/replay/pause")).json()
        assert status["paused"] and status["position_ms"] == 0
        clock_time.now = 100
        assert (await client.get("/replay")).json()["position_ms"] == 0
        status = (await client.post("/replay/step", params={"direction": "next"})).json()
        first = feed.recording.declaration_times()[0]
        assert status["position_ms"] == first
        status = (await client.post("/replay/step", params={"direction": "next"})).json()
        assert status["position_ms"] == feed.recording.declaration_times()[1]
        status = (await client.post("/replay/step", params={"direction": "prev"})).json()
        assert status["position_ms"] == first
        status = (await client.post("/replay/seek", params={"at": "02:00"})).json()
        assert status["position_ms"] == 4 * 3600 * 1000  # 22:00 BST to 02:00 BST
        status = (await client.post("/replay/speed", params={"value": "60"})).json()
        assert status["speed"] == 60
        status = (await client.post("/replay/resume")).json()
        clock_time.now += 60
        assert (await client.get("/replay")).json()["position_ms"] == 4 * 3600 * 1000 + 3600_000
        bad = await client.post("/replay/speed", params={"value": "fast"})
        assert bad.status_code == 400


async def test_seeking_back_changes_epoch_and_the_client_starts_again(
    replay: tuple[ReplayFeed, str], clock_time: FakeTime
) -> None:
    feed, url = replay
    poller = FeedPoller(f"{url}/feed", settings=PollSettings(interval=1))
    feed.clock.seek(feed.recording.duration_ms)
    await poller.poll()
    assert all(c.has_result for c in poller.store.councils.values())
    feed.clock.seek(3 * 3600 * 1000)
    outcome = await poller.poll()
    await poller.aclose()
    assert isinstance(outcome, Updated) and outcome.changes.reset
    assert state_body(poller.store) == state_body(feed.recording.state_at(3 * 3600 * 1000))


async def test_seeking_back_while_playing_never_freezes_the_viewer(
    replay: tuple[ReplayFeed, str], clock_time: FakeTime
) -> None:
    """After a seek back, the changes answer of the new epoch and the snapshot shared one
    ETag: the client's request for a fresh snapshot got 304 and it stayed on the old state."""
    feed, url = replay
    poller = FeedPoller(f"{url}/feed", settings=PollSettings(interval=1))
    feed.clock.seek(5 * 3600 * 1000)
    await poller.poll()
    held = poller.store.seq
    feed.clock.seek(2 * 3600 * 1000)  # back (as /replay/seek: the state follows at once) ...
    feed.status()
    clock_time.now += 4 * 3600  # ... and then it plays on past where the viewer was
    assert feed.sync() >= (held or 0)
    outcome = await poller.poll()
    await poller.aclose()
    assert isinstance(outcome, Updated) and outcome.changes.reset
    assert state_body(poller.store) == state_body(feed.recording.state_at(feed.clock.now_ms()))


async def test_fifty_concurrent_pollers_get_304s(small_recording: Recording) -> None:
    clock = VirtualClock(small_recording.duration_ms, paused=True)
    feed = ReplayFeed(small_recording, clock)
    server = ServerThread(create_app(feed, control_token=TOKEN)).start()
    url = server.url
    pollers = [FeedPoller(f"{url}/feed", settings=PollSettings(deadline=20)) for _ in range(50)]
    firsts = await asyncio.gather(*(p.poll() for p in pollers))
    await asyncio.gather(*(p.poll() for p in pollers))  # no changes since the snapshot
    seconds = await asyncio.gather(*(p.poll() for p in pollers))
    await asyncio.gather(*(p.aclose() for p in pollers))
    assert all(isinstance(o, Updated) for o in firsts)
    server.stop()
    assert all(isinstance(o, Unchanged) for o in seconds)
    assert feed.stats.not_modified >= 50


async def test_whole_night_at_high_speed_reaches_the_final_state(
    bundled_recording: Recording,
) -> None:
    # About three seconds of real time for the whole night.
    speed = bundled_recording.duration_ms / 3000
    clock = VirtualClock(bundled_recording.duration_ms, speed=speed)
    feed = ReplayFeed(bundled_recording, clock)
    final_seq = len(bundled_recording.events)
    with ServerThread(create_app(feed, control_token=TOKEN)) as server:
        poller = FeedPoller(
            f"{server.url}/feed", settings=PollSettings(interval=0.05, min_interval=0.05)
        )
        stop = asyncio.Event()
        outcomes: list[object] = []

        def on_outcome(outcome: object) -> None:
            outcomes.append(outcome)
            if poller.store.seq == final_seq or len(outcomes) > 2000:
                stop.set()

        await poll_forever(poller, on_outcome, stop)
        await poller.aclose()
    final = bundled_recording.state_at(bundled_recording.duration_ms)
    assert state_body(poller.store) == state_body(final)


async def test_recording_the_replay_gives_the_same_final_state(
    bundled_recording: Recording, tmp_path: Path
) -> None:
    speed = bundled_recording.duration_ms / 2500
    clock = VirtualClock(bundled_recording.duration_ms, speed=speed, paused=True)
    feed = ReplayFeed(bundled_recording, clock)
    out = tmp_path / "rerecorded.jsonl"
    final_seq = len(bundled_recording.events)

    def play_then_stop_at_the_end(store: ResultsStore) -> bool:
        if clock.paused:  # the opening state is recorded: now the night plays
            clock.resume()
        return store.seq == final_seq

    with ServerThread(create_app(feed, control_token=TOKEN)) as server:
        lines = await record(
            f"{server.url}/feed",
            out,
            PollSettings(interval=0.05, min_interval=0.05),
            stop=asyncio.Event(),
            until=play_then_stop_at_the_end,
        )
    assert lines >= 2  # the opening state, then what the night changed
    again = read_recording(out, strict=True)
    assert state_body(again.state_at(again.duration_ms)) == state_body(
        bundled_recording.state_at(bundled_recording.duration_ms)
    )


async def test_injected_faults_fail_a_share_of_polls(bundled_recording: Recording) -> None:
    clock = VirtualClock(bundled_recording.duration_ms, paused=True)
    feed = ReplayFeed(
        bundled_recording, clock, FaultSpec.parse("5xx=0.3,429=0.2,truncate=0.2,seed=7")
    )
    with ServerThread(create_app(feed, control_token=TOKEN)) as server:
        async with httpx.AsyncClient() as client:
            statuses = []
            for _ in range(60):
                try:
                    response = await client.get(f"{server.url}/feed")
                    statuses.append(response.status_code)
                except httpx.HTTPError:
                    statuses.append("cut")
    assert {503, 429, "cut", 200} <= set(statuses)
    assert feed.stats.faults["5xx"] > 5


def test_fault_spec_parsing() -> None:
    spec = FaultSpec.parse("5xx=0.1, 429=0.05,slow=0.2,truncate=0.01,seed=3,retry_after=2")
    assert (spec.server_error, spec.too_many, spec.slow, spec.truncate) == (0.1, 0.05, 0.2, 0.01)
    assert spec.seed == 3 and spec.retry_after == "2"
    for bad in ("5xx=2", "boom=0.1", "429=x"):
        with pytest.raises(ValueError, match="bad fault setting"):
            FaultSpec.parse(bad)


def test_parse_moment_forms(bundled_recording: Recording) -> None:
    start = bundled_recording.header.started_at
    assert parse_moment("90m", start) == 90 * 60_000
    assert parse_moment("+1h30m", start) == 90 * 60_000
    assert parse_moment("23:30", start) == 90 * 60_000
    assert parse_moment("2022-05-06 12:00", start) == 14 * 3600_000
    assert parse_moment("2022-05-06T11:00:00+00:00", start) == 14 * 3600_000
    with pytest.raises(ValueError):
        parse_moment("teatime", start)


async def test_replay_controls_need_the_token_and_the_same_origin(
    replay: tuple[ReplayFeed, str],
) -> None:
    """A cross-origin form POST once paused every viewer's replay."""
    feed, url = replay
    async with httpx.AsyncClient(base_url=url) as client:
        anonymous = await client.post("/replay/pause")
        wrong = await client.post("/replay/pause", headers={"Authorization": "Bearer guess"})
        cross = await client.post(
            "/replay/pause", headers={**CONTROL, "Origin": "http://evil.example"}
        )
        assert [r.status_code for r in (anonymous, wrong, cross)] == [403, 403, 403]
        assert not feed.clock.paused
        allowed = await client.post("/replay/pause", headers=CONTROL)
        assert allowed.status_code == 200 and feed.clock.paused
        # Reading the clock and the feed needs no token: every viewer polls them.
        assert (await client.get("/replay")).status_code == 200
        assert (await client.get("/feed")).status_code == 200


async def test_a_host_header_naming_another_site_is_refused(
    replay: tuple[ReplayFeed, str],
) -> None:
    """DNS rebinding: a page on another name resolving to 127.0.0.1 must not be served."""
    _, url = replay
    async with httpx.AsyncClient(base_url=url) as client:
        rebound = await client.get("/feed", headers={"Host": "evil.example"})
        assert rebound.status_code == 400
        assert (await client.get("/feed", headers={"Host": "localhost"})).status_code == 200


@pytest.mark.parametrize("speed", ["nan", "inf", "-2", "0", "1e9"])
async def test_absurd_speeds_are_refused_and_the_state_is_kept(
    replay: tuple[ReplayFeed, str], speed: str
) -> None:
    """speed=nan once made /feed serve an empty state that wiped every viewer's screen."""
    feed, url = replay
    feed.clock.seek(5 * 3600 * 1000)
    async with httpx.AsyncClient(base_url=url, headers=CONTROL) as client:
        before = (await client.get("/feed")).json()
        refused = await client.post("/replay/speed", params={"value": speed})
        assert refused.status_code == 400
        seek = await client.post("/replay/seek", params={"t": speed})
        assert seek.status_code == 400 or speed in ("0", "-2", "1e9")
        after = (await client.get("/feed")).json()
    assert len(after["councils"]) == len(before["councils"]) == 200
    assert feed.clock.speed == 1000


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def _wait_for(url: str) -> None:
    """Until the server in another process answers: httpx's own connection retries (with
    their backoff) while it starts, for up to about half a minute."""
    with httpx.Client(transport=httpx.HTTPTransport(retries=6)) as client:
        client.get(url, timeout=5)


@pytest.mark.parametrize("speed", ["nan", "-1", "1e9", "fast"])
def test_serve_refuses_an_absurd_speed_with_a_clear_error(speed: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "serve", "--speed", speed],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--speed" in done.stderr and "Traceback" not in done.stderr


def test_serve_logs_one_clean_line_per_cut_answer_and_never_a_feed_byte(
    tmp_path: Path, small_recording: Recording
) -> None:
    """A truncated-body fault printed a uvicorn traceback per answer; a rejected record's
    message once carried OSC 52 from the feed to serve's stderr."""
    hostile = json.dumps(
        {"type": "change", "t": 1, "records": {"councils": [
            {**f.council(), "seats_won": {"\x1b]52;c;ZXZpbA==\x07": 1}}
        ]}}
    )  # fmt: skip
    recording = write_recording(small_recording, tmp_path / "night.jsonl")
    recording.write_text(recording.read_text(encoding="utf-8") + hostile + "\n")
    port = _free_port()
    server = _serve(str(recording), "--port", str(port), "--faults", "truncate=1,seed=1")
    try:
        _wait_for(f"http://127.0.0.1:{port}/replay")
        for _ in range(3):
            with pytest.raises(httpx.HTTPError):
                httpx.get(f"http://127.0.0.1:{port}/feed", timeout=5)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    assert "Traceback" not in stderr
    assert stderr.count("fault injected: an answer cut short on purpose") == 3
    assert "\x1b" not in stderr and "\x07" not in stderr
    assert "Authorization: Bearer " in stderr  # the control token, printed at start


async def test_record_never_writes_over_an_existing_recording(tmp_path: Path) -> None:
    """`record -o` into an existing recording once appended a second header mid-file, and
    the second recording was lost on replay."""
    out = tmp_path / "night.jsonl"
    out.write_text("precious\n")
    with pytest.raises(RecordError, match="exists: give another name, or --append"):
        await record("http://127.0.0.1:1/feed", out, PollSettings(), stop=asyncio.Event())
    assert out.read_text() == "precious\n"


async def test_record_append_continues_one_recording(
    bundled_recording: Recording, tmp_path: Path
) -> None:
    clock = VirtualClock(bundled_recording.duration_ms, speed=1, paused=True)
    feed = ReplayFeed(bundled_recording, clock)
    out = tmp_path / "night.jsonl"
    settings = PollSettings(interval=0.05, min_interval=0.05)
    halfway = len(bundled_recording.events) // 2
    with ServerThread(create_app(feed, control_token=TOKEN)) as server:
        url = f"{server.url}/feed"
        feed.clock.seek(bundled_recording.events[halfway].t)
        await record(url, out, settings, stop=asyncio.Event(), until=lambda s: s.seq is not None)
        first = read_recording(out, strict=True)
        feed.clock.seek(bundled_recording.duration_ms)
        final = len(bundled_recording.events)
        await record(
            url, out, settings, stop=asyncio.Event(), until=lambda s: s.seq == final, append=True
        )
    both = read_recording(out, strict=True)
    assert out.read_text().count('"format":"election-night-recording/1"') == 1
    assert both.header == first.header and both.header.started_at is not None
    times = [e.t for e in both.events]
    assert times == sorted(times) and len(both.events) > len(first.events)
    assert state_body(both.state_at(both.duration_ms)) == state_body(
        bundled_recording.state_at(bundled_recording.duration_ms)
    )


def test_record_on_a_full_disk_stops_cleanly_and_leaves_a_valid_file(
    small_recording: Recording, tmp_path: Path
) -> None:
    """A full disk once ended `record` with a traceback and a cut line. The file size limit
    (RLIMIT_FSIZE) makes the disk 'full' at 120 kB for the child process: room for the
    header and the opening state (about 70 kB), not for the night that follows."""
    import resource
    import signal

    limit = 120_000

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    speed = small_recording.duration_ms / 4000  # the night in four seconds, once it plays
    clock = VirtualClock(small_recording.duration_ms, speed=speed, paused=True)
    feed = ReplayFeed(small_recording, clock)
    out = tmp_path / "night.jsonl"
    # `record` asks for its second answer only once it has written the first (the opening
    # state): that request is the moment to play the night.
    second_poll = threading.Event()
    app = create_app(feed, control_token=TOKEN)

    async def watching(scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] == "http" and b"since=" in scope.get("query_string", b""):
            second_poll.set()
        await app(scope, receive, send)

    with ServerThread(watching) as server:
        url = f"{server.url}/feed"
        record_process = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "record", url, "-o", str(out), "--interval", "0.1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            preexec_fn=small_disk,
        )
        assert second_poll.wait(timeout=30), "record never asked for changes"
        clock.resume()
        _, stderr = record_process.communicate(timeout=60)
    assert record_process.returncode == 1, stderr
    assert "cannot write to night.jsonl" in stderr and "Traceback" not in stderr
    assert out.read_bytes().endswith(b"\n")
    assert len(read_recording(out, strict=True).events) >= 2  # valid to its last whole line
    assert out.stat().st_size <= limit


async def test_stepping_back_while_playing_walks_back_a_declaration(
    replay: tuple[ReplayFeed, str], clock_time: FakeTime
) -> None:
    """`[` once did nothing while the replay played: it sought to the declaration just shown."""
    feed, url = replay
    times = feed.recording.declaration_times()
    feed.clock.seek(times[5])
    clock_time.now += 0.001  # playing on: a second of the night past the sixth declaration
    async with httpx.AsyncClient(base_url=url, headers=CONTROL) as client:
        status = (await client.post("/replay/step", params={"direction": "prev"})).json()
    assert status["position_ms"] == times[4]


# The app's own replay server, in a process of its own ---------------------------------------


def test_the_replay_process_serves_the_night_and_keeps_its_token_off_the_command_line(
    tmp_path: Path, small_recording: Recording
) -> None:
    from feeds.replay_process import ReplayProcess

    path = write_recording(small_recording, tmp_path / "night.jsonl")
    server = ReplayProcess(path, speed=1, paused=True, token="s3cret-token").start()
    try:
        process = server._process
        assert process is not None
        cmdline = Path(f"/proc/{process.pid}/cmdline")
        if cmdline.exists():
            assert b"s3cret-token" not in cmdline.read_bytes()
        answer = httpx.get(f"{server.url}/feed", timeout=5)
        assert answer.status_code == 200 and answer.json()["kind"] == "snapshot"
        assert httpx.post(f"{server.url}/replay/resume", timeout=5).status_code == 403
        resumed = httpx.post(
            f"{server.url}/replay/resume",
            headers={"Authorization": "Bearer s3cret-token"},
            timeout=5,
        )
        assert resumed.status_code == 200 and resumed.json()["paused"] is False
    finally:
        server.stop()
    assert process.poll() is not None  # gone when the app lets go


def test_a_replay_process_that_cannot_start_says_why_in_clean_words(tmp_path: Path) -> None:
    from feeds.replay_process import ReplayProcess, ReplayStartError

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "something-else\\u001b]0;owned\\u0007"}\n', encoding="utf-8")
    with pytest.raises(ReplayStartError) as error:
        ReplayProcess(bad, speed=1, token="t").start()
    assert is_printable(str(error.value)) and "\x1b" not in str(error.value)
    assert str(error.value)  # the recording reader's reason, not a bare failure


def test_the_replay_process_ends_when_the_app_is_killed(
    tmp_path: Path, small_recording: Recording
) -> None:
    """An app killed outright (SIGKILL, a closed terminal) leaves no server behind: the
    child's stdin closes with its parent and it leaves."""
    if not hasattr(os, "pidfd_open"):
        pytest.skip("waits on the child with pidfd_open (Linux)")
    path = write_recording(small_recording, tmp_path / "night.jsonl")
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from feeds.replay_process import ReplayProcess\n"
            f"server = ReplayProcess({str(path)!r}, speed=1, token='t').start()\n"
            "print(server._process.pid, flush=True)\n"
            "sys.stdin.read()\n",  # until killed
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    gone = os.pidfd_open(child)  # readable once the child has ended
    try:
        parent.kill()
        parent.wait(10)
        ended, _, _ = select.select([gone], [], [], 20)
    finally:
        os.close(gone)
    if not ended:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the replay process outlived the app")
