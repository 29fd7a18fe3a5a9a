"""The benchmarks' national-scale night: seeded, every ward of the hex layout, valid."""

from __future__ import annotations

from feeds.store import ResultsStore
from feeds.synthetic_national import national_night


def test_the_national_night_is_every_ward_seeded_and_valid() -> None:
    night = national_night(seed=7)
    assert len(night.opening.councils) == 374 and len(night.opening.wards) == 8482
    assert len(night.declarations) == 8482
    store = ResultsStore()
    store.apply(night.opening)
    for answer in night.declarations:
        assert not store.apply(answer).rejects
    assert all(c.has_result for c in store.councils.values())
    assert sum(len(w.candidates) for w in store.wards.values()) > 40_000
    again = national_night(seed=7)
    assert again.declarations[100].wards == night.declarations[100].wards  # same seed, same night
    assert national_night(seed=8).declarations[0].wards != night.declarations[0].wards
