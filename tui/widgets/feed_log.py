"""The Log tab: what the feed and the app did, and every correction and recount."""

from __future__ import annotations

from textual.widgets import Log

from tui.night import LOG_LINES, Night


class FeedLog(Log):
    DEFAULT_CSS = """
    FeedLog { height: 1fr; }
    """

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, max_lines=LOG_LINES)
        self.night = night

    def on_mount(self) -> None:
        # Mounted lazily: what was logged before it existed is held by the night.
        self.write_lines(self.night.log_lines)
        self.night.logged.subscribe(self, self.write_line, immediate=True)
