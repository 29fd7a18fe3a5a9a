"""Validation of feed answers: whole-body rejection, per-record rejection, strictness."""

from __future__ import annotations

import datetime as dt
import gc
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from feeds.answer import Answer, FeedError
from feeds.fields import PER_ANSWER
from feeds.models import Council
from feeds.parse import parse_answer
from feeds.sanitise import is_printable
from tests import factories as f


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b"\xef\xbb\xbf" + f.body(f.snapshot()), "byte-order mark"),
        (b"\xff\xfe{}", "UTF-8"),
        (f.body(f.snapshot()) + b" trailing", "not JSON"),
        (b"<html><body>502 Bad Gateway</body></html>", "HTML"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b'{"format": "other"}', "not an election-night/1"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"format":"election-night/1","kind":"snapshot","seq":' + b"9" * 5000 + b"}", "number"),
        (b'{"format":"election-night/1","kind":"snapshot","seq":NaN}', "number"),
        (b'{"format":"election-night/1","kind":"changes","seq":3}', "since"),
        (b'{"format":"election-night/1","kind":"snapshot","seq":"3"}', "seq"),
    ],
)
def test_bodies_rejected_whole(raw: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_answer(raw)


def test_records_past_a_kinds_cap_are_rejected_one_by_one_and_the_rest_apply() -> None:
    """A 2,001-council snapshot was rejected whole (the app showed nothing at all): caps are
    now sized for real nights and enforced per record."""
    councils = [f.council(f"c{i}", f"E0{i:07d}") for i in range(PER_ANSWER["councils"] + 2)]
    answer = parse_answer(f.body(f.snapshot(councils=councils)))
    assert len(answer.councils) == PER_ANSWER["councils"]
    assert [(r.kind, r.index) for r in answer.rejects] == [
        ("councils", PER_ANSWER["councils"]),
        ("councils", PER_ANSWER["councils"] + 1),
    ]
    assert "past the 25,000 councils one answer may hold" in str(answer.rejects[0])
    junk = parse_answer(f.body(f.snapshot(councils=[{"id": "x"}] * 2_001)))
    assert not junk.councils and len(junk.rejects) == 2_001  # each bad, none fatal


def test_wards_past_the_candidates_cap_are_rejected() -> None:
    ward = f.ward(winners=("LAB",) * 20, losers=("CON",) * 30, seats=20)
    wards = [dict(ward, id=f"local.barnet.w{i}.2022-05-05") for i in range(4_001)]  # 50 each
    answer = parse_answer(f.body(f.snapshot(wards=wards)))
    assert len(answer.wards) == 4_000  # 200,000 candidates
    assert [r.index for r in answer.rejects] == [4_000]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total_seats", "12"),
        ("total_seats", True),
        ("total_seats", None),
        ("total_seats", 12.0),
        ("seats_up", -1),
        ("turnout", 101.0),
        ("turnout", -0.5),
        ("name", "x" * 1_000_000),
        ("name", ""),
        ("code", "barnet"),
        ("id", "Barnet 2022"),
        ("status", "won"),
        ("revision", 2**40),
        ("declared_at", 1651800000),
        ("declared_at", "2022-05-06T02:00:00"),  # no offset
        ("declared_at", "1651800000"),  # an epoch number written as a string
        ("code", "E\u0660\u0669\u0660\u0660\u0660\u0660\u0660\u0665"),  # Arabic-Indic digits
        ("id", "local.brent.\u0662\u0660\u0662\u0662-05-05"),
        ("control_after", "lab"),
        ("seats_won", {"LAB": 70}),  # more than seats up
        ("seats_won", {f"P{n}": 0 for n in range(41)}),  # more parties than any ballot
        ("seats_change", {f"P{n}": 0 for n in range(41)}),
        ("composition_before", {"LAB": 600, "CON": 600}),  # more than any council
        ("composition_after", {"LAB": 70}),  # more than the council's seats
        ("seats_up", 64),  # more than total seats
        ("status", "recount"),  # without its recount number
    ],
)
def test_one_bad_record_among_good_ones_is_rejected_alone(field: str, value: object) -> None:
    bad = f.council("brent", "E09000005")
    bad[field] = value
    document = f.snapshot(councils=[f.council(), bad, f.council("camden", "E09000007")])
    answer = parse_answer(f.body(document))
    assert [c.id for c in answer.councils] == ["local.barnet.2022-05-05", "local.camden.2022-05-05"]
    assert len(answer.rejects) == 1
    assert answer.rejects[0].kind == "councils" and answer.rejects[0].index == 1


