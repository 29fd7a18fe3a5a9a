"""The Log tab: what the feed and the app did, and every correction and recount."""

from __future__ import annotations

from textual.widgets import Log

from tui.night import LOG_LINES, Night
from tui.widgets.shown import DrawnWhenShown, is_shown


class FeedLog(DrawnWhenShown, Log):
    """Lines written in batches while on screen, and caught up from the night's held lines
    when shown: each ``Log.write_line`` resizes, scrolls and prunes the log, and a burst of
    100 declarations logged 100 lines one by one (about 1 s of work with the tab hidden)."""

    DEFAULT_CSS = """
    FeedLog { height: 1fr; }
    """

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, max_lines=LOG_LINES)
        self.night = night
        self._coming: list[str] = []

    def on_mount(self) -> None:
        # Mounted lazily: what was logged before it existed is held by the night.
        self.night.logged.subscribe(self, self._logged, immediate=True)
        self.draw_now()

    def draw(self) -> None:
        self._coming.clear()
        self.clear()
        self.write_lines(self.night.log_lines)

    def _logged(self, line: str) -> None:
        if self._behind or not is_shown(self):
            self._behind = True
            return
        if not self._coming:
            self.call_later(self._write_coming)
        self._coming.append(line)

    def _write_coming(self) -> None:
        coming, self._coming = self._coming, []
        if coming and not self._behind:
            self.write_lines(coming)
