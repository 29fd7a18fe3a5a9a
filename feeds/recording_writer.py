"""Writing recordings: a header, then a line per change and a keyframe now and then.
See docs/recording-format.md; ``feeds.recording`` reads them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Protocol

from feeds.models import FeedModel
from feeds.recording import RECORD_LISTS, RECORDING_FORMAT, Recording
from feeds.store import ChangeSet, ResultsStore


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
        "wards": [dump_record(w) for w in store.wards.values()],
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
    if changes.wards:
        body["wards"] = [dump_record(store.wards[i]) for i in changes.wards]
    if changes.projections and store.projections is not None:
        body["projections"] = dump_record(store.projections)
    return body


class TextSink(Protocol):
    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


def json_line(data: dict[str, Any]) -> str:
    """One line of a recording, as every writer writes it."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n"


def header_line(
    source: str, election: str | None, recorded_at: str, started_at: dt.datetime | None
) -> dict[str, Any]:
    """A recording's first line."""
    header: dict[str, Any] = {
        "format": RECORDING_FORMAT,
        "source": source,
        "recorded_at": recorded_at,
        "election": election,
    }
    if started_at is not None:
        header["started_at"] = started_at.astimezone(dt.UTC).isoformat()
    return header


class RecordingWriter:
    """Appends lines and flushes each one, so a crash loses at most the line being written."""

    def __init__(
        self,
        handle: TextSink,
        *,
        source: str,
        election: str | None,
        started_at: dt.datetime | None = None,
        recorded_at: dt.datetime | None = None,
        keyframe_every: int = 100,
        header: bool = True,
    ) -> None:
        self.handle = handle
        self.keyframe_every = keyframe_every
        self._since_keyframe = 0
        if not header:  # continuing a recording that has its header already
            return
        recorded = (recorded_at or dt.datetime.now(dt.UTC)).isoformat()
        self._write(header_line(source, election, recorded, started_at))

    def _write(self, data: dict[str, Any]) -> None:
        self.handle.write(json_line(data))
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


def write_recording(recording: Recording, path: Path) -> Path:
    """A recording read (or made) in memory, written back as its file, line by line, as
    ``record`` writes one."""
    head = recording.header
    with path.open("w", encoding="utf-8") as out:
        out.write(
            json_line(header_line(head.source, head.election, head.recorded_at, head.started_at))
        )
        for event in recording.events:
            answer = event.answer
            body: dict[str, Any] = {}
            for name in RECORD_LISTS:
                records = getattr(answer, name)
                if records:
                    body[name] = [dump_record(r) for r in records]
            if answer.election is not None:
                body["election"] = dump_record(answer.election)
            if answer.projections is not None:
                body["projections"] = dump_record(answer.projections)
            kind, key = ("keyframe", "state") if event.keyframe else ("change", "records")
            out.write(json_line({"type": kind, "t": event.t, key: body}))
    return path
