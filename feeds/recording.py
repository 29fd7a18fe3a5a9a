"""Recordings: what a client saw of a feed, as JSON Lines, so a night replays exactly.

Line 1 is a header. Every later line is a ``change`` (the whole records that changed, at a
millisecond offset) or a ``keyframe`` (the whole state at that moment, so that seeking is
cheap: nearest keyframe, then apply forward). Each line is validated exactly as a live answer
is, with the same size limits. See docs/recording-format.md.
"""

from __future__ import annotations

import datetime as dt
import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

from feeds.answer import Answer, FeedError
from feeds.fields import RESULT_STATUSES
from feeds.parse import answer_from_data, decode_json, whole_line
from feeds.polling import DEFAULT_MAX_BODY
from feeds.store import ResultsStore

RECORDING_FORMAT = "election-night-recording/1"
MAX_LINE_BYTES = DEFAULT_MAX_BODY
RECORD_LISTS = (
    "regions",
    "parties",
    "councils",
    "referendums",
    "counting_areas",
    "mayors",
    "wards",
)


class RecordingError(Exception):
    """A recording that cannot be used; the message names the line."""


@dataclass(frozen=True, slots=True)
class Header:
    source: str
    recorded_at: str
    election: str | None
    started_at: dt.datetime | None  # wall-clock time of offset 0, for showing replay time


@dataclass(slots=True)
class Event:
    """One recorded change (or keyframe) at ``t`` milliseconds from the start."""

    t: int
    seq: int
    answer: Answer
    keyframe: bool
    line: int
    declarations: int = 0  # councils, areas or mayors that reached a result in this event
    # A keyframe that is not the state so far plus changes (the feed reset, revisions went
    # back): replaying forward must replace the state with it, as seeking does.
    reset: bool = False


@dataclass(slots=True)
class Recording:
    header: Header
    events: list[Event]
    warnings: list[str] = field(default_factory=list)

    @property
    def duration_ms(self) -> int:
        return self.events[-1].t if self.events else 0

    def state_at(self, t_ms: float) -> ResultsStore:
        """The state a client would hold at ``t_ms``: nearest keyframe, then apply forward.
        A keyframe is the whole state, so this equals playing forward from the start."""
        store = ResultsStore()
        end = self.index_at(t_ms)
        start = 0
        for index in range(end - 1, -1, -1):
            if self.events[index].keyframe:
                start = index
                break
        for event in self.events[start:end]:
            store.apply(event.answer)
        return store

    def index_at(self, t_ms: float) -> int:
        """How many events have happened by ``t_ms``."""
        lo, hi = 0, len(self.events)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.events[mid].t <= t_ms:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def declaration_times(self) -> list[int]:
        """Moments when something reached a result: change lines and keyframe lines alike
        (``record`` folds a poll's changes into a keyframe every so often)."""
        return [event.t for event in self.events if event.declarations]

    def find_declarations_and_resets(self) -> None:
        """Play the recording forward once: count what each line newly declared, and mark
        the keyframes that reset the state rather than continue it."""
        forward = _Forward()
        for event in self.events:
            forward.add(event)


class _Forward:
    """The state so far while a recording is read, one line at a time: finds what each line
    declares and which keyframes reset, and lets a keyframe share the records it repeats.

    A keyframe repeats the whole state; its records of the same id and revision as those
    already held are the same records, so the keyframe keeps the held ones and its own copies
    are freed at once. The ward-level night held five copies of its state without this."""

    def __init__(self) -> None:
        self.store = ResultsStore()

    def add(self, event: Event) -> None:
        answer = event.answer
        if event.keyframe and _is_reset(self.store, answer):
            event.reset = True
            before = self.store
            self.store = ResultsStore()
        else:
            before = None
            if event.keyframe:
                self._share(answer)
        declared = _declared_keys(before or self.store, answer)
        self.store.apply(answer)
        event.declarations = sum(1 for kind, key in declared if _has_result(self.store, kind, key))

    def _share(self, answer: Answer) -> None:
        store = self.store
        answer.councils = [_same(store.councils.get(r.id), r) for r in answer.councils]
        answer.wards = [_same(store.wards.get(r.id), r) for r in answer.wards]
        answer.referendums = [_same(store.referendums.get(r.id), r) for r in answer.referendums]
        answer.counting_areas = [
            _same(store.counting_areas.get(r.key), r) for r in answer.counting_areas
        ]
        answer.mayors = [_same(store.mayors.get(r.id), r) for r in answer.mayors]


