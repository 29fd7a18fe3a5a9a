"""A Democracy Club candidates API (YourNextRepresentative) for tests, on 127.0.0.1.

It speaks ``/api/next/ballots/`` as the service defines it: the fields of its
``BallotSerializer``, ``CandidacyOnBallotSerializer``, ``MinimalPartySerializer`` and
``MinimalResultSerializer``; the filters ``election_type``, ``election_date``, ``election_id``
and ``last_updated`` (strictly after; such queries ordered by ``last_updated`` and capped at
1,000, as ``BallotViewSet.filter_queryset`` does); page-number pagination (``page``,
``page_size`` up to 100, ``count``/``next``/``previous``/``results``); anonymous requests
throttled with 429 and ``Retry-After`` (``10/minute`` on the service), ``Token`` auth.

Ballots come from ``../shared/data`` (wards-2022.csv and candidates-2022.csv) or are made by a
test. Each has the moment its result is entered, and maybe a correction later; the server's
clock decides what is shown. Run it by hand for ``watch dc:local.2022-05-05 --dc-url …``:

    uv run python -m tests.dc_server --port 8033 --speed 600
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
POLLS_CLOSE = dt.datetime(2022, 5, 5, 21, 0, tzinfo=dt.UTC)

#: The Electoral Commission register ids Democracy Club gives the parties of the 2022 data.
EC_IDS = {
    "CON": ("PP52", "Conservative and Unionist Party"),
    "LAB": ("PP53", "Labour Party"),
    "LD": ("PP90", "Liberal Democrats"),
    "GRN": ("PP63", "Green Party"),
    "SNP": ("PP102", "Scottish National Party (SNP)"),
    "PC": ("PP77", "Plaid Cymru - The Party of Wales"),
    "REF": ("PP7931", "Reform UK"),
    "UKIP": ("PP85", "UK Independence Party (UKIP)"),
    "IND": ("ynmp-party:2", "Independent"),
}
NUTS1 = {
    "E12000001": ("UKC", "North East"), "E12000002": ("UKD", "North West"),
    "E12000003": ("UKE", "Yorkshire and the Humber"), "E12000004": ("UKF", "East Midlands"),
    "E12000005": ("UKG", "West Midlands"), "E12000006": ("UKH", "East of England"),
    "E12000007": ("UKI", "London"), "E12000008": ("UKJ", "South East"),
    "E12000009": ("UKK", "South West"), "W92000004": ("UKL", "Wales"),
    "S92000003": ("UKM", "Scotland"),
}  # fmt: skip


@dataclass
class Candidacy:
    person_id: int
    name: str
    party_code: str
    party_name: str
    votes: int | None
    elected: bool


@dataclass
class BallotSpec:
    ballot_paper_id: str
    election_id: str  # the organisation's, e.g. local.barnet.2022-05-05
    election_name: str
    post_id: str  # "gss:E05…", as Every Election gives a division
    post_label: str
    winner_count: int
    voting_system: str  # "FPTP" or "STV"
    candidacies: list[Candidacy]
    region: str = ""
    cancelled: bool = False
    uncontested: bool = False
    electorate: int | None = None
    turnout: float | None = None
    spoilt: int | None = None
    valid: int | None = None
    result_at: dt.datetime | None = None  # when its result is entered (None: never)
    corrected_at: dt.datetime | None = None  # a second entry, with the figures fixed
    corrected: list[Candidacy] | None = None
    created: dt.datetime = POLLS_CLOSE - dt.timedelta(days=30)


def ballots_from_shared(data: Path, *, start: dt.datetime = POLLS_CLOSE) -> list[BallotSpec]:
    """Every ballot of 5 May 2022, results entered one by one from ``start`` a minute apart
    in a fixed shuffled order; one result entered wrong and corrected an hour later."""
    from feeds.reference import region_named
    from scripts.night2022_data import read_councils

    regions = {row["ons_code"]: region_named(row["region"]).code for row in read_councils(data)}
    candidates: dict[str, list[Candidacy]] = {}
    with (data / "candidates-2022.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            person = int(row["dc_person_id"]) if row["dc_person_id"] else _pseudo_id(row)
            candidates.setdefault(row["ballot_id"], []).append(
                Candidacy(
                    person,
                    row["candidate"],
                    row["party_code"],
                    row["party_name"],
                    int(row["votes"]) if row["votes"] else None,
                    row["elected"] == "t",
                )
            )
    specs: list[BallotSpec] = []
    with (data / "wards-2022.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            kind, organisation, *_ = row["ballot_id"].split(".")
            specs.append(
                BallotSpec(
                    ballot_paper_id=row["ballot_id"],
                    election_id=f"{kind}.{organisation}.2022-05-05",
                    election_name=f"{row['council']} local election",
                    post_id=f"gss:{row['ward_code']}",
                    post_label=row["ward"],
                    winner_count=int(row["seats"]),
                    voting_system="STV" if row["count_type"] == "stv" else "FPTP",
                    candidacies=candidates.get(row["ballot_id"], []),
                    region=regions.get(row["council_code"], ""),
                    cancelled=row["postponed"] == "t",
                    uncontested=row["contested"] == "f",
                    electorate=int(row["electorate"]) if row["electorate"] else None,
                    turnout=float(row["turnout_pct"]) if row["turnout_pct"] else None,
                    spoilt=int(row["rejected"]) if row["rejected"] else None,
                    valid=int(row["valid_votes"]) if row["valid_votes"] else None,
                )
            )
    order = sorted(specs, key=lambda s: hashlib.sha256(s.ballot_paper_id.encode()).hexdigest())
    for index, spec in enumerate(order):
        if not spec.cancelled:
            spec.result_at = start + dt.timedelta(minutes=1 + index)
    # One result entered with the top two transposed, corrected an hour later.
    wrong = next(s for s in order if s.voting_system == "FPTP" and not s.uncontested
                 and not s.cancelled and len(s.candidacies) >= 2)  # fmt: skip
    assert wrong.result_at is not None
    right = wrong.candidacies
    ranked = sorted(right, key=lambda c: -(c.votes or 0))
    swapped = {ranked[0].person_id: ranked[1].votes, ranked[1].person_id: ranked[0].votes}
    wrong.corrected = right
    wrong.candidacies = [
        Candidacy(
            c.person_id,
            c.name,
            c.party_code,
            c.party_name,
            swapped.get(c.person_id, c.votes),
            c.elected,
        )  # fmt: skip
        for c in right
    ]
    wrong.corrected_at = wrong.result_at + dt.timedelta(hours=1)
    return specs


def _pseudo_id(row: dict[str, str]) -> int:
    digest = hashlib.sha256(f"{row['ballot_id']}|{row['candidate']}".encode()).hexdigest()
    return 10_000_000 + int(digest[:6], 16)


@dataclass
class DCService:
    """The service's state and rules; ``clock`` is the server's time for the night."""

    ballots: list[BallotSpec]
    clock: Callable[[], dt.datetime]
    anonymous_per_minute: int = 10
    tokens: frozenset[str] = frozenset({"test-token"})
    requests: int = 0
    throttled: int = 0
    _anonymous: deque[float] = field(default_factory=deque)

    def throttle(self, request: Request) -> float | None:
        """Seconds to wait, for an anonymous client over its rate (DRF's AnonRateThrottle)."""
        header = request.headers.get("authorization", "")
        if header.startswith("Token ") and header[6:] in self.tokens:
            return None
        now = time.monotonic()
        while self._anonymous and now - self._anonymous[0] > 60:
            self._anonymous.popleft()
        if len(self._anonymous) >= self.anonymous_per_minute:
            self.throttled += 1
            return 60 - (now - self._anonymous[0])
        self._anonymous.append(now)
        return None

    def last_updated(self, spec: BallotSpec, now: dt.datetime) -> dt.datetime:
        times = [spec.created]
        if spec.result_at is not None and spec.result_at <= now:
            times.append(spec.result_at)
        if spec.corrected_at is not None and spec.corrected_at <= now:
            times.append(spec.corrected_at)
        return max(times)

    def ballot_json(self, spec: BallotSpec, now: dt.datetime, base: str) -> dict[str, Any]:
        entered = spec.result_at is not None and spec.result_at <= now
        candidacies = spec.candidacies
        if (
            spec.corrected is not None
            and spec.corrected_at is not None
            and spec.corrected_at <= now
        ):
            candidacies = spec.corrected
        has_votes = entered and not spec.uncontested and not spec.cancelled
        created = spec.created.isoformat()
        updated = self.last_updated(spec, now).isoformat()
        election_date = spec.election_id.rsplit(".", 1)[-1]
        nuts = NUTS1.get(spec.region)
        return {
            "url": f"{base}/api/next/ballots/{spec.ballot_paper_id}/",
            "history_url": f"{base}/api/next/ballots/{spec.ballot_paper_id}/history/",
            "results_url": f"{base}/api/next/results/{spec.ballot_paper_id}/",
            "election": {
                "election_id": spec.election_id,
                "url": f"{base}/api/next/elections/{spec.election_id}/",
                "name": spec.election_name,
                "election_date": election_date,
                "current": False,
                "party_lists_in_use": False,
                "created": created,
                "last_updated": created,
            },
            "post": {
                "id": spec.post_id,
                "label": spec.post_label,
                "slug": spec.ballot_paper_id.split(".")[2],
                "created": created,
                "last_updated": created,
            },
            "winner_count": spec.winner_count,
            "ballot_paper_id": spec.ballot_paper_id,
            # The serializer's get_cancelled: true when cancelled, or when uncontested.
            "cancelled": spec.cancelled or spec.uncontested,
            "sopn": None,
            "candidates_locked": True,
            "candidacies": [_candidacy(c, base, entered, has_votes, created) for c in candidacies],
            "created": created,
            "last_updated": updated,
            "replaces": None,
            "replaced_by": None,
            "uncontested": spec.uncontested,
            "results": {
                "num_turnout_reported": (spec.valid or 0) + (spec.spoilt or 0) or None,
                "turnout_percentage": spec.turnout,
                "num_spoilt_ballots": spec.spoilt,
                "source": "Council website",
                "total_electorate": spec.electorate,
            }
            if has_votes
            else None,
            "voting_system": spec.voting_system,
            "tags": {"NUTS1": {"key": nuts[0], "value": nuts[1]}} if nuts else {},
            "by_election_reason": "" if ".by." not in spec.ballot_paper_id else "DEATH",
        }


def _candidacy(
    c: Candidacy, base: str, entered: bool, has_votes: bool, created: str
) -> dict[str, Any]:
    ec_id, name = EC_IDS.get(c.party_code, (f"PP{_party_number(c.party_name)}", c.party_name))
    return {
        "elected": c.elected if entered else None,
        "party_list_position": None,
        "party": {
            "url": f"{base}/api/next/parties/{ec_id}/",
            "ec_id": ec_id,
            "name": name,
            "legacy_slug": f"party:{ec_id.removeprefix('PP')}",
            "created": created,
            "modified": created,
        },
        "party_name": c.party_name,
        "party_description_text": "",
        "deselected": False,
        "deselected_source": None,
        "sopn_last_name": c.name.rsplit(" ", 1)[-1].upper(),
        "sopn_first_names": c.name.rsplit(" ", 1)[0],
        "created": created,
        "modified": created,
        "person": {
            "id": c.person_id,
            "url": f"{base}/api/next/people/{c.person_id}/",
            "name": c.name,
        },  # fmt: skip
        "result": {"elected": c.elected, "num_ballots": c.votes} if has_votes else None,
    }


def _party_number(name: str) -> int:
    return 10_000 + int(hashlib.sha256(name.encode()).hexdigest()[:4], 16)


def create_app(service: DCService) -> Starlette:
    async def ballots(request: Request) -> JSONResponse:
        service.requests += 1
        wait = service.throttle(request)
        if wait is not None:
            seconds = max(1, int(wait + 0.999))
            return JSONResponse(
                {"detail": f"Request was throttled. Expected available in {seconds} seconds."},
                429,
                headers={"Retry-After": str(seconds)},
            )
        query = request.query_params
        now = service.clock()
        chosen = service.ballots
        if "election_type" in query:
            chosen = [b for b in chosen if b.election_id.startswith(query["election_type"])]
        if "election_date" in query:
            chosen = [b for b in chosen if b.election_id.endswith(query["election_date"])]
        if "election_id" in query:
            chosen = [b for b in chosen if b.election_id == query["election_id"]]
        # Ballots only exist once created (a test may make the night's later).
        chosen = [b for b in chosen if b.created <= now]
        if "last_updated" in query:
            try:
                since = dt.datetime.fromisoformat(query["last_updated"])
            except ValueError:
                return JSONResponse({"last_updated": ["Enter a valid date/time."]}, 400)
            if since.tzinfo is None:
                since = since.replace(tzinfo=dt.UTC)
            chosen = [b for b in chosen if service.last_updated(b, now) > since]
            chosen = sorted(chosen, key=lambda b: service.last_updated(b, now))[:1000]
        else:
            chosen = sorted(chosen, key=lambda b: b.ballot_paper_id)
        try:
            size = min(int(query.get("page_size", "10")), 100)
            page = int(query.get("page", "1"))
        except ValueError:
            return JSONResponse({"detail": "Invalid page."}, 404)
        if size < 1 or page < 1 or (page - 1) * size >= max(len(chosen), 1) and page > 1:
            return JSONResponse({"detail": "Invalid page."}, 404)
        base = f"{request.url.scheme}://{request.url.netloc}"
        items = chosen[(page - 1) * size : page * size]
        params = dict(query)

        def link(number: int) -> str:
            return f"{base}/api/next/ballots/?{urlencode({**params, 'page': str(number)})}"

        return JSONResponse(
            headers={"Date": format_datetime(now, usegmt=True)},  # the service's own clock
            content={
                "count": len(chosen),
                "next": link(page + 1) if page * size < len(chosen) else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": [service.ballot_json(b, now, base) for b in items],
            },
        )

    return Starlette(routes=[Route("/api/next/ballots/", ballots, methods=["GET"])])


class NightClock:
    """The night's time: from ``start``, ``speed`` times real time."""

    def __init__(self, start: dt.datetime = POLLS_CLOSE, speed: float = 1.0) -> None:
        self.start, self.speed, self.began = start, speed, time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=(time.monotonic() - self.began) * self.speed)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8033)
    parser.add_argument("--speed", type=float, default=600.0, help="night seconds per second")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    service = DCService(ballots_from_shared(args.data), NightClock(speed=args.speed))
    print(f"Democracy Club API (test) at http://127.0.0.1:{args.port}; token: test-token")
    app = create_app(service)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", date_header=False)


if __name__ == "__main__":
    main()
