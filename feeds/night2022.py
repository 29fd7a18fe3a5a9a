"""Build the bundled recording of the 5 May 2022 local elections from ``shared/data``.

Real: the 200 councils that voted, their region, type, size, seats up, control before and
after, council composition before and after (Open Council Data snapshots, approximate), exact
seats won where the data has them, the Bristol referendum and the 2022 mayors.
Simulated: every time (counts starting, declarations), the recounts and the one correction.
Run ``uv run python scripts/build_night.py`` to rebuild it; the same data gives the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from feeds.answer import Answer
from feeds.models import (
    NOC,
    Candidate,
    Council,
    CountingArea,
    Election,
    MayoralContest,
    Party,
    Referendum,
    ReferendumOption,
    Region,
)
from feeds.recording import RecordingWriter
from feeds.reference import PARTIES, REGION_BY_NAME, REGIONS
from feeds.store import ResultsStore

ELECTION_ID = "local.2022-05-05"
ELECTION_DATE = "2022-05-05"
#: Offset 0 of the recording: polls close at 22:00 BST on Thursday 5 May 2022.
POLLS_CLOSE = dt.datetime(2022, 5, 5, 21, 0, tzinfo=dt.UTC)
SEED = 20220505

CONTROL_CODES = {
    "Lab": "LAB",
    "Con": "CON",
    "LD": "LD",
    "PC": "PC",
    "SNP": "SNP",
    "NOC": NOC,
    "Ind/Other": "OTH",
    "Grn": "GRN",
}
COMPOSITION_PARTIES = {
    "con": "CON",
    "lab": "LAB",
    "ld": "LD",
    "grn": "GRN",
    "snp": "SNP",
    "pc": "PC",
    "ref": "REF",
    "ukip": "UKIP",
    "other": "OTH",
}
SEATS_WON_PARTIES = {
    "con": "CON",
    "lab": "LAB",
    "ld": "LD",
    "grn": "GRN",
    "pc": "PC",
    "ref": "REF",
    "oth": "OTH",
}
MAYOR_PARTIES = {
    "Conservative": "CON",
    "Labour": "LAB",
    "Labour Co-op": "LAB",
    "Green": "GRN",
    "Liberal Democrats": "LD",
    "Aspire": "ASP",
}


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value else None


def _party_map(row: dict[str, str], prefix: str, names: dict[str, str]) -> dict[str, int]:
    result: dict[str, int] = {}
    for column, code in names.items():
        value = _int(row.get(f"{prefix}{column}", ""))
        if value:
            result[code] = result.get(code, 0) + value
    return result


def council_from_row(
    row: dict[str, str],
    *,
    revision: int = 0,
    status: str = "declared",
    declared_at: dt.datetime | None = None,
) -> Council:
    """One row of local-2022-councils.csv as the declared council record the feed carries."""
    total = int(row["total_seats"])
    seats_up = int(row["seats_up"])
    composition_after = _party_map(row, "composition_after_", COMPOSITION_PARTIES)
    composition_before = _party_map(row, "composition_before_", COMPOSITION_PARTIES)
    change = _party_map(row, "composition_change_", COMPOSITION_PARTIES)
    # Seat figures: exact where the data has them; for all-out councils the new council make-up
    # is close to seats won; elsewhere the feed honestly has no figures (null).
    seats_won: dict[str, int] | None = None
    if row["seats_won_basis"].startswith("exact"):
        seats_won = _party_map(row, "seats_won_", SEATS_WON_PARTIES)
    elif row["election_pattern"] == "all-out" and sum(composition_after.values()) <= seats_up:
        seats_won = composition_after
    previous = row["previous_control"]
    return Council(
        id=f"local.{slug(row['council'])}.{ELECTION_DATE}",
        code=row["ons_code"],
        name=row["council"],
        region=REGION_BY_NAME[row["region"].casefold()].code,
        council_type=row["council_type"],
        total_seats=total,
        seats_up=min(seats_up, total),
        control_before=None if previous == "new council" else CONTROL_CODES[previous],
        status=status,
        seats_won=seats_won if status in ("declared", "corrected") else None,
        seats_change=({p: v for p, v in change.items() if v} if seats_won is not None else None)
        if status in ("declared", "corrected")
        else None,
        composition_before=composition_before or None,
        composition_after=composition_after if status in ("declared", "corrected") else None,
        control_after=CONTROL_CODES[row["new_control"]]
        if status in ("declared", "corrected")
        else None,
        declared_at=declared_at,
        revision=revision,
    )


def read_councils(data_dir: Path) -> list[dict[str, str]]:
    with (data_dir / "local-2022-councils.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


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


def bristol_referendum(data_dir: Path) -> tuple[Referendum, dict[str, Any]]:
    with (data_dir / "referendums-2022.csv").open(encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    referendum = Referendum(
        id=f"ref.{slug(row['area'])}.{row['date']}",
        name=f"{row['area']} governance referendum",
        question=row["question"],
        scope="local",
        options=[
            ReferendumOption(id="committee", label=row["option_a"]),
            ReferendumOption(id="mayor", label=row["option_b"]),
        ],
        counting_areas=1,  # a city-wide referendum, counted as one area
        revision=0,
    )
    return referendum, row


def _area(
    referendum: Referendum,
    row: dict[str, str],
    status: str,
    revision: int,
    declared_at: dt.datetime | None,
) -> CountingArea:
    declared = status == "declared"
    return CountingArea(
        referendum=referendum.id,
        code=row["ons_code"],
        name=row["area"],
        region=REGION_BY_NAME["south west"].code,
        electorate=int(row["electorate"]),
        votes={"committee": int(row["votes_a"]), "mayor": int(row["votes_b"])} if declared else {},
        rejected=int(row["rejected_ballots"]) if declared else None,
        status=status,
        declared_at=declared_at,
        revision=revision,
    )


MAYOR_REGIONS = {"London borough": "london", "district": "east of england"}


def mayors(
    data_dir: Path, status: str, revision: int, declared: dict[str, dt.datetime]
) -> list[MayoralContest]:
    contests = []
    with (data_dir / "mayors-2022.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            region = MAYOR_REGIONS.get(row["authority_type"], "yorkshire and the humber")
            is_declared = status == "declared"
            candidates = [
                Candidate(
                    name=row["winner"],
                    party=MAYOR_PARTIES.get(row["winner_party"], "OTH"),
                    party_name=row["winner_party"],
                    first_round=_int(row["winner_first_round_votes"]) if is_declared else None,
                    final_round=_int(row["winner_final_votes"]) if is_declared else None,
                    elected=is_declared,
                )
            ]
            if row["runner_up"]:
                candidates.append(
                    Candidate(
                        name=row["runner_up"],
                        party=MAYOR_PARTIES.get(row["runner_up_party"], "OTH"),
                        party_name=row["runner_up_party"],
                        first_round=_int(row["runner_up_first_round_votes"])
                        if is_declared
                        else None,
                        final_round=_int(row["runner_up_final_votes"]) if is_declared else None,
                    )
                )
            turnout = row["turnout_pct"].strip()
            contests.append(
                MayoralContest(
                    id=f"mayor.{slug(row['authority'])}.{ELECTION_DATE}",
                    code=row["ons_code"] or None,
                    name=f"{row['authority']} mayor",
                    region=REGION_BY_NAME[region].code,
                    candidates=candidates,
                    status=status,
                    electorate=_int(row["electorate"]) if is_declared else None,
                    turnout=float(turnout) if turnout and is_declared else None,
                    declared_at=declared.get(row["authority"]) if is_declared else None,
                    revision=revision,
                    note=(row["note"] or None) if is_declared else None,
                )
            )
    return contests


def timeline(data_dir: Path) -> Iterator[_Timed]:
    """Every simulated moment of the night with the whole records that changed then."""
    rng = random.Random(SEED)
    rows = read_councils(data_dir)
    times = _schedule(rows, rng)
    order = 0
    events: list[_Timed] = []

    def add(when: dt.datetime, kind: str, record: Any) -> None:
        nonlocal order
        order += 1
        events.append(_Timed(_ms(when), order, {kind: [record]}))

    # Recounts and the correction are simulated on councils chosen by the seeded generator.
    english = sorted(r["ons_code"] for r in rows if r["nation"] == "England")
    recounted = set(rng.sample(english, 4))
    corrected = next(
        r["ons_code"]
        for r in sorted(rows, key=lambda r: r["ons_code"])
        if r["seats_won_basis"].startswith("exact")
        and sum(1 for c in SEATS_WON_PARTIES if (_int(r[f"seats_won_{c}"]) or 0) > 0) >= 2
    )
    for row in rows:
        start, declared = times[row["ons_code"]]
        revision = 1
        add(start, "councils", council_from_row(row, revision=revision, status="counting"))
        if row["ons_code"] in recounted:
            revision += 1
            council = council_from_row(row, revision=revision, status="counting")
            add(
                declared - dt.timedelta(minutes=50),
                "councils",
                council.model_copy(update={"status": "recount", "recount": 1}),
            )
        revision += 1
        final = council_from_row(row, revision=revision, declared_at=declared)
        won = final.seats_won
        if row["ons_code"] == corrected and won:
            # First declared with two parties' seat figures transposed, then corrected.
            ranked = sorted(won, key=lambda p: -won[p])
            top, second = ranked[0], ranked[1]
            wrong = dict(won)
            wrong[top], wrong[second] = wrong[top] - 1, wrong[second] + 1
            add(declared, "councils", final.model_copy(update={"seats_won": wrong}))
            revision += 1
            add(
                declared + dt.timedelta(minutes=40),
                "councils",
                final.model_copy(
                    update={
                        "status": "corrected",
                        "revision": revision,
                        "note": "Seat figures corrected by the returning officer (simulated)",
                    }
                ),
            )
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


def opening_state(data_dir: Path) -> Answer:
    """The state at polls close: every contest expected, nothing counted."""
    rows = read_councils(data_dir)
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
        councils=[council_from_row(r, revision=0, status="expected") for r in rows],
        referendums=[referendum],
        counting_areas=[_area(referendum, ref_row, "expected", 0, None)],
        mayors=mayors(data_dir, "expected", 0, {}),
    )


def write_night(data_dir: Path, handle: IO[str], *, keyframe_every: int = 60) -> int:
    """Write the whole bundled night as a recording; returns the number of lines written."""
    store = ResultsStore()
    writer = RecordingWriter(
        handle,
        source=f"built from shared/data by feeds.night2022 (seed {SEED})",
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