R = TypeVar("R", bound="_Revised")


class _Revised(Protocol):
    @property
    def revision(self) -> int: ...


def _same(held: R | None, record: R) -> R:
    return held if held is not None and held.revision == record.revision else record


def _open_binary(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else None


def _line_answer(data: dict[str, Any], kind: str, seq: int) -> Answer:
    body = data.get("records") if kind == "change" else data.get("state")
    if not isinstance(body, dict):
        raise FeedError(f"{kind} line has no {'records' if kind == 'change' else 'state'} object")
    document = {key: body[key] for key in (*RECORD_LISTS, "election", "projections") if key in body}
    document.update(
        format="election-night/1",
        kind="snapshot" if kind == "keyframe" else "changes",
        seq=seq,
        since=max(0, seq - 1),
    )
    return answer_from_data(document)


def _held_revisions(store: ResultsStore) -> dict[tuple[str, Any], int]:
    held: dict[tuple[str, Any], int] = {}
    held.update((("council", k), r.revision) for k, r in store.councils.items())
    held.update((("referendum", k), r.revision) for k, r in store.referendums.items())
    held.update((("area", k), r.revision) for k, r in store.counting_areas.items())
    held.update((("mayor", k), r.revision) for k, r in store.mayors.items())
    held.update((("ward", k), r.revision) for k, r in store.wards.items())
    return held


def _answer_revisions(answer: Answer) -> dict[tuple[str, Any], int]:
    found: dict[tuple[str, Any], int] = {}
    found.update((("council", c.id), c.revision) for c in answer.councils)
    found.update((("referendum", r.id), r.revision) for r in answer.referendums)
    found.update((("area", a.key), a.revision) for a in answer.counting_areas)
    found.update((("mayor", m.id), m.revision) for m in answer.mayors)
    found.update((("ward", w.id), w.revision) for w in answer.wards)
    return found


def _is_reset(store: ResultsStore, keyframe: Answer) -> bool:
    """A keyframe resets when it lacks a record held, or holds an older revision of one."""
    held = _held_revisions(store)
    if not held:
        return False
    found = _answer_revisions(keyframe)
    return any(key not in found or found[key] < revision for key, revision in held.items())


def _has_result(store: ResultsStore, kind: str, key: Any) -> bool:
    record: Any
    if kind == "council":
        record = store.councils.get(key)
    elif kind == "area":
        record = store.counting_areas.get(key)
    else:
        record = store.mayors.get(key)
    return record is not None and record.status in RESULT_STATUSES


def _declared_keys(store: ResultsStore, answer: Answer) -> list[tuple[str, Any]]:
    """Records of the answer with a result that had none in ``store``."""
    keys: list[tuple[str, Any]] = [("council", c.id) for c in answer.councils if c.has_result]
    keys += [("area", a.key) for a in answer.counting_areas if a.has_result]
    keys += [("mayor", m.id) for m in answer.mayors if m.status in RESULT_STATUSES]
    return [(kind, key) for kind, key in keys if not _has_result(store, kind, key)]


def read_recording(path: str | Path, *, strict: bool = False) -> Recording:
    """Read and validate a recording. A bad header, or any bad line when ``strict``, raises
    ``RecordingError`` naming the line; otherwise bad lines are skipped with a warning."""
    path = Path(path)
    try:
        handle = _open_binary(path)
    except OSError as error:
        raise RecordingError(f"{path}: cannot open ({error.strerror or error})") from None
    with handle:
        return _read_lines(_bounded_lines(handle, path.name), path.name, strict)


class _Oversized:
    """A line longer than the cap: it was skipped, never held whole."""

    __slots__ = ("ended",)

    def __init__(self, ended: bool) -> None:
        self.ended = ended


class _Unreadable(Exception):
    """The file cannot be read past this point (corrupt compressed data, an I/O error)."""


def _bounded_lines(handle: IO[bytes], name: str) -> Iterator[bytes | _Oversized]:
    """The file's lines, never holding more than the cap of one: a 3 MB ``.jsonl.gz`` that
    inflates to one 3 GiB line once took 3.1 GiB to read."""
    try:
        while True:
            line = handle.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            if len(line) <= MAX_LINE_BYTES:
                yield line
                continue
            while not line.endswith(b"\n"):  # skip the rest of the line, a chunk at a time
                line = handle.readline(1 << 20)
                if not line:
                    break
            yield _Oversized(line.endswith(b"\n"))
    except (OSError, EOFError, zlib.error) as error:
        what = "corrupt compressed data" if not isinstance(error, OSError) else "read error"
        if isinstance(error, gzip.BadGzipFile):
            what = "not valid gzip"
        raise _Unreadable(what) from None


def _read_lines(lines: Iterator[bytes | _Oversized], name: str, strict: bool) -> Recording:
    try:
        header_line = next(lines, None)
    except _Unreadable as error:
        raise RecordingError(f"{name}: line 1: cannot read ({error})") from None
    if header_line is None:
        raise RecordingError(f"{name}: line 1: empty file, not a recording")
    if isinstance(header_line, _Oversized):
        raise RecordingError(f"{name}: line 1: longer than {MAX_LINE_BYTES // 1024} KiB")
    try:
        header_data = decode_json(header_line)
    except FeedError as error:
        raise RecordingError(f"{name}: line 1: not a recording header ({error})") from None
    if not isinstance(header_data, dict) or header_data.get("format") != RECORDING_FORMAT:
        raise RecordingError(f"{name}: line 1: not an {RECORDING_FORMAT} header")
    header = Header(
        source=str(header_data.get("source", ""))[:500],
        recorded_at=str(header_data.get("recorded_at", ""))[:64],
        election=header_data.get("election")
        if isinstance(header_data.get("election"), str)
        else None,
        started_at=_parse_time(header_data.get("started_at")),
    )
    recording = Recording(header, [])
    last_t = 0
    seq = 0
    forward = _Forward()
    number = 1
    while True:
        number += 1
        try:
            raw_line = next(lines, None)
        except _Unreadable as error:
            message = f"{name}: line {number}: cannot read on from here ({error})"
            if strict:
                raise RecordingError(message) from None
            recording.warnings.append(message)
            break
        if raw_line is None:
            break
        if isinstance(raw_line, _Oversized):
            message = f"{name}: line {number}: bad line: longer than {MAX_LINE_BYTES // 1024} KiB"
            if strict:
                raise RecordingError(message)
            recording.warnings.append(message)
            continue
        if not raw_line.strip():
            continue
        truncated = not raw_line.endswith(b"\n")
        try:
            fast = whole_line(raw_line, seq + 1)
            t: Any
            if fast is not None:
                line_type, t, answer = fast
                data = {"type": line_type}
            else:
                data = decode_json(raw_line)
                if not isinstance(data, dict) or data.get("type") not in ("change", "keyframe"):
                    raise FeedError("line is neither a change nor a keyframe")
                t = data.get("t")
            if type(t) is not int or not 0 <= t <= 10 * 24 * 3600 * 1000:
                raise FeedError("'t' must be whole milliseconds within ten days")
            if t < last_t:
                raise FeedError(f"time goes backwards ({t} ms after {last_t} ms)")
            if fast is None:
                answer = _line_answer(data, data["type"], seq + 1)
        except FeedError as error:
            where = "last line is cut short" if truncated else "bad line"
            message = f"{name}: line {number}: {where}: {error}"
            if strict:
                raise RecordingError(message) from None
            recording.warnings.append(message)
            continue
        if answer.rejects:
            recording.warnings.append(
                f"{name}: line {number}: {len(answer.rejects)} record(s) rejected: "
                f"{answer.rejects[0]}"
            )
        seq += 1
        last_t = t
        event = Event(t=t, seq=seq, answer=answer, keyframe=data["type"] == "keyframe", line=number)
        forward.add(event)
        recording.events.append(event)
    if not recording.events:
        raise RecordingError(f"{name}: no usable lines after the header")
    return recording
