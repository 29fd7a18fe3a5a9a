from __future__ import annotations

import pytest

from feeds.recording import Recording
from tests.soak import soak

# Seed 128 brings a truncated answer, a 429, a 5xx and a slow answer within the first six
# requests, so a slow machine's few polls in four seconds still meet each (seed 35's first
# fault was the 18th request: a run of 14 polls met none).
FAULTS = "5xx=0.1,429=0.05,slow=0.05,truncate=0.05,slow_seconds=0.05,retry_after=1,seed=128"


async def test_short_soak_with_faults_ends_in_the_clean_state(
    small_recording: Recording,
) -> None:
    report = await soak(small_recording, seconds=4, faults=FAULTS)
    assert report.matches_clean_run
    assert report.failures >= report.faults.get("5xx", 0) + report.faults.get("429", 0) > 0
    assert report.connections_max <= 2
    assert report.tasks_end <= report.tasks_mid
    assert report.memory_end_kib - report.memory_mid_kib < 4096


@pytest.mark.soak
@pytest.mark.timeout(900)
async def test_long_soak(bundled_recording: Recording) -> None:
    report = await soak(bundled_recording, seconds=240, faults=FAULTS.replace("0.1", "0.2"))
    print(report)
    assert report.matches_clean_run
    assert report.tasks_end <= report.tasks_mid
    assert report.connections_max <= 2
    assert report.memory_end_kib - report.memory_mid_kib < 4096
