"""PA Media's own rehearsal files (../shared/data/pa): the app's figures equal PA's.

Run where ../shared/data is beside the checkout (CI has it); the PA reader's own behaviour is
tested without it in test_pa.py."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
from pathlib import Path

import pytest
from defusedxml import ElementTree

from feeds.aggregate import result_phrase
from feeds.pa_places import party_code, places
from feeds.pa_source import PAPoller
from feeds.pa_xml import ReferendumArea, RunningTotals, parse_document
from feeds.polling import PollSettings
from feeds.summary import as_json, summarise
from tests.conftest import SHARED_DATA
from tui.cli import main

PA = SHARED_DATA / "pa"
LOCALS = PA / "locals-2016-test"
EU = PA / "eu-2016-june-8-test"

pytestmark = pytest.mark.skipif(
    not LOCALS.is_dir(), reason="../shared/data/pa is not beside this checkout"
)

#: The states of the parties that follow from the result files kept (PA's README says why).
SOP_RESULTS = (5, 10, 24, 36, 42, 48, 61)
#: PA issued Adur's revision 2 after its 61st result: every one of these states counts
#: Adur at revision 1 (its revision 2 changes C, Lab, Green, UKIP and Ind, and no state
#: here has those figures).
ISSUED_AFTER_SOP_61 = {"Adur": 2}


def _sop(results: int) -> tuple[dict[str, dict[str, str]], set[str], tuple[int, int]]:
    root = ElementTree.parse(LOCALS / f"Local_Test_SOP_{results}.xml").getroot()
    parties = {p.get("abbreviation", ""): dict(p.attrib) for p in root.iter("Party")}
    included = {c.get("paId", "") for c in root.iter("Council") if c.get("paId")}
    counts = (int(root.get("numberOfResults", "")), int(root.get("totalNumberOfCouncils", "")))
    return parties, included, counts


def _summary_json(capsys: pytest.CaptureFixture[str], source: str) -> dict:
    assert main(["summary", source, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("results", SOP_RESULTS)
def test_summary_equals_pas_state_of_the_parties(
    results: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parties, included, (declared, total) = _sop(results)
    for path in LOCALS.glob("Local_Test_nominations_*.xml"):
        shutil.copy(path, tmp_path)
    for path in LOCALS.glob("Local_Test_result_*.xml"):
        document = parse_document(path.read_bytes())
        if document.pa_id not in included:  # type: ignore[union-attr]
            continue
        if document.revision >= ISSUED_AFTER_SOP_61.get(document.council, 99):  # type: ignore[union-attr]
            continue
        shutil.copy(path, tmp_path)

    board = _summary_json(capsys, f"pa:{tmp_path}")["scoreboard"]

    assert (board["declared"], board["total"]) == (declared, total)
    rows = {row["party"]: row for row in board["parties"]}
    for abbreviation, pa in parties.items():
        want = (
            int(pa["totalCouncils"]),
            int(pa["changeInControl"]),
            int(pa["seatsWon"]),
            int(pa["netChangeInSeats"]),
        )
        code, _ = party_code(abbreviation)
        if code == "NOC":
            got = (board["noc"]["councils"], board["noc"]["councils_change"], 0, 0)
        else:
            row = rows.pop(code, None) or {}
            got = (
                row.get("councils", 0),
                row.get("councils_change", 0),
                row.get("councillors") or 0,
                row.get("councillors_change") or 0,
            )
        assert got == want, f"{abbreviation} after {results} results"
    # No party the app counts is missing from PA's table (other than ones with nothing).
    assert all(
        not (r["councils"] or r["councils_change"] or r["councillors"] or r["councillors_change"])
        for r in rows.values()
    )


def _eu_documents() -> tuple[list[tuple[Path, ReferendumArea]], dict[int, RunningTotals]]:
    results: list[tuple[Path, ReferendumArea]] = []
    totals: dict[int, RunningTotals] = {}
    for path in sorted(EU.glob("EU_*.xml")):
        document = parse_document(path.read_bytes())
        if isinstance(document, ReferendumArea) and not document.rush:
            results.append((path, document))
        elif isinstance(document, RunningTotals):
            totals[document.results] = document
    return results, totals


def _votes(document: ReferendumArea) -> tuple[int, ...]:
    return tuple(answer.votes or 0 for answer in document.answers)


def _pa_order(
    results: list[tuple[Path, ReferendumArea]], totals: dict[int, RunningTotals]
) -> list[tuple[int, list[Path]]]:
    """The order PA issued the results in, recovered from PA's own totals: each total adds
    the one first-revision result whose votes are the difference from the total before it
    (and the last takes every file left, revisions included). Each step must be explained by
    exactly one file, or the recovery (and the test) fails."""
    firsts = [(p, d) for p, d in results if d.revision == 1]
    answers = [a.text for a in firsts[0][1].answers]
    steps: list[tuple[int, list[Path]]] = []
    used: set[str] = set()
    before = (0,) * len(answers)
    counts = sorted(totals)
    for n in counts[:-1]:
        now = tuple(totals[n].answers[text][0] for text in answers)
        delta = tuple(b - a for a, b in zip(before, now, strict=True))
        added = n - (steps[-1][0] if steps else 0)
        matches = [(p, d) for p, d in firsts if d.area not in used and _votes(d) == delta]
        if added == 1:
            assert len(matches) == 1, f"total {n} is not explained by exactly one result"
            chosen = [matches[0][0]]
            used.add(matches[0][1].area)
        else:  # two results between totals (PA skipped a number): find the pair
            pairs = [
                (a, b)
                for i, a in enumerate(firsts)
                for b in firsts[i + 1 :]
                if a[1].area not in used
                and b[1].area not in used
                and tuple(x + y for x, y in zip(_votes(a[1]), _votes(b[1]), strict=True)) == delta
            ]
            assert len(pairs) == 1, f"total {n} is not explained by exactly two results"
            chosen = [pairs[0][0][0], pairs[0][1][0]]
            used |= {pairs[0][0][1].area, pairs[0][1][1].area}
        steps.append((n, chosen))
        before = now
    rest = [p for p, d in results if d.area not in used or d.revision > 1]
    steps.append((counts[-1], rest))
    return steps


def test_eu_rehearsal_gives_pas_running_totals_after_every_result(tmp_path: Path) -> None:
    results, totals = _eu_documents()
    steps = _pa_order(results, totals)
    assert len(steps) == len(totals) == 148

    async def follow() -> None:
        poller = PAPoller(f"pa:{tmp_path}", settings=PollSettings(interval=0.1))
        try:
            for n, files in steps:
                for path in files:
                    shutil.copy(path, tmp_path)
                shutil.copy(EU / f"EU_running_totals_{n}.xml", tmp_path)
                await poller.poll()
                (referendum,) = as_json(summarise(poller.store))["referendums"]
                pa = totals[n]
                got = {o["label"]: (o["votes"], o["areas_won"]) for o in referendum["options"]}
                assert got == pa.answers, f"after {n} results"
                won = sum(areas for _, areas in pa.answers.values())
                ties = referendum["areas_declared"] - sum(
                    o["areas_won"] for o in referendum["options"]
                )
                assert (referendum["areas_declared"], ties) == (n, n - won)
                # The number of areas is PA's; the electorate still to declare is unknown.
                assert referendum["areas_total"] == pa.areas == 382
                assert not referendum["certain"] and referendum["outcome"] is None
                assert not referendum["final"]
        finally:
            await poller.aclose()

    asyncio.run(follow())


def test_the_2016_rehearsal_records_and_replays_as_a_night(tmp_path: Path) -> None:
    from feeds.recorder import record
    from feeds.recording import read_recording

    folder = tmp_path / "pa"
    folder.mkdir()
    for path in LOCALS.glob("Local_Test_nominations_*.xml"):
        shutil.copy(path, folder)
    arriving = sorted(LOCALS.glob("Local_Test_result_*.xml"))
    arriving += sorted(LOCALS.glob("*ayor_test_*.xml"))
    queue = list(arriving)
    output = tmp_path / "night.jsonl"

    def next_file(store) -> bool:  # noqa: ANN001 - called after each answer is written
        if queue:
            shutil.copy(queue.pop(0), folder)
            return False
        return True

    log = io.StringIO()

    async def run() -> int:
        return await record(
            f"pa:{folder}",
            output,
            PollSettings(interval=0.05, min_interval=0.01),
            stop=asyncio.Event(),
            until=next_file,
            log=log,
        )

    lines = asyncio.run(run())
    recording = read_recording(output, strict=True)
    # One keyframe of the nominations, then a change as each file landed.
    assert lines == len(recording.events) + 1
    assert len(recording.events) >= len(arriving)
    final = recording.state_at(recording.duration_ms)
    first = recording.state_at(0)
    declared = [c for c in final.councils.values() if c.has_result]
    assert len(final.councils) == 124 and not any(c.has_result for c in first.councils.values())
    assert len(declared) == 124
    # Gain, hold and loss as PA called them, from PA's sitting and winning parties.
    phrases = {"no change": (" hold", "NOC no change"), "gain": (" gain from ",),
               "lose to NOC": (" lose to NOC",)}  # fmt: skip
    for path in LOCALS.glob("Local_Test_result_*.xml"):
        pa = parse_document(path.read_bytes())
        council = next(c for c in declared if c.code == places().council(pa.pa_id, "").code)  # type: ignore[union-attr]
        if pa.revision == max(  # type: ignore[union-attr]
            parse_document(p.read_bytes()).revision  # type: ignore[union-attr]
            for p in LOCALS.glob(path.name.rsplit("_", 1)[0] + "_*.xml")
        ):
            phrase = result_phrase(council)
            assert any(p in phrase for p in phrases[pa.gain_or_hold]), (pa.council, phrase)  # type: ignore[union-attr]
    assert {m.status for m in final.mayors.values()} == {"declared"}
    assert final.election is not None and final.election.test
    assert "recorded: " in log.getvalue()
