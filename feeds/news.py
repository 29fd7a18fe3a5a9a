"""What a poll means for the night: the news in a ``ChangeSet``.

One pure function decides what is news (a declaration, a gain or hold, a correction, a
recount under way, a referendum area or a mayor declared, what is watched); the ticker, the
toasts, the Log, ``record`` and ``summary`` all take it from here, so they never disagree.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from feeds.store import ChangeSet, CouncilChange, ResultsStore

if TYPE_CHECKING:
    from feeds.models import Council

NewsKind = Literal["declared", "corrected", "redeclared", "recount", "area", "mayor"]

#: Rejected records named one by one in the log; the rest are counted.
REJECTS_NAMED = 5

_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class News:
    """One item of news, placed in the night's time order by ``when``."""

    kind: NewsKind
    when: dt.datetime
    region: str
    text: str
    council_id: str | None = None
    gain: bool = False  # control passed to a party from another party or NOC
    changed_hands: bool = False  # control changed, to NOC included
    watched: bool = False
    #: Worth a toast: a gain or a watched council, as it happens (not in a late joiner's state).
    alert: bool = False

    @property
    def amends(self) -> bool:
        """A correction, re-declaration or recount: it changes what was said before, so it
        belongs in the Log as well as the ticker."""
        return self.kind in ("corrected", "redeclared", "recount")


def news_of(
    changes: ChangeSet,
    store: ResultsStore,
    *,
    now: dt.datetime,
    watched: Iterable[str] = (),
    snapshot: bool = False,
) -> list[News]:
    """The news in one poll's changes, oldest first.

    ``now`` is the moment on the night (the replay's clock in a replay): news without a time
    of its own, and corrections, which are news when they come, are placed there.
    ``snapshot``: the changes are a whole state taken at once (a late joiner, a seek); it is
    told in declaration order and raises no alerts."""
    from feeds.aggregate import is_gain, result_phrase  # with the first answer, not at start

    watched = frozenset(watched)
    items: list[News] = []
    councils = list(changes.councils.items())
    if snapshot:
        councils.sort(key=lambda item: item[1].after.declared_at or _EARLIEST)
    for council_id, change in councils:
        council = change.after
        if council.status == "recount" and (
            change.before is None or change.before.status != "recount"
        ):
            items.append(
                News(
                    "recount", now, council.region, f"{council.name}: recount under way", council_id
                )
            )
        if not (change.newly_declared or change.redeclared):
            continue
        gain = is_gain(council)
        kind: NewsKind = "declared"
        prefix = ""
        if change.corrected:
            kind, prefix = "corrected", "Correction — "
        elif change.redeclared:
            kind, prefix = "redeclared", "Re-declared — "
        is_watched = council_id in watched
        items.append(
            News(
                kind,
                now if change.redeclared else (council.declared_at or now),
                council.region,
                f"{prefix}{council.name}: {result_phrase(council)}",
                council_id,
                gain=gain,
                changed_hands=changed_hands(council),
                watched=is_watched,
                alert=(gain or is_watched) and not snapshot,
            )
        )
    for referendum_id, area_code in sorted(changes.counting_areas):
        area = store.counting_areas.get((referendum_id, area_code))
        referendum = store.referendums.get(referendum_id)
        if area is not None and referendum is not None and area.has_result:
            items.append(
                News(
                    "area",
                    area.declared_at or now,
                    area.region,
                    f"{referendum.name}: {area.name} declared",
                )
            )
    for mayor_id in sorted(changes.mayors):
        contest = store.mayors.get(mayor_id)
        if contest is None:
            continue
        winner = contest.winner
        if winner is not None and contest.status in ("declared", "corrected"):
            items.append(
                News(
                    "mayor",
                    contest.declared_at or now,
                    contest.region,
                    f"{contest.name}: {winner.name} ({winner.party}) elected",
                )
            )
    if snapshot:  # a whole state: told as it happened
        items.sort(key=lambda item: item.when)
    return items


