"""Recordings: reading, validation with the line named, and seeking."""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.recording import Recording, RecordingError, read_recording
from feeds.recording_writer import RecordingWriter, state_body
from feeds.replay import ReplayFeed, VirtualClock
from feeds.store import ResultsStore
from tests import factories as f
from tests.conftest import BUNDLED_NIGHT, needs_shared_data

HEADER = {
    "format": "election-night-recording/1",
    "source": "test",
    "recorded_at": "x",
    "election": "local.2022-05-05",
    "started_at": "2022-05-05T21:00:00+00:00",
}


def write(tmp_path: Path, *lines: object, raw_tail: str = "") -> Path:
    path = tmp_path / "night.jsonl"
    text = "".join(json.dumps(line) + "\n" for line in lines) + raw_tail
    path.write_text(text, encoding="utf-8")
    return path


def keyframe(t: int = 0) -> dict:
    document = f.snapshot(councils=[f.council(status="counting", revision=1)])
    state = {k: v for k, v in document.items() if k not in ("format", "kind", "seq")}
    return {"type": "keyframe", "t": t, "state": state}


def change(t: int, revision: int, **kw: object) -> dict:
    return {"type": "change", "t": t, "records": {"councils": [f.council(revision=revision, **kw)]}}


def test_bundled_night_reads_cleanly(bundled_recording: Recording) -> None:
    assert not bundled_recording.warnings
    assert bundled_recording.header.election == "local.2022-05-05"
    assert bundled_recording.duration_ms > 18 * 3600 * 1000
    final = bundled_recording.state_at(bundled_recording.duration_ms)
    assert len(final.councils) == 200
    statuses = {c.status for c in final.councils.values()}
    assert statuses <= {"declared", "corrected"} and "corrected" in statuses
    recounts = [
        e for e in bundled_recording.events if any(c.status == "recount" for c in e.answer.councils)
    ]
    assert len(recounts) >= 3


def test_truncated_last_line_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        keyframe(),
        change(1000, 2),
        raw_tail='{"type":"change","t":2000,"records":{"coun',
    )
    recording = read_recording(path)
    assert len(recording.events) == 2
    assert recording.warnings == [
        "night.jsonl: line 4: last line is cut short: answer is not JSON (line 1, column 38)"
    ]
    with pytest.raises(RecordingError, match="line 4: last line is cut short"):
        read_recording(path, strict=True)


def test_bad_line_in_the_middle_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, keyframe(), "not a line", change(2000, 3))
    with pytest.raises(RecordingError, match="line 3: bad line"):
        read_recording(path, strict=True)
    recording = read_recording(path)
    assert [e.line for e in recording.events] == [2, 4]


def test_time_going_backwards_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, keyframe(), change(5000, 2), change(1000, 3))
    with pytest.raises(RecordingError, match="line 4: .*time goes backwards"):
        read_recording(path, strict=True)


def test_a_file_that_is_not_a_recording(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(RecordingError, match="line 1"):
        read_recording(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(RecordingError, match="empty file"):
        read_recording(path)


def test_recording_lines_go_through_feed_validation(tmp_path: Path) -> None:
    bad = f.council("brent", "E09000005", revision=2)
    bad["total_seats"] = "63"
    path = write(
        tmp_path,
        HEADER,
        keyframe(),
        {"type": "change", "t": 10, "records": {"councils": [bad, f.council(revision=2)]}},
    )
    recording = read_recording(path)
    assert len(recording.events[1].answer.councils) == 1
    assert "1 record(s) rejected" in recording.warnings[0]


def test_huge_gap_in_time_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, keyframe(), change(11 * 24 * 3600 * 1000, 2))
    with pytest.raises(RecordingError, match="line 3"):
        read_recording(path, strict=True)


def test_writer_output_reads_back(tmp_path: Path) -> None:
    from feeds.parse import parse_answer

    store = ResultsStore()
    handle = io.StringIO()
    writer = RecordingWriter(
        handle, source="http://x", election="local.2022-05-05", keyframe_every=3
    )
    writer.keyframe(0, store if store.apply(parse_answer(f.body(f.snapshot()))) else store)
    for revision in range(2, 7):
        changes = store.apply(
            parse_answer(
                f.body(f.changes(revision, revision - 1, councils=[f.council(revision=revision)]))
            )
        )
        writer.change(revision * 100, store, changes)
    path = tmp_path / "out.jsonl"
    path.write_text(handle.getvalue(), encoding="utf-8")
    recording = read_recording(path, strict=True)
    assert sum(e.keyframe for e in recording.events) == 2
    assert state_body(recording.state_at(10**9)) == state_body(store)


def replay_from_start(recording: Recording, t_ms: float) -> ResultsStore:
    store = ResultsStore()
    for event in recording.events:
        if event.t > t_ms:
            break
        store.apply(event.answer)
    return store


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fraction=st.floats(min_value=0, max_value=1.05))
def test_seeking_equals_replaying_from_the_start(
    bundled_recording: Recording, fraction: float
) -> None:
    t = fraction * bundled_recording.duration_ms
    assert state_body(bundled_recording.state_at(t)) == state_body(
        replay_from_start(bundled_recording, t)
    )


def test_bundled_night_keyframes_make_seeking_cheap(bundled_recording: Recording) -> None:
    keyframes = [e.t for e in bundled_recording.events if e.keyframe]
    assert len(keyframes) >= 4


@needs_shared_data
def test_bundled_recording_is_rebuilt_identically(tmp_path: Path) -> None:
    from scripts.build_night import build
    from tests.conftest import SHARED_DATA

    assert build(SHARED_DATA) == BUNDLED_NIGHT.read_bytes(), (
        "feeds/recordings is out of date: run `uv run python scripts/build_night.py`"
    )


