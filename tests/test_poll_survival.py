"""The poll loop never dies: whatever escapes one poll (a bug, OverflowError, ImportError,
an ExceptionGroup from the transport) is reported as an internal error with a clean message
and the next poll still happens, in the app, in ``record`` and in ``serve``."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import httpx
import pytest
from textual.worker import WorkerFailed

from feeds.client import FeedPoller
from feeds.polling import Failed, PollSettings, Updated
from feeds.recorder import record
from feeds.recording import Recording, read_recording
from feeds.recording_writer import RecordingWriter, state_body
from feeds.replay import ReplayFeed, VirtualClock
from feeds.replay_server import ServerThread, create_app
from tests import factories as f
from tests.faultserver import FaultServer, Reply
from tests.tui_helpers import FixedMonotonic
from tui.launch import make_app
from tui.watchlist import WatchList


def kinds() -> list[BaseException]:
    return [
        RuntimeError("a bug \x1b[31m"),
        OverflowError("date value out of range"),
        ImportError("cannot import name 'x'"),
        ExceptionGroup("transport", [OSError("reset"), ValueError("bad")]),
    ]


KINDS = [pytest.param(error, id=type(error).__name__) for error in kinds()]


def feed_server() -> FaultServer:
    return FaultServer(
        Reply.json(f.body(f.snapshot(seq=1))),
        Reply.json(f.body(f.changes(2, 1, councils=[f.council(revision=2, after="CON")]))),
    )


@pytest.mark.parametrize("error", KINDS)
async def test_the_app_polls_on_after_anything_escapes_a_poll(
    tmp_path: Path, error: BaseException
) -> None:
    with feed_server() as server:
        app = make_app(
            server.url,
            settings=PollSettings(interval=60),  # the test decides when the next poll is
            watchlist=WatchList(tmp_path / "w.json"),
            monotonic=FixedMonotonic(),
        )
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            poller = app.source.poller
            assert poller is not None
            real_poll = poller.poll

            async def broken() -> object:
                raise error

            poller.poll = broken  # type: ignore[method-assign]
            app.poll_feed()
            with pytest.raises(WorkerFailed):  # the worker failed; the app goes on
                await app.workers.wait_for_complete()
            await pilot.pause()
            name = type(error).__name__
            assert app.is_running
            assert app.night.health.last_error == f"internal error ({name}); polling goes on"
            assert any(f"internal error in 'poll the feed' ({name})" in line
                       for line in app.night.log_lines)  # fmt: skip
            assert all("\x1b" not in line for line in app.night.log_lines)
            assert app._poll_timer is not None  # the next poll is scheduled
            poller.poll = real_poll  # type: ignore[method-assign]
            app.poll_feed()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.night.store.councils["local.barnet.2022-05-05"].control_after == "CON"
            assert app.night.health.last_error is None


@pytest.mark.parametrize("error", KINDS)
async def test_the_app_polls_on_after_showing_an_answer_fails(
    tmp_path: Path, error: BaseException, monkeypatch: pytest.MonkeyPatch
) -> None:
    with feed_server() as server:
        app = make_app(
            server.url,
            settings=PollSettings(interval=60),
            watchlist=WatchList(tmp_path / "w.json"),
            monotonic=FixedMonotonic(),
        )
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()

            def broken(*args: object, **kwargs: object) -> None:
                raise error

            monkeypatch.setattr(app.night, "apply", broken)
            app.poll_feed()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.is_running and app._poll_timer is not None
            name = type(error).__name__
            assert app.night.health.last_error == f"internal error ({name}); polling goes on"


@pytest.mark.parametrize("error", KINDS)
async def test_a_transport_that_raises_anything_is_a_clean_failed_poll(
    error: BaseException,
) -> None:
    class Exploding(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            raise error

    poller = FeedPoller("http://127.0.0.1:9/feed", transport=Exploding())
    try:
        outcome = await poller.poll()
    finally:
        await poller.aclose()
    assert isinstance(outcome, Failed)
    assert type(error).__name__ in outcome.reason and "\x1b" not in outcome.reason


@pytest.mark.parametrize("error", KINDS)
async def test_record_goes_on_after_handling_an_answer_fails(
    small_recording: Recording,
    tmp_path: Path,
    error: BaseException,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = VirtualClock(small_recording.duration_ms, paused=True)
    feed = ReplayFeed(small_recording, clock)
    failed = []
    real_change = RecordingWriter.change

    def change_once_broken(self: RecordingWriter, *args: object, **kwargs: object) -> None:
        if not failed:
            failed.append(True)
            raise error
        real_change(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(RecordingWriter, "change", change_once_broken)
    final_seq = len(small_recording.events)

    def play_to_the_end(store: object) -> bool:
        if clock.paused:
            clock.resume()
            clock.set_speed(small_recording.duration_ms / 1500)
        return getattr(store, "seq", None) == final_seq

    out = tmp_path / "night.jsonl"
    log = io.StringIO()
    with ServerThread(create_app(feed, control_token="t")) as server:
        await record(
            f"{server.url}/feed",
            out,
            PollSettings(interval=0.05, min_interval=0.05),
            stop=asyncio.Event(),
            until=play_to_the_end,
            log=log,
        )
    assert failed
    errors = log.getvalue()
    assert f"internal error handling an answer ({type(error).__name__}); polling goes on" in errors
    again = read_recording(out, strict=True)  # valid, and nothing the feed sent is lost
    final = small_recording.state_at(small_recording.duration_ms)
    assert state_body(again.state_at(again.duration_ms)) == state_body(final)


@pytest.mark.parametrize("error", KINDS)
async def test_serve_answers_on_after_a_request_fails(
    small_recording: Recording, error: BaseException, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = ReplayFeed(small_recording, VirtualClock(small_recording.duration_ms, paused=True))
    real_answer = feed.answer
    failed = []

    def answer_once_broken(since: int | None) -> bytes:
        if not failed:
            failed.append(True)
            raise error
        return real_answer(since)

    monkeypatch.setattr(feed, "answer", answer_once_broken)
    with ServerThread(create_app(feed, control_token="t")) as server:
        poller = FeedPoller(f"{server.url}/feed", settings=PollSettings(interval=0.05))
        try:
            first = await poller.poll()
            second = await poller.poll()
        finally:
            await poller.aclose()
    assert isinstance(first, Failed) and first.reason.startswith("HTTP 500")
    assert isinstance(second, Updated)
