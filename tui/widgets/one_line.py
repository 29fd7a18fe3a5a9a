"""A one-line bar that repaints only when its text changes, its line made once."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tui.widgets.cells import ContentKey, content_key, same_cell
from tui.widgets.drawn_lines import DrawnLines, padded_line, to_compositor


class OneLine(Widget):
    """Redrawn every second at most: it never asks for a new layout (``Static.update``
    would, every time). Its line goes straight to the compositor (``drawn_lines``): Textual
    drew it through ``Content`` again on every refresh, 0.7-0.9 ms. A text too long for the
    line, or selected, Textual draws (it breaks the line between words)."""

    DEFAULT_CSS = """
    OneLine { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._text = Text()
        self._drawn: DrawnLines[ContentKey | None] = DrawnLines()

    def set_text(self, text: Text) -> None:
        if not same_cell(self._text, text):
            self._text = text
            self.refresh()

    def render(self) -> Text:
        return self._text

    def notify_style_update(self) -> None:
        self._drawn.restyle()  # its colours: the theme's, or a class's (-stale, -error)
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        text = self._text
        padding = self.styles.padding
        room = self.region.width - padding.left - padding.right
        if self.text_selection is not None or "\n" in text.plain or text.cell_len > room:
            return super().render_lines(crop)
        base, background = self._drawn.fit(self)
        width = self._drawn.width
        key = content_key(text)
        line = self._drawn.lines.get(key)
        if line is None:
            line = padded_line(self, text, width, base)
            self._drawn.lines = {key: line}
        lines = [line if y == 0 else Strip.blank(width, base) for y in crop.line_range]
        return to_compositor(self, lines, crop, width, background)
