"""A one-line bar that repaints only when its text changes."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class OneLine(Widget):
    """Redrawn every second at most: it never asks for a new layout (``Static.update``
    would, every time)."""

    DEFAULT_CSS = """
    OneLine { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._text = Text()

    def set_text(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    def render(self) -> Text:
        return self._text
