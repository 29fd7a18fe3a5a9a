"""Ward contests: validated and sanitised like every record, counted into the scoreboard as
they declare, checked against their council."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.aggregate import scoreboard, vote_share, ward_majority
from feeds.parse import parse_answer
from feeds.store import MAX_HELD, ResultsStore
from tests import factories as f


def apply(store: ResultsStore, document: dict) -> object:
    return store.apply(parse_answer(f.body(document)))


def counting_barnet() -> dict:
    return f.council(status="counting", revision=1, total=3, up=3)


def test_councillors_move_as_wards_declare_before_the_council_does() -> None:
    store = ResultsStore()
    wards = [
        f.ward("a", "E05000001", status="expected", revision=0),
        f.ward("b", "E05000002", status="expected", revision=0),
        f.ward("c", "E05000003", status="expected", revision=0),
    ]
    apply(store, f.snapshot(councils=[counting_barnet()], wards=wards))
    board = scoreboard(store.councils.values(), wards=store.ward_tally)
    assert (board.seats_declared, board.seats_total, board.declared) == (0, 3, 0)
    assert board.rows == []  # nothing declared: no party rows yet
    apply(store, f.changes(2, 1, wards=[f.ward("a", "E05000001", revision=1)]))
    apply(store, f.changes(3, 2, wards=[f.ward("b", "E05000002", revision=1, winners=("CON",),
                                                losers=("LAB",))]))  # fmt: skip
    board = scoreboard(store.councils.values(), wards=store.ward_tally)
    assert (board.seats_declared, board.seats_total, board.wards_declared) == (2, 3, 2)
    assert board.row("LAB").councillors == 1 and board.row("CON").councillors == 1  # type: ignore[union-attr]
    assert board.declared == 0  # the council has not declared yet
    assert store.seats_from_wards("local.barnet.2022-05-05") == {"LAB": 1, "CON": 1}


def test_a_council_whose_seats_disagree_with_its_wards_is_reported() -> None:
    store = ResultsStore()
    wards = [f.ward("a", "E05000001"), f.ward("b", "E05000002")]
    apply(store, f.snapshot(councils=[counting_barnet()], wards=wards))
    declared = f.council(revision=2, total=3, up=2, won={"LAB": 1, "CON": 1}, change={})
    changes = apply(store, f.changes(2, 1, councils=[declared]))
    notes = changes.implausible  # type: ignore[attr-defined]
    assert notes and "disagree with its declared wards (LAB 2)" in notes[0]
    agreeing = f.council(revision=3, total=3, up=2, won={"LAB": 2}, change={})
    assert not apply(store, f.changes(3, 2, councils=[agreeing])).implausible  # type: ignore[attr-defined]


def test_a_feed_without_wards_counts_councillors_from_councils_as_before() -> None:
    store = ResultsStore()
    apply(store, f.snapshot())
    board = scoreboard(store.councils.values(), wards=store.ward_tally)
    assert board.row("LAB").councillors == 41 and board.wards_declared == 0  # type: ignore[union-attr]
    assert (board.seats_declared, board.seats_total) == (63, 63)


def test_ward_records_are_validated_and_sanitised_one_by_one() -> None:
    too_many = f.ward("a", "E05000001", seats=1, winners=("LAB", "CON"), losers=())
    bad_code = f.ward("b", "not-a-gss")
    nan_stage = f.ward("c", "E05000003")
    nan_stage["candidates"][0]["stages"] = [1.0, float("inf")]
    hostile = f.ward("d", "E05000004", name="[@click=app.quit]Ward\x1b]52;c;x\x07")
    good = f.ward("e", "E05000005")
    text = f.body(f.snapshot(wards=[too_many, bad_code, nan_stage, hostile, good]))
    answer = parse_answer(text.replace(b"Infinity", b"1e400"))
    assert [w.id for w in answer.wards] == [
        "local.barnet.d.2022-05-05",
        "local.barnet.e.2022-05-05",
    ]
    reasons = " | ".join(str(r) for r in answer.rejects)
    assert "more candidates elected than seats" in reasons and "wards[1]: code" in reasons
    assert "\x1b" not in answer.wards[0].name and "[@click=app.quit]" in answer.wards[0].name


def test_wards_held_are_capped() -> None:
    store = ResultsStore(limits={"wards": 2})
    wards = [f.ward(f"w{i}", f"E0500000{i}") for i in range(4)]
    changes = apply(store, f.snapshot(wards=wards))
    assert len(store.wards) == 2 and len(changes.rejects) == 2  # type: ignore[attr-defined]
    assert MAX_HELD["wards"] >= 100_000


@pytest.mark.parametrize(
    ("winners", "losers", "majority"),
    [(("LAB",), ("CON", "LD"), 500), (("LAB", "LAB"), ("CON",), 499)],
)
def test_majority_is_the_last_elected_less_the_best_loser(
    winners: tuple[str, ...], losers: tuple[str, ...], majority: int
) -> None:
    store = ResultsStore()
    apply(store, f.snapshot(wards=[f.ward(seats=len(winners), winners=winners, losers=losers)]))
    ward = next(iter(store.wards.values()))
    assert ward_majority(ward) == majority
    share = vote_share(store.wards.values())
    assert share.wards_counted == 1 and round(sum(map(share.share, share.votes)), 6) == 100.0


def test_uncontested_and_postponed_wards() -> None:
    store = ResultsStore()
    uncontested = f.ward("a", "E05000001", status="uncontested", losers=())
    uncontested["candidates"][0]["elected"] = True
    postponed = f.ward("b", "E05000002", status="cancelled", note="poll postponed to 2022-06-23")
    apply(store, f.snapshot(councils=[counting_barnet()], wards=[uncontested, postponed]))
    board = scoreboard(store.councils.values(), wards=store.ward_tally)
    assert (board.seats_declared, board.seats_total) == (1, 1)  # the postponed seat is not up
    assert board.row("LAB").councillors == 1  # type: ignore[union-attr]
    assert ward_majority(store.wards["local.barnet.a.2022-05-05"]) is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),  # which ward
            st.sampled_from(["barnet", "brent"]),  # its council (a ward may move)
            st.sampled_from(["expected", "counting", "declared", "corrected", "cancelled"]),
            st.integers(1, 3),  # seats
            st.lists(st.sampled_from(["LAB", "CON", "LD", "GRN"]), min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=25,
    ),
    st.integers(1, 4),
)
def test_a_councils_ward_tally_kept_poll_by_poll_is_the_tally_of_its_wards(
    updates: list[tuple[int, str, str, int, list[str]]], per_answer: int
) -> None:
    """The tally follows each changed ward (taken away, added again) instead of summing
    every ward of the council again; it must equal the sum of the wards held."""
    from feeds.store import tally_wards

    store = ResultsStore()
    councils = [f.council(), f.council("brent", "E09000005")]
    apply(store, f.snapshot(councils=councils))
    wards = []
    for revision, (index, council, status, seats, parties) in enumerate(updates, start=2):
        ward = f.ward(
            f"w{index}",
            f"E0500{index:04d}",
            council_slug=council,
            status=status,
            revision=revision,
            seats=seats,
            winners=tuple(parties[:seats]),
            id=f"local.w{index}.2022-05-05",  # the same ward, whichever council it is given to
        )
        wards.append(ward)
    for seq, start in enumerate(range(0, len(wards), per_answer), start=2):
        # an answer may bring a ward twice: the later revision stands
        apply(store, f.changes(seq, seq - 1, wards=wards[start : start + per_answer]))
        for council_id in store.councils:  # held from here on: kept, not summed again
            held = store.wards_by_council.get(council_id)
            expected = tally_wards(held.values()) if held else None
            assert store.ward_tally(council_id) == expected
