"""Turn the raw bytes of a feed answer into validated records, one record at a time.

A body that is not a feed document at all is rejected whole (``FeedError``). Inside a good
document each record is validated on its own: a bad one is rejected and reported, and the
rest of the answer still applies.
"""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from operator import attrgetter
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, Field, Strict, TypeAdapter, ValidationError

from feeds.answer import Answer, FeedError, Reject
from feeds.fields import CANDIDATES_PER_ANSWER, PER_ANSWER, ChangesPath
from feeds.models import (
    FORMAT,
    Council,
    CountingArea,
    Election,
    FeedDocument,
    FeedModel,
    MayoralContest,
    Party,
    Projections,
    Referendum,
    Region,
    WardContest,
)

#: Longest decimal literal accepted; Python refuses over 4300 digits and nothing real needs 20.
MAX_NUMBER_DIGITS = 40


class _Envelope(BaseModel):
    # Records stay raw here so that each is validated, and rejected, on its own.
    model_config = {"extra": "ignore", "hide_input_in_errors": True}

    format: Literal["election-night/1"]
    kind: Literal["snapshot", "changes"]
    seq: Annotated[int, Strict(), Field(ge=0, le=2**53)]
    since: Annotated[int, Strict(), Field(ge=0, le=2**53)] | None = None
    epoch: Annotated[int, Strict(), Field(ge=0, le=2**31)] | None = None
    poll_after: Annotated[float, Strict(), Field(ge=0, le=3600, allow_inf_nan=False)] | None = None
    changes_path: Any = None
    election: Any = None
    # No length caps here: records past a kind's cap are rejected one by one (the body's size
    # bounds the lists), never the whole answer.
    regions: list[Any] = []
    parties: list[Any] = []
    councils: list[Any] = []
    referendums: list[Any] = []
    counting_areas: list[Any] = []
    mayors: list[Any] = []
    wards: list[Any] = []
    projections: Any = None


class BadNumber:
    """Stands in for NaN, Infinity, 1e400 or a 5,000-digit literal. It is no number, so the
    record that holds one fails validation alone and its neighbours still apply; in the
    envelope (``seq``, ``since``) it rejects the whole answer."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<bad number>"


BAD_NUMBER = BadNumber()


def _reject_constant(name: str) -> Any:
    return BAD_NUMBER


def _parse_float(text: str) -> float | BadNumber:
    if len(text) > MAX_NUMBER_DIGITS:
        return BAD_NUMBER
    value = float(text)
    return value if math.isfinite(value) else BAD_NUMBER


def _parse_int(text: str) -> int | BadNumber:
    if len(text) > MAX_NUMBER_DIGITS:
        return BAD_NUMBER
    return int(text)


def decode_json(raw: bytes | str) -> Any:
    """Decode strict UTF-8 JSON: no BOM, no NaN or Infinity, no absurd numbers or nesting."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FeedError("answer is not valid UTF-8") from None
    else:
        text = raw
    if not text.strip():
        raise FeedError("answer is empty")
    if text.startswith("\ufeff"):
        raise FeedError("answer starts with a byte-order mark")
    try:
        return json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_parse_float,
            parse_int=_parse_int,
        )
    except RecursionError:
        raise FeedError("answer is nested too deeply") from None
    except json.JSONDecodeError as error:
        stripped = text.lstrip()[:1]
        if stripped == "<":
            raise FeedError("answer is HTML or XML, not a feed") from None
        raise FeedError(f"answer is not JSON (line {error.lineno}, column {error.colno})") from None
    except ValueError as error:
        raise FeedError(f"answer has a bad number: {error}") from None


def _field_names() -> frozenset[str]:
    names: set[str] = {"[key]"}
    models: list[type[BaseModel]] = [_Envelope, FeedModel]
    while models:
        model = models.pop()
        names.update(model.model_fields)
        models.extend(model.__subclasses__())
    return frozenset(names)


_FIELD_NAMES: frozenset[str] = frozenset()


def _location(loc: tuple[int | str, ...]) -> str:
    """Where an error is, without the feed's own words: a dict key that failed (a party code
    in ``seats_won``, an option in ``votes``) is the feed's text, so it is shown as ``<key>``."""
    global _FIELD_NAMES
    if not _FIELD_NAMES:
        _FIELD_NAMES = _field_names()
    parts = [
        str(part) if isinstance(part, int) or part in _FIELD_NAMES else "<key>" for part in loc
    ]
    return ".".join(parts) or "record"


def describe_error(error: ValidationError, limit: int = 2) -> str:
    """Summarise a pydantic error without echoing any of the input."""
    parts = []
    # The input is looked at only to name a bad number; it is never quoted.
    for item in error.errors(include_url=False, include_input=True, include_context=False)[:limit]:
        message = "not a finite number in range" if item["input"] is BAD_NUMBER else item["msg"]
        parts.append(f"{_location(item['loc'])}: {message}")
    more = error.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


M = TypeVar("M", bound=FeedModel)

_adapters: dict[type[Any], TypeAdapter[Any]] = {}


