"""Recordings: what a client saw of a feed, as JSON Lines, so a night replays exactly.

Line 1 is a header. Every later line is a ``change`` (the whole records that changed, at a
millisecond offset) or a ``keyframe`` (the whole state at that moment, so that seeking is
cheap: nearest keyframe, then apply forward). Each line is validated exactly as a live answer
is, with the same size limits. See docs/recording-format.md.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from feeds.answer import Answer, FeedError
from feeds.client import DEFAULT_MAX_BODY
from feeds.models import RESULT_STATUSES, FeedModel
from feeds.parse import answer_from_data, decode_json
from feeds.store import ChangeSet, ResultsStore

RECORDING_FORMAT = "election-night-recording/1"
MAX_LINE_BYTES = DEFAULT_MAX_BODY
RECORD_LISTS = (
    "regions",
    "parties",
    "councils",
    "referendums",
    "counting_areas",
    "mayors",
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


@dataclass(slots=True)
class Recording:
    header: Header
    events: list[Event]
    warnings: list[str] = field(default_factory=list)

    @property
    def duration_ms(self) -> int:
        return self.events[-1].t if self.events else 0

    def state_at(self, t_ms: float) -> ResultsStore:
        """The state a client would hold at ``t_ms``: nearest keyframe, then apply forward."""
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
        return [event.t for event in self.events if event.declarations and not event.keyframe]


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


def _count_declarations(answer: Answer) -> int:
    return (
        sum(1 for c in answer.councils if c.status in RESULT_STATUSES)
        + sum(1 for a in answer.counting_areas if a.status in RESULT_STATUSES)
        + sum(1 for m in answer.mayors if m.status in RESULT_STATUSES)
    )


def read_recording(path: str | Path, *, strict: bool = False) -> Recording:
    """Read and validate a recording. A bad header, or any bad line when ``strict``, raises
    ``RecordingError`` naming the line; otherwise bad lines are skipped with a warning."""
    path = Path(path)
    try:
        handle = _open_binary(path)
    except OSError as error:
        raise RecordingError(f"{path}: cannot open ({error.strerror or error})") from None
    with handle:
        try:
            return _read_lines(handle, path.name, strict)
        except (OSError, EOFError, gzip.BadGzipFile) as error:
            raise RecordingError(f"{path.name}: cannot read ({type(error).__name__})") from None


def _read_lines(lines: Iterable[bytes], name: str, strict: bool) -> Recording:
    iterator: Iterator[bytes] = iter(lines)
    header_line = next(iterator, None)
    if header_line is None:
        raise RecordingError(f"{name}: line 1: empty file, not a recording")
    try:
        header_data = decode_json(header_line[:MAX_LINE_BYTES])
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
    for number, raw_line in enumerate(iterator, start=2):
        if not raw_line.strip():
            continue
        truncated = not raw_line.endswith(b"\n")
        try:
            if len(raw_line) > MAX_LINE_BYTES:
                raise FeedError(f"line is longer than {MAX_LINE_BYTES // 1024} KiB")
            data = decode_json(raw_line)
            if not isinstance(data, dict) or data.get("type") not in ("change", "keyframe"):
                raise FeedError("line is neither a change nor a keyframe")
            t = data.get("t")
            if type(t) is not int or not 0 <= t <= 10 * 24 * 3600 * 1000:
                raise FeedError("'t' must be whole milliseconds within ten days")
            if t < last_t:
                raise FeedError(f"time goes backwards ({t} ms after {last_t} ms)")
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
        recording.events.append(
            Event(
                t=t,
                seq=seq,
                answer=answer,
                keyframe=data["type"] == "keyframe",
                line=number,
                declarations=_count_declarations(answer),
            )
        )
    if not recording.events:
        raise RecordingError(f"{name}: no usable lines after the header")
    return recording


def dump_record(record: FeedModel) -> dict[str, Any]:
    return record.model_dump(mode="json", exclude_none=True)


def state_body(store: ResultsStore) -> dict[str, Any]:
    """The whole state held, as the record lists of a feed answer."""
    body: dict[str, Any] = {
        "regions": [dump_record(r) for r in store.regions.values()],
        "parties": [dump_record(p) for p in store.parties.values()],
        "councils": [dump_record(c) for c in store.councils.values()],
        "referendums": [dump_record(r) for r in store.referendums.values()],
        "counting_areas": [dump_record(a) for a in store.counting_areas.values()],
        "mayors": [dump_record(m) for m in store.mayors.values()],
    }
    if store.election is not None:
        body["election"] = dump_record(store.election)
    if store.projections is not None:
        body["projections"] = dump_record(store.projections)
    return body


def changes_body(store: ResultsStore, changes: ChangeSet) -> dict[str, Any]:
    """The records one change touched, whole, as held after it."""
    body: dict[str, Any] = {}
    if changes.meta:
        body["regions"] = [dump_record(r) for r in store.regions.values()]
        body["parties"] = [dump_record(p) for p in store.parties.values()]
        if store.election is not None:
            body["election"] = dump_record(store.election)
    if changes.councils:
        body["councils"] = [dump_record(store.councils[i]) for i in changes.councils]
    if changes.referendums:
        body["referendums"] = [dump_record(store.referendums[i]) for i in changes.referendums]
    if changes.counting_areas:
        body["counting_areas"] = [
            dump_record(store.counting_areas[k])
            for k in sorted(changes.counting_areas)
            if k in store.counting_areas
        ]
    if changes.mayors:
        body["mayors"] = [dump_record(store.mayors[i]) for i in changes.mayors]
    if changes.projections and store.projections is not None:
        body["projections"] = dump_record(store.projections)
    return body


class RecordingWriter:
    """Appends lines and flushes each one, so a crash loses at most the line being written."""

    def __init__(
        self,
        handle: IO[str],
        *,
        source: str,
        election: str | None,
        started_at: dt.datetime | None = None,
        recorded_at: dt.datetime | None = None,
        keyframe_every: int = 100,
    ) -> None:
        self.handle = handle
        self.keyframe_every = keyframe_every
        self._since_keyframe = 0
        header: dict[str, Any] = {
            "format": RECORDING_FORMAT,
            "source": source,
            "recorded_at": (recorded_at or dt.datetime.now(dt.UTC)).isoformat(),
            "election": election,
        }
        if started_at is not None:
            header["started_at"] = started_at.astimezone(dt.UTC).isoformat()
        self._write(header)

    def _write(self, data: dict[str, Any]) -> None:
        self.handle.write(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n")
        self.handle.flush()

    def change(self, t_ms: int, store: ResultsStore, changes: ChangeSet) -> None:
        """Write what ``changes`` touched, or a keyframe when one is due."""
        self._since_keyframe += 1
        if self._since_keyframe >= self.keyframe_every:
            self.keyframe(t_ms, store)
            return
        self._write({"type": "change", "t": t_ms, "records": changes_body(store, changes)})

    def keyframe(self, t_ms: int, store: ResultsStore) -> None:
        self._since_keyframe = 0
        self._write({"type": "keyframe", "t": t_ms, "state": state_body(store)})


def parse_moment(text: str, started_at: dt.datetime | None) -> float:
    """A time in a recording as milliseconds from its start.

    Accepts an offset (``90m``, ``2h30m``, ``45s``, ``+1h``), an ISO 8601 time with an offset,
    or a UK local time ``HH:MM`` (the first such moment after the recording starts) or
    ``YYYY-MM-DD HH:MM``.
    """
    value = text.strip()
    offset = _parse_offset(value.lstrip("+"))
    if offset is not None:
        return offset
    if started_at is None:
        raise ValueError("this recording has no start time: give an offset such as 90m")
    london = ZoneInfo("Europe/London")
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is not None and "-" in value:
        if when.tzinfo is None:
            when = when.replace(tzinfo=london)
        return (when - started_at).total_seconds() * 1000
    try:
        clock = dt.time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"cannot read the time {text!r}") from None
    local_start = started_at.astimezone(london)
    candidate = dt.datetime.combine(local_start.date(), clock, tzinfo=london)
    if candidate < local_start:
        candidate += dt.timedelta(days=1)
    return (candidate - started_at).total_seconds() * 1000


def _parse_offset(value: str) -> float | None:
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?", value)
    if not value or not match or not any(match.groups()):
        return None
    hours, minutes, seconds = match.groups()
    return (int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)) * 1000
