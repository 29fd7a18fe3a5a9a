"""Lines made once and handed straight to the compositor.

Textual's styles cache keeps a widget's lines by row and makes every line of a refreshed
widget again: padding, colours, and for a ``Static`` its whole text re-wrapped through
``Content``. A widget whose lines mostly stay the same from poll to poll (the ticker's
entries move down a row; a referendum's question and labels stay put) keeps each line, made
with its padding and colours, and only looks it up after that. Such a widget has no border
or tint; its padding and background come from its styles as Textual's own would.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Sequence
from typing import Generic, TypeVar

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tui.widgets.cells import text_segments

Key = TypeVar("Key", bound=Hashable)


class DrawnLines(Generic[Key]):
    """A widget's lines, each made once and kept by ``Key`` while the widget keeps its width
    and colours; with the colours (its own, under its text, and its background, for the
    app's line filters: asking costs ~0.35 ms)."""

    def __init__(self) -> None:
        self.lines: dict[Key, Strip] = {}
        self.width = 0
        self._colours: tuple[Style, Color] | None = None

    def fit(self, widget: Widget) -> tuple[Style, Color]:
        """Ready to draw ``widget`` as it is now: the lines of another width go."""
        width = widget.region.width  # the padding's too, as Textual's styles cache has it
        if width != self.width:
            self.lines.clear()
            self.width = width
        if self._colours is None:
            self._colours = (widget.rich_style, widget.background_colors[1])
        return self._colours

    def restyle(self) -> None:
        """The theme changed: every line and colour is made again."""
        self.lines.clear()
        self._colours = None


def padded_line(widget: Widget, text: Text, width: int, base: Style) -> Strip:
    """One line ``width`` cells wide: the widget's padding, the text cut to what is left,
    and the widget's colours underneath, as a ``Static`` would have them."""
    return padded_segments(widget, text_segments(widget.app.console, text), width, base)


def padded_segments(widget: Widget, drawn: list[Segment], width: int, base: Style) -> Strip:
    """``padded_line`` for a text already drawn as segments. One Strip made (each costs
    ~20 µs; cropping, styling and joining made five)."""
    padding = widget.styles.padding
    room = max(0, width - padding.left - padding.right)
    used = sum(segment.cell_length for segment in drawn)
    if used > room:
        drawn = list(Strip(drawn, used).crop(0, room))
        used = room
    pad = _background_only(base.bgcolor)  # the padding has the background only, as Textual's
    segments = [Segment(" " * padding.left, pad)] if padding.left else []
    # Segment.apply_style, as a list: base under each segment's own style
    segments.extend(
        [Segment(text, None if ctrl else base + style, ctrl) for text, style, ctrl in drawn]
    )
    if used < room:
        segments.append(Segment(" " * (room - used), base))
    if padding.right:
        segments.append(Segment(" " * padding.right, pad))
    return Strip(segments, padding.left + room + padding.right)


@functools.lru_cache(maxsize=64)
def _background_only(bgcolor: RichColor | None) -> Style:
    return Style(bgcolor=bgcolor)


def to_compositor(
    widget: Widget, lines: Sequence[Strip], crop: Region, width: int, background: Color
) -> list[Strip]:
    """The app's line filters (e.g. ANSI colours to the theme's) and the crop, as Textual's
    styles cache applies them."""
    filters = widget.get_line_filters()
    shown = list(lines)
    for line_filter in filters:
        shown = [line.apply_filter(line_filter, background) for line in shown]
    if crop.column_span != (0, width):
        shown = [line.crop(*crop.column_span) for line in shown]
    return shown
