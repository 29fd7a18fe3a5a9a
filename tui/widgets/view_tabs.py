"""The row of views: their names, the one shown, and the bar under them.

One widget that draws what Textual's ``TabbedContent`` builds from nineteen (the tabs'
container, scroller, row and bar, a widget per tab, the switcher): each of those is
composed, styled and laid out before the first frame, about 25 ms of the app's start.
It looks and behaves as Textual's tabs do: the same colours from the same theme variables,
left and right to move, a click on a name or under it to choose.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.renderables.bar import Bar
from textual.strip import Strip
from textual.widget import Widget


class ViewTabs(Widget, can_focus=True):
    DEFAULT_CSS = """
    ViewTabs {
        width: 1fr;
        height: 2;
        pointer: pointer;
        & > .view-tabs--tab { color: $foreground 50%; }
        & > .view-tabs--hover { color: $foreground; }
        & > .view-tabs--active { color: $foreground; }
        & > .view-tabs--bar { color: $block-cursor-background; background: $foreground 10%; }
        &:focus {
            & > .view-tabs--bar { background: $foreground 30%; }
            & > .view-tabs--active {
                text-style: $block-cursor-text-style;
                color: $block-cursor-foreground;
                background: $block-cursor-background;
            }
        }
        &:ansi {
            & > .view-tabs--tab { text-style: dim; }
            & > .view-tabs--active { text-style: not dim bold; }
            & > .view-tabs--bar { color: $block-cursor-background; background: $border-blurred; }
        }
    }
    """
    ALLOW_SELECT = False  # as Textual's tabs: a click chooses, it does not select
    COMPONENT_CLASSES = {
        "view-tabs--tab",
        "view-tabs--hover",
        "view-tabs--active",
        "view-tabs--bar",
    }
    BINDINGS = [
        Binding("left", "move(-1)", "Previous tab", show=False),
        Binding("right", "move(1)", "Next tab", show=False),
    ]

    active: reactive[str] = reactive("", layout=False)

    class Chosen(Message):
        """The user chose a view (a click, or left and right)."""

        def __init__(self, view: str) -> None:
            self.view = view
            super().__init__()

    def __init__(self, views: list[tuple[str, str]], *, active: str, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._views = views  # (id, label) in order
        self._hover: str | None = None
        self.set_reactive(ViewTabs.active, active)

    # Where each view's name is: one column of padding each side, as Textual's tabs have.

    def spans(self) -> dict[str, tuple[int, int]]:
        """Each view's name: its first column and the column after it."""
        spans: dict[str, tuple[int, int]] = {}
        x = 0
        for view, label in self._views:
            spans[view] = (x + 1, x + 1 + len(label))
            x += len(label) + 2
        return spans

    def _scrolled(self, width: int) -> int:
        """Columns the row is moved left by, so that the view shown is on screen in a
        terminal too narrow for all the names (as Textual's tabs scroll)."""
        _, end = self.spans().get(self.active, (0, 0))
        return max(0, end + 1 - width)

    def _view_at(self, x: int) -> str | None:
        x += self._scrolled(self.size.width)
        return next((v for v, (s, e) in self.spans().items() if s - 1 <= x < e + 1), None)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scrolled = self._scrolled(width)
        if y == 0:
            return self._names().crop_extend(
                scrolled, scrolled + width, Style(bgcolor=self.rich_style.bgcolor)
            )
        if y == 1:
            bar = self.get_component_rich_style("view-tabs--bar")
            start, end = self.spans().get(self.active, (0, 0))
            drawn = Bar(
                highlight_range=(start, end),
                highlight_style=Style.from_color(bar.color),
                background_style=Style.from_color(bar.bgcolor),
            )
            console = self.app.console
            segments = console.render(drawn, console.options.update_width(width + scrolled))
            line = Strip(Segment.apply_style(segments, self.rich_style), width + scrolled)
            return line.crop(scrolled, scrolled + width)
        return Strip.blank(width, self.rich_style)

    def _names(self) -> Strip:
        segments: list[Segment] = []
        for view, label in self._views:
            if view == self.active:
                component = "view-tabs--active"
            elif view == self._hover:
                component = "view-tabs--hover"
            else:
                component = "view-tabs--tab"
            style = self.get_component_rich_style(component)
            # The padding has the name's background only, as a widget's padding has.
            padding = Segment(" ", Style(bgcolor=style.bgcolor))
            segments += [padding, Segment(label, style), padding]
        return Strip(segments)

    # Choosing.

    def action_move(self, step: int) -> None:
        views = [view for view, _ in self._views]
        index = views.index(self.active) if self.active in views else 0
        self.post_message(self.Chosen(views[(index + step) % len(views)]))

    def on_click(self, event: events.Click) -> None:
        view = self._view_at(event.x)
        if view is not None:
            self.post_message(self.Chosen(view))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        view = self._view_at(event.x) if event.y == 0 else None
        if view != self._hover:
            self._hover = view
            self.refresh()

    def on_leave(self, _: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()
