"""``record``: poll a live feed and write what changed to a recording, never losing what is
already on disk (no overwriting, whole lines only, a clean error on a full disk)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from feeds.client import poll_forever
from feeds.news import news_of
from feeds.pollers import make_poller
from feeds.polling import Failed, PollOutcome, PollSettings, Updated
from feeds.sanitise import say

if TYPE_CHECKING:
    from feeds.recording import Header
    from feeds.store import ResultsStore


PROGRESS_EVERY = 60.0  # seconds between progress lines


class RecordError(Exception):
    """``record`` cannot go on (the output exists, the disk is full); the message is clean."""


class _LineFile:
    """The recording's file, written a whole line at a time. A line that cannot be written
    whole (a full disk) is cut back off, so the file stays valid to its last whole line."""

    def __init__(self, opener: Callable[[], BinaryIO], name: str) -> None:
        self._opener = opener
        self._handle: BinaryIO | None = None
        self.name = name
        self.lines = 0

    @property
    def handle(self) -> BinaryIO:
        """Opened at the first line: a feed that never answers leaves no empty file."""
        if self._handle is None:
            self._handle = self._opener()
        return self._handle

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

    def write(self, text: str) -> int:
        position = self.handle.tell()
        data = memoryview(text.encode("utf-8"))
        try:
            while data:  # unbuffered: each write is one system call, and may be partial
                written = self.handle.write(data)
                data = data[written or 0 :]
        except OSError as error:
            reason = error.strerror or type(error).__name__
            try:
                self.handle.truncate(position)
            except OSError:
                pass
            raise RecordError(
                f"cannot write to {self.name} ({reason}); it is valid up to its last whole line"
            ) from None
        self.lines += 1
        return len(text)

    def flush(self) -> None:
        pass  # every write is flushed


def _open_output(output: Path, append: bool) -> tuple[Callable[[], BinaryIO], Header | None, int]:
    """How to open the output (a new file is created only when its first line is written),
    and with ``append`` the header and last offset of what it holds."""
    from feeds.recording import RecordingError, read_recording

    exists = RecordError(
        f"{output} exists: give another name, or --append to continue that recording"
    )

    def create() -> BinaryIO:
        try:
            return output.open("xb", buffering=0)
        except FileExistsError:
            raise exists from None
        except OSError as error:
            raise RecordError(f"cannot create {output} ({error.strerror or error})") from None

    if not append:
        if output.exists():
            raise exists
        if not output.parent.is_dir():
            raise RecordError(f"cannot create {output} (no such folder)")
        return create, None, 0
    if not output.exists() or output.stat().st_size == 0:
        return (lambda: output.open("ab", buffering=0)), None, 0
    if output.suffix == ".gz":
        raise RecordError("--append cannot continue a compressed recording")
    try:
        existing = read_recording(output)
    except RecordingError as error:
        raise RecordError(f"cannot append: {error}") from None
    handle = output.open("r+b", buffering=0)
    handle.seek(0, 2)
    if handle.tell() and not _ends_with_newline(handle):
        handle.write(b"\n")  # a cut last line stays a bad line, on its own
    return (lambda: handle), existing.header, existing.duration_ms


def _ends_with_newline(handle: BinaryIO) -> bool:
    handle.seek(-1, 2)
    last = handle.read(1)
    handle.seek(0, 2)
    return last == b"\n"


async def record(
    url: str,
    output: Path,
    settings: PollSettings,
    *,
    stop: asyncio.Event,
    until: Callable[[ResultsStore], bool] | None = None,
    log: TextIO = sys.stderr,
    append: bool = False,
    wall_clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> int:
    """Poll ``url`` and write what changed to ``output`` until ``stop`` is set (or ``until``
    says the state is complete). Feed errors are reported, never recorded. Returns lines
    written. A new file is never written over; ``append`` continues an existing recording
    (one header, offsets carrying on from its start time). Raises ``RecordError``."""
    from feeds.recording_writer import RecordingWriter

    opener, header, last_t = _open_output(output, append)
    poller = make_poller(url, settings=settings)
    began = time.monotonic()
    started_at = header.started_at if header is not None else None
    # Offsets run from the recording's start time, so that an appended part carries on in
    # step with the clock; without one (an old recording), from its last line onwards.
    base = None if started_at is not None else last_t + (1000 if header is not None else 0)
    if header is None:
        started_at = wall_clock()
    sink = _LineFile(opener, output.name)
    writer: RecordingWriter | None = None
    failure: RecordError | None = None
    resync = False  # a change was not written: the next line is the whole state

    def offset() -> int:
        if base is not None:
            t = base + int((time.monotonic() - began) * 1000)
        else:
            assert started_at is not None
            t = int((wall_clock() - started_at).total_seconds() * 1000)
        return max(t, last_t)

    last_progress = time.monotonic()

    def progress() -> None:
        """A line every PROGRESS_EVERY seconds, so a long quiet night shows it is alive."""
        nonlocal last_progress
        now = time.monotonic()
        if now - last_progress < PROGRESS_EVERY:
            return
        last_progress = now
        status = poller.status
        error = f"; last error: {status.last_error}" if status.last_error else ""
        say(
            f"progress: {status.polls} polls, {sink.lines} lines written, "
            f"feed at seq {poller.store.seq}{error}",
            log,
        )

    def on_outcome(outcome: PollOutcome) -> None:
        nonlocal writer, failure, resync
        store = poller.store
        progress()
        if isinstance(outcome, Failed):
            say(
                f"feed error (not recorded): {outcome.reason}; retrying in "
                f"{outcome.next_poll:.1f} s",
                log,
            )
            return
        if not isinstance(outcome, Updated):
            return
        for reject in outcome.changes.rejects[:20]:
            say(f"rejected: {reject}", log)
        for note in outcome.changes.notes:
            say(f"note: {note}", log)
        try:
            if writer is None:
                writer = RecordingWriter(
                    sink,
                    source=poller.url,  # never a password; with the source's credit
                    election=store.election.id if store.election else None,
                    started_at=started_at,
                    header=header is None,
                )
                writer.keyframe(offset(), store)  # the whole state first, appending too
                say(f"recording to {output}: the opening state (seq {store.seq}) written", log)
            elif outcome.snapshot or (resync and not outcome.changes.empty):
                writer.keyframe(offset(), store)
                resync = False
            elif not outcome.changes.empty:
                writer.change(offset(), store, outcome.changes)
                # What the recording just caught, as the app's ticker tells it.
                for item in news_of(outcome.changes, store, now=wall_clock()):
                    say(f"recorded: {item.text}", log)
        except RecordError as error:
            failure = error
            stop.set()
            return
        except Exception:
            resync = True  # poll_forever reports it; nothing the feed sent is lost
            raise
        if until is not None and until(store):
            stop.set()

    try:
        await poll_forever(poller, on_outcome, stop, report=lambda line: say(line, log))
    finally:
        await poller.aclose()
        sink.close()  # unbuffered: nothing is left to write
    if failure is not None:
        raise failure
    return sink.lines
