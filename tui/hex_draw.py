"""Drawing hex cartograms in a terminal, at two kinds of scale.

Text scales: each hex a cell ``width`` characters wide holding its label (a party code), one
or two lines high (the second line its name), odd rows shifted half a cell right. The compact
scale: each hex two characters wide and half a line high, drawn with half blocks (``▀``: the
upper hex in the foreground colour, the lower in the background), so all of Great Britain
fits 80×24; labels are then beside the map, never on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.color import Color

from tui.hexmap import Cell


@dataclass(frozen=True, slots=True)
class HexPaint:
    label: str  # up to three characters, and a mark
    style: Style
    fill: Color  # the colour at the compact scale
    name: str = ""


def draw_text_scale(
    paints: Mapping[Cell, HexPaint],
    bounds: tuple[int, int, int, int],
    width: int,
    lines_per_hex: int = 1,
) -> list[Text]:
    """North at the top: the row with the largest ``r`` first."""
    q_min, q_max, r_min, r_max = bounds
    half = width // 2
    lines: list[Text] = []
    for r in range(r_max, r_min - 1, -1):
        rows = [Text(" " * half if r & 1 else "") for _ in range(lines_per_hex)]
        for q in range(q_min, q_max + 1):
            paint = paints.get((q, r))
            if paint is None:
                for row in rows:
                    row.append(" " * width)
                continue
            gap = 1 if width >= 4 else 0
            body = width - gap
            rows[0].append(paint.label.center(body)[:body], style=paint.style)
            if lines_per_hex > 1:
                rows[1].append(paint.name[:body].ljust(body), style=paint.style)
            for row in rows:
                row.append(" " * gap)
        for row in rows:
            row.rstrip()
        lines.extend(rows)
    return lines


def draw_compact(paints: Mapping[Cell, HexPaint], bounds: tuple[int, int, int, int]) -> list[Text]:
    """Two rows of hexes to a line, two characters to a hex."""
    q_min, q_max, r_min, r_max = bounds
    span = 2 * (q_max - q_min + 1) + 1
    lines: list[Text] = []
    for top in range(r_max, r_min - 1, -2):
        bottom = top - 1
        line = Text()
        for x in range(span):
            upper = _at(paints, x, top, q_min)
            lower = _at(paints, x, bottom, q_min) if bottom >= r_min else None
            if upper is not None:
                background = lower.fill.rich_color if lower is not None else None
                line.append("▀", style=Style(color=upper.fill.rich_color, bgcolor=background))
            elif lower is not None:
                line.append("▄", style=Style(color=lower.fill.rich_color))
            else:
                line.append(" ")
        line.rstrip()
        lines.append(line)
    return lines


def _at(paints: Mapping[Cell, HexPaint], x: int, r: int, q_min: int) -> HexPaint | None:
    offset = x - (r & 1)  # odd rows start a character (half a hex) to the right
    if offset < 0:
        return None
    return paints.get((q_min + offset // 2, r))
