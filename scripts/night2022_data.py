"""The 5 May 2022 local elections as records, read from ``shared/data``: councils, their
ward contests with every candidate, the Bristol referendum and the mayors (all real; see
``scripts/night2022.py`` for what is simulated)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from feeds.models import (
    NOC,
    Candidate,
    Council,
    CountingArea,
    MayoralContest,
    Referendum,
    ReferendumOption,
    WardCandidate,
    WardContest,
)
from feeds.reference import REGION_BY_NAME

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
    night: CouncilNight | None = None,
) -> Council:
    """One row of local-2022-councils.csv as the declared council record the feed carries;
    with ``night`` (its wards), the exact seats up, seats won and seat changes of the night."""
    total = int(row["total_seats"])
    seats_up = night.seats_up if night is not None else int(row["seats_up"])
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
    new_control = CONTROL_CODES[row["new_control"]]
    change_basis = None
    if night is not None:
        seats_won = night.seats_won
        change = night.seats_change or {}
        change_basis = night.change_basis
        if night.seats_won.get("ASP", 0) * 2 > total:  # Tower Hamlets: Aspire's majority
            new_control = "ASP"
    declared = status in ("declared", "corrected")
    size_before = sum(composition_before.values()) if composition_before else None
    return Council(
        id=night.council_id
        if night is not None
        else f"local.{slug(row['council'])}.{ELECTION_DATE}",
        code=row["ons_code"],
        name=row["council"],
        region=REGION_BY_NAME[row["region"].casefold()].code,
        council_type=row["council_type"],
        total_seats=total,
        seats_up=min(seats_up, total),
        control_before=None if previous == "new council" else CONTROL_CODES[previous],
        status=status,
        seats_won=seats_won if declared else None,
        seats_change=_seats_change(night, seats_won, change) if declared else None,
        seats_change_basis=change_basis if declared else None,
        composition_before=composition_before or None,
        composition_after=composition_after if declared else None,
        total_seats_before=size_before if size_before and size_before != total else None,
        control_after=new_control if declared else None,
        declared_at=declared_at,
        revision=revision,
    )


def _seats_change(
    night: CouncilNight | None, seats_won: dict[str, int] | None, change: dict[str, int]
) -> dict[str, int] | None:
    if night is not None:
        return night.seats_change  # None for the four new councils: unknown, not zero
    return {p: v for p, v in change.items() if v} if seats_won is not None else None


#: seats-change-2022.csv party columns; independents are in ``oth`` there, as in the wards.
CHANGE_PARTIES = {
    "con": "CON", "lab": "LAB", "ld": "LD", "grn": "GRN", "snp": "SNP", "pc": "PC",
    "ref": "REF", "ukip": "UKIP", "oth": "OTH",
}  # fmt: skip


def ward_party(code: str, name: str) -> str:
    """A candidate's party code as the night uses it everywhere: independents are OTH (as in
    every seat total of the data), and Tower Hamlets' Aspire is ASP, as in the mayors."""
    if name.strip().casefold() == "aspire":
        return "ASP"
    return "OTH" if code == "IND" else code


@dataclass(slots=True)
class CouncilNight:
    """One council's wards on the night, with the figures the council record takes from them."""

    council_id: str  # Democracy Club's election id of the council
    wards: list[WardContest]  # each in its declared (or uncontested, or postponed) state
    seats_up: int
    seats_won: dict[str, int]
    seats_change: dict[str, int] | None
    change_basis: Literal["exact", "approximate"] | None


def _f(value: str) -> float | None:
    value = value.strip()
    return float(value) if value else None


def democracy_club_ids(data_dir: Path) -> dict[str, str]:
    """Each council's election id as Democracy Club has it, from its ballots
    (``local.edinburgh.almond.2022-05-05`` is of ``local.edinburgh.2022-05-05``): never
    composed from the council's name, which differs for five councils."""
    ids: dict[str, set[str]] = {}
    with (data_dir / "wards-2022.csv").open(encoding="utf-8", newline="") as handle:
        for w in csv.DictReader(handle):
            kind, organisation, *_ = w["ballot_id"].split(".")
            ids.setdefault(w["council_code"], set()).add(f"{kind}.{organisation}.{ELECTION_DATE}")
    result = {}
    for code, found in ids.items():
        if len(found) != 1:
            raise ValueError(f"{code}: ballots of more than one organisation: {sorted(found)}")
        result[code] = found.pop()
    return result


