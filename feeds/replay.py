"""Replaying a recording: a virtual clock, and the feed's documents at each moment.

``ReplayFeed`` answers exactly what the live feed would (the snapshot, changes since N,
strong ETags), on a clock that can pause, change speed, seek and step to a declaration; a
``FaultSpec`` makes a share of answers fail on purpose for rehearsals and tests. The HTTP
server that serves it is ``feeds.replay_server``.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feeds.models import FORMAT
from feeds.moments import parse_moment
from feeds.recording import Recording
from feeds.recording_writer import dump_record, state_body
from feeds.store import ChangeSet, ResultsStore

MIN_SPEED = 0.1
MAX_SPEED = 100_000.0


def check_speed(speed: float) -> float:
    """A replay speed, refused unless finite and within bounds: ``nan`` once made the clock
    read nan, and every viewer's screen was wiped by an empty state."""
    if not math.isfinite(speed) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"speed must be a number from {MIN_SPEED:g} to {MAX_SPEED:g}")
    return speed


class VirtualClock:
    """Recording time in milliseconds, running at ``speed`` times real time."""

    def __init__(
        self,
        duration_ms: int,
        *,
        speed: float = 1.0,
        start_ms: float = 0.0,
        paused: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.duration_ms = duration_ms
        self._monotonic = monotonic
        self._speed = check_speed(speed)
        self._paused = paused
        self._base_ms = min(max(0.0, start_ms), float(duration_ms))
        self._base_real = monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    def now_ms(self) -> float:
        if self._paused:
            return self._base_ms
        elapsed = (self._monotonic() - self._base_real) * 1000.0 * self._speed
        return min(self._base_ms + elapsed, float(self.duration_ms))

    def _rebase(self) -> None:
        self._base_ms = self.now_ms()
        self._base_real = self._monotonic()

    def set_speed(self, speed: float) -> None:
        check_speed(speed)
        self._rebase()
        self._speed = speed

    def pause(self) -> None:
        self._rebase()
        self._paused = True

    def resume(self) -> None:
        self._rebase()
        self._paused = False

    def seek(self, t_ms: float) -> None:
        if not math.isfinite(t_ms):
            raise ValueError("the time to seek to must be a finite number")
        self._base_ms = min(max(0.0, t_ms), float(self.duration_ms))
        self._base_real = self._monotonic()

    @property
    def finished(self) -> bool:
        return self.now_ms() >= self.duration_ms


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """Shares of answers to spoil on purpose, e.g. ``5xx=0.1,429=0.05,slow=0.05,truncate=0.05``.

    ``slow`` answers wait ``slow_seconds`` first; 429 and 503 carry ``Retry-After``.
    """

    server_error: float = 0.0
    too_many: float = 0.0
    slow: float = 0.0
    truncate: float = 0.0
    slow_seconds: float = 2.0
    retry_after: str = "1"
    seed: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        if not text:
            return cls()
        names = {
            "5xx": "server_error",
            "500": "server_error",
            "503": "server_error",
            "429": "too_many",
            "slow": "slow",
            "truncate": "truncate",
        }
        values: dict[str, Any] = {}
        for part in text.split(","):
            key, _, raw = part.strip().partition("=")
            key = key.strip().lower()
            try:
                if key == "seed":
                    values["seed"] = int(raw)
                elif key == "slow_seconds":
                    values["slow_seconds"] = float(raw)
                elif key == "retry_after":
                    values["retry_after"] = raw.strip()
                elif key in names:
                    share = float(raw)
                    if not 0.0 <= share <= 1.0:
                        raise ValueError
                    values[names[key]] = share
                else:
                    raise ValueError
            except ValueError:
                raise ValueError(f"bad fault setting {part.strip()!r}") from None
        return cls(**values)

    @property
    def active(self) -> bool:
        return any((self.server_error, self.too_many, self.slow, self.truncate))


@dataclass(slots=True)
class _Cache:
    key: tuple[int, int, int | None] | None = None
    body: bytes = b""


@dataclass(slots=True)
class ReplayStats:
    requests: int = 0
    not_modified: int = 0
    faults: dict[str, int] = field(default_factory=dict)


class ReplayFeed:
    """The replayed state at the clock's time, and the feed answers for it."""

    def __init__(
        self,
        recording: Recording,
        clock: VirtualClock,
        faults: FaultSpec | None = None,
        *,
        poll_after: float | None = None,
        test: bool = False,
    ) -> None:
        self.recording = recording
        self.poll_after = poll_after
        self.test = test  # serve the night marked as test data, whatever it says
        self.clock = clock
        self.faults = faults or FaultSpec()
        self._rng = random.Random(self.faults.seed)
        self.stats = ReplayStats()
        self.epoch = 0
        self.index = 0
        self.store = ResultsStore()
        self._lock = threading.Lock()
        # Exactly which records each event changed, found once by applying them in order.
        self._changed: list[list[tuple[str, Any]]] = []
        self._precompute()
        # The recording never changes: find its declarations once, not on every status poll.
        self.declaration_times = recording.declaration_times()
        self._cache: dict[str, _Cache] = {"snapshot": _Cache(), "changes": _Cache()}

    def _precompute(self) -> None:
        store = ResultsStore()
        for event in self.recording.events:
            if event.reset:
                store = ResultsStore()
            self._changed.append(changed_keys(store.apply(event.answer)))

    def sync(self) -> int:
        """Bring the state to the clock's time; returns the current index (the feed's seq)."""
        with self._lock:
            target = self.recording.index_at(self.clock.now_ms())
            if target < self.index:
                self.store = self.recording.state_at(self.clock.now_ms())
                self.index = target
                self.epoch += 1
            while self.index < target:
                event = self.recording.events[self.index]
                if event.reset:
                    # The whole state, not a continuation: replaced as a seek would, and a new
                    # epoch so that viewers take it whole (older revisions would be ignored).
                    self.store = ResultsStore()
                    self.epoch += 1
                self.store.apply(event.answer)
                self.index += 1
            return self.index

    def etag(self, since: int | None = None) -> str:
        """A strong validator per document: the snapshot and each changes-since-N answer of
        the same state are different bodies, so they never share an ETag (a client that
        asked for a fresh snapshot with the changes' ETag was once answered 304 forever)."""
        if since is None or since > self.index:
            return f'"{self.epoch}.{self.index}.s"'
        return f'"{self.epoch}.{self.index}.c{since}"'

    def _envelope(self, kind: str, since: int | None) -> dict[str, Any]:
        document: dict[str, Any] = {
            "format": FORMAT,
            "kind": kind,
            "seq": self.index,
            "epoch": self.epoch,
        }
        if since is not None:
            document["since"] = since
        if self.poll_after is not None:
            document["poll_after"] = self.poll_after
        return document

    def answer(self, since: int | None) -> bytes:
        """The body for ``GET /feed`` (``since`` None) or ``GET /feed?since=N``."""
        return self.answer_held(since, self.sync())

    def answer_held(self, since: int | None, index: int | None = None) -> bytes:
        """The answer for the state held, without moving it to the clock's time: ``publish``
        writes a snapshot and all its changes files of one and the same state."""
        with self._lock:
            if index is None:
                index = self.index
            if since is None or since > index:
                kind, since = "snapshot", None
            else:
                kind = "changes"
            cache = self._cache[kind]
            key = (self.epoch, index, since)
            if cache.key == key:
                return cache.body
            if kind == "snapshot":
                document = self._envelope("snapshot", None)
                document.update(state_body(self.store))
            else:
                assert since is not None
                document = self._envelope("changes", since)
                document.update(self._changes_since(since))
            if self.test and isinstance(document.get("election"), dict):
                document["election"] = {**document["election"], "test": True}
            body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
            cache.key, cache.body = key, body
            return body

    def _changes_since(self, since: int) -> dict[str, Any]:
        seen: set[tuple[str, Any]] = set()
        for keys in self._changed[since : self.index]:
            seen.update(keys)
        return changes_body(self.store, seen)

    def status(self) -> dict[str, Any]:
        index = self.sync()
        started = self.recording.header.started_at
        now = self.clock.now_ms()
        times = self.declaration_times
        return {
            "position_ms": int(now),
            "duration_ms": self.recording.duration_ms,
            "speed": self.clock.speed,
            "paused": self.clock.paused,
            "finished": self.clock.finished,
            "seq": index,
            "epoch": self.epoch,
            "events": len(self.recording.events),
            "declarations_total": len(times),
            "started_at": started.isoformat() if started else None,
            "election": self.recording.header.election,
        }

    def step(self, direction: str) -> None:
        """Move the clock to the next, or the previous, declaration."""
        now = self.clock.now_ms()
        times = self.declaration_times
        if direction == "next":
            later = [t for t in times if t > now]
            if later:
                self.clock.seek(later[0])
        else:
            # The declaration before the latest one shown, so that each press walks back one,
            # while playing too (the clock has moved on past the latest by then).
            shown = [t for t in times if t <= now]
            self.clock.seek(shown[-2] if len(shown) >= 2 else 0)

    def roll_fault(self) -> str | None:
        if not self.faults.active:
            return None
        roll = self._rng.random()
        for name, share in (
            ("5xx", self.faults.server_error),
            ("429", self.faults.too_many),
            ("slow", self.faults.slow),
            ("truncate", self.faults.truncate),
        ):
            if roll < share:
                self.stats.faults[name] = self.stats.faults.get(name, 0) + 1
                return name
            roll -= share
        return None


def open_replay(
    path: str | Path,
    *,
    speed: float,
    start: str | None,
    faults: str | None = None,
    paused: bool = False,
    poll_after: float | None = None,
    test: bool = False,
) -> ReplayFeed:
    """A recording ready to serve, its clock at ``start`` (a moment as ``parse_moment``
    reads it)."""
    from feeds.recording import read_recording

    recording = read_recording(path)
    start_ms = 0.0
    if start:
        start_ms = parse_moment(start, recording.header.started_at)
    clock = VirtualClock(recording.duration_ms, speed=speed, start_ms=start_ms, paused=paused)
    return ReplayFeed(recording, clock, FaultSpec.parse(faults), poll_after=poll_after, test=test)


def changed_keys(changes: ChangeSet) -> list[tuple[str, Any]]:
    """The records one applied answer changed, as keys ``changes_body`` reads."""
    keys: list[tuple[str, Any]] = [("council", k) for k in changes.councils]
    keys += [("referendum", k) for k in changes.referendums]
    keys += [("area", k) for k in changes.counting_areas]
    keys += [("mayor", k) for k in changes.mayors]
    keys += [("ward", k) for k in changes.wards]
    if changes.projections:
        keys.append(("projections", None))
    if changes.meta:
        keys.append(("meta", None))
    return keys


def changes_body(store: ResultsStore, seen: set[tuple[str, Any]]) -> dict[str, Any]:
    """The records of a changes answer: those named in ``seen``, as the store holds them."""
    body: dict[str, Any] = {}
    councils = [dump_record(store.councils[k]) for kind, k in seen if kind == "council"]
    referendums = [dump_record(store.referendums[k]) for kind, k in seen if kind == "referendum"]
    areas = [
        dump_record(store.counting_areas[k])
        for kind, k in sorted(
            (item for item in seen if item[0] == "area"), key=lambda item: item[1]
        )
        if k in store.counting_areas
    ]
    mayors = [dump_record(store.mayors[k]) for kind, k in seen if kind == "mayor"]
    wards = [
        dump_record(store.wards[k])
        for kind, k in sorted(
            (item for item in seen if item[0] == "ward"), key=lambda item: item[1]
        )
    ]
    for name, records in (
        ("councils", councils),
        ("referendums", referendums),
        ("counting_areas", areas),
        ("mayors", mayors),
        ("wards", wards),
    ):
        if records:
            body[name] = records
    if ("projections", None) in seen and store.projections is not None:
        body["projections"] = dump_record(store.projections)
    if ("meta", None) in seen:
        body["regions"] = [dump_record(r) for r in store.regions.values()]
        body["parties"] = [dump_record(p) for p in store.parties.values()]
        if store.election is not None:
            body["election"] = dump_record(store.election)
    return body
