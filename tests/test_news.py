"""What counts as news is decided in feeds/, by one pure function: tested here, not in the UI."""

from __future__ import annotations

import datetime as dt

from feeds.news import feed_notes, news_of, night_so_far
from feeds.parse import parse_answer
from feeds.store import ChangeSet, ResultsStore
from tests import factories as f
from tests.test_store import BRISTOL, BRISTOL_AREA

NOW = dt.datetime(2022, 5, 6, 4, 0, tzinfo=dt.UTC)
BARNET = "local.barnet.2022-05-05"
BOLTON = "local.bolton.2022-05-05"
BOLTON_SEATS = {"won": {"LAB": 12, "CON": 8}, "change": {"LAB": 1, "CON": -1}}


def bolton(**overrides: object) -> dict:
    if overrides.get("status", "declared") in ("declared", "corrected"):
        overrides = {**BOLTON_SEATS, **overrides}
    return f.bolton(**overrides)


def apply(store: ResultsStore, document: dict) -> ChangeSet:
    return store.apply(parse_answer(f.body(document)))


def test_a_declaration_is_news_with_its_phrase_and_a_gain_alerts() -> None:
    store = ResultsStore()
    apply(
        store,
        f.snapshot(seq=1, councils=[f.council(status="counting"), bolton(status="counting")]),
    )
    changes = apply(
        store,
        f.changes(
            2, 1, councils=[f.council(revision=2), bolton(revision=2, before="LAB", after="LAB")]
        ),
    )
    news = {item.council_id: item for item in news_of(changes, store, now=NOW)}
    barnet, bolton_news = news[BARNET], news[BOLTON]
    assert (barnet.kind, barnet.text, barnet.gain, barnet.alert) == (
        "declared",
        "Barnet: LAB gain from CON",
        True,
        True,
    )
    assert barnet.when == dt.datetime(2022, 5, 6, 2, 30, tzinfo=dt.UTC)  # its own time
    assert bolton_news.text == "Bolton: LAB hold"
    assert not (bolton_news.gain or bolton_news.alert)


def test_a_watched_hold_alerts_and_nothing_alerts_in_a_whole_state() -> None:
    store = ResultsStore()
    apply(store, f.snapshot(seq=1, councils=[bolton(status="counting")]))
    changes = apply(
        store, f.changes(2, 1, councils=[bolton(revision=2, before="LAB", after="LAB")])
    )
    [item] = news_of(changes, store, now=NOW, watched={BOLTON})
    assert item.watched and item.alert
    late = ResultsStore()
    first = apply(late, f.snapshot(seq=1, councils=[f.council(), bolton()]))
    assert not any(n.alert for n in news_of(first, late, now=NOW, watched={BOLTON}, snapshot=True))


def test_corrections_recounts_and_resends_are_told_apart_and_amend_the_log() -> None:
    store = ResultsStore()
    apply(store, f.snapshot(seq=1, councils=[f.council(), bolton(status="counting")]))
    changes = apply(
        store,
        f.changes(
            2,
            1,
            councils=[
                f.council(status="corrected", revision=2, after="LD"),
                bolton(status="recount", revision=2, recount=1),
            ],
        ),
    )
    news = {item.council_id: item for item in news_of(changes, store, now=NOW)}
    assert news[BARNET].kind == "corrected"
    assert news[BARNET].text == "Correction — Barnet: LD gain from CON"
    assert news[BARNET].when == NOW  # news when it comes, not at the first declaration
    assert news[BOLTON].kind == "recount" and news[BOLTON].text == "Bolton: recount under way"
    assert all(item.amends for item in news.values())
    resent = apply(store, f.changes(3, 2, councils=[f.council(revision=3, after="LD")]))
    [item] = news_of(resent, store, now=NOW)
    assert item.kind == "redeclared" and item.text.startswith("Re-declared — ")
    # A recount already under way is not news again.
    again = apply(store, f.changes(4, 3, councils=[bolton(status="recount", revision=3)]))
    assert news_of(again, store, now=NOW) == []


def test_areas_and_mayors_are_news_when_they_declare() -> None:
    store = ResultsStore()
    mayor = {
        "id": "mayor.croydon.2022-05-05",
        "name": "Croydon mayor",
        "region": "E12000007",
        "status": "declared",
        "revision": 1,
        "system": "SV",
        "candidates": [
            {"name": "Jason Perry", "party": "CON", "first_round": 100, "elected": True},
            {"name": "Val Shawcross", "party": "LAB", "first_round": 90},
        ],
    }
    changes = apply(
        store,
        f.snapshot(
            seq=1, councils=[], referendums=[BRISTOL], counting_areas=[BRISTOL_AREA], mayors=[mayor]
        ),
    )
    texts = [item.text for item in news_of(changes, store, now=NOW)]
    assert texts == ["Bristol: Bristol declared", "Croydon mayor: Jason Perry (CON) elected"]


def test_a_whole_state_is_told_in_declaration_order() -> None:
    store = ResultsStore()
    early = bolton(declared_at="2022-05-06T01:00:00+00:00")
    apply(store, f.snapshot(seq=1, councils=[f.council(), early]))
    assert [n.council_id for n in night_so_far(store)] == [BOLTON, BARNET]


def test_feed_notes_name_five_rejects_and_count_the_rest() -> None:
    store = ResultsStore()
    bad = [f.council(f"c{i}", f"E0900{i:04d}", total="many") for i in range(8)]
    changes = apply(store, f.snapshot(seq=1, councils=bad))
    lines = feed_notes(changes)
    assert sum(line.startswith("rejected ") for line in lines) == 5
    assert "… and 3 more rejected record(s)" in lines


def test_the_summary_lists_changes_of_control_from_the_same_news() -> None:
    from feeds.summary import as_json, as_text, summarise

    store = ResultsStore()
    lost = bolton(before="LAB", after="NOC", declared_at="2022-05-06T01:00:00+00:00")
    held = f.council("camden", "E09000007", before="LAB", after="LAB")
    apply(store, f.snapshot(seq=1, councils=[f.council(), lost, held]))
    summary = summarise(store)
    assert [n.council_id for n in summary.changes_of_control] == [BOLTON, BARNET]
    text = as_text(summary)
    assert "Changes of control (2)\n  02:00 BST  Bolton: LAB lose to NOC\n" in text
    assert as_json(summary)["changes_of_control"][1] == {
        "council": BARNET,
        "declared_at": "2022-05-06T02:30:00+00:00",
        "text": "Barnet: LAB gain from CON",
    }
