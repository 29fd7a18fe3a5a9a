"""Headless summaries: the scoreboard, referendums and mayors as text or JSON.

This is how scripts, and anyone checking the numbers, read a feed without the UI.
The JSON shape is documented in docs/summary-json.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from feeds.aggregate import (
    MayoralResult,
    Scoreboard,
    mayoral_result,
    result_phrase,
    scoreboard,
    ward_majority,
    ward_votes,
)
from feeds.models import NOC, Council, Region, WardContest
from feeds.news import News, night_so_far
from feeds.reference import REGIONS
from feeds.referendum_totals import ReferendumTotals, referendum_totals
from feeds.sanitise import clean_line
from feeds.sources import SourceError
from feeds.store import ResultsStore

SUMMARY_FORMAT = "election-night-summary/1"
UK = ZoneInfo("Europe/London")


def find_region(store: ResultsStore, text: str) -> Region:
    """A region by GSS code or by any name it is known by, the feed's or the ONS's
    ("East" or "East of England"; case-insensitive; a prefix naming one region will do)."""
    known = {**{r.code: Region(code=r.code, name=r.name) for r in REGIONS}, **store.regions}
    names: dict[str, set[str]] = {}  # every name, folded -> the codes it names
    for code, name in [*((r.code, r.name) for r in REGIONS),
                       *((r.code, r.name) for r in store.regions.values())]:  # fmt: skip
        names.setdefault(name.casefold(), set()).add(code)
    wanted = text.strip()
    if wanted.upper() in known:
        return known[wanted.upper()]
    folded = wanted.casefold()
    exact = names.get(folded, set())
    if len(exact) == 1:
        return known[next(iter(exact))]
    prefix = {code for name, codes in names.items() if name.startswith(folded) for code in codes}
    if len(prefix) == 1:
        return known[next(iter(prefix))]
    names_list = ", ".join(sorted(r.name for r in known.values()))
    raise SourceError(f"no single region matches {text!r}; regions: {names_list}")


@dataclass(frozen=True, slots=True)
class Summary:
    store: ResultsStore
    region: Region | None
    scoreboard: Scoreboard
    referendums: list[ReferendumTotals]
    mayors: list[MayoralResult]
    councils: list[Council]
    changes_of_control: list[News]  # in the order they happened
    with_wards: bool = False


def summarise(store: ResultsStore, region: Region | None = None, *, wards: bool = False) -> Summary:
    codes = None if region is None else {region.code}
    councils = store.councils_in(codes)
    board = scoreboard(councils, store.projections, store.parties, store.ward_tally)
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
    ordered = sorted(councils, key=lambda c: c.name.casefold())
    changes = [
        item
        for item in night_so_far(store)
        if item.changed_hands and (codes is None or item.region in codes)
    ]
    return Summary(store, region, board, referendums, mayors, ordered, changes, wards)


def council_seats(store: ResultsStore, council: Council) -> dict[str, int] | None:
    """Seats won: from its declared wards where the feed has them, else the council's own."""
    from_wards = store.seats_from_wards(council.id)
    if from_wards is not None:
        return from_wards
    return council.seats_won if council.has_result else None


def _wards_of(store: ResultsStore, council: Council) -> list[WardContest]:
    return sorted(
        store.wards_by_council.get(council.id, {}).values(), key=lambda w: w.name.casefold()
    )


def _party_seats(seats: dict[str, int] | None, *, signed: bool = False) -> str:
    if seats is None:
        return "—"
    items = sorted(((p, n) for p, n in seats.items() if n), key=lambda i: (-abs(i[1]), i[0]))
    if not items:
        return "0"
    return " ".join(f"{p}{n:+d}" if signed else f"{p} {n}" for p, n in items)


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
    where = summary.region.name if summary.region else store.whole_name()
    lines = [f"{title} - {where}"]
    if store.election and store.election.test:
        lines.append("TEST DATA")
    if board.total:  # a referendum-only night has no council scoreboard to print
        lines.append(
            f"Declared {board.declared} of {board.total} councils; "
            f"seats declared {board.seats_declared:,} of {board.seats_total:,}"
        )
        lines.append("")
        lines.append(f"{'Party':<6} {'Councils':>8} {'+/-':>5} {'Councillors':>11} {'+/-':>6}")
        for row in board.rows:
            lines.append(
                f"{row.party:<6} {row.councils:>8} {_signed(row.councils_change):>5} "
                f"{_count(row.councillors):>11} {_signed(row.councillors_change):>6}"
            )
        noc = board.noc
        lines.append(f"{NOC:<6} {noc.councils:>8} {_signed(noc.councils_change):>5}")
        if board.wards_declared:
            lines.append(
                f"Councillors counted ward by ward: {board.wards_declared:,} wards declared."
            )
        else:
            lines.append(
                f"Councillors from the {board.councils_with_seats} declared councils "
                "whose seat figures the feed supplies."
            )
        lines.append(_changes_note(board))
        if board.control_unknown:
            lines.append(
                f"Control after the election: not given for {board.control_unknown} of the "
                f"{board.declared} declared councils (not counted in Councils or +/-)."
            )
    if board.projections is not None:
        lines.append("")
        lines.append("Projected national share")
        for share in board.projections.shares:
            change = f" ({share.change:+.0f})" if share.change is not None else ""
            lines.append(f"  {share.party:<6} {share.share:5.1f}%{change}")
    if summary.changes_of_control:
        lines.append("")
        lines.append(f"Changes of control ({len(summary.changes_of_control)})")
        for item in summary.changes_of_control:
            lines.append(f"  {_uk_time(item.when)}  {item.text}")
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
            labels = {o.option: o.label for o in totals.options}
            if totals.outcome is not None:
                outcome = f"outcome: {labels[totals.outcome]} ({state})"
            elif totals.leader is not None:
                outcome = f"no outcome yet: {labels[totals.leader]} leads ({state})"
            else:
                outcome = "no outcome yet"
            turnout = f", turnout {totals.turnout:.2f}%" if totals.turnout is not None else ""
            rejected = f", rejected {totals.rejected:,}" if totals.rejected is not None else ""
            of = totals.areas_total if totals.areas_total is not None else "?"
            lines.append(
                f"    {totals.areas_declared} of {of} areas declared{turnout}{rejected}; {outcome}"
            )
            if totals.outcome is None and totals.why_open and totals.areas_declared:
                lines.append(f"    not certain: {totals.why_open}")
    if summary.councils:
        lines.append("")
        lines.append("Councils")
        for council in summary.councils:
            won = council_seats(store, council)
            seat_change = council.seats_change if council.has_result else None
            basis = f" ({council.seats_change_basis})" if council.seats_change_basis else ""
            lines.append(
                f"  {council.name:<32} {result_phrase(council):<22} "
                f"won {_party_seats(won)}; change {_party_seats(seat_change, signed=True)}"
                f"{basis if seat_change is not None else ''}"
            )
            if summary.with_wards:
                for ward in _wards_of(store, council):
                    lines.append(f"    {_ward_line(ward)}")
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


