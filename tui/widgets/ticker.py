"""Latest declarations, newest first, bounded, narrowed by the filter like everything else.

Entries are the night's news reel (``Night.news``, in time order). Each is rendered to a
strip once; repainting the ticker after a poll costs only the new entries (a Static would
re-render every line).
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from feeds.news import News, Place
from tui.formatting import uk_time
from tui.night import Night, NightUpdate
from tui.tones import Tones
from tui.widgets.cells import kept_rows
from tui.widgets.drawn_lines import DrawnLines, padded_line, padded_segments, to_compositor
from tui.widgets.shown import DrawnWhenShown

SHOWN = 40


def news_segments(item: News, tones: Tones, console: Console) -> list[Segment]:
    """An entry as Rich would draw ``Text`` of it, dim under all, made directly: a big
    answer brings 40 new entries, and building and rendering a Text each cost ~40 µs."""
    dim = console.get_style("dim")
    marker = "★ " if item.watched else ("▲ " if item.gain else "  ")
    marker_style = tones.watched if item.watched else "bold"
    style = (
        "bold" if item.gain else (tones.note if item.kind in ("corrected", "redeclared") else "")
    )
    return [
        Segment(f"{uk_time(item.when) or '--:--'} ", dim),
        Segment(marker, dim + console.get_style(marker_style)),
        Segment(item.text, dim + console.get_style(style) if style else dim),
    ]


class Ticker(DrawnWhenShown, Widget):
    """Latest declarations: the night's news reel, drawn newest first.

    Its lines go straight to the compositor (``drawn_lines``): a new declaration moves every
    entry down a row, and Textual's styles cache, which keeps lines by row, re-padded and
    re-styled all 40 of them (5-8 ms of the frame after a big answer).
    """

    DEFAULT_CSS = """
    Ticker { height: auto; padding: 0 1; }
    """

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.night = night
        self._shown: list[tuple[Place, News]] = []
        self._drawn: DrawnLines[Place] = DrawnLines()  # a place is never reused: never stale
        self._restyle = False

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        self.draw_now()

    def _changed(self, update: NightUpdate) -> None:
        if update.view_changed:  # the filter, or the theme's colours
            self._drawn.restyle()
            self._restyle = True
        if update.news or update.reset or update.view_changed:
            self.behind()  # drawn now if on screen, else when its tab is shown

    def draw(self) -> None:
        if self._restyle:
            self._restyle = False
            self.refresh()
        self.show_entries()

    def newest_first(self) -> list[News]:
        return [item for _, item in self.night.news.newest_first()]

    def show_entries(self) -> None:
        night = self.night
        view = night.view
        regions = view.regions(night.store) if view.active else None
        # A name filter keeps the declarations of the councils it matches (and the areas and
        # mayors of matching regions), rather than emptying the ticker.
        councils = {c.id for c in view.councils(night.store)} if view.active else set()
        shown: list[tuple[Place, News]] = []
        for place, item in night.news.newest_first():
            if regions is None or (
                item.council_id in councils
                if item.council_id is not None
                else item.region in regions
            ):
                shown.append((place, item))
                if len(shown) == SHOWN:
                    break
        if [p for p, _ in shown] == [p for p, _ in self._shown]:
            return
        resized = self._height(len(shown)) != self._height(len(self._shown))
        self._shown = shown
        live = {place for place, _ in shown}
        drawn = self._drawn
        drawn.lines = {k: v for k, v in drawn.lines.items() if k in live}
        self.refresh(layout=resized)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._shown))

    def _height(self, entries: int) -> int:
        """Its height with this many entries: where it keeps room for them all (beside the
        scoreboard), more entries need no new layout."""
        return max(1, entries, kept_rows(self))

    def render_lines(self, crop: Region) -> list[Strip]:
        base, background = self._drawn.fit(self)
        lines = [self._line(y, base) for y in crop.line_range]
        return to_compositor(self, lines, crop, self._drawn.width, background)

    def render_line(self, y: int) -> Strip:
        """Line ``y`` as drawn, its padding included."""
        return self.render_lines(Region(0, y, self.region.width, 1))[0]

    def _line(self, y: int, base: Style) -> Strip:
        width = self._drawn.width
        if y >= len(self._shown):
            if y == 0:
                return padded_line(self, Text("No declarations yet.", style="dim"), width, base)
            return Strip.blank(width, base)
        place, item = self._shown[y]
        line = self._drawn.lines.get(place)
        if line is None:
            entry = news_segments(item, self.night.tones, self.app.console)
            line = self._drawn.lines[place] = padded_segments(self, entry, width, base)
        return line