def test_nan_infinity_and_huge_numbers_reject_only_their_record() -> None:
    good = f.council("brent", "E09000005")
    text = json.dumps(f.snapshot(councils=[f.council(turnout=40.0), good]))
    for bad in ("NaN", "Infinity", "-Infinity", "1e400", "4" * 5000):
        answer = parse_answer(text.replace("40.0", bad))
        assert [c.id for c in answer.councils] == ["local.brent.2022-05-05"], bad
        assert len(answer.rejects) == 1 and "turnout" in str(answer.rejects[0])


def test_a_bad_number_in_the_envelope_rejects_the_whole_answer() -> None:
    text = json.dumps(f.snapshot(seq=7))
    for bad in ("NaN", "1e400", "9" * 5000):
        with pytest.raises(FeedError):
            parse_answer(text.replace('"seq": 7', f'"seq": {bad}'))


@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00+01:00",
        "1066-10-14T09:00:00+00:00",
        "1899-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z",
    ],
)
def test_times_out_of_range_reject_only_their_record(when: str) -> None:
    """9999-12-31 at -01:00 overflowed converting to UTC, which ended the poll loop."""
    document = f.snapshot(councils=[f.council(declared_at=when), f.council("brent", "E09000005")])
    document["generated_at"] = when
    answer = parse_answer(f.body(document))
    assert [c.id for c in answer.councils] == ["local.brent.2022-05-05"]
    assert "time out of range" in str(answer.rejects[0])


@pytest.mark.parametrize(
    ("when", "utc"),
    [
        ("2022-05-06T04:14:00Z", "2022-05-06T04:14:00+00:00"),
        ("2022-05-06t04:14:00z", "2022-05-06T04:14:00+00:00"),
        ("2022-05-06 05:14+01:00", "2022-05-06T04:14:00+00:00"),
        ("2022-05-06T05:14:00.5+0100", "2022-05-06T04:14:00.500000+00:00"),
        ("2022-05-06T04:14:00,123456789-00:00", "2022-05-06T04:14:00.123456+00:00"),
    ],
)
@pytest.mark.parametrize("path", ["whole answer", "record by record"])
def test_times_are_read_alike_on_both_paths_and_held_in_utc(when: str, utc: str, path: str) -> None:
    councils = [f.council(declared_at=when)]
    if path == "record by record":  # one bad record sends the answer down the slow path
        councils.append(f.council("brent", "E09000005", status="won"))
    answer = parse_answer(f.body(f.snapshot(councils=councils)))
    assert len(answer.rejects) == (path == "record by record")
    declared = answer.councils[0].declared_at
    assert declared is not None and declared.tzinfo is dt.UTC
    assert declared.isoformat() == utc


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("good", [True, False])
def test_the_collector_is_left_as_it_was_after_a_whole_answer(enabled: bool, good: bool) -> None:
    """Paused while pydantic-core builds an answer, then back as it was (off at start-up)."""
    councils = [f.council()] if good else [f.council(), f.council("brent", status="won")]
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        answer = parse_answer(f.body(f.snapshot(councils=councils)))
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert len(answer.councils) == 1 and len(answer.rejects) == (not good)


def test_no_collection_walks_a_big_answer_while_it_is_built() -> None:
    councils = [f.council(f"c{i}", f"E0{i:07d}") for i in range(400)]
    body = f.body(f.snapshot(councils=councils))
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    was = gc.isenabled()
    gc.enable()
    gc.callbacks.append(count)
    try:
        answer = parse_answer(body)
    finally:
        gc.callbacks.remove(count)
        (gc.enable if was else gc.disable)()
    assert len(answer.councils) == 400
    # Thousands of containers built: a collection every 700 without the pause; at most the
    # one owed, once it ends.
    assert len(collections) <= 1, collections


def test_times_from_python_are_aware_datetimes_or_iso_strings() -> None:
    record = f.council()
    bst = dt.timezone(dt.timedelta(hours=1))
    record["declared_at"] = dt.datetime(2022, 5, 6, 5, 14, tzinfo=bst)
    assert Council.model_validate(record).declared_at == dt.datetime(
        2022, 5, 6, 4, 14, tzinfo=dt.UTC
    )
    naive = dt.datetime(2022, 5, 6, 5, 14)  # noqa: DTZ001 - the point of the test
    for bad in (naive, 1651800000, "1651800000", "6 May 2022"):
        record["declared_at"] = bad
        with pytest.raises(ValidationError):
            Council.model_validate(record)


