"""The hex cartograms: where each council and ward sits, and which is its neighbour.

The layouts are Open Innovations' HexJSON (MIT licence; the notice travels inside
``maps/hexmaps.json.gz``, built by ``scripts/build_hexmaps.py``): one hex per district in
``odd-r`` offset rows (odd rows half a hex right), ``r`` growing northwards. A council that
covers several districts (a county, a new council of 2022-23) fills all of theirs; one missing
from the layout is placed beside its region and reported, never dropped. Plain geometry: no
Textual here, loaded on first use (not at start-up).
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feeds.models import Council

LAYOUT_FILE = Path(__file__).resolve().parent / "maps" / "hexmaps.json.gz"
ROW_HEIGHT = math.sqrt(3) / 2  # rows of pointy-top hexes are this far apart, columns 1

Cell = tuple[int, int]  # (q, r)


@dataclass(frozen=True, slots=True)
class HexLayout:
    districts: dict[str, tuple[int, int, str]]  # GSS code -> q, r, region code
    groups: dict[str, tuple[str, ...]]  # a council over several districts -> their codes
    wards: dict[str, tuple[int, int, str]]  # ward GSS code -> q, r, district code
    licence: str

    def cells_of(self, code: str) -> tuple[Cell, ...]:
        district = self.districts.get(code)
        if district is not None:
            return ((district[0], district[1]),)
        members = self.groups.get(code, ())
        return tuple((self.districts[m][0], self.districts[m][1]) for m in members)


@cache
def load_layout(path: Path = LAYOUT_FILE) -> HexLayout:
    document = json.loads(gzip.decompress(path.read_bytes()))
    return HexLayout(
        districts={k: (v[0], v[1], v[2]) for k, v in document["districts"].items()},
        groups={k: tuple(v) for k, v in document["groups"].items()},
        wards={k: (v[0], v[1], v[2]) for k, v in document["wards"].items()},
        licence=document["licence"],
    )


def centre(cells: Iterable[Cell]) -> tuple[float, float]:
    """Where hexes sit on the page: x across (odd rows half a hex right), y northwards."""
    points = [(q + 0.5 * (r & 1), r * ROW_HEIGHT) for q, r in cells]
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


@dataclass(slots=True)
class Placement:
    """Councils on the layout: each council's hexes, the council of each hex, and the hexes
    of districts with no election in view (drawn faintly, so the map stays Britain)."""

    cells: dict[str, tuple[Cell, ...]] = field(default_factory=dict)
    owner: dict[Cell, str] = field(default_factory=dict)
    background: set[Cell] = field(default_factory=set)
    placed: list[str] = field(default_factory=list)  # names not on the layout, placed nearby

    def bounds(self) -> tuple[int, int, int, int]:
        cells = [*self.owner, *self.background] or [(0, 0)]
        qs = [q for q, _ in cells]
        rs = [r for _, r in cells]
        return min(qs), max(qs), min(rs), max(rs)

    def neighbour(self, council_id: str, dx: int, dy: int) -> str | None:
        """The council nearest in a direction (dy > 0 is north), by where they sit."""
        x, y = centre(self.cells[council_id])
        best: tuple[float, str] | None = None
        for other, cells in self.cells.items():
            if other == council_id:
                continue
            ox, oy = centre(cells)
            along = (ox - x) * dx + (oy - y) * dy
            if along <= 0.25:
                continue
            across = abs((ox - x) * dy) + abs((oy - y) * dx)
            if across > 2.5 * along + 1.5:  # well off to the side: not that way
                continue
            score = along + 2 * across
            if best is None or score < best[0]:
                best = (score, other)
        return best[1] if best is not None else None


def place_councils(
    councils: Sequence[Council],
    layout: HexLayout,
    *,
    background_regions: set[str] | None = None,
) -> Placement:
    """Put each council on its hexes. ``background_regions``: the regions whose other
    districts are drawn faintly (all of Great Britain when None)."""
    placement = Placement()
    missing: list[Council] = []
    for council in sorted(councils, key=lambda c: c.code):
        cells = tuple(c for c in layout.cells_of(council.code) if c not in placement.owner)
        if not cells:
            missing.append(council)
            continue
        placement.cells[council.id] = cells
        for cell in cells:
            placement.owner[cell] = council.id
    for council in missing:
        cell = _free_cell_near(council.region, layout, placement)
        placement.cells[council.id] = (cell,)
        placement.owner[cell] = council.id
        placement.placed.append(council.name)
    covered = {m for c in councils for m in layout.groups.get(c.code, ())}
    for code, (q, r, region) in layout.districts.items():
        if (q, r) in placement.owner or code in covered:
            continue
        if background_regions is None:
            if not code.startswith("N"):  # Great Britain: Northern Ireland holds none
                placement.background.add((q, r))
        elif region in background_regions:
            placement.background.add((q, r))
    return placement


def _free_cell_near(region: str, layout: HexLayout, placement: Placement) -> Cell:
    """The free hex nearest the middle of a region's districts (or of the map)."""
    cells = [(q, r) for q, r, reg in layout.districts.values() if reg == region] or [
        (q, r) for q, r, _ in layout.districts.values()
    ]
    x, y = centre(cells)
    taken = set(placement.owner) | {(q, r) for q, r, _ in layout.districts.values()}
    start = (round(x), round(y / ROW_HEIGHT))
    for radius in range(0, 60):
        ring = [
            (start[0] + dq, start[1] + dr)
            for dq in range(-radius, radius + 1)
            for dr in range(-radius, radius + 1)
            if max(abs(dq), abs(dr)) == radius
        ]
        free = [c for c in ring if c not in taken]
        if free:
            return min(free, key=lambda c: (math.dist(centre([c]), (x, y)), c))
    return (start[0] + 61, start[1])  # never reached with a few hundred districts


def ward_cells(codes: Iterable[str], layout: HexLayout) -> dict[str, Cell]:
    """The hexes of the wards the layout knows (ward GSS codes of 2022)."""
    return {
        code: (layout.wards[code][0], layout.wards[code][1])
        for code in codes
        if code in layout.wards
    }
