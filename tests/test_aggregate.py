"""Scoreboard, result phrases and referendum totals: hand-worked cases and the real 2022 night."""

from __future__ import annotations

import pytest

from feeds.aggregate import (
    ScoreboardTally,
    control_from_composition,
    is_gain,
    result_phrase,
    scoreboard,
)
from feeds.models import Council, CountingArea, Referendum
from feeds.referendum_totals import referendum_totals
from scripts.night2022 import council_from_row, read_councils
from tests import factories as f
from tests.conftest import SHARED_DATA, needs_shared_data


def council(**kw: object) -> Council:
    return Council.model_validate(f.council(**kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("before", "after", "phrase"),
    [
        ("CON", "LAB", "LAB gain from CON"),
        ("CON", "CON", "CON hold"),
        ("CON", "NOC", "CON lose to NOC"),
        ("NOC", "LD", "LD gain from NOC"),
        ("NOC", "NOC", "NOC no change"),
        (None, "LAB", "LAB win (new council)"),
        (None, "NOC", "NOC (new council)"),
    ],
)
def test_result_phrase(before: str | None, after: str, phrase: str) -> None:
    assert result_phrase(council(before=before, after=after)) == phrase


def test_result_phrase_before_declaration() -> None:
    assert result_phrase(council(status="counting")) == "counting"
    assert result_phrase(council(status="recount", recount=2)) == "recount 2"


def test_gain_is_a_change_of_control_to_a_party() -> None:
    assert is_gain(council(before="CON", after="LAB"))
    assert not is_gain(council(before="CON", after="NOC"))
    assert not is_gain(council(before="LAB", after="LAB"))


def test_control_needs_more_than_half_of_all_seats() -> None:
    # A council electing by thirds: 20 of 60 seats up. Control counts every seat.
    assert control_from_composition({"LAB": 30, "CON": 30}, 60) == "NOC"
    assert control_from_composition({"LAB": 31, "CON": 29}, 60) == "LAB"
    assert control_from_composition({"LAB": 30, "CON": 20}, 61) == "NOC"


def test_scoreboard_hand_worked() -> None:
    councils = [
        council(
            slug="a",
            code="E09000001",
            before="CON",
            after="LAB",
            won={"LAB": 40, "CON": 20},
            change={"LAB": 10, "CON": -10},
        ),
        council(
            slug="b",
            code="E09000002",
            before="LAB",
            after="LAB",
            won={"LAB": 30, "CON": 10},
            change={"LAB": 2, "CON": -2},
        ),
        council(
            slug="c",
            code="E09000004",
            before="LAB",
            after="NOC",
            won={"LAB": 20, "LD": 20},
            change={"LAB": -5, "LD": 5},
        ),
        council(slug="d", code="E09000005", status="counting"),
        council(slug="e", code="E09000006", status="cancelled"),
    ]
    board = scoreboard(councils)
    lab, con = board.row("LAB"), board.row("CON")
    assert (board.declared, board.total) == (3, 4)
    assert lab is not None and (lab.councils, lab.councils_change) == (2, 0)
    assert (lab.councillors, lab.councillors_change) == (90, 7)
    assert con is not None and (con.councils, con.councils_change) == (0, -1)
    assert (board.noc.councils, board.noc.councils_change) == (1, 1)
    assert sum(r.councils_change for r in board.rows) + board.noc.councils_change == 0
    # Councils first, then councillors: CON (30) ahead of LD (20), both on 0 councils.
    assert [r.party for r in board.rows] == ["LAB", "CON", "LD"]


@needs_shared_data
def test_the_real_2022_night_control_counts() -> None:
    rows = read_councils(SHARED_DATA)
    assert len(rows) == 200
    board = scoreboard(council_from_row(row) for row in rows)
    counts = {r.party: r.councils for r in board.rows}
    assert counts["LAB"] == 74
    assert counts["CON"] == 35
    assert counts["LD"] == 16
    assert counts["SNP"] == 1
    assert counts["PC"] == 4
    assert counts["OTH"] == 8
    assert board.noc.councils == 62
    assert (board.declared, board.total) == (200, 200)
    changes = {r.party: r.councils_change for r in board.rows}
    assert (changes["LAB"], changes["CON"], changes["SNP"], changes["PC"]) == (5, -11, 1, 3)


BRISTOL = Referendum.model_validate(
    {
        "id": "ref.bristol.2022-05-05",
        "name": "Bristol",
        "question": "How?",
        "scope": "local",
        "revision": 1,
        "counting_areas": 1,
        "options": [
            {"id": "committee", "label": "Committee system"},
            {"id": "mayor", "label": "Elected mayor"},
        ],
    }
)


def area(
    code: str, status: str, electorate: int, committee: int = 0, mayor: int = 0, rejected: int = 0
) -> CountingArea:
    votes = {"committee": committee, "mayor": mayor} if status == "declared" else {}
    return CountingArea.model_validate(
        {
            "referendum": BRISTOL.id,
            "code": code,
            "name": code,
            "region": "E12000009",
            "electorate": electorate,
            "votes": votes,
            "rejected": rejected,
            "status": status,
            "revision": 1,
        }
    )


def test_referendum_local_final() -> None:
    totals = referendum_totals(BRISTOL, [area("E06000023", "declared", 332028, 56113, 38439, 379)])
    committee, mayor = totals.options
    assert (committee.votes, mayor.votes) == (56113, 38439)
    assert committee.share == pytest.approx(59.34, abs=0.01)
    assert totals.turnout == pytest.approx(28.59, abs=0.01)
    assert totals.final and totals.certain and totals.outcome == "committee"
    assert committee.areas_won == 1


def two_areas(**extra: object) -> Referendum:
    return BRISTOL.model_copy(update={"counting_areas": 2, **extra})


def test_referendum_outcome_certain_only_when_it_cannot_be_caught() -> None:
    declared = area("E00000001", "declared", 1000, committee=600, mayor=200)
    close = referendum_totals(two_areas(), [declared, area("E00000002", "counting", 401)])
    assert close.leader == "committee" and not close.certain and close.outcome is None
    assert close.why_open == "the lead of 400 is within the 401 electors still to declare"
    safe = referendum_totals(two_areas(), [declared, area("E00000002", "counting", 399)])
    assert safe.certain and not safe.final and safe.outcome == "committee"
    unknown = referendum_totals(
        two_areas(),
        [declared, area("E00000002", "counting", 0).model_copy(update={"electorate": None})],
    )
    assert not unknown.certain
    assert (safe.areas_declared, safe.areas_total) == (1, 2)


def test_a_referendum_whose_areas_are_listed_as_they_declare_is_never_called_early() -> None:
    """The EU night listed area by area: after the first, the app once called it final."""
    first = area("E00000001", "declared", 1000, committee=600, mayor=200)
    unsaid = BRISTOL.model_copy(update={"counting_areas": None})
    totals = referendum_totals(unsaid, [first])
    assert not totals.final and not totals.certain and totals.outcome is None
    assert totals.areas_total is None and not totals.areas_known
    assert totals.leader == "committee"
    assert "has not said how many counting areas" in (totals.why_open or "")
    # The feed says there are 382 areas: one listed is not all of them.
    partial = referendum_totals(two_areas(counting_areas=382), [first])
    assert (partial.final, partial.certain, partial.areas_total) == (False, False, 382)
    # With the whole electorate it can be certain before every area is listed, never final.
    whole_electorate = two_areas(counting_areas=None, electorate=1300)
    early = referendum_totals(whole_electorate, [first])
    assert early.remaining_electorate == 300 and early.certain and not early.final
    # A region of an incompletely listed referendum is never final either.
    region = referendum_totals(unsaid, [first], whole=totals)
    assert not region.final and region.areas_total is None


def test_unknown_rejected_ballots_stay_unknown() -> None:
    declared = area("E00000001", "declared", 1000, committee=600, mayor=200)
    no_figure = declared.model_copy(update={"rejected": None})
    assert referendum_totals(two_areas(), [no_figure]).rejected is None
    assert referendum_totals(two_areas(), [declared]).rejected == 0


def test_votes_for_an_option_the_referendum_does_not_have_are_never_summed() -> None:
    stray = area("E00000001", "declared", 100000, committee=100, mayor=200)
    stray = stray.model_copy(update={"votes": {"committee": 100, "mayor": 200, "other": 5000}})
    totals = referendum_totals(two_areas(), [stray])
    assert totals.valid_votes == 300
    assert sum(o.share for o in totals.options) == pytest.approx(100.0)
    assert totals.leader == "mayor"


def test_referendum_tie_has_no_leader() -> None:
    totals = referendum_totals(BRISTOL, [area("E00000001", "declared", 100, 10, 10)])
    assert totals.leader is None and totals.outcome is None


def test_the_scoreboard_kept_poll_by_poll_equals_the_one_summed_afresh(bundled_recording) -> None:
    """ScoreboardTally takes away and adds again only the councils that changed: through the
    whole ward-level night, with the view switching between all councils and one region,
    it must give exactly what summing every council afresh gives."""
    from feeds.store import ResultsStore

    store = ResultsStore()
    tally = ScoreboardTally()
    regions: list[str | None] = [None, "E12000007", None, "S92000003", None]
    for step, event in enumerate(bundled_recording.events):
        store.apply(event.answer)
        region = regions[(step // 40) % len(regions)]
        councils = store.councils_in(None if region is None else [region])
        kept = tally.board(councils, store.projections, store.parties, store.ward_tally)
        fresh = scoreboard(councils, store.projections, store.parties, store.ward_tally)
        assert kept == fresh, (step, region)
    whole = tally.board(store.councils_in(None), store.projections, store.parties, store.ward_tally)
    assert whole.declared == 200 and whole == scoreboard(
        store.councils_in(None), store.projections, store.parties, store.ward_tally
    )


def test_referendum_totals_kept_area_by_area_equal_the_ones_summed_afresh() -> None:
    """ReferendumTally takes away and adds again only the areas that changed: through a
    382-area national count (all expected, declared one by one, one corrected, one area's
    record gone), the whole totals and each region's must equal summing every area afresh."""
    from feeds.referendum_totals import ReferendumTally
    from feeds.store import ResultsStore
    from feeds.synthetic import REFERENDUM_ID, declaration_events

    store = ResultsStore()
    tally: ReferendumTally | None = None
    for step, (_, answer) in enumerate(declaration_events(start_ms=0, end_ms=10_000)):
        store.apply(answer)
        referendum = store.referendums[REFERENDUM_ID]
        areas = store.areas_of(REFERENDUM_ID)
        if step == 200:  # a correction: a declared area, new votes
            first = next(a for a in areas if a.has_result)
            corrected = first.model_copy(
                update={"votes": {"yes": 1, "no": 2}, "revision": first.revision + 1}
            )
            store.counting_areas[(REFERENDUM_ID, first.code)] = corrected
            areas = store.areas_of(REFERENDUM_ID)
        if step == 300:  # an area no longer listed
            areas = areas[1:]
        tally = tally or ReferendumTally(referendum)
        tally.update(referendum, areas)
        whole = referendum_totals(referendum, areas)
        assert tally.whole() == whole, step
        for code in tally.regions():
            mine = [a for a in areas if a.region == code]
            assert tally.region(code, whole) == referendum_totals(referendum, mine, whole=whole), (
                step,
                code,
            )
    assert tally is not None and tally.whole().final and tally.whole().areas_declared == 382
