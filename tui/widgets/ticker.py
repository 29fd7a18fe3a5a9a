"""Latest declarations, newest first, bounded, narrowed by the filter like everything else.

Entries are the night's news reel (``Night.news``, in time order). Each is rendered to a
strip once; repainting the ticker after a poll costs only the new entries (a Static would
re-render every line).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from feeds.news import News, Place
from tui.formatting import uk_time
from tui.night import Night, NightUpdate
from tui.tones import Tones
from tui.widgets.shown import DrawnWhenShown

SHOWN = 40


def news_line(item: News, tones: Tones) -> Text:
    line = Text(f"{uk_time(item.when) or '--:--'} ", style="dim", no_wrap=True)
    marker = "★ " if item.watched else ("▲ " if item.gain else "  ")
    line.append(marker, style=tones.watched if item.watched else "bold")
    style = (
        "bold" if item.gain else (tones.note if item.kind in ("corrected", "redeclared") else "")
    )
    line.append(item.text, style=style)
    return line


class Ticker(DrawnWhenShown, Widget):
    """Latest declarations: the night's news reel, drawn newest first."""

    DEFAULT_CSS = """
    Ticker { height: auto; padding: 0 1; }
    """

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.night = night
        self._shown: list[tuple[Place, News]] = []
        self._strips: dict[Place, Strip] = {}  # a place is never reused, so never stale
        self._width = 0
        self._restyle = False
        self._base: Style | None = None  # the widget's own colours: asking costs ~0.35 ms

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        self.draw_now()

    def _changed(self, update: NightUpdate) -> None:
        if update.view_changed:  # the filter, or the theme's colours
            self._strips.clear()
            self._base = None
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
        resized = len(shown) != len(self._shown)
        self._shown = shown
        live = {place for place, _ in shown}
        self._strips = {k: v for k, v in self._strips.items() if k in live}
        self.refresh(layout=resized)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._shown))

    def _strip(self, place: Place, item: News, width: int) -> Strip:
        if width != self._width:
            self._strips.clear()
            self._base = None
            self._width = width
        strip = self._strips.get(place)
        if strip is None:
            if self._base is None:
                self._base = self.rich_style
            segments = list(news_line(item, self.night.tones).render(self.app.console))
            # The widget's own colours underneath, as a Static would have them.
            strip = Strip(segments).crop_extend(0, width, None).apply_style(self._base)
            self._strips[place] = strip
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
        return self._strip(*self._shown[y], width)
