from __future__ import annotations

from feeds.parse import parse_answer
from feeds.store import ResultsStore
from tests import factories as f


def apply(store: ResultsStore, document: dict) -> object:
    return store.apply(parse_answer(f.body(document)))


BRISTOL = {
    "id": "ref.bristol.2022-05-05",
    "name": "Bristol",
    "question": "Q?",
    "scope": "local",
    "revision": 1,
    "counting_areas": 1,
    "options": [{"id": "committee", "label": "Committee"}, {"id": "mayor", "label": "Mayor"}],
}
BRISTOL_AREA = {
    "referendum": "ref.bristol.2022-05-05",
    "code": "E06000023",
    "name": "Bristol",
    "region": "E12000009",
    "status": "declared",
    "revision": 1,
    "votes": {"committee": 5000, "mayor": 3000},
}


def test_highest_revision_wins_and_older_or_equal_is_ignored() -> None:
    store = ResultsStore()
    apply(store, f.snapshot(seq=1, councils=[f.council(revision=2)]))
    same = apply(store, f.changes(2, 1, councils=[f.council(revision=2, after="LD")]))
    older = apply(store, f.changes(3, 2, councils=[f.council(revision=1, after="CON")]))
    assert store.councils["local.barnet.2022-05-05"].control_after == "LAB"
    assert same.empty and same.ignored_stale == 1  # type: ignore[attr-defined]
    assert older.empty  # type: ignore[attr-defined]


def test_newer_revision_replaces_and_reports_exactly_that_id() -> None:
    store = ResultsStore()
    apply(store, f.snapshot(seq=1, councils=[f.council(), f.council("brent", "E09000005")]))
    changes = apply(
        store, f.changes(2, 1, councils=[f.council(revision=2, status="corrected", after="CON")])
    )
    assert list(changes.councils) == ["local.barnet.2022-05-05"]  # type: ignore[attr-defined]
    change = changes.councils["local.barnet.2022-05-05"]  # type: ignore[attr-defined]
    assert change.before.control_after == "LAB" and change.after.control_after == "CON"
    assert change.corrected and not change.newly_declared


def test_newly_declared_is_flagged() -> None:
    store = ResultsStore()
    apply(store, f.snapshot(seq=1, councils=[f.council(status="counting", revision=1)]))
    changes = apply(store, f.changes(2, 1, councils=[f.council(revision=2)]))
    assert changes.councils["local.barnet.2022-05-05"].newly_declared  # type: ignore[attr-defined]


def test_replaying_the_same_answer_changes_nothing() -> None:
    store = ResultsStore()
    document = f.snapshot(seq=1, councils=[f.council(), f.council("brent", "E09000005")])
    apply(store, document)
    again = apply(store, document)
    assert again.empty  # type: ignore[attr-defined]


def test_empty_lists_never_wipe_state() -> None:
    store = ResultsStore()
    apply(store, f.snapshot(seq=1))
    apply(store, f.snapshot(seq=2, councils=[], regions=[], parties=[]))
    assert len(store.councils) == 1 and len(store.regions) == 3


def test_areas_of_unknown_referendum_or_option_are_rejected() -> None:
    store = ResultsStore()
    referendum = BRISTOL
    area = dict(BRISTOL_AREA, votes={"committee": 5, "mayor": 3})
    stray = dict(area, referendum="ref.other.2022-05-05")
    wrong_option = dict(area, code="E06000024", votes={"yes": 3})
    changes = apply(
        store, f.snapshot(referendums=[referendum], counting_areas=[area, stray, wrong_option])
    )
    assert list(store.counting_areas) == [("ref.bristol.2022-05-05", "E06000023")]
    assert len(changes.rejects) == 2  # type: ignore[attr-defined]
    assert store.rejected_total == 2


def test_implausible_jumps_apply_as_the_feed_says_and_are_flagged() -> None:
    store = ResultsStore()
    apply(store, f.snapshot(seq=1, councils=[f.council(revision=1)]))
    jump = apply(store, f.changes(2, 1, councils=[f.council(revision=2, after="CON")]))
    assert store.councils["local.barnet.2022-05-05"].control_after == "CON"
    assert jump.implausible == [  # type: ignore[attr-defined]
        "Barnet: control changed from LAB to CON without a correction"
    ]
    fixed = apply(store, f.changes(3, 2, councils=[f.council(revision=3, status="corrected")]))
    assert store.councils["local.barnet.2022-05-05"].control_after == "LAB"
    assert fixed.implausible == []  # type: ignore[attr-defined]