def read_wards(data_dir: Path, rows: list[dict[str, str]]) -> dict[str, CouncilNight]:
    """Every ward contest of the night, declared, from wards-2022.csv and candidates-2022.csv."""
    council_ids = democracy_club_ids(data_dir)
    candidates: dict[str, list[WardCandidate]] = {}
    unreadable: set[str] = set()  # ballots with a stage figure the source garbles
    with (data_dir / "candidates-2022.csv").open(encoding="utf-8", newline="") as handle:
        for c in csv.DictReader(handle):
            stages = _stages(c["stages"])
            if c["stages"] and stages is None:
                unreadable.add(c["ballot_id"])
            candidates.setdefault(c["ballot_id"], []).append(
                WardCandidate(
                    name=c["candidate"],
                    party=ward_party(c["party_code"], c["party_name"]),
                    party_name=c["party_name"] or None,
                    votes=_int(c["votes"]),
                    elected=c["elected"] == "t",
                    stages=stages,
                    elected_at_stage=_int(c["elected_at_stage"]),
                )
            )
    wards: dict[str, list[WardContest]] = {}
    with (data_dir / "wards-2022.csv").open(encoding="utf-8", newline="") as handle:
        for w in csv.DictReader(handle):
            postponed = w["postponed"] == "t"
            status = "declared" if w["contested"] == "t" else "uncontested"
            if postponed:
                status = "cancelled"
            people = candidates.get(w["ballot_id"], [])
            if postponed:  # no result on the night: candidates as nominated
                people = [_unvoted(p) for p in people]
            wards.setdefault(w["council_code"], []).append(
                WardContest(
                    id=w["ballot_id"],
                    council=council_ids[w["council_code"]],
                    code=w["ward_code"],
                    name=w["ward"],
                    seats=int(w["seats"]),
                    count_type="stv" if w["count_type"] == "stv" else "fptp",
                    candidates=people,
                    electorate=_int(w["electorate"]),
                    turnout=_f(w["turnout_pct"]),
                    valid_votes=_int(w["valid_votes"]),
                    rejected=_int(w["rejected"]),
                    quota=_int(w["quota"]),
                    by_election=w["by_election"] == "t",
                    status=status,
                    revision=1,
                    note=f"poll postponed to {w['poll_date']}"
                    if postponed
                    else (UNREADABLE_STAGES if w["ballot_id"] in unreadable else None),
                )
            )
    changes: dict[str, dict[str, str]] = {}
    with (data_dir / "seats-change-2022.csv").open(encoding="utf-8", newline="") as handle:
        for c in csv.DictReader(handle):
            changes[c["ons_code"]] = c
    nights: dict[str, CouncilNight] = {}
    for row in rows:
        code = row["ons_code"]
        council_wards = sorted(wards.get(code, []), key=lambda w: w.name.casefold())
        won: dict[str, int] = {}
        for ward in council_wards:
            if ward.has_result:
                for party, seats in ward.elected_by_party().items():
                    won[party] = won.get(party, 0) + seats
        change_row = changes[code]
        seats_change: dict[str, int] | None = None
        basis: Literal["exact", "approximate"] | None = None
        if not change_row["basis"].startswith("none"):
            basis = "exact" if change_row["basis"].startswith("exact") else "approximate"
            seats_change = {}
            for column, party in CHANGE_PARTIES.items():
                value = int(change_row[f"change_{column}"] or 0)
                if value:
                    seats_change[party] = value
            if won.get("ASP"):  # Aspire's seats are in "oth" there; it had none before
                base_oth = int(change_row["base_oth"] or 0)
                seats_change["ASP"] = won["ASP"]
                seats_change["OTH"] = won.get("OTH", 0) - base_oth
                seats_change = {p: v for p, v in seats_change.items() if v}
        nights[code] = CouncilNight(
            council_id=council_ids[code],
            wards=council_wards,
            seats_up=sum(w.seats for w in council_wards),
            seats_won=won,
            seats_change=seats_change,
            change_basis=basis,
        )
    return nights


UNREADABLE_STAGES = (
    "a stage figure in the source is unreadable; that candidate's stages are not shown"
)


def _stages(text: str) -> list[float] | None:
    """STV stage totals; None when absent, or when one of them cannot be read (the source
    has one such, ``462.466.26``): unknown, never guessed."""
    if not text:
        return None
    try:
        return [float(v) for v in text.split(";")]
    except ValueError:
        return None


def expected_ward(ward: WardContest) -> WardContest:
    """A ward at polls close: its candidates as nominated, nothing counted."""
    if ward.status == "cancelled":
        return ward.model_copy(update={"revision": 0})
    return ward.model_copy(
        update={
            "status": "expected",
            "revision": 0,
            "turnout": None,
            "valid_votes": None,
            "rejected": None,
            "quota": None,
            "candidates": [_unvoted(c) for c in ward.candidates],
        }
    )


def _unvoted(candidate: WardCandidate) -> WardCandidate:
    return candidate.model_copy(
        update={"votes": None, "elected": False, "stages": None, "elected_at_stage": None}
    )


def read_councils(data_dir: Path) -> list[dict[str, str]]:
    with (data_dir / "local-2022-councils.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


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
