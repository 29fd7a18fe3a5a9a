"""The council map: a tile per council, grouped by region, regions placed by geography.

The data has no coordinates for councils, so the layout places each region where it lies on
the map of Great Britain, and its councils in alphabetical order inside it. Tiles show the
party code on its colour (never colour alone); undeclared councils are dim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from feeds.aggregate import result_phrase
from feeds.store import ResultsStore
from tui.night import Night, NightUpdate
from tui.parties import chip_style, party_colour
from tui.widgets.shown import is_shown

if TYPE_CHECKING:
    from feeds.models import Council

#: Regions by rough geography, north to south and west to east.
MAP_ROWS: tuple[tuple[str, ...], ...] = (
    ("S92000003", "E12000001"),
    ("E12000002", "E12000003"),
    ("W92000004", "E12000005", "E12000004", "E12000006"),
    ("E12000009", "E12000008", "E12000007"),
)
TILE = 4
MOVE = "move between council tiles"


@dataclass(frozen=True, slots=True)
class Tile:
    council_id: str
    x: int
    y: int


class CouncilMap(Widget, can_focus=True):
    DEFAULT_CSS = """
    CouncilMap { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("up", "move(0, -1)", "Up", show=False, tooltip=MOVE),
        Binding("down", "move(0, 1)", "Down", show=False, tooltip=MOVE),
        Binding("left", "move(-1, 0)", "Left", show=False, tooltip=MOVE),
        Binding("right", "move(1, 0)", "Right", show=False, tooltip=MOVE),
        Binding("enter", "select", "Details", tooltip="open the council under the cursor"),
    ]

    cursor: reactive[str | None] = reactive(None)

    class Selected(Message):
        def __init__(self, council_id: str) -> None:
            self.council_id = council_id
            super().__init__()

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.night = night
        self._visible: list[Council] = []
        self._tiles: list[Tile] = []
        self._lines: list[Text] = []
        self._dirty = True

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        self.show_councils()
        if is_shown(self):  # its tab was chosen before it was mounted
            self.focus()

    def _changed(self, update: NightUpdate) -> None:
        if update.councils or update.view_changed or update.reset:
            self.show_councils()

    def show_councils(self) -> None:
        night = self.night
        visible = night.view.councils(night.store)
        self._visible = visible
        ids = {c.id for c in visible}
        if self.cursor not in ids:
            self.cursor = min(visible, key=lambda c: c.name.casefold()).id if visible else None
        self._dirty = True
        self.refresh(layout=True)

    def on_resize(self) -> None:
        self._dirty = True

    def _ensure_layout(self) -> None:
        # Laid out only when painted: updates while the map tab is hidden cost nothing.
        if self._dirty:
            self._dirty = False
            self._layout()

    def _layout(self) -> None:
        store = self.night.store
        width = max(20, (self.size.width or 80) - 2)
        self._tiles, self._lines = [], []
        if not store.councils:
            return
        by_region: dict[str, list[Council]] = {}
        for council in self._visible:
            by_region.setdefault(council.region, []).append(council)
        placed = {code for row in MAP_ROWS for code in row}
        extra = tuple(code for code in by_region if code not in placed)
        rows = [tuple(c for c in row if c in by_region) for row in (*MAP_ROWS, extra)]
        y = 0
        for row in (r for r in rows if r):
            block_width = width // len(row)
            per_line = max(1, (block_width - 1) // (TILE + 1))
            blocks: list[list[Text]] = []
            for column, code in enumerate(row):
                councils = sorted(by_region[code], key=lambda c: c.name.casefold())
                declared = sum(1 for c in councils if c.has_result)
                title = f"{store.region_name(code)} {declared}/{len(councils)}"
                lines = [Text(title[: block_width - 1], style="bold")]
                x0 = column * block_width
                for index, council in enumerate(councils):
                    line_no, slot = divmod(index, per_line)
                    if line_no + 1 >= len(lines):
                        lines.append(Text())
                    lines[line_no + 1].append_text(self._tile(council, store))
                    lines[line_no + 1].append(" ")
                    self._tiles.append(Tile(council.id, x0 + slot * (TILE + 1), y + line_no + 1))
                blocks.append(lines)
            height = max(len(b) for b in blocks)
            for line_index in range(height):
                line = Text()
                for block in blocks:
                    part = block[line_index] if line_index < len(block) else Text()
                    part = part.copy()
                    part.truncate(block_width, pad=True)
                    line.append_text(part)
                self._lines.append(line)
            self._lines.append(Text())
            y += height + 1
        self._lines.append(self._caption(store))

    def _tile(self, council: Council, store: ResultsStore) -> Text:
        if council.has_result:
            code = council.control_after or "?"
            style = chip_style(party_colour(code, store))
        else:
            code = {"counting": "cnt", "recount": "RCT", "cancelled": "x"}.get(council.status, "··")
            style = self.night.tones.pending
        if council.id == self.cursor:
            style += Style(reverse=True, underline=True)
        return Text(code.center(TILE)[:TILE], style=style)

    def _caption(self, store: ResultsStore) -> Text:
        council = store.councils.get(self.cursor) if self.cursor else None
        if council is None:
            return Text("No councils match the filter.", style="dim")
        caption = Text("▸ ", style="bold")
        caption.append(council.name, style="bold")
        caption.append(f" ({store.region_name(council.region)}) — ")
        caption.append(result_phrase(council))
        return caption

    def render(self) -> Text:
        self._ensure_layout()
        return Text("\n").join(self._lines) if self._lines else Text("Waiting for the feed…")

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        self._ensure_layout()
        return max(1, len(self._lines))

    def watch_cursor(self) -> None:
        self._dirty = True
        self.refresh()

    def action_move(self, dx: int, dy: int) -> None:
        self._ensure_layout()
        here = next((t for t in self._tiles if t.council_id == self.cursor), None)
        if here is None:
            return
        best: tuple[float, Tile] | None = None
        for tile in self._tiles:
            along = (tile.x - here.x) * dx + (tile.y - here.y) * dy
            if along <= 0:
                continue
            across = abs((tile.x - here.x) * dy) + abs((tile.y - here.y) * dx)
            # Rows are about five columns apart on screen, so weigh distance accordingly.
            score = along * (1 if dx else 5) + across * (5 if dx else 1) * 2
            if best is None or score < best[0]:
                best = (score, tile)
        if best is not None:
            self.cursor = best[1].council_id

    def action_select(self) -> None:
        if self.cursor:
            self.post_message(self.Selected(self.cursor))
