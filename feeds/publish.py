"""``publish SOURCE DIR``: a night kept up to date as static files any web server can serve.

``DIR/feed.json`` is the snapshot, carrying ``changes_path: "changes/"``; ``DIR/changes/N.json``
holds the changes after sequence number N up to now, for the last ``window`` numbers (and the
current one, with no records, so that an up-to-date client gets 304). Every file is written to
a temporary file in the same folder and renamed over the old one, the changes files before the
snapshot: a client never reads half a file, nor a snapshot whose changes file is missing.
nginx, a CDN or object storage then serves the night to any number of viewers, with their own
ETags and 304s, and ``election-night watch https://…/feed.json`` follows it.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from feeds.sanitise import say

if TYPE_CHECKING:
    from feeds.replay import ReplayFeed

CHANGES = "changes/"
SNAPSHOT = "feed.json"
WINDOW = 64


class Answers(Protocol):
    """A feed that can answer for its state: a replay (``ReplayFeed``) or a live source
    (``LiveFeed``)."""

    epoch: int

    def answer_held(self, since: int | None) -> bytes: ...


def write_atomically(path: Path, body: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        os.chmod(temporary, 0o644)  # the web server's user reads it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def with_changes_path(snapshot: bytes) -> bytes:
    """The snapshot with ``changes_path`` as its first field (its body is a JSON object)."""
    if not snapshot.startswith(b"{"):
        raise ValueError("a snapshot is a JSON object")
    return b'{"changes_path":"' + CHANGES.encode() + b'",' + snapshot[1:]


class Publisher:
    """Writes a feed's state into a folder whenever its sequence number moves."""

    def __init__(self, directory: Path, *, window: int = WINDOW) -> None:
        self.directory = directory
        self.window = window
        self.changes = directory / CHANGES
        self.changes.mkdir(parents=True, exist_ok=True)
        self.published: tuple[int, int] | None = None  # (epoch, seq) on disk
        self.writes = 0

    def publish(self, feed: Answers, seq: int) -> bool:
        if self.published == (feed.epoch, seq):
            return False
        first = max(0, seq - self.window)
        for since in range(first, seq + 1):
            write_atomically(self.changes / f"{since}.json", feed.answer_held(since))
        write_atomically(self.directory / SNAPSHOT, with_changes_path(feed.answer_held(None)))
        self.writes += 1
        # Changes from further back than the window are gone: a client that old gets 404 and
        # takes the snapshot.
        for old in self.changes.glob("*.json"):
            stem = old.stem
            if stem.isdigit() and (int(stem) < first or int(stem) > seq):
                old.unlink(missing_ok=True)
        self.published = (feed.epoch, seq)
        return True


def publish_recording(
    path: str | Path,
    directory: Path,
    *,
    speed: float,
    start: str | None = None,
    interval: float = 1.0,
    window: int = WINDOW,
) -> int:
    """Replay a recording into ``directory`` until it ends; returns how many times the files
    were rewritten."""
    from feeds.replay import open_replay

    feed = open_replay(path, speed=speed, start=start, poll_after=interval)
    return publish_replay(feed, directory, interval=interval, window=window)


def publish_replay(
    feed: ReplayFeed,
    directory: Path,
    *,
    interval: float,
    window: int = WINDOW,
    stop: Callable[[], bool] = lambda: False,
) -> int:
    """Write a replay's state into ``directory`` every ``interval`` seconds of real time, as
    it moves, until it ends or ``stop`` says so."""
    import time

    publisher = Publisher(directory, window=window)
    while True:
        seq = feed.sync()
        if publisher.publish(feed, seq):
            say(f"published seq {seq} to {directory}")
        if feed.clock.finished or stop():
            return publisher.writes
        time.sleep(interval)


async def publish_live(
    source: str,
    directory: Path,
    *,
    interval: float,
    stop: asyncio.Event,
    window: int = WINDOW,
    dc_url: str | None = None,
) -> int:
    """Poll a live source (feed URL, ``pa:``, ``dc:``) into ``directory`` until ``stop``."""
    from feeds.client import poll_forever
    from feeds.live_server import LiveFeed
    from feeds.pollers import make_poller
    from feeds.polling import PollOutcome, PollSettings

    poller = make_poller(source, settings=PollSettings(interval=interval, dc_url=dc_url))
    feed = LiveFeed(poller, poll_after=interval)
    publisher = Publisher(directory, window=window)

    def take(outcome: PollOutcome) -> None:
        feed.take(outcome)
        if feed.seq and publisher.publish(feed, feed.seq):
            say(f"published seq {feed.seq} to {directory}")

    try:
        await poll_forever(poller, take, stop, report=say)
    finally:
        await poller.aclose()
    return publisher.writes
