"""Headless summaries: the scoreboard, referendums and mayors as text or JSON.

This is how scripts, and anyone checking the numbers, read a feed without the UI.
The JSON shape is documented in docs/summary-json.md.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feeds.aggregate import (
    MayoralResult,
    ReferendumTotals,
    Scoreboard,
    mayoral_result,
    referendum_totals,
    scoreboard,
)
from feeds.answer import FeedError
from feeds.client import (
    DEFAULT_MAX_BODY,
    Failed,
    FeedConfigError,
    FeedPoller,
    PollSettings,
    check_feed_url,
)
from feeds.models import NOC, Region
from feeds.parse import parse_answer
from feeds.recording import RECORDING_FORMAT, RecordingError, parse_moment, read_recording
from feeds.reference import REGIONS
from feeds.sanitise import clean_line
from feeds.store import ResultsStore

SUMMARY_FORMAT = "election-night-summary/1"


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


def find_region(store: ResultsStore, text: str) -> Region:
    """A region by GSS code or by name (case-insensitive; a unique prefix will do)."""
    known = {**{r.code: Region(code=r.code, name=r.name) for r in REGIONS}, **store.regions}
    wanted = text.strip()
    if wanted.upper() in known:
        return known[wanted.upper()]
    folded = wanted.casefold()
    exact = [r for r in known.values() if r.name.casefold() == folded]
    if exact:
        return exact[0]
    prefix = [r for r in known.values() if r.name.casefold().startswith(folded)]
    if len(prefix) == 1:
        return prefix[0]
    names = ", ".join(sorted(r.name for r in known.values()))
    raise SourceError(f"no single region matches {text!r}; regions: {names}")


@dataclass(frozen=True, slots=True)
class Summary:
    store: ResultsStore
    region: Region | None
    scoreboard: Scoreboard
    referendums: list[ReferendumTotals]
    mayors: list[MayoralResult]


def summarise(store: ResultsStore, region: Region | None = None) -> Summary:
    codes = None if region is None else {region.code}
    councils = store.councils_in(codes)
    board = scoreboard(councils, store.projections, store.parties)
    referendums = []
    for referendum in store.referendums.values():
        all_areas = store.areas_of(referendum.id)
        whole = referendum_totals(referendum, all_areas)
        if codes is None:
            referendums.append(whole)
            continue
        areas = [a for a in all_areas if a.region in codes]
        if areas:
            referendums.append(referendum_totals(referendum, areas, whole=whole))
    mayors = [
        mayoral_result(m) for m in store.mayors.values() if codes is None or m.region in codes
    ]
    return Summary(store, region, board, referendums, mayors)


def _signed(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value:+d}" if value else "0"


def _count(value: int | None) -> str:
    return "—" if value is None else str(value)


def as_text(summary: Summary) -> str:
    store = summary.store
    board = summary.scoreboard
    title = store.election.name if store.election else "Election"
    where = summary.region.name if summary.region else "Great Britain"
    lines = [f"{title} - {where}"]
    if store.election and store.election.test:
        lines.append("TEST DATA")
    lines.append(f"Declared {board.declared} of {board.total} councils")
    lines.append("")
    lines.append(f"{'Party':<6} {'Councils':>8} {'+/-':>5} {'Councillors':>11} {'+/-':>6}")
    for row in board.rows:
        lines.append(
            f"{row.party:<6} {row.councils:>8} {_signed(row.councils_change):>5} "
            f"{_count(row.councillors):>11} {_signed(row.councillors_change):>6}"
        )
    noc = board.noc
    lines.append(f"{NOC:<6} {noc.councils:>8} {_signed(noc.councils_change):>5}")
    lines.append(
        f"Councillors from the {board.councils_with_seats} declared councils "
        "whose seat figures the feed supplies."
    )
    if board.projections is not None:
        lines.append("")
        lines.append("Projected national share")
        for share in board.projections.shares:
            change = f" ({share.change:+.0f})" if share.change is not None else ""
            lines.append(f"  {share.party:<6} {share.share:5.1f}%{change}")
    if summary.referendums:
        lines.append("")
        lines.append("Referendums")
        for totals in summary.referendums:
            lines.append(f"  {totals.referendum.name}")
            for option in totals.options:
                lines.append(
                    f"    {option.label:<30} {option.votes:>12,} {option.share:5.1f}%"
                    f"  areas won {option.areas_won}"
                )
            state = (
                "final" if totals.final else ("certain" if totals.certain else "not yet certain")
            )
            outcome = next(
                (o.label for o in totals.options if o.option == totals.outcome), "no outcome yet"
            )
            turnout = f", turnout {totals.turnout:.2f}%" if totals.turnout is not None else ""
            of = totals.areas_total if totals.areas_total is not None else "?"
            lines.append(
                f"    {totals.areas_declared} of {of} areas declared{turnout}; "
                f"outcome: {outcome} ({state})"
            )
            if totals.outcome is None and totals.why_open and totals.areas_declared:
                lines.append(f"    not certain: {totals.why_open}")
    if summary.mayors:
        lines.append("")
        lines.append("Mayors")
        for result in summary.mayors:
            if result.winner:
                lines.append(
                    f"  {result.contest.name:<28} {result.winner} ({result.winner_party}) elected"
                )
            else:
                lines.append(f"  {result.contest.name:<28} {result.contest.status}")
    # Every line leaves through the one sanitiser (names were cleaned on entry; this is the
    # same rule for all text the app prints).
    return "\n".join(clean_line(line, limit=2_000) for line in lines) + "\n"


def as_json(summary: Summary) -> dict[str, Any]:
    store = summary.store
    board = summary.scoreboard
    return {
        "format": SUMMARY_FORMAT,
        "election": store.election.model_dump(mode="json") if store.election else None,
        "region": summary.region.model_dump(mode="json") if summary.region else None,
        "seq": store.seq,
        "scoreboard": {
            "declared": board.declared,
            "total": board.total,
            "councils_with_seats": board.councils_with_seats,
            "parties": [
                {
                    "party": row.party,
                    "councils": row.councils,
                    "councils_change": row.councils_change,
                    "councillors": row.councillors,
                    "councillors_change": row.councillors_change,
                }
                for row in board.rows
            ],
            "noc": {"councils": board.noc.councils, "councils_change": board.noc.councils_change},
        },
        "projections": (
            [s.model_dump(mode="json") for s in board.projections.shares]
            if board.projections
            else None
        ),
        "referendums": [
            {
                "id": t.referendum.id,
                "name": t.referendum.name,
                "options": [
                    {
                        "id": o.option,
                        "label": o.label,
                        "votes": o.votes,
                        "share": round(o.share, 3),
                        "areas_won": o.areas_won,
                    }
                    for o in t.options
                ],
                "areas_declared": t.areas_declared,
                "areas_total": t.areas_total,
                "areas_known": t.areas_known,
                "rejected": t.rejected,
                "turnout": round(t.turnout, 3) if t.turnout is not None else None,
                "leader": t.leader,
                "outcome": t.outcome,
                "certain": t.certain,
                "final": t.final,
            }
            for t in summary.referendums
        ],
        "mayors": [
            {
                "id": m.contest.id,
                "name": m.contest.name,
                "status": m.contest.status,
                "winner": m.winner,
                "winner_party": m.winner_party,
                "candidates": [c.model_dump(mode="json") for c in m.contest.candidates],
            }
            for m in summary.mayors
        ],
    }
