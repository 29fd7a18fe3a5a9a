from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