def changed_hands(council: Council) -> bool:
    return (
        council.has_result
        and council.control_before is not None
        and council.control_after is not None
        and council.control_after != council.control_before
    )


def night_so_far(store: ResultsStore) -> list[News]:
    """Every declaration held, in the order it happened: the night as a late joiner's
    first poll tells it."""
    changes = ChangeSet()
    for council_id, council in store.councils.items():
        changes.councils[council_id] = CouncilChange(None, council)
    changes.counting_areas = set(store.counting_areas)
    changes.mayors = set(store.mayors)
    return news_of(changes, store, now=_EARLIEST, snapshot=True)


def feed_notes(changes: ChangeSet) -> list[str]:
    """What the Log says about the feed itself in one poll: records rejected, changes that
    look wrong, what the client did and why, a restarted history."""
    lines = [f"rejected {reject}" for reject in changes.rejects[:REJECTS_NAMED]]
    if len(changes.rejects) > REJECTS_NAMED:
        lines.append(f"… and {len(changes.rejects) - REJECTS_NAMED} more rejected record(s)")
    lines += [f"implausible change, shown as the feed says: {n}" for n in changes.implausible]
    lines += changes.notes
    if changes.reset:
        lines.append("the feed restarted its history; showing its new state")
    return lines


#: A place in the night's time order: when it happened, then the order it arrived in.
Place = tuple[float, int]


class NewsReel:
    """The night's news so far, in time order whatever order it arrives in (a snapshot, a
    seek, many areas in one poll, a late correction), keeping the latest ``limit`` items.
    Each item's place is unique for the reel's life, so a drawn line can be cached by it."""

    def __init__(self, limit: int = 300) -> None:
        self.limit = limit
        self._places: list[Place] = []
        self._items: list[News] = []
        self._arrivals = itertools.count()

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: News) -> None:
        place = (item.when.timestamp(), next(self._arrivals))
        index = bisect.bisect_right(self._places, place)
        self._places.insert(index, place)
        self._items.insert(index, item)
        if len(self._items) > self.limit:  # the oldest by time go
            del self._items[: len(self._items) - self.limit]
            del self._places[: len(self._places) - self.limit]

    def clear(self) -> None:
        self._places.clear()
        self._items.clear()

    def newest_first(self) -> Iterator[tuple[Place, News]]:
        return zip(reversed(self._places), reversed(self._items), strict=True)


@dataclass(frozen=True, slots=True)
class ControlChange:
    """A council that changed hands: who gained it, from whom, when."""

    council_id: str
    name: str
    region: str
    when: dt.datetime | None
    gainer: str  # a party code, or NOC
    loser: str


def control_changes(councils: Iterable[Council]) -> list[ControlChange]:
    """Every council that changed hands, newest first."""
    found = [
        ControlChange(
            c.id, c.name, c.region, c.declared_at, c.control_after or "", c.control_before or ""
        )
        for c in councils
        if changed_hands(c)
    ]
    found.sort(key=lambda change: change.when or _EARLIEST, reverse=True)
    return found


def headline(rows: Iterable[tuple[str, int]], changes: int, declared: int) -> str:
    """The story so far in a line: who is up and who is down in councils controlled, and how
    many councils changed hands. ``rows``: (party, change in councils)."""
    if not declared:
        return "No councils declared yet."
    moved = sorted(((p, n) for p, n in rows if n), key=lambda item: (-abs(item[1]), item[0]))
    up = [f"{p} +{n}" for p, n in moved if n > 0][:3]
    down = [f"{p} {n}" for p, n in moved if n < 0][:3]
    parts = []
    if up:
        parts.append("up: " + ", ".join(up))
    if down:
        parts.append("down: " + ", ".join(down))
    hands = f"{changes} council{'s' if changes != 1 else ''} changed hands"
    return " · ".join([*parts, hands]) if parts else f"no change in control yet · {hands}"
