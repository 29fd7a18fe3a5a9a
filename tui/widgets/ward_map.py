"""A council's wards on the ward hex cartogram, each in the colour of the party that won it
(the party with most of its seats), undeclared grey; wards the 2022 layout lacks are counted."""

from __future__ import annotations

from rich.text import Text
from textual.color import Color
from textual.widget import Widget

from tui.hex_draw import HexPaint, draw_text_scale
from tui.hexmap import Cell, load_layout, ward_cells
from tui.night import Night
from tui.parties import chip_style, party_colour


class WardMap(Widget):
    DEFAULT_CSS = """
    WardMap { height: auto; }
    """

    def __init__(self, night: Night, council_id: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.night = night
        self.council_id = council_id
        self._lines: list[Text] | None = None

    def redraw(self) -> None:
        self._lines = None
        self.refresh(layout=True)

    def on_resize(self) -> None:
        self._lines = None

    def _draw(self) -> list[Text]:
        night = self.night
        store = night.store
        wards = store.wards_by_council.get(self.council_id, {})
        if not wards:
            return []
        by_code = {ward.code: ward for ward in wards.values() if ward.code}
        cells = ward_cells(by_code, load_layout())
        if not cells:
            return [Text("Its wards are not in the 2022 ward hex layout.", style="dim")]
        pending = night.tones.pending
        paints: dict[Cell, HexPaint] = {}
        for code, cell in cells.items():
            ward = by_code[code]
            seats = ward.elected_by_party() if ward.has_result else {}
            if seats:
                party = max(sorted(seats), key=lambda p: seats[p])
                split = len(seats) > 1
                colour = party_colour(party, store)
                paints[cell] = HexPaint(
                    party + ("*" if split else ""),
                    chip_style(colour),
                    Color.parse(colour),
                    ward.name,
                )
            else:
                label = "x" if ward.status == "cancelled" else "··"
                paints[cell] = HexPaint(label, pending, Color(0, 0, 0), ward.name)
        qs = [q for q, _ in cells.values()]
        rs = [r for _, r in cells.values()]
        bounds = (min(qs), max(qs), min(rs), max(rs))
        width = self.size.width or 100
        hex_width = max(3, min(9, width // (bounds[1] - bounds[0] + 2)))
        lines = draw_text_scale(paints, bounds, hex_width, 2 if hex_width >= 7 else 1)
        title = Text.assemble(
            ("Wards on the map", "bold"), ("  * a split ward: the party with most seats", "dim")
        )
        missing = len(by_code) - len(cells)
        notes = (
            [Text(f"{missing} ward(s) not in the 2022 ward layout.", style="dim")]
            if missing
            else []
        )
        return [title, *lines, *notes]

    def render(self) -> Text:
        if self._lines is None:
            self._lines = self._draw()
        text = Text("\n").join(self._lines)
        text.no_wrap = True
        return text

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        if self._lines is None:
            self._lines = self._draw()
        return len(self._lines)
