"""A validated feed answer, and the errors of reading one. Free of pydantic, so that the
app can show its first frame before the validation layer is imported."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from feeds.models import (
        Council,
        CountingArea,
        Election,
        MayoralContest,
        Party,
        Projections,
        Referendum,
        Region,
        WardContest,
    )


class FeedError(Exception):
    """An answer that cannot be used at all. The message is short, clean and safe to show."""


@dataclass(frozen=True, slots=True)
class Reject:
    kind: str
    index: int | None  # position in the answer; None for a record already held
    reason: str

    def __str__(self) -> str:
        where = self.kind if self.index is None else f"{self.kind}[{self.index}]"
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class Answer:
    """A validated feed answer: the records that passed and the ones that did not."""

    kind: Literal["snapshot", "changes"]
    seq: int
    since: int | None = None
    epoch: int | None = None
    poll_after: float | None = None
    changes_path: str | None = None  # a static feed's changes files (see docs/feed-format.md)
    election: Election | None = None
    regions: list[Region] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    councils: list[Council] = field(default_factory=list)
    referendums: list[Referendum] = field(default_factory=list)
    counting_areas: list[CountingArea] = field(default_factory=list)
    mayors: list[MayoralContest] = field(default_factory=list)
    wards: list[WardContest] = field(default_factory=list)
    projections: Projections | None = None
    rejects: list[Reject] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        return (
            len(self.regions)
            + len(self.parties)
            + len(self.councils)
            + len(self.referendums)
            + len(self.counting_areas)
            + len(self.mayors)
            + len(self.wards)
            + (self.projections is not None)
        )
