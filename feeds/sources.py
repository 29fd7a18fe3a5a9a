"""Any source's state at a moment: a feed URL (one poll), a snapshot file, or a recording."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from feeds.answer import FeedError
from feeds.moments import parse_moment
from feeds.parse import parse_answer
from feeds.pollers import check_source, is_dc_source, is_pa_source, make_poller
from feeds.polling import (
    DEFAULT_MAX_BODY,
    Failed,
    FeedConfigError,
    PollOutcome,
    PollSettings,
    Updated,
)
from feeds.recording import RECORDING_FORMAT, RecordingError, read_recording
from feeds.sanitise import say
from feeds.store import ResultsStore


class SourceError(Exception):
    """A source that could not be read; the message is safe to print."""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://", "dc:")) or is_pa_source(source)


def load_source(
    source: str, *, at: str | None = None, settings: PollSettings | None = None
) -> ResultsStore:
    """The state of a feed URL (one poll), a snapshot file, or a recording (at a moment)."""
    if is_url(source):
        if at is not None:
            raise SourceError("--at applies to recordings, not to a live feed")
        try:
            check_source(source, settings)
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
    poller = make_poller(url, settings=settings)
    try:
        outcome = await poller.poll()
        if is_dc_source(url):
            outcome = await _read_all_pages(poller, outcome)
        if is_pa_source(url) and not isinstance(outcome, Failed):
            # A second look: a file unreadable on the first is either still being written
            # or bad, and is then rejected by name rather than passed over in silence.
            report(outcome)
            outcome = await poller.poll()
    finally:
        await poller.aclose()
    if isinstance(outcome, Failed):
        raise SourceError(f"{url}: {outcome.reason}")
    report(outcome)
    return poller.store


async def _read_all_pages(poller: Any, outcome: PollOutcome) -> PollOutcome:
    """Democracy Club answers a page per request, at the service's pace: read them all
    (waiting as long as each answer asks, a 429's Retry-After included), saying how far."""
    failures = 0
    while not poller.loaded:
        if isinstance(outcome, Failed):
            failures += 1
            if failures > 5:
                return outcome
            say(f"{outcome.reason}; trying again in {outcome.next_poll:.0f} s")
        else:
            report(outcome)
        await asyncio.sleep(outcome.next_poll)
        outcome = await poller.poll()
    return outcome


def report(outcome: object) -> None:
    """What a source rejected or skipped, on stderr (the summary itself goes to stdout)."""
    if not isinstance(outcome, Updated):
        return
    for reject in outcome.changes.rejects[:50]:
        say(f"rejected: {reject}")
    for note in outcome.changes.notes:
        say(f"note: {note}")