def _list_adapter(model: type[M]) -> TypeAdapter[list[M]]:
    adapter = _adapters.get(model)
    if adapter is None:
        adapter = _adapters[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return adapter


def validate_records(
    model: type[M], items: Sequence[Any], kind: str, rejects: list[Reject]
) -> list[M]:
    """Validate each item on its own; the whole list at once when all are good (the usual case)."""
    if not items:
        return []
    try:
        return _list_adapter(model).validate_python(items)
    except ValidationError:
        pass
    good: list[M] = []
    for index, item in enumerate(items):
        try:
            good.append(model.model_validate(item))
        except ValidationError as error:
            rejects.append(Reject(kind, index, describe_error(error)))
    return good


R = TypeVar("R")


def deduplicate(
    records: list[R],
    key: Callable[[R], Hashable],
    revision: Callable[[R], int],
    kind: str,
    rejects: list[Reject],
) -> list[R]:
    """Keep one record per id: the highest revision, the first of equals. Report the others."""
    keys = list(map(key, records))  # ``key`` is an attrgetter: the usual case stays in C
    if len(set(keys)) == len(keys):
        return records
    best: dict[Hashable, tuple[int, R]] = {}
    for index, (k, record) in enumerate(zip(keys, records, strict=True)):
        held = best.get(k)
        if held is None:
            best[k] = (index, record)
            continue
        rejects.append(Reject(kind, index, f"duplicate id {k!s:.80} in one answer"))
        if revision(record) > revision(held[1]):
            best[k] = (held[0], record)
    return [record for _, record in sorted(best.values(), key=lambda pair: pair[0])]


def parse_answer(raw: bytes | str) -> Answer:
    """Validate one feed answer. Raises ``FeedError`` when the body is not a feed at all."""
    fast = _whole_answer(raw)
    if fast is not None:
        return fast
    data = decode_json(raw)
    return answer_from_data(data)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic collector off while pydantic-core builds a whole answer: what it builds is
    kept (the app freezes a whole state once applied), so collections in the middle only walk
    objects that cannot be garbage (about 7 % of validating a 400-council snapshot). Left off
    if it was off (the app starts with it off)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _whole_answer(raw: bytes | str) -> Answer | None:
    """The usual case, fast: a whole answer that is valid as it stands, parsed and validated
    in one pass by pydantic-core. Anything it refuses takes the slow path, which finds and
    rejects the bad records one by one (or the whole body) and says why."""
    if len(raw) > 64 and raw[:1] not in (b"{", "{"):
        return None
    try:
        with _collector_paused():
            document = FeedDocument.model_validate_json(raw)
    except (ValidationError, ValueError, RecursionError):
        return None
    if document.kind == "changes" and document.since is None:
        return None
    if sum(len(w.candidates) for w in document.wards) > CANDIDATES_PER_ANSWER:
        return None  # the slow path rejects the wards past the cap, one by one
    answer = Answer(
        kind=document.kind,
        seq=document.seq,
        since=document.since,
        epoch=document.epoch,
        poll_after=document.poll_after,
        changes_path=document.changes_path,
        election=document.election,
        regions=document.regions,
        parties=document.parties,
        councils=document.councils,
        referendums=document.referendums,
        counting_areas=document.counting_areas,
        mayors=document.mayors,
        wards=document.wards,
        projections=document.projections,
    )
    return _deduplicated(answer)


class _ChangesPathOnly(FeedModel):
    changes_path: ChangesPath


class _RecordLists(FeedModel):
    """The record lists of a recording line, validated in one pass (see ``whole_line``)."""

    election: Election | None = None
    regions: Annotated[list[Region], Field(max_length=PER_ANSWER["regions"])] = []
    parties: Annotated[list[Party], Field(max_length=PER_ANSWER["parties"])] = []
    councils: Annotated[list[Council], Field(max_length=PER_ANSWER["councils"])] = []
    referendums: Annotated[list[Referendum], Field(max_length=PER_ANSWER["referendums"])] = []
    counting_areas: Annotated[
        list[CountingArea], Field(max_length=PER_ANSWER["counting_areas"])
    ] = []
    mayors: Annotated[list[MayoralContest], Field(max_length=PER_ANSWER["mayors"])] = []
    wards: Annotated[list[WardContest], Field(max_length=PER_ANSWER["wards"])] = []
    projections: Projections | None = None


class _RecordingLine(FeedModel):
    type: Literal["change", "keyframe"]
    t: Annotated[int, Strict()]
    records: _RecordLists | None = None
    state: _RecordLists | None = None


def whole_line(raw: bytes, seq: int) -> tuple[str, int, Answer] | None:
    """A recording line that is valid as it stands, parsed and validated in one pass by
    pydantic-core, without the intermediate Python objects of ``json.loads`` (a keyframe of
    the ward-level night is 3.5 MB). None for anything else: the caller's slow path then
    finds and reports what is wrong, line and record, exactly as for a feed answer."""
    if raw[:1] != b"{":
        return None
    try:
        with _collector_paused():
            line = _RecordingLine.model_validate_json(raw)
    except (ValidationError, ValueError, RecursionError):
        return None
    body = line.records if line.type == "change" else line.state
    if body is None or sum(len(w.candidates) for w in body.wards) > CANDIDATES_PER_ANSWER:
        return None
    answer = Answer(
        kind="snapshot" if line.type == "keyframe" else "changes",
        seq=seq,
        since=max(0, seq - 1),
        election=body.election,
        regions=body.regions,
        parties=body.parties,
        councils=body.councils,
        referendums=body.referendums,
        counting_areas=body.counting_areas,
        mayors=body.mayors,
        wards=body.wards,
        projections=body.projections,
    )
    return line.type, line.t, _deduplicated(answer)


_BY_CODE = attrgetter("code")
_BY_ID = attrgetter("id")
_BY_KEY = attrgetter("key")
_REVISION = attrgetter("revision")


def _no_revision(record: object) -> int:
    return 0


def _deduplicated(answer: Answer) -> Answer:
    """One record per id in every list of the answer (see ``deduplicate``)."""
    rejects = answer.rejects
    answer.regions = deduplicate(answer.regions, _BY_CODE, _no_revision, "regions", rejects)
    answer.parties = deduplicate(answer.parties, _BY_CODE, _no_revision, "parties", rejects)
    answer.councils = deduplicate(answer.councils, _BY_ID, _REVISION, "councils", rejects)
    answer.referendums = deduplicate(answer.referendums, _BY_ID, _REVISION, "referendums", rejects)
    answer.counting_areas = deduplicate(
        answer.counting_areas, _BY_KEY, _REVISION, "counting_areas", rejects
    )
    answer.mayors = deduplicate(answer.mayors, _BY_ID, _REVISION, "mayors", rejects)
    answer.wards = deduplicate(answer.wards, _BY_ID, _REVISION, "wards", rejects)
    return answer


def answer_from_data(data: Any) -> Answer:
    if not isinstance(data, dict):
        raise FeedError("answer is not a JSON object")
    if data.get("format") != FORMAT:
        raise FeedError(f"answer is not an {FORMAT} document")
    try:
        envelope = _Envelope.model_validate(data)
    except ValidationError as error:
        raise FeedError(f"answer rejected: {describe_error(error)}") from None
    if envelope.kind == "changes" and envelope.since is None:
        raise FeedError("answer rejected: a changes answer needs 'since'")

    rejects: list[Reject] = []
    answer = Answer(
        kind=envelope.kind,
        seq=envelope.seq,
        since=envelope.since,
        epoch=envelope.epoch,
        poll_after=envelope.poll_after,
        rejects=rejects,
    )
    if envelope.changes_path is not None:
        found_path = validate_records(_ChangesPathOnly, [{"changes_path": envelope.changes_path}],
                                      "changes_path", rejects)  # fmt: skip
        answer.changes_path = found_path[0].changes_path if found_path else None
    if envelope.election is not None:
        found = validate_records(Election, [envelope.election], "election", rejects)
        answer.election = found[0] if found else None
    if envelope.projections is not None:
        found_p = validate_records(Projections, [envelope.projections], "projections", rejects)
        answer.projections = found_p[0] if found_p else None

    def capped(kind: str, items: list[Any]) -> list[Any]:
        cap = PER_ANSWER[kind]
        for index in range(cap, len(items)):
            rejects.append(Reject(kind, index, f"past the {cap:,} {kind} one answer may hold"))
        return items[:cap]

    answer.regions = validate_records(
        Region, capped("regions", envelope.regions), "regions", rejects
    )
    answer.parties = validate_records(
        Party, capped("parties", envelope.parties), "parties", rejects
    )
    answer.councils = validate_records(
        Council, capped("councils", envelope.councils), "councils", rejects
    )
    answer.referendums = validate_records(
        Referendum, capped("referendums", envelope.referendums), "referendums", rejects
    )
    answer.counting_areas = validate_records(
        CountingArea, capped("counting_areas", envelope.counting_areas), "counting_areas", rejects
    )
    answer.mayors = validate_records(
        MayoralContest, capped("mayors", envelope.mayors), "mayors", rejects
    )
    wards = validate_records(WardContest, capped("wards", envelope.wards), "wards", rejects)
    answer.wards = _within_candidates(wards, rejects)
    return _deduplicated(answer)


def _within_candidates(wards: list[WardContest], rejects: list[Reject]) -> list[WardContest]:
    """Wards up to CANDIDATES_PER_ANSWER candidates in all; the rest rejected and counted."""
    total = 0
    for index, ward in enumerate(wards):
        total += len(ward.candidates)
        if total > CANDIDATES_PER_ANSWER:
            for late in range(index, len(wards)):
                rejects.append(
                    Reject("wards", late, f"past the {CANDIDATES_PER_ANSWER:,} candidates "
                                          "one answer may hold")
                )  # fmt: skip
            return wards[:index]
    return wards