def test_rejection_messages_never_echo_a_dict_key_from_the_feed() -> None:
    """A party code that fails validation used to be quoted in the message, OSC 0 and all."""
    for field in ("seats_won", "seats_change", "composition_before", "composition_after"):
        hostile = "\x1b]0;owned\x07\x1bP+q\x1b\\[/]"
        record = f.council(**{field: {hostile: 1, "LAB": 1}})
        answer = parse_answer(f.body(f.snapshot(councils=[record])))
        message = str(answer.rejects[0])
        assert "\x1b" not in message and "owned" not in message and "[/]" not in message
        assert message.startswith(f"councils[0]: {field}.<key>")


def test_error_messages_do_not_echo_feed_content() -> None:
    bad = f.council("brent", "E09000005", name=12345)
    bad["status"] = "[bold]SECRET[/bold]"
    answer = parse_answer(f.body(f.snapshot(councils=[bad])))
    assert "SECRET" not in str(answer.rejects[0])


def test_unknown_fields_are_ignored() -> None:
    document = f.snapshot(councils=[f.council(future_field={"a": 1})], brand_new=[1, 2])
    answer = parse_answer(f.body(document))
    assert len(answer.councils) == 1 and not answer.rejects


def test_duplicate_ids_keep_the_highest_revision_and_are_reported() -> None:
    document = f.snapshot(
        councils=[f.council(revision=1), f.council(revision=3, after="CON"), f.council(revision=2)]
    )
    answer = parse_answer(f.body(document))
    assert len(answer.councils) == 1
    assert answer.councils[0].revision == 3
    assert len(answer.rejects) == 2 and "duplicate" in answer.rejects[0].reason


def test_strings_are_sanitised_on_entry() -> None:
    hostile = "Bar\x1b]52;c;aGVsbG8=\x07net\u202e\x9b2J\u2028[/]"
    answer = parse_answer(f.body(f.snapshot(councils=[f.council(name=hostile)])))
    name = answer.councils[0].name
    assert is_printable(name)
    assert "\x1b" not in name and "\x9b" not in name and "\u202e" not in name
    assert "[/]" in name  # markup is kept as text; the UI never parses it


def test_counting_area_votes_more_than_electorate_rejected() -> None:
    area = {
        "referendum": "ref.x.2022-05-05",
        "code": "E06000023",
        "name": "X",
        "region": "E12000009",
        "electorate": 10,
        "votes": {"yes": 20},
        "status": "declared",
        "revision": 1,
    }
    answer = parse_answer(f.body(f.snapshot(counting_areas=[area])))
    assert answer.counting_areas == [] and len(answer.rejects) == 1


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_give_an_answer_or_a_feed_error(raw: bytes) -> None:
    try:
        result = parse_answer(raw)
    except FeedError as error:
        assert is_printable(str(error))
    else:
        assert isinstance(result, Answer)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
council_fields = st.fixed_dictionaries(
    {},
    optional={
        key: json_values
        for key in (
            "id",
            "code",
            "name",
            "region",
            "council_type",
            "total_seats",
            "seats_up",
            "status",
            "revision",
            "seats_won",
            "turnout",
            "declared_at",
            "control_after",
        )
    },
)


@settings(max_examples=200, deadline=None)
@given(st.lists(council_fields, max_size=5))
def test_arbitrary_records_never_raise_past_validation(records: list[dict[str, object]]) -> None:
    good = f.council()
    answer = parse_answer(json.dumps(f.snapshot(councils=[good, *records])))
    assert answer.councils[0].id == good["id"]
    assert len(answer.councils) + len(answer.rejects) >= 1 + 0


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(min_value=-5, max_value=2000),
    up=st.integers(min_value=-5, max_value=2000),
    turnout=st.floats(allow_nan=True, allow_infinity=True),
    revision=st.integers(min_value=-1, max_value=2**33),
)
def test_boundary_numbers(total: int, up: int, turnout: float, revision: int) -> None:
    record = f.council(total=total, up=up, revision=revision, won={}, change={})
    record["turnout"] = turnout
    try:
        answer = parse_answer(json.dumps(f.snapshot(councils=[record]), allow_nan=True))
    except FeedError:
        return  # NaN/Infinity make the whole body non-JSON for us
    valid = (
        1 <= total <= 1000 and 0 <= up <= total and 0 <= turnout <= 100 and (0 <= revision < 2**31)
    )
    assert (len(answer.councils) == 1) == valid
