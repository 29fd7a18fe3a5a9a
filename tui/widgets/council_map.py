"""The map: every council with an election on the hex cartogram of Great Britain.

Each council fills its hexes (a county or a new council all of its districts') with its
party's colour and code once declared; undeclared councils are grey, districts with no
election faint, so the country colours in as the night goes. The cursor is one council, its
result beside the map; arrows move to the geographic neighbour, Enter opens it. The scale
follows the terminal: half-block hexes at 80×24, codes on hexes when there is room, names
too on a big terminal or a region zoomed in by the filter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.color import Color
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from tui.formatting import uk_time
from tui.night import Night, NightUpdate
from tui.parties import chip_style, party_colour
from tui.widgets.shown import DrawnWhenShown, is_shown

if TYPE_CHECKING:
    from feeds.models import Council
    from tui.hex_draw import HexPaint
    from tui.hexmap import Cell, Placement

MOVE = "move to the neighbouring council on the map"
SIDE = 30  # the panel beside the map: the council under the cursor, and the legend
STATUS_MARKS = {"expected": "··", "counting": "cnt", "recount": "RCT", "cancelled": "x"}


class CouncilMap(DrawnWhenShown, Widget, can_focus=True):
    DEFAULT_CSS = """
    CouncilMap { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("up", "move(0, 1)", "North", show=False, tooltip=MOVE),
        Binding("down", "move(0, -1)", "South", show=False, tooltip=MOVE),
        Binding("left", "move(-1, 0)", "West", show=False, tooltip=MOVE),
        Binding("right", "move(1, 0)", "East", show=False, tooltip=MOVE),
        Binding("enter", "select", "Details", tooltip="open the council under the cursor"),
    ]

    cursor: reactive[str | None] = reactive(None)

    class Selected(Message):
        def __init__(self, council_id: str) -> None:
            self.council_id = council_id
            super().__init__()

    def __init__(
        self,
        night: Night,
        *,
        id: str | None = None,  # noqa: A002
        take_focus: bool = True,
    ) -> None:
        super().__init__(id=id)
        self.night = night
        self.take_focus = take_focus  # the map tab's map does; the overview's does not
        self._visible: list[Council] = []
        self._placement: Placement | None = None
        self._placed_key: tuple[str, ...] | None = None
        self._reported: set[str] = set()
        self._lines: list[Text] = []
        self._dirty = True
        self._drawn_width = 0

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        self.draw_now()
        if self.take_focus and is_shown(self):  # its tab was chosen before it was mounted
            self.focus()

    def _changed(self, update: NightUpdate) -> None:
        if update.councils or update.view_changed or update.reset:
            # Hidden (another tab, or the overview too narrow for it), a new set of councils
            # would still ask for a layout of the whole screen: caught up when shown.
            self.behind()

    def draw(self) -> None:
        self.show_councils()

    def show_councils(self) -> None:
        night = self.night
        visible = night.view.councils(night.store)
        same_councils = [c.id for c in visible] == [c.id for c in self._visible]
        self._visible = visible
        ids = {c.id for c in visible}
        if self.cursor not in ids:
            self.cursor = min(visible, key=lambda c: c.name.casefold()).id if visible else None
        self._dirty = True
        # A declaration recolours hexes; only another set of councils changes the map's size
        # (a layout of the whole screen, measured at about 25 ms a declaration before).
        self.refresh(layout=not same_councils)

    def on_resize(self) -> None:
        self._dirty = True

    # Placing and drawing, only when painted: updates while the tab is hidden cost nothing,
    # and the layout file is read the first time the map is shown.

    def placement(self) -> Placement:
        # The hex modules are loaded with the first map drawn, not before the first frame.
        from tui.hexmap import load_layout, place_councils

        key = tuple(sorted(c.id for c in self._visible))
        if self._placement is None or key != self._placed_key:
            view = self.night.view
            regions = {c.region for c in self._visible} if view.active else None
            self._placement = place_councils(
                self._visible, load_layout(), background_regions=regions
            )
            self._placed_key = key
            for name in self._placement.placed:
                if name not in self._reported:
                    self._reported.add(name)
                    self.night.log(f"map: {name} is not in the hex layout; placed by its region")
        return self._placement

    def _ensure_layout(self, width: int = 0) -> None:
        # The width the layout measures it at, or the width it has: before its first layout
        # it has none, and a map drawn for a guessed 80 columns put its side panel beside a
        # map too wide for it, bits of which stayed on screen.
        width = max(20, width or self.size.width or 80)
        if self._dirty or width != self._drawn_width:
            self._dirty = False
            self._drawn_width = width
            before = len(self._lines)
            self._lines = self._draw(width)
            if before and len(self._lines) != before:
                self.refresh(layout=True)  # drawn taller or shorter: its height follows

    def _draw(self, width: int) -> list[Text]:
        if not self._visible:
            return [Text("No councils match the filter." if self.night.store.councils
                         else "Waiting for the feed…", style="dim")]  # fmt: skip
        from tui.hex_draw import draw_compact, draw_text_scale

        placement = self.placement()
        bounds = placement.bounds()
        q_min, q_max, r_min, r_max = bounds
        columns, rows = q_max - q_min + 1, r_max - r_min + 1
        room = self._room()
        beside = width - SIDE - 1
        hex_width = min(9, beside // (columns + 1)) if beside > 0 else 0
        if hex_width >= 3 and rows <= room:
            tall = 2 if hex_width >= 7 and 2 * rows <= room else 1
            map_lines = draw_text_scale(self._paints(placement), bounds, hex_width, tall)
            map_width = hex_width * (columns + 1)
            side = self._side_panel(compact=False)
        else:
            map_lines = draw_compact(self._paints(placement), bounds)
            map_width = 2 * columns + 2
            side = self._side_panel(compact=True)
        if width - map_width >= 24:  # the panel beside the map
            height = max(len(map_lines), len(side))
            lines = []
            for index in range(height):
                left = map_lines[index].copy() if index < len(map_lines) else Text()
                left.truncate(map_width, pad=True)
                if index < len(side):
                    left.append(" ")
                    left.append_text(side[index])
                left.truncate(width)
                lines.append(left)
            return lines
        for line in side:
            line.truncate(width)
        return [*map_lines, Text(), *side]

    def _room(self) -> int:
        """Lines the map can have without scrolling: the height of the tab it is on."""
        parent = self.parent
        height = parent.size.height if isinstance(parent, Widget) else 0
        return height or max(10, self.app.size.height - 6)

    def _paints(self, placement: Placement) -> dict[Cell, HexPaint]:
        # Drawn with data, so loaded with it: not before the first frame.
        from feeds.aggregate import is_gain
        from tui.hex_draw import HexPaint

        night = self.night
        store = night.store
        tones = night.tones
        pending = tones.pending
        pending_fill, faint_fill = fills(night)
        cursor_fill = Color.from_rich_color(tones.watched.color)
        councils = {c.id: c for c in self._visible}
        paints: dict[Cell, HexPaint] = {}
        faint = HexPaint("·", Style(color=pending.color, dim=True), faint_fill)
        for cell in placement.background:
            paints[cell] = faint
        for council_id, cells in placement.cells.items():
            council = councils[council_id]
            name = council.name
            if council.has_result:
                code = council.control_after or "?"
                colour = party_colour(code, store)
                style = chip_style(colour)
                fill = Color.parse(colour)
                label = code + ("▲" if is_gain(council) else "")
                if is_gain(council):
                    style += Style(underline=True)
            else:
                label = STATUS_MARKS.get(council.status, "··")
                style, fill = pending, pending_fill
            if council_id == self.cursor:
                style += Style(reverse=True)
                fill = cursor_fill
            paint = HexPaint(label, style, fill, name)
            for cell in cells:
                paints[cell] = paint
        return paints

    def _side_panel(self, *, compact: bool) -> list[Text]:
        from feeds.aggregate import is_gain, result_phrase

        night = self.night
        store = night.store
        council = store.councils.get(self.cursor) if self.cursor else None
        lines: list[Text] = []
        if council is not None:
            lines.append(Text("▸ " + council.name, style="bold"))
            lines.append(Text(f"  {store.region_name(council.region)}", style="dim"))
            lines.append(Text(f"  {result_phrase(council)}"))
            if council.declared_at is not None:
                lines.append(Text(f"  declared {uk_time(council.declared_at)}", style="dim"))
        lines.append(Text())
        lines.append(Text("Legend", style="bold underline"))
        shown = {c.control_after for c in self._visible if c.has_result and c.control_after}
        for code in sorted(shown):
            party = store.parties.get(code)
            line = Text()
            line.append(code.center(4), style=chip_style(party_colour(code, store)))
            line.append(f" {party.name if party else code}"[: SIDE - 5])
            lines.append(line)
        if compact:  # hexes carry colour only: the marks are colours
            gains = sum(1 for c in self._visible if is_gain(c))
            pending_fill, faint_fill = fills(night)
            for mark, style, meaning in (
                ("  ", Style(bgcolor=pending_fill.rich_color), "not yet declared"),
                ("  ", Style(bgcolor=faint_fill.rich_color), "no election here"),
                ("▲", Style(bold=True), f"{gains} gains so far"),
            ):
                line = Text()
                line.append(mark, style=style)
                line.append(" " * (5 - len(mark)) + meaning)
                lines.append(line)
            return lines
        marks = (
            ("LAB▲", "gain (underlined)"),
            ("··", "not yet declared"),
            ("cnt", "counting"),
            ("RCT", "recount"),
            ("·", "no election here"),
        )
        for mark, meaning in marks:
            line = Text()
            line.append(mark.ljust(5), style="bold")
            line.append(meaning)
            lines.append(line)
        lines.append(Text("arrows move · Enter opens", style="dim"))
        return lines

    def render(self) -> Text:
        self._ensure_layout()
        text = Text("\n").join(self._lines)
        text.no_wrap = True  # every line is cut to the width already
        return text

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        self._ensure_layout(width)
        return max(1, len(self._lines))

    def watch_cursor(self) -> None:
        self._dirty = True
        self.refresh()

    def action_move(self, dx: int, dy: int) -> None:
        if self.cursor is None or not self._visible:
            return
        target = self.placement().neighbour(self.cursor, dx, dy)
        if target is not None:
            self.cursor = target

    def action_select(self) -> None:
        if self.cursor:
            self.post_message(self.Selected(self.cursor))


def fills(night: Night) -> tuple[Color, Color]:
    """The compact scale's colours for councils not yet declared and for districts with no
    election, from the theme: the one lighter than the panel, the other fainter."""
    panel = Color.from_rich_color(night.tones.pending.bgcolor)
    return panel.lighten(0.15), panel.darken(0.04)
