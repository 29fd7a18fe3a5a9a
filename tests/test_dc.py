"""Democracy Club's candidates API as a source, against a real HTTP server on 127.0.0.1 that
speaks the service's shapes (tests/dc_server.py)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds import dc_source
from feeds.dc_source import CREDIT, DCPoller
from feeds.polling import Failed, PollSettings, Updated
from feeds.replay_server import ServerThread
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.dc_server import POLLS_CLOSE, BallotSpec, Candidacy, DCService, create_app

NIGHT = "local.2022-05-05"


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def ballot(
    council: str,
    ward: str,
    code: str,
    *,
    result_in: int | None = 10,
    seats: int = 1,
    uncontested: bool = False,
    cancelled: bool = False,
    candidates: tuple[tuple[str, str, int | None, bool], ...] = (
        ("Ann Able", "LAB", 900, True),
        ("Bob Baker", "CON", 400, False),
    ),
) -> BallotSpec:
    return BallotSpec(
        ballot_paper_id=f"local.{council}.{ward}.2022-05-05",
        election_id=f"local.{council}.2022-05-05",
        election_name=f"{council} local election",
        post_id=f"gss:{code}",
        post_label=ward.replace("-", " ").title(),
        winner_count=seats,
        voting_system="FPTP",
        candidacies=[
            Candidacy(
                1000 + i, name, party, "Labour Party" if party == "LAB" else party, votes, won
            )
            for i, (name, party, votes, won) in enumerate(candidates)
        ],
        cancelled=cancelled,
        uncontested=uncontested,
        electorate=5000,
        turnout=26.0,
        spoilt=3,
        valid=1300,
        result_at=None if result_in is None else POLLS_CLOSE + dt.timedelta(minutes=result_in),
    )


@pytest.fixture(autouse=True)
def quick_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    # The service's pace (6.5 s anonymous, 1 s with a token) would make these tests minutes.
    monkeypatch.setattr(dc_source, "ANONYMOUS_PACE", 0.01)
    monkeypatch.setattr(dc_source, "TOKEN_PACE", 0.01)
    monkeypatch.delenv("DC_API_TOKEN", raising=False)


def serve(service: DCService) -> ServerThread:
    # The service's Date header is its own clock (the night's), as on the real service.
    return ServerThread(create_app(service), date_header=False)


def poller(url: str) -> DCPoller:
    return DCPoller(f"dc:{NIGHT}", settings=PollSettings(interval=0.01, dc_url=url))


async def load(p: DCPoller, polls: int = 500) -> None:
    for _ in range(polls):
        outcome = await p.poll()
        assert not isinstance(outcome, Failed), outcome
        if p.loaded:
            return
    raise AssertionError("never loaded")


def test_a_night_of_ballots_arrives_as_wards_and_councils(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(POLLS_CLOSE)
    specs = [
        ballot("hartlepool", "burn-valley", "E05013038", result_in=10),
        ballot("hartlepool", "de-bruce", "E05013039", result_in=20),
        ballot(
            "hartlepool",
            "fens",
            "E05013040",
            uncontested=True,
            candidates=(("Cy Cole", "CON", None, True),),
        ),  # fmt: skip
        ballot("hartlepool", "foggy-furze", "E05013041", cancelled=True, result_in=None),
    ]
    service = DCService(specs, clock, anonymous_per_minute=100)

    async def night(url: str) -> None:
        p = poller(url)
        try:
            await load(p)
            wards = {w.name: w for w in p.store.wards.values()}
            assert wards["Burn Valley"].status == "expected"
            assert wards["Fens"].status == "uncontested"
            assert [c.elected for c in wards["Fens"].candidates] == [True]
            assert wards["Foggy Furze"].status == "cancelled"
            (council,) = p.store.councils.values()
            assert (council.code, council.region, council.total_seats) == (
                "E06000001", "E12000001", 36)  # fmt: skip
            assert council.control_before == "NOC" and council.status == "counting"

            clock.now = POLLS_CLOSE + dt.timedelta(minutes=15)  # a partial night
            outcome = await p.poll()
            assert isinstance(outcome, Updated)
            burn = p.store.wards["local.hartlepool.burn-valley.2022-05-05"]
            assert burn.status == "declared" and burn.electorate == 5000
            assert [(c.name, c.votes, c.elected) for c in burn.candidates] == [
                ("Ann Able", 900, True), ("Bob Baker", 400, False)]  # fmt: skip
            assert p.store.wards["local.hartlepool.de-bruce.2022-05-05"].status == "expected"

            # A result entered again with other figures is a correction.
            specs[0].corrected = [
                Candidacy(1000, "Ann Able", "LAB", "Labour Party", 901, True),
                Candidacy(1001, "Bob Baker", "CON", "CON", 400, False),
            ]
            specs[0].corrected_at = POLLS_CLOSE + dt.timedelta(minutes=16)
            clock.now = POLLS_CLOSE + dt.timedelta(minutes=30)
            await p.poll()
            burn = p.store.wards["local.hartlepool.burn-valley.2022-05-05"]
            assert burn.status == "corrected" and burn.candidates[0].votes == 901
            assert p.store.councils["local.hartlepool.2022-05-05"].status == "declared"
            assert CREDIT in p.url
        finally:
            await p.aclose()

    with serve(service) as server:
        asyncio.run(night(server.url))


def _many(n: int) -> list[BallotSpec]:
    return [ballot("barnet", f"ward-{i:03d}", f"E05{i:06d}") for i in range(n)]


def test_pages_are_followed_then_only_changes_are_asked_for() -> None:
    clock = Clock(POLLS_CLOSE)
    service = DCService(_many(250), clock, anonymous_per_minute=1000)
    seen: list[str] = []
    app = create_app(service)

    async def spy(scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] == "http":
            seen.append(scope["query_string"].decode())
        await app(scope, receive, send)

    async def night(url: str) -> None:
        p = poller(url)
        try:
            await load(p)
            assert len(p.store.wards) == 250 and len(seen) == 3  # pages of 100
            assert all("page_size=100" in q and "election_type=local" in q for q in seen)
            assert all("election_date=2022-05-05" in q for q in seen)
            clock.now = POLLS_CLOSE + dt.timedelta(hours=1)
            await p.poll()
            assert "last_updated=" in seen[-1]  # after the first read, only what changed
            assert sum(w.has_result for w in p.store.wards.values()) == 100  # one page of them
        finally:
            await p.aclose()

    with ServerThread(spy, date_header=False) as server:
        asyncio.run(night(server.url))


def test_429_and_retry_after_are_obeyed_and_a_token_lifts_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = DCService(_many(250), Clock(POLLS_CLOSE), anonymous_per_minute=2)

    async def anonymous(url: str) -> None:
        p = poller(url)
        try:
            assert isinstance(await p.poll(), Updated)
            assert isinstance(await p.poll(), Updated)
            limited = await p.poll()
            assert isinstance(limited, Failed) and "rate limited" in limited.reason
            assert 50 <= limited.next_poll <= 61  # the service's Retry-After, not our pace
            assert len(p.store.wards) == 200  # what was read stays
        finally:
            await p.aclose()

    async def with_token(url: str) -> None:
        monkeypatch.setenv("DC_API_TOKEN", "test-token")
        p = poller(url)
        try:
            await load(p)
            assert len(p.store.wards) == 250 and p.auth_configured
            assert "test-token" not in repr(p) and "test-token" not in p.url
        finally:
            await p.aclose()

    with serve(service) as server:
        asyncio.run(anonymous(server.url))
        asyncio.run(with_token(server.url))
    assert service.throttled == 1


def test_a_bad_ballot_is_rejected_and_the_rest_apply() -> None:
    specs = _many(3)
    specs[1].post_id = "unit_id:123"  # a ward without a GSS code
    service = DCService(specs, Clock(POLLS_CLOSE), anonymous_per_minute=100)

    async def night(url: str) -> None:
        p = poller(url)
        try:
            outcome = await p.poll()
            assert isinstance(outcome, Updated)
            assert len(p.store.wards) == 2
            assert any("no GSS code" in str(r) for r in outcome.changes.rejects)
        finally:
            await p.aclose()

    with serve(service) as server:
        asyncio.run(night(server.url))


def test_a_bad_election_id_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    from tui.cli import main

    assert main(["watch", "dc:Local 2026"]) == 2
    assert "not a Democracy Club election id" in capsys.readouterr().err


# The whole 2022 night from ../shared/data -------------------------------------------------


@pytest.fixture(scope="module")
def night_2022() -> Iterator[tuple[str, DCService]]:
    from tests.dc_server import ballots_from_shared

    if not (SHARED_DATA / "candidates-2022.csv").is_file():
        pytest.skip("../shared/data is not beside this checkout")
    clock = Clock(POLLS_CLOSE + dt.timedelta(days=7))
    service = DCService(ballots_from_shared(SHARED_DATA), clock, anonymous_per_minute=10_000)
    with serve(service) as server:
        yield server.url, service


def _data_seats() -> dict[str, Counter[str]]:
    """Seats won per council and party, as the data says: the polls postponed to a later day
    (cancelled ballots on the night) not counted, independents with others (OTH)."""
    with (SHARED_DATA / "wards-2022.csv").open(encoding="utf-8", newline="") as handle:
        postponed = {r["ballot_id"] for r in csv.DictReader(handle) if r["postponed"] == "t"}
    seats: dict[str, Counter[str]] = {}
    with (SHARED_DATA / "candidates-2022.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["elected"] == "t" and row["ballot_id"] not in postponed:
                party = "OTH" if row["party_code"] == "IND" else row["party_code"]
                seats.setdefault(row["council_code"], Counter())[party] += 1
    return seats


@needs_shared_data
def test_the_2022_night_councils_and_councillors_exactly_as_the_data_says(
    night_2022: tuple[str, DCService], capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from tui.cli import main

    url, _ = night_2022
    assert main(["summary", f"dc:{NIGHT}", "--dc-url", url, "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    board = summary["scoreboard"]
    won = {row["party"]: row["councillors"] for row in board["parties"]}
    assert (won["LAB"], won["CON"], won["LD"], won["SNP"]) == (3073, 1403, 868, 453)
    assert board["declared"] == board["total"] == 200
    data = _data_seats()
    for council in summary["councils"]:
        assert Counter(council["seats_won"]) == data[council["code"]], council["name"]
    # Control, where every seat was up, is the majority of the seats the data says were won
    # (not the data's new_control, which is from a composition snapshot months later: in
    # Havering it counts defections after the night).
    from feeds.aggregate import control_from_composition

    called = [c for c in summary["councils"] if c["control_after"] is not None]
    assert len(called) >= 90
    for council in called:
        want = control_from_composition(dict(data[council["code"]]), council["total_seats"])
        assert council["control_after"] == want, council["name"]


@needs_shared_data
async def test_watch_shows_the_2022_night_as_its_results_arrive(
    night_2022: tuple[str, DCService], tmp_path: Path
) -> None:
    from tests.test_tui_pilot import scoreboard_rows
    from tests.tui_helpers import make_test_app
    from tui.feed_source import FeedSource

    url, service = night_2022
    assert isinstance(service.clock, Clock)
    service.clock.now = POLLS_CLOSE + dt.timedelta(hours=2)  # 119 results in
    p = poller(url)
    app = make_test_app(tmp_path, source=FeedSource(p.url, p), poll=True)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(400):
            await pilot.pause(0.02)
            if p.loaded:
                break
        await pilot.pause(0.1)
        # Two hours in, 120 results entered (a minute apart), a few of them uncontested.
        entered = sum(w.status in ("declared", "corrected") for w in p.store.wards.values())
        assert 90 <= entered <= 120
        assert sum(c.has_result for c in p.store.councils.values()) < 200
        service.clock.now = POLLS_CLOSE + dt.timedelta(days=7)
        for _ in range(400):
            await pilot.pause(0.02)
            if sum(c.has_result for c in p.store.councils.values()) == 200:
                break
        await pilot.pause(0.1)
        assert sum(w.has_result for w in p.store.wards.values()) == 3961
        rows = scoreboard_rows(app)  # what the screen shows
        assert rows["LAB"][3] == "3073" and rows["CON"][3] == "1403" and rows["LD"][3] == "868"
        assert "Democracy Club" in app.source.label


def test_a_result_entered_while_later_pages_are_read_is_not_missed() -> None:
    clock = Clock(POLLS_CLOSE)
    specs = _many(250)
    service = DCService(specs, clock, anonymous_per_minute=1000)

    async def night(url: str) -> None:
        p = poller(url)
        try:
            await p.poll()  # page 1 of 3 read
            clock.now = POLLS_CLOSE + dt.timedelta(minutes=10)  # every result entered now
            await load(p)
            first = p.store.wards[specs[0].ballot_paper_id]
            assert first.status == "expected"  # page 1 was read before its result
            await p.poll()  # what changed since the first round began
            assert p.store.wards[specs[0].ballot_paper_id].status == "declared"
        finally:
            await p.aclose()

    with serve(service) as server:
        asyncio.run(night(server.url))


def test_dc_councils_table_is_built_from_shared_data() -> None:
    if not (SHARED_DATA / "local-2022-councils.csv").is_file():
        pytest.skip("../shared/data is not beside this checkout")
    from scripts.build_dc_councils import DEFAULT_OUTPUT, build

    assert build(SHARED_DATA) == DEFAULT_OUTPUT.read_bytes(), "run scripts/build_dc_councils.py"
