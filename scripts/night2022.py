"""Build the bundled recording of the 5 May 2022 local elections from ``shared/data``.

Real: the 200 councils that voted and their 3,965 ward contests with every candidate, vote,
elected flag and STV stage; control before and after; seat changes with their basis (exact or
approximate); council composition before and after (Open Council Data snapshots,
approximate); the Bristol referendum and the 2022 mayors.
Simulated: every time (counts starting, wards declaring through the count, councils with their
last ward), the recounts and the one correction.
Run ``uv run python scripts/build_night.py`` to rebuild it; the same data gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from feeds.answer import Answer
from feeds.models import (
    Election,
    Party,
    Region,
    WardContest,
)
from feeds.recording_writer import RecordingWriter
from feeds.reference import PARTIES, REGIONS
from feeds.store import ResultsStore
from scripts.night2022_data import (
    ELECTION_ID,
    POLLS_CLOSE,
    SEED,
    CouncilNight,
    _area,
    bristol_referendum,
    council_from_row,
    expected_ward,
    mayors,
    read_councils,
    read_wards,
)


@dataclass(slots=True)
class _Timed:
    t: int
    order: int
    records: dict[str, list[Any]]


def _ms(when: dt.datetime) -> int:
    return int((when - POLLS_CLOSE).total_seconds() * 1000)


def _bst(day: int, hour: float) -> dt.datetime:
    """Local (BST) clock time on 5 or 6 May 2022 as UTC."""
    base = dt.datetime(2022, 5, day, tzinfo=dt.UTC) - dt.timedelta(hours=1)
    return base + dt.timedelta(hours=hour)


def _schedule(
    rows: list[dict[str, str]], rng: random.Random
) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """Simulated (count start, declaration) per council: overnight counts in England from
    about 23:30, the rest through Friday; Scotland and Wales count on Friday."""
    times: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for row in rows:
        if row["nation"] == "England" and rng.random() < 0.55:
            start = _bst(5, 22.5 + rng.random() * 1.5)
            declared = _bst(5, 23.5 + (rng.random() ** 1.3) * 7.0)
        elif row["nation"] == "Scotland":
            start = _bst(6, 9.0 + rng.random())
            declared = _bst(6, 12.0 + rng.random() * 6.5)
        elif row["nation"] == "Wales":
            start = _bst(6, 9.0 + rng.random())
            declared = _bst(6, 11.5 + rng.random() * 6.0)
        else:
            start = _bst(6, 9.0 + rng.random() * 1.5)
            declared = _bst(6, 11.0 + rng.random() * 8.0)
        declared = max(declared, start + dt.timedelta(minutes=45))
        times[row["ons_code"]] = (
            start.replace(second=0, microsecond=0),
            declared.replace(second=0, microsecond=0),
        )
    return times


def timeline(data_dir: Path) -> Iterator[_Timed]:
    """Every simulated moment of the night with the whole records that changed then."""
    rng = random.Random(SEED)
    rows = read_councils(data_dir)
    times = _schedule(rows, rng)
    nights = read_wards(data_dir, rows)
    order = 0
    events: list[_Timed] = []

    def add(when: dt.datetime, kind: str, record: Any) -> None:
        nonlocal order
        order += 1
        events.append(_Timed(_ms(when), order, {kind: [record]}))

    # Recounts and the correction are simulated on councils chosen by the seeded generator.
    english = sorted(r["ons_code"] for r in rows if r["nation"] == "England")
    recounted = set(rng.sample(english, 4))
    corrected, corrected_ward = _correction_target(rows, nights)
    for row in rows:
        code = row["ons_code"]
        night = nights[code]
        start, declared = times[code]
        revision = 1
        add(
            start,
            "councils",
            council_from_row(row, revision=revision, status="counting", night=night),
        )
        counted = [w for w in night.wards if w.status != "cancelled"]
        # Wards declare through the count; the council declares with its last ward.
        ward_times = _ward_times(len(counted), start, declared, rng)
        last = counted[-1].id if counted else None
        for ward, when in zip(counted, ward_times, strict=True):
            if code in recounted and ward.id == last:
                revision += 1
                council = council_from_row(row, revision=revision, status="counting", night=night)
                recount_at = declared - dt.timedelta(minutes=50)
                add(
                    recount_at,
                    "councils",
                    council.model_copy(update={"status": "recount", "recount": 1}),
                )
                add(recount_at, "wards", expected_ward(ward).model_copy(
                    update={"status": "recount", "recount": 1, "revision": 1}
                ))  # fmt: skip
            if ward.id == corrected_ward:
                add(when, "wards", _transposed(ward).model_copy(update={"declared_at": when}))
                continue
            add(when, "wards", ward.model_copy(update={"declared_at": when, "revision": 2}))
        revision += 1
        final = council_from_row(row, revision=revision, declared_at=declared, night=night)
        if code == corrected:
            # First declared with one ward's top two transposed (so the council's seat
            # figures too), then corrected 40 minutes later, ward and council.
            wrong_ward = next(w for w in night.wards if w.id == corrected_ward)
            wrong = dict(final.seats_won or {})
            for party, seats in _transposed(wrong_ward).elected_by_party().items():
                wrong[party] = wrong.get(party, 0) + seats
            for party, seats in wrong_ward.elected_by_party().items():
                wrong[party] -= seats
            add(declared, "councils", final.model_copy(
                update={"seats_won": {p: n for p, n in wrong.items() if n}}
            ))  # fmt: skip
            fixed_at = declared + dt.timedelta(minutes=40)
            note = (
                "Result corrected by the returning officer: the top two were transposed (simulated)"
            )
            add(fixed_at, "wards", wrong_ward.model_copy(
                update={"status": "corrected", "revision": 3, "declared_at": fixed_at, "note": note}
            ))  # fmt: skip
            revision += 1
            add(fixed_at, "councils", final.model_copy(
                update={"status": "corrected", "revision": revision, "note": note}
            ))  # fmt: skip
        else:
            add(declared, "councils", final)

    referendum, ref_row = bristol_referendum(data_dir)
    ref_declared = _bst(6, 17.25)
    add(_bst(6, 10.0), "counting_areas", _area(referendum, ref_row, "counting", 1, None))
    add(ref_declared, "counting_areas", _area(referendum, ref_row, "declared", 2, ref_declared))

    declared_mayors = {}
    for index, contest in enumerate(mayors(data_dir, "expected", 0, {})):
        authority = contest.name.removesuffix(" mayor")
        declared_mayors[authority] = _bst(6, 13.0 + index * 0.8 + rng.random() * 0.5)
    for contest in mayors(data_dir, "declared", 2, declared_mayors):
        authority = contest.name.removesuffix(" mayor")
        add(
            declared_mayors[authority] - dt.timedelta(hours=3),
            "mayors",
            contest.model_copy(
                update={
                    "status": "counting",
                    "revision": 1,
                    "candidates": [
                        c.model_copy(
                            update={"first_round": None, "final_round": None, "elected": False}
                        )
                        for c in contest.candidates
                    ],
                    "electorate": None,
                    "turnout": None,
                    "declared_at": None,
                    "note": None,
                }
            ),
        )
        add(declared_mayors[authority], "mayors", contest)

    events.sort(key=lambda e: (e.t, e.order))
    # Declarations at the same minute arrive together, as one change.
    merged: list[_Timed] = []
    for event in events:
        if merged and merged[-1].t == event.t:
            for kind, records in event.records.items():
                merged[-1].records.setdefault(kind, []).extend(records)
        else:
            merged.append(event)
    yield from merged


def _ward_times(
    count: int, start: dt.datetime, declared: dt.datetime, rng: random.Random
) -> list[dt.datetime]:
    """Simulated declaration times of a council's wards: through its count, in a random
    order, the last at the council's declaration."""
    if count == 0:
        return []
    first = start + dt.timedelta(minutes=20)
    span = max(0.0, (declared - first).total_seconds())
    times = sorted(
        (first + dt.timedelta(seconds=rng.random() * span)).replace(second=0, microsecond=0)
        for _ in range(count - 1)
    )
    return [*times, declared]


