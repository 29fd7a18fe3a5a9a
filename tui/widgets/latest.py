"""Latest declarations, newest first, bounded, narrowed by the filter like everything else.

Entries are kept in declaration-time order whatever order they arrive in (a snapshot, a
seek, many areas in one poll, a late correction). Each is rendered to a strip once; repainting
the ticker after a poll costs only the new entries (a Static would re-render every line).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from dataclasses import dataclass, field

from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from tui.view import uk_time

MAX_ENTRIES = 300


@dataclass(eq=False, slots=True)
class Declaration:
    when: dt.datetime | None
    region: str
    council_id: str | None
    text: str
    gain: bool = False
    watched: bool = False
    correction: bool = False
    _line: Text | None = field(default=None, repr=False)
    _arrival: int = field(default=0, repr=False)

    def order(self) -> tuple[float, int]:
        """Sort key, oldest first: the declaration time, then arrival among equal times."""
        when = self.when.timestamp() if self.when is not None else float("-inf")
        return (when, self._arrival)

    def line(self) -> Text:
        if self._line is None:
            line = Text(f"{uk_time(self.when) or '--:--'} ", style="dim", no_wrap=True)
            marker = "★ " if self.watched else ("▲ " if self.gain else "  ")
            line.append(marker, style="bold yellow" if self.watched else "bold")
            style = "bold" if self.gain else ("cyan" if self.correction else "")
            line.append(self.text, style=style)
            self._line = line
        return self._line


class LatestDeclarations(Widget):
    DEFAULT_CSS = """
    LatestDeclarations { height: auto; padding: 0 1; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.entries: list[Declaration] = []  # oldest first, at most MAX_ENTRIES
        self._keys: list[tuple[float, int]] = []  # entries' order(), for bisect
        self._arrivals = itertools.count()
        self._shown: list[Declaration] = []
        # Keyed by the entry itself (compared by identity): an id() could be reused by a
        # new entry once an old one is freed, which showed stale lines after 300 entries.
        self._strips: dict[Declaration, Strip] = {}
        self._width = 0

    def add(self, entry: Declaration) -> None:
        entry._arrival = next(self._arrivals)
        key = entry.order()
        index = bisect.bisect_right(self._keys, key)
        self._keys.insert(index, key)
        self.entries.insert(index, entry)
        if len(self.entries) > MAX_ENTRIES:  # the oldest by declaration time go
            del self.entries[: len(self.entries) - MAX_ENTRIES]
            del self._keys[: len(self._keys) - MAX_ENTRIES]

    def clear(self) -> None:
        self.entries.clear()
        self._keys.clear()

    def newest_first(self) -> list[Declaration]:
        return self.entries[::-1]

    def show(self, regions: set[str] | None, limit: int = 40) -> None:
        shown: list[Declaration] = []
        for entry in reversed(self.entries):
            if regions is None or entry.region in regions:
                shown.append(entry)
                if len(shown) == limit:
                    break
        if shown == self._shown:
            return
        resized = len(shown) != len(self._shown)
        self._shown = shown
        live = set(shown)
        self._strips = {k: v for k, v in self._strips.items() if k in live}
        self.refresh(layout=resized)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._shown))

    def on_resize(self) -> None:
        self._strips.clear()

    def _strip(self, entry: Declaration, width: int) -> Strip:
        if width != self._width:
            self._strips.clear()
            self._width = width
        strip = self._strips.get(entry)
        if strip is None:
            segments = list(entry.line().render(self.app.console))
            # The widget's own colours underneath, as a Static would have them.
            strip = Strip(segments).crop_extend(0, width, None).apply_style(self.rich_style)
            self._strips[entry] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        if not self._shown:
            if y == 0:
                empty = Text("No declarations yet.", style="dim")
                strip = Strip(list(empty.render(self.app.console))).crop_extend(0, width, None)
                return strip.apply_style(self.rich_style)
            return Strip.blank(width, self.rich_style)
        if y >= len(self._shown):
            return Strip.blank(width, self.rich_style)
        return self._strip(self._shown[y], width)
