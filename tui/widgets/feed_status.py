"""The feed status line: source, freshness, next poll, errors, STALE, replay clock."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class OneLine(Widget):
    """A one-line bar redrawn every second: it repaints itself only when its text changes,
    and never asks for a new layout (``Static.update`` would, every time)."""

    DEFAULT_CSS = """
    OneLine { height: 1; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._text = Text()

    def set_text(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    def render(self) -> Text:
        return self._text


class FeedStatus(OneLine):
    DEFAULT_CSS = """
    FeedStatus { height: 1; background: $panel; padding: 0 1; }
    FeedStatus.-error { background: $error 30%; }
    FeedStatus.-stale { background: $warning 40%; }
    """

    def show(
        self,
        *,
        source: str,
        updated: str | None,
        next_poll: float | None,
        error: str | None,
        stale: bool,
        rejected: int,
        replay: str | None,
    ) -> None:
        # Most urgent first, so that a narrow terminal still shows what matters.
        text = Text()
        if stale:
            text.append(" STALE ", style="bold reverse")
            text.append(" ")
        if error:
            text.append(error, style="bold")
            text.append(" · ")
        if replay:
            text.append(replay, style="bold")
            text.append(" · ")
        text.append(f"updated {updated}" if updated else "no data yet")
        if next_poll is not None:
            text.append(f" · next poll {max(0.0, next_poll):.0f} s")
        if rejected:
            text.append(f" · {rejected} bad record(s) rejected", style="yellow")
        text.append(" · ")
        text.append(source, style="dim")
        self.set_class(bool(error) and not stale, "-error")
        self.set_class(stale, "-stale")
        self.set_text(text)