def _correction_target(
    rows: list[dict[str, str]], nights: dict[str, CouncilNight]
) -> tuple[str, str]:
    """The council and ward whose first declaration is simulated wrong: the first (by GSS
    code) single-member contested ward whose top two are of different parties, in England."""
    for row in sorted(rows, key=lambda r: r["ons_code"]):
        if row["nation"] != "England":
            continue
        for ward in nights[row["ons_code"]].wards:
            ranked = sorted(ward.candidates, key=lambda c: -(c.votes or 0))
            if (
                ward.status == "declared"
                and ward.seats == 1
                and len(ranked) >= 2
                and ranked[0].party != ranked[1].party
            ):
                return row["ons_code"], ward.id
    raise ValueError("no ward to simulate a correction on")


def _transposed(ward: WardContest) -> WardContest:
    """The ward as first (wrongly) declared: its top two candidates' votes swapped."""
    ranked = sorted(ward.candidates, key=lambda c: -(c.votes or 0))
    top, second = ranked[0], ranked[1]
    swapped = {
        id(top): top.model_copy(update={"votes": second.votes, "elected": False}),
        id(second): second.model_copy(update={"votes": top.votes, "elected": True}),
    }
    return ward.model_copy(
        update={"candidates": [swapped.get(id(c), c) for c in ward.candidates], "revision": 2}
    )


def opening_state(data_dir: Path) -> Answer:
    """The state at polls close: every contest expected, nothing counted."""
    rows = read_councils(data_dir)
    nights = read_wards(data_dir, rows)
    referendum, ref_row = bristol_referendum(data_dir)
    return Answer(
        kind="snapshot",
        seq=0,
        election=Election(
            id=ELECTION_ID, name="Local elections, 5 May 2022", date=dt.date(2022, 5, 5)
        ),
        regions=[Region(code=r.code, name=r.name) for r in REGIONS if r.code != "N92000002"],
        parties=[
            *(Party(code=p.code, name=p.name, colour=p.colour) for p in PARTIES),
            Party(code="ASP", name="Aspire", colour="#A0A0A0"),
        ],
        councils=[
            council_from_row(r, revision=0, status="expected", night=nights[r["ons_code"]])
            for r in rows
        ],
        wards=[expected_ward(w) for night in nights.values() for w in night.wards],
        referendums=[referendum],
        counting_areas=[_area(referendum, ref_row, "expected", 0, None)],
        mayors=mayors(data_dir, "expected", 0, {}),
    )


def write_night(data_dir: Path, handle: IO[str], *, keyframe_every: int = 250) -> int:
    """Write the whole bundled night as a recording; returns the number of lines written."""
    store = ResultsStore()
    writer = RecordingWriter(
        handle,
        source=f"built from shared/data by scripts/night2022.py (seed {SEED})",
        election=ELECTION_ID,
        started_at=POLLS_CLOSE,
        recorded_at=dt.datetime(2022, 5, 7, tzinfo=dt.UTC),
        keyframe_every=keyframe_every,
    )
    store.apply(opening_state(data_dir))
    writer.keyframe(0, store)
    lines = 2
    for seq, event in enumerate(timeline(data_dir), start=1):
        answer = Answer(kind="changes", seq=seq, since=seq - 1, **event.records)  # type: ignore[arg-type]
        changes = store.apply(answer)
        writer.change(event.t, store, changes)
        lines += 1
    return lines
