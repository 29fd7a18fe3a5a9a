"""A seeded, synthetic local-elections night at national scale, for the benchmarks: every ward
of the hex layout (8,482 wards of 374 councils, real GSS codes and councils) contested at once,
with candidates. Everything else is generated: names of wards, candidates, votes, control.

    from feeds.synthetic_national import national_night
    night = national_night(seed=2026)  # the same seed, the same night
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feeds.aggregate import control_from_composition
from feeds.answer import Answer
from feeds.models import Council, Election, Party, Region, WardCandidate, WardContest
from feeds.reference import PARTIES, REGIONS

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = ROOT / "tui" / "maps" / "hexmaps.json.gz"
PLACES = Path(__file__).with_name("pa_places.json")
DATE = "2026-05-07"
ELECTION_ID = f"local.{DATE}"
#: Party strengths (a share of the vote before local swing) for the generated candidates.
STRENGTH = {"LAB": 30, "CON": 24, "LD": 14, "REF": 12, "GRN": 9, "OTH": 6, "SNP": 3, "PC": 2}


@dataclass(frozen=True, slots=True)
class NationalNight:
    opening: Answer  # every council and ward expected, with its candidates
    declarations: list[Answer]  # one ward declared each, with its council when it is the last


def national_night(seed: int = 2026) -> NationalNight:
    rng = random.Random(seed)
    layout = json.loads(gzip.decompress(LAYOUT.read_bytes()))
    districts: dict[str, list[object]] = layout["districts"]
    names = {row[0]: row[1] for row in json.loads(PLACES.read_text("utf-8"))["councils"]}
    wards_by_council: dict[str, list[str]] = {}
    for code, (_, _, council) in sorted(layout["wards"].items()):
        wards_by_council.setdefault(council, []).append(code)
    councils: list[Council] = []
    expected: list[WardContest] = []
    declared: dict[str, WardContest] = {}
    for code, wards in sorted(wards_by_council.items()):
        region = str(districts.get(code, [0, 0, ""])[2]) or "E12000007"
        nation = region[0]
        local = {p: s * rng.uniform(0.5, 1.6) for p, s in STRENGTH.items()}
        if nation != "S":
            local["SNP"] = 0
        if nation != "W":
            local["PC"] = 0
        council_id = f"local.c{code.lower()}.{DATE}"
        seats_up = 0
        for number, ward in enumerate(wards, start=1):
            seats = rng.choice((1, 1, 2, 3))
            seats_up += seats
            parties = [p for p, s in local.items() if s > 0]
            standing = rng.sample(parties, k=min(len(parties), rng.randint(3, 6)))
            candidates = []
            for index, party in enumerate(standing):
                for slot in range(seats if party in ("LAB", "CON", "LD") else 1):
                    votes = int(local[party] * rng.uniform(20, 90))
                    candidates.append((f"Candidate {number}-{index}-{slot}", party, votes))
            ranked = sorted(candidates, key=lambda c: -c[2])
            winners = {c[0] for c in ranked[:seats]}
            contest: dict[str, Any] = dict(
                id=f"local.c{code.lower()}.w{number}.{DATE}",
                council=council_id,
                code=ward,
                name=f"{names.get(code, code)} ward {number}",
                seats=seats,
            )
            expected.append(
                WardContest(
                    **contest,
                    candidates=[WardCandidate(name=n, party=p) for n, p, _ in candidates],
                    status="expected",
                    revision=0,
                )
            )
            declared[ward] = WardContest(
                **contest,
                candidates=[
                    WardCandidate(name=n, party=p, votes=v, elected=n in winners)
                    for n, p, v in candidates
                ],
                status="declared",
                revision=1,
            )
        before = Counter(rng.choices(list(local), weights=list(local.values()), k=seats_up))
        councils.append(
            Council(
                id=council_id,
                code=code,
                name=names.get(code, code),
                region=region,
                council_type="council",
                total_seats=seats_up,
                seats_up=seats_up,
                control_before=control_from_composition(dict(before), seats_up),
                composition_before=dict(before),
                status="expected",
                revision=0,
            )
        )
    opening = Answer(
        kind="snapshot",
        seq=1,
        election=Election(
            id=ELECTION_ID,
            name="Synthetic national local elections (benchmark)",
            date=dt.date.fromisoformat(DATE),
            test=True,
        ),
        regions=[Region(code=r.code, name=r.name) for r in REGIONS],
        parties=[Party(code=p.code, name=p.name, colour=p.colour) for p in PARTIES],
        councils=councils,
        wards=expected,
    )
    order = list(declared.values())
    rng.shuffle(order)
    remaining = Counter(w.council for w in order)
    won: dict[str, Counter[str]] = {}
    by_id = {c.id: c for c in councils}
    declarations = []
    for seq, contest_declared in enumerate(order, start=2):
        council_id = contest_declared.council
        remaining[council_id] -= 1
        won.setdefault(council_id, Counter()).update(contest_declared.elected_by_party())
        answer = Answer(kind="changes", seq=seq, since=seq - 1, wards=[contest_declared])
        if remaining[council_id] == 0:
            council = by_id[council_id]
            seats_won = dict(won[council_id])
            answer.councils = [
                council.model_copy(
                    update={
                        "status": "declared",
                        "seats_won": seats_won,
                        "composition_after": seats_won,
                        "control_after": control_from_composition(seats_won, council.total_seats),
                        "revision": 1,
                    }
                )
            ]
        declarations.append(answer)
    return NationalNight(opening, declarations)
