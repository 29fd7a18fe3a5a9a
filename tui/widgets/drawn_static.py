"""Texts whose lines go straight to the compositor while none of them wraps.

Textual draws a ``Static`` by re-wrapping and re-styling its whole text through ``Content``
whenever it is refreshed: about 0.5-0.9 ms for a line or two, on every widget that changes
with a poll. Here each line is made once while its text stays the same (``drawn_lines``).
While text is selected, or a line must wrap, Textual draws the widget itself; where a mouse
selection starts, Textual asks the widget's own ``render_line``.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tui.widgets.cells import kept_rows, same_cell
from tui.widgets.drawn_lines import DrawnLines, padded_line, to_compositor


class DrawnStatic(Widget):
    """Rich ``Text`` (never markup) shown as a ``Static`` shows it, set with ``show_text``.
    A ``Widget`` whose ``render`` is the text rather than a ``Static``: ``Static.update``
    turns the text into Textual's ``Content`` at once (~0.35 ms a text, every poll), where a
    widget's ``render`` is turned only when Textual draws or measures it itself."""

    DEFAULT_CSS = """
    DrawnStatic { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, markup=False)
        self._text: Text | None = None
        self._text_lines: list[Text] = []
        self._wraps = True
        self._height = -1  # its lines at its width when last set
        self._drawn: DrawnLines[tuple[object, ...]] = DrawnLines()  # by line number and text

    def show_text(self, text: Text) -> None:
        """``Static.update``, but it asks for a new layout only when the text's height at the
        widget's width changes (``Static.update`` asks every time: a screen layout, about
        25 ms at 160x50, for a line that says "declared 92 of 200" instead of 91), and does
        nothing when the text is the same."""
        if self._text is not None and same_cell(self._text, text):
            return
        held = self._height
        if held < 0:  # drawn before its first layout: the height that layout gave it
            held = self.content_region.height
        height = self._fit(text)
        self._text = text
        self.refresh(layout=height < 0 or height != held)

    def render(self) -> Text:
        return self._text if self._text is not None else Text()

    def _fit(self, text: Text) -> int:
        """Its lines at its width, drawn here unless one wraps; their number (-1 before the
        widget has a width)."""
        width = self.content_region.width or self.size.width
        lines = text.plain.split("\n")
        self._wraps = width <= 0 or max(map(cell_len, lines)) >= width
        self._text_lines = [] if self._wraps else list(text.split("\n", allow_blank=True))
        if width <= 0:
            height = -1
        else:
            height = len(text.wrap(self.app.console, width)) if self._wraps else len(lines)
            height = max(height, kept_rows(self))
        self._height = height
        return height

    def on_resize(self) -> None:
        if self._text is not None:  # Textual lays it out again; it decides what it draws
            self._fit(self._text)

    def restyle(self) -> None:
        """The theme changed. Textual tells a widget whose own rules changed
        (``notify_style_update``), not one whose colours come from a container's."""
        self._drawn.restyle()

    def notify_style_update(self) -> None:
        self._drawn.restyle()
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._wraps or self.text_selection is not None:
            return super().render_lines(crop)
        base, background = self._drawn.fit(self)
        width = self._drawn.width
        held = self._drawn.lines
        drawn: dict[tuple[object, ...], Strip] = {}
        lines: list[Strip] = []
        for y in crop.line_range:
            if y >= len(self._text_lines):
                lines.append(Strip.blank(width, base))
                continue
            text = self._text_lines[y]
            key = (y, text.plain, text.style, *text.spans)
            line = held.get(key)
            if line is None:
                line = padded_line(self, text, width, base)
            drawn[key] = line
            lines.append(line)
        if crop.line_range == range(self.region.height):
            self._drawn.lines = drawn  # the lines of older texts go
        else:
            held.update(drawn)
        return to_compositor(self, lines, crop, width, background)
