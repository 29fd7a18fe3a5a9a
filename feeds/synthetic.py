"""A seeded, synthetic national referendum counted in a few hundred areas across every region.

Used by tests and benchmarks for the national-referendum path. Everything here is generated:
the areas, their codes (``E99…``, ``W99…``, ``S99…``, ``N99…``, not real GSS codes) and votes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from feeds.answer import Answer
from feeds.models import CountingArea, Referendum, ReferendumOption
from feeds.recording import Event, Header, Recording
from feeds.reference import REGIONS

REFERENDUM_ID = "ref.synthetic-national.2022-05-05"
#: Areas per region, roughly the shape of a UK-wide count (382 in all).
AREAS_PER_REGION = {
    "E12000001": 12, "E12000002": 39, "E12000003": 21, "E12000004": 40, "E12000005": 30,
    "E12000006": 47, "E12000007": 33, "E12000008": 67, "E12000009": 37, "W92000004": 22,
    "S92000003": 32, "N92000002": 2,
}  # fmt: skip


def area_count(scale: float = 1.0) -> int:
    return sum(max(1, round(count * scale)) for count in AREAS_PER_REGION.values())


def referendum(scale: float = 1.0) -> Referendum:
    return Referendum(
        id=REFERENDUM_ID,
        name="Synthetic national referendum",
        question="Generated test question: should the proposal be adopted?",
        scope="national",
        options=[ReferendumOption(id="yes", label="Yes"), ReferendumOption(id="no", label="No")],
        counting_areas=area_count(scale),
        revision=1,
        note="Synthetic data for tests and benchmarks",
    )


def _prefix(region: str) -> str:
    return region[0] + "99"


def areas(seed: int = 2016, scale: float = 1.0) -> list[CountingArea]:
    """Every counting area in its declared state (revision 2)."""
    rng = random.Random(seed)
    names = {region.code: region.name for region in REGIONS}
    result: list[CountingArea] = []
    for region_index, (region, count) in enumerate(AREAS_PER_REGION.items()):
        lean = rng.gauss(0, 6)
        for number in range(max(1, round(count * scale))):
            electorate = rng.randint(40_000, 400_000)
            turnout = rng.uniform(0.6, 0.8)
            ballots = int(electorate * turnout)
            rejected = int(ballots * rng.uniform(0.0005, 0.002))
            yes_share = min(0.95, max(0.05, (48 + lean + rng.gauss(0, 7)) / 100))
            yes = int((ballots - rejected) * yes_share)
            result.append(
                CountingArea(
                    referendum=REFERENDUM_ID,
                    code=f"{_prefix(region)}{region_index:02d}{number:04d}",
                    name=f"{names[region]} area {number + 1}",
                    region=region,
                    electorate=electorate,
                    votes={"yes": yes, "no": ballots - rejected - yes},
                    rejected=rejected,
                    status="declared",
                    revision=2,
                )
            )
    return result


def declaration_events(
    seed: int = 2016, *, start_ms: int, end_ms: int, scale: float = 1.0
) -> Iterator[tuple[int, Answer]]:
    """The referendum's count: all areas expected at ``start_ms``, then declared one by one."""
    declared = areas(seed, scale)
    expected = [
        a.model_copy(update={"votes": {}, "rejected": None, "status": "expected", "revision": 1})
        for a in declared
    ]
    rng = random.Random(seed + 1)
    yield (
        start_ms,
        Answer(kind="changes", seq=0, referendums=[referendum(scale)], counting_areas=expected),
    )
    times = sorted(rng.randint(start_ms + 1, end_ms) for _ in declared)
    order = list(declared)
    rng.shuffle(order)
    base = dt.datetime(2022, 5, 5, 21, 0, tzinfo=dt.UTC)
    for t, area in zip(times, order, strict=True):
        stamped = area.model_copy(update={"declared_at": base + dt.timedelta(milliseconds=t)})
        yield t, Answer(kind="changes", seq=0, counting_areas=[stamped])


def with_referendum(recording: Recording, seed: int = 2016, scale: float = 1.0) -> Recording:
    """The recording with a synthetic national referendum counted alongside it."""
    # Only the first keyframe stays one: later keyframes do not hold the referendum.
    events = [(e.t, 0, e.answer, e.keyframe and i == 0) for i, e in enumerate(recording.events)]
    start = recording.events[0].t if recording.events else 0
    end = max(recording.duration_ms, start + 1)
    events += [
        (t, 1, answer, False)
        for t, answer in declaration_events(seed, start_ms=start, end_ms=end, scale=scale)
    ]
    events.sort(key=lambda item: (item[0], item[1]))
    merged = Recording(
        Header(
            recording.header.source + " + synthetic national referendum",
            recording.header.recorded_at,
            recording.header.election,
            recording.header.started_at,
        ),
        [],
    )
    for seq, (t, _, answer, keyframe) in enumerate(events, start=1):
        answer.seq = seq
        merged.events.append(
            Event(
                t=t,
                seq=seq,
                answer=answer,
                keyframe=keyframe,
                line=0,
                declarations=sum(1 for a in answer.counting_areas if a.has_result)
                + (sum(1 for c in answer.councils if c.has_result)),
            )
        )
    return merged