def _uk_time(when: dt.datetime) -> str:
    if when.year < 1900:  # no time in the feed
        return "--:-- ---"
    return when.astimezone(UK).strftime("%H:%M %Z")


def _changes_note(board: Scoreboard) -> str:
    none = board.declared - board.councils_with_changes
    return (
        f"Seat changes: exact for {board.changes_exact}, approximate for "
        f"{board.changes_approximate}, none for {none} of the {board.declared} declared "
        "councils (exact: the same seats as last elected; approximate: new wards or size)."
    )


def _ward_line(ward: WardContest) -> str:
    elected = sorted(
        (c for c in ward.candidates if c.elected),
        key=lambda c: (c.elected_at_stage or 0, -(c.votes or 0)),
    )
    winners = ", ".join(f"{c.name} ({c.party})" for c in elected)
    if ward.status == "cancelled":
        return f"{ward.name}: {ward.note or 'cancelled'}"
    if not ward.has_result:
        return f"{ward.name}: {ward.status}"
    majority = ward_majority(ward)
    extra = f"; majority {majority:,}" if majority is not None else ""
    turnout = f"; turnout {ward.turnout:.1f}%" if ward.turnout is not None else ""
    return f"{ward.name}: {winners or 'no one elected'}{extra}{turnout} ({ward.status})"


def council_json(store: ResultsStore, council: Council) -> dict[str, Any]:
    wards = [w for w in _wards_of(store, council) if w.status != "cancelled"]
    return {
        "id": council.id,
        "code": council.code,
        "name": council.name,
        "region": council.region,
        "status": council.status,
        "control_before": council.control_before,
        "control_after": council.control_after if council.has_result else None,
        "result": result_phrase(council),
        "total_seats": council.total_seats,
        "total_seats_before": council.total_seats_before,
        "seats_up": council.seats_up,
        "seats_won": council_seats(store, council),
        "seats_change": council.seats_change if council.has_result else None,
        "seats_change_basis": council.seats_change_basis if council.has_result else None,
        "wards_declared": sum(1 for w in wards if w.has_result) if wards else None,
        "wards_total": len(wards) if wards else None,
        "declared_at": council.declared_at.isoformat() if council.declared_at else None,
    }


def ward_json(ward: WardContest) -> dict[str, Any]:
    total = ward_votes(ward)
    return {
        "id": ward.id,
        "council": ward.council,
        "code": ward.code,
        "name": ward.name,
        "status": ward.status,
        "seats": ward.seats,
        "count_type": ward.count_type,
        "electorate": ward.electorate,
        "turnout": ward.turnout,
        "valid_votes": ward.valid_votes,
        "rejected": ward.rejected,
        "quota": ward.quota,
        "majority": ward_majority(ward),
        "by_election": ward.by_election,
        "note": ward.note,
        "candidates": [
            {
                "name": c.name,
                "party": c.party,
                "party_name": c.party_name,
                "votes": c.votes,
                "share": round(100.0 * (c.votes or 0) / total, 2) if total else None,
                "elected": c.elected,
                "stages": c.stages,
                "elected_at_stage": c.elected_at_stage,
            }
            for c in ward.candidates
        ],
    }


def as_json(summary: Summary) -> dict[str, Any]:
    store = summary.store
    board = summary.scoreboard
    document: dict[str, Any] = {
        "format": SUMMARY_FORMAT,
        "election": store.election.model_dump(mode="json") if store.election else None,
        "region": summary.region.model_dump(mode="json") if summary.region else None,
        "seq": store.seq,
        "scoreboard": {
            "declared": board.declared,
            "total": board.total,
            "seats_declared": board.seats_declared,
            "wards_declared": board.wards_declared,
            "seats_total": board.seats_total,
            "councils_with_seats": board.councils_with_seats,
            "councils_with_changes": board.councils_with_changes,
            "changes_exact": board.changes_exact,
            "changes_approximate": board.changes_approximate,
            "control_unknown": board.control_unknown,
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
        "councils": [council_json(store, c) for c in summary.councils],
        "changes_of_control": [
            {"council": item.council_id, "declared_at": item.when.isoformat(), "text": item.text}
            for item in summary.changes_of_control
        ],
    }
    if summary.with_wards:
        document["wards"] = [ward_json(w) for c in summary.councils for w in _wards_of(store, c)]
    return document
