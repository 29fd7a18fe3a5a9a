"""The top lines: the moment on the night, what is shown, the election; and a banner when
the feed says it is test data."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import Static

from tui.formatting import UK
from tui.night import Night, NightUpdate
from tui.widgets.one_line import OneLine


class TitleBar(OneLine):
    DEFAULT_CSS = """
    TitleBar { height: 1; background: $primary 30%; padding: 0 1; }
    """

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.night = night
        self._shown_moment = ""

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        self.night.ticked.subscribe(self, self._ticked, immediate=True)
        self.show_title()

    def _changed(self, _: NightUpdate) -> None:
        self.show_title()

    def _ticked(self, _: None) -> None:
        # Each second: only the moment can have changed, and it is shown to the minute.
        if self._moment() != self._shown_moment:
            self.show_title()

    def _moment(self) -> str:
        night = self.night
        if night.health.replay and night.health.replay.get("started_at"):
            moment = night.feed_time().astimezone(UK)
            return f"replay {moment.strftime('%a %H:%M %Z')}"
        return night.clock().astimezone(UK).strftime("%H:%M %Z")

    def show_title(self) -> None:
        night = self.night
        store = night.store
        name = store.election.name if store.election else "Waiting for the feed"
        # The moment first: at 80 columns a long election name is what gets cut.
        self._shown_moment = self._moment()
        text = Text()
        text.append(self._shown_moment, style="bold")
        text.append(" · ")
        view = night.view
        text.append(view.describe(store), style="bold reverse" if view.active else "bold")
        text.append(" · ")
        text.append(name)
        self.set_text(text)


class TestBanner(Static):
    """Shown only while the feed says its data is a test or rehearsal."""

    DEFAULT_CSS = """
    TestBanner {
        height: 1; background: $error; color: $text; text-style: bold; text-align: center;
        display: none;
    }
    """

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(Content("TEST DATA — this feed says it is test or rehearsal data"), id=id)
        self.night = night

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        self._changed(NightUpdate())  # what arrived before it was mounted

    def _changed(self, _: NightUpdate) -> None:
        election = self.night.store.election
        is_test = bool(election and election.test)
        if self.display != is_test:  # changing it re-lays the screen out: only when needed
            self.display = is_test
