"""Any source's state at a moment: a feed URL (one poll), a snapshot file, or a recording."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from feeds.answer import FeedError
from feeds.client import FeedPoller
from feeds.moments import parse_moment
from feeds.parse import parse_answer
from feeds.polling import DEFAULT_MAX_BODY, Failed, FeedConfigError, PollSettings, check_feed_url
from feeds.recording import RECORDING_FORMAT, RecordingError, read_recording
from feeds.store import ResultsStore


class SourceError(Exception):
    """A source that could not be read; the message is safe to print."""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def load_source(
    source: str, *, at: str | None = None, settings: PollSettings | None = None
) -> ResultsStore:
    """The state of a feed URL (one poll), a snapshot file, or a recording (at a moment)."""
    if is_url(source):
        if at is not None:
            raise SourceError("--at applies to recordings, not to a live feed")
        try:
            check_feed_url(source, settings)
        except FeedConfigError as error:
            raise SourceError(str(error)) from None
        return asyncio.run(_poll_once(source, settings))
    path = Path(source)
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise SourceError(f"cannot read {source}: {error.strerror or error}") from None
    if path.suffix == ".gz" or RECORDING_FORMAT.encode() in head.split(b"\n", 1)[0]:
        try:
            recording = read_recording(path)
        except RecordingError as error:  # it names the line
            raise SourceError(str(error)) from None
        moment = recording.duration_ms if at is None else _moment(at, recording)
        return recording.state_at(moment)
    if at is not None:
        raise SourceError("--at applies to recordings; this file is a feed snapshot")
    if path.stat().st_size > DEFAULT_MAX_BODY:
        raise SourceError(f"{source} is larger than the {DEFAULT_MAX_BODY // 1024} KiB limit")
    try:
        answer = parse_answer(path.read_bytes())
    except FeedError as error:
        raise SourceError(f"{source}: {error}") from None
    if answer.kind != "snapshot":
        raise SourceError(f"{source}: a changes answer is not a whole state")
    store = ResultsStore()
    store.apply(answer)
    return store


def _moment(at: str, recording: Any) -> float:
    try:
        return parse_moment(at, recording.header.started_at)
    except ValueError as error:
        raise SourceError(str(error)) from None


async def _poll_once(url: str, settings: PollSettings | None) -> ResultsStore:
    poller = FeedPoller(url, settings=settings)
    try:
        outcome = await poller.poll()
    finally:
        await poller.aclose()
    if isinstance(outcome, Failed):
        raise SourceError(f"{url}: {outcome.reason}")
    return poller.store