def test_votes_falling_in_an_area_is_flagged() -> None:
    store = ResultsStore()
    referendum = {
        "id": "ref.x.2022-05-05",
        "name": "X",
        "question": "Q?",
        "scope": "national",
        "revision": 1,
        "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}],
    }
    area = {
        "referendum": "ref.x.2022-05-05",
        "code": "E06000023",
        "name": "Area",
        "region": "E12000009",
        "status": "declared",
        "revision": 1,
        "votes": {"yes": 50, "no": 40},
    }
    apply(store, f.snapshot(referendums=[referendum], counting_areas=[area]))
    changes = apply(
        store, f.changes(2, 1, counting_areas=[dict(area, revision=2, votes={"yes": 30, "no": 40})])
    )
    assert changes.implausible == ["Area: votes fell for yes without a correction"]  # type: ignore[attr-defined]
    assert store.counting_areas[("ref.x.2022-05-05", "E06000023")].votes["yes"] == 30


def test_one_bad_record_among_hundreds() -> None:
    from feeds.parse import parse_answer

    councils = [f.council(f"c{i}", f"E0{7000000 + i}") for i in range(400)]
    councils[217]["seats_up"] = "lots"
    store = ResultsStore()
    changes = store.apply(parse_answer(f.body(f.snapshot(councils=councils))))
    assert len(store.councils) == 399
    assert [r.index for r in changes.rejects] == [217]
    assert store.rejected_total == 1


def test_votes_for_options_a_new_revision_removed_are_rejected_not_summed() -> None:
    """Shares once summed to 40 % and the wrong side won: old votes stayed counted."""
    from feeds.summary import summarise

    store = ResultsStore()
    apply(store, f.snapshot(referendums=[BRISTOL], counting_areas=[BRISTOL_AREA]))
    renamed = dict(
        BRISTOL, revision=2, options=[{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]
    )
    changes = apply(store, f.changes(2, 1, referendums=[renamed]))
    assert store.counting_areas == {}
    assert "no longer has" in str(changes.rejects[0])  # type: ignore[attr-defined]
    assert store.rejected_total == 1
    totals = summarise(store).referendums[0]
    assert totals.valid_votes == 0 and totals.leader is None and totals.outcome is None
    # The area's next revision, under the new options, counts.
    apply(
        store,
        f.changes(
            3, 2, counting_areas=[dict(BRISTOL_AREA, revision=2, votes={"yes": 10, "no": 4})]
        ),
    )
    totals = summarise(store).referendums[0]
    assert (totals.valid_votes, totals.outcome, totals.final) == (14, "yes", True)


def test_records_past_the_cap_per_kind_are_refused_and_the_rest_kept() -> None:
    """2,000 new council ids a poll once took the app from 79 to 480 MiB in a minute."""
    store = ResultsStore(limits={"councils": 3})
    many = [f.council(f"c{i}", f"E0900{i:04d}") for i in range(5)]
    changes = apply(store, f.snapshot(councils=many))
    assert len(store.councils) == 3
    assert len(changes.rejects) == 2  # type: ignore[attr-defined]
    assert "maximum of 3 councils" in str(changes.rejects[0])  # type: ignore[attr-defined]
    # Records already held still take new revisions at the cap.
    apply(store, f.changes(2, 1, councils=[f.council("c0", "E09000000", revision=2, after="LD")]))
    assert store.councils["local.c0.2022-05-05"].control_after == "LD"
    from feeds.store import MAX_HELD

    assert MAX_HELD["councils"] >= 10_000 and MAX_HELD["counting_areas"] >= 50_000


def test_unknown_councillor_changes_stay_unknown() -> None:
    from feeds.summary import as_json, as_text, summarise

    store = ResultsStore()
    record = f.council()
    del record["seats_change"]
    apply(store, f.snapshot(councils=[record]))
    summary = summarise(store)
    lab = summary.scoreboard.row("LAB")
    assert lab is not None and lab.councillors == 41 and lab.councillors_change is None
    assert as_json(summary)["scoreboard"]["parties"][0]["councillors_change"] is None
    assert "LAB" in as_text(summary) and "41      —" in as_text(summary)


def test_records_held_share_their_set_of_given_fields_and_stay_independent() -> None:
    """Pydantic gives each record its own set of the fields given (hundreds of bytes); the
    store keeps one per distinct set, which took a ward-level night from ~118 to ~106 MiB."""
    store = ResultsStore()
    wards = [
        f.ward("burnt-oak", "E05013635", winners=("LAB",), losers=("CON", "LD")),
        f.ward("colindale", "E05013636", winners=("LAB",), losers=("CON",)),
    ]
    apply(store, f.snapshot(councils=[f.council()], wards=wards))
    first, second = store.wards.values()
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    winners = [first.candidates[0], second.candidates[0]]
    assert winners[0].__pydantic_fields_set__ is winners[1].__pydantic_fields_set__
    assert winners[0].model_fields_set == {"name", "party", "votes", "elected"}
    # A copy with changes has a set of its own: the shared one is never changed in place.
    copy = winners[0].model_copy(update={"party_name": "Labour"})
    assert "party_name" in copy.model_fields_set
    assert "party_name" not in winners[1].model_fields_set
    assert first.model_dump(exclude_unset=True)["code"] == "E05013635"
