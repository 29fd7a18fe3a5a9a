from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.servers import wait_until_listening as wait_until_listening
from tests.faultserver import FaultServer

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
BUNDLED_NIGHT = ROOT / "feeds" / "recordings" / "local-2022-05-05.jsonl.gz"

#: Tests that rebuild from ../shared/data run where it exists (CI has it); a clone with
#: nothing beside it runs everything else on the project's own compiled files.
needs_shared_data = pytest.mark.skipif(
    not (SHARED_DATA / "local-2022-councils.csv").is_file(),
    reason="../shared/data is not beside this checkout",
)


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


@pytest.fixture(scope="session")
def bundled_recording():
    from feeds.recording import read_recording

    return read_recording(BUNDLED_NIGHT, strict=True)


#: The North East's councils and wards of the real night: a small night (7 councils) for the
#: tests of faults, soaks and servers, whose subject is not the size of the night.
SMALL_REGION = "E12000001"


def cut_to_region(recording, region: str = SMALL_REGION):  # noqa: ANN001, ANN201
    """The recording with only the councils (and their wards) of one region."""
    from dataclasses import replace

    from feeds.recording import Recording

    keep = {c.id for event in recording.events for c in event.answer.councils if c.region == region}
    events = []
    for event in recording.events:
        answer = event.answer
        cut = replace(
            answer,
            councils=[c for c in answer.councils if c.id in keep],
            wards=[w for w in answer.wards if w.council in keep],
            counting_areas=[],
            referendums=[],
            mayors=[],
            rejects=[],
        )
        if cut.record_count or event.keyframe:
            events.append(replace(event, answer=cut, seq=len(events) + 1))
    small = Recording(recording.header, events)
    small.find_declarations_and_resets()
    return small


@pytest.fixture(scope="session")
def small_recording(bundled_recording):  # noqa: ANN001, ANN201
    return cut_to_region(bundled_recording)