recording_lines = st.one_of(
    st.text(max_size=200).map(lambda text: text.replace("\n", " ")),
    st.builds(
        lambda kind, t, body: json.dumps({"type": kind, "t": t, "records": body, "state": body}),
        st.sampled_from(["change", "keyframe", "other", ""]),
        st.one_of(
            st.integers(min_value=-5, max_value=10**12), st.floats(), st.none(), st.text(max_size=5)
        ),
        st.dictionaries(
            st.sampled_from(["councils", "regions", "mayors", "x"]),
            st.lists(
                st.dictionaries(
                    st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=4
                ),
                max_size=3,
            ),
            max_size=3,
        ),
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(recording_lines, max_size=8), cut=st.booleans())
def test_arbitrary_recording_lines_never_break_the_reader(
    tmp_path: Path, lines: list[str], cut: bool
) -> None:
    good_head = json.dumps(HEADER) + "\n" + json.dumps(keyframe()) + "\n"
    text = good_head + "".join(line + "\n" for line in lines)
    if cut and text.endswith("\n"):
        text = text[:-1]
    path = tmp_path / "fuzz.jsonl"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        recording = read_recording(path)
    except RecordingError as error:
        assert "line" in str(error)
        return
    assert recording.events[0].keyframe  # the good keyframe always survives
    assert all(e.t >= 0 for e in recording.events)
    for warning in recording.warnings:
        assert warning.startswith("fuzz.jsonl: line ")


def keyframe_of(t: int, *councils: dict) -> dict:
    document = f.snapshot(councils=list(councils))
    state = {k: v for k, v in document.items() if k not in ("format", "kind", "seq")}
    return {"type": "keyframe", "t": t, "state": state}


def test_declarations_written_on_keyframe_lines_are_stepped_to(tmp_path: Path) -> None:
    """`record` folds a poll's changes into a keyframe every so often; the EU night stepped
    379 of its 382 declarations because keyframe lines were skipped."""
    brent = f.council("brent", "E09000005", status="counting", revision=1)
    path = write(
        tmp_path,
        HEADER,
        keyframe_of(0, f.council(status="counting", revision=1), brent),
        change(1000, 2),  # Barnet declares
        keyframe_of(2000, f.council(revision=2), dict(brent, status="declared", revision=2,
                                                       control_after="LAB", seats_won={"LAB": 1},
                                                       declared_at="2022-05-06T02:30:00+00:00")),
    )  # fmt: skip
    recording = read_recording(path, strict=True)
    assert recording.declaration_times() == [1000, 2000]
    assert [e.declarations for e in recording.events] == [0, 1, 1]


def test_a_keyframe_that_resets_plays_forward_as_it_seeks(tmp_path: Path) -> None:
    """A feed reset recorded mid-night: forward play kept revision 5 (LAB), a seek showed
    the keyframe's revision 1 (CON)."""
    path = write(
        tmp_path,
        HEADER,
        keyframe_of(0, f.council(status="counting", revision=1)),
        change(1000, 5, after="LAB"),
        keyframe_of(2000, f.council(revision=1, after="CON")),  # the feed started again
        {"type": "change", "t": 3000, "records": {"councils": [f.bolton(won={"LAB": 1})]}},
    )
    recording = read_recording(path, strict=True)
    assert [e.reset for e in recording.events] == [False, False, True, False]
    sought = recording.state_at(3000)
    assert sought.councils["local.barnet.2022-05-05"].control_after == "CON"
    clock = VirtualClock(recording.duration_ms, speed=1, start_ms=0)
    feed = ReplayFeed(recording, clock)
    feed.sync()
    clock.seek(3000)
    feed.sync()
    assert state_body(feed.store) == state_body(sought)
    assert feed.epoch == 1  # viewers take the reset state whole


def test_an_oversized_line_is_skipped_without_being_held(tmp_path: Path) -> None:
    """A 3 MB .jsonl.gz holding one 3 GiB line once took 3.1 GiB to read."""
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(json.dumps(HEADER).encode() + b"\n")
        handle.write(json.dumps(keyframe()).encode() + b"\n")
        chunk = b" " * (1 << 20)
        handle.write(b'{"type":"change","t":5,"records":{"x":"')
        for _ in range(120):  # 120 MiB of one line, a few hundred kB compressed
            handle.write(chunk)
        handle.write(b'"}}\n')
        handle.write(json.dumps(change(9, 2)).encode() + b"\n")
    tracemalloc.start()
    recording = read_recording(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 80 * 1024 * 1024  # never the whole 120 MiB line (the cap is 32 MiB)
    assert [e.t for e in recording.events] == [0, 9]
    assert "line 3: bad line: longer than" in recording.warnings[0]
    with pytest.raises(RecordingError, match="line 3"):
        read_recording(path, strict=True)


def test_a_corrupt_gzip_recording_is_a_clean_error_naming_the_line(tmp_path: Path) -> None:
    good = gzip.compress(
        (json.dumps(HEADER) + "\n" + json.dumps(keyframe()) + "\n").encode() * 1
        + ("\n".join(json.dumps(change(t, t)) for t in range(1, 2000)) + "\n").encode()
    )
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(good[: len(good) // 2] + b"\x00" * 64 + good[len(good) // 2 + 64 :])
    recording = read_recording(broken)  # what came before the damage still replays
    assert recording.events and "cannot read on from here" in recording.warnings[-1]
    with pytest.raises(RecordingError, match=r"broken.jsonl.gz: line \d+: "):
        read_recording(broken, strict=True)
    notgz = tmp_path / "plain.jsonl.gz"
    notgz.write_bytes(b"this is not gzip at all")
    with pytest.raises(RecordingError, match="line 1: cannot read"):
        read_recording(notgz)
