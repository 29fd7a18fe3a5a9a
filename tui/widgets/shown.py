"""Widgets on a hidden tab do no work until shown: they note that they are behind, and
catch up on the ``Show`` event Textual sends when they come into view."""

from __future__ import annotations

from textual.widget import Widget


def is_shown(widget: Widget) -> bool:
    node: object = widget
    while isinstance(node, Widget):
        if not node.display:
            return False
        node = node.parent
    return True


class DrawnWhenShown:
    """For a widget that may sit on a hidden tab: when the night changes it is ``behind``,
    drawn at once if on screen and otherwise when Textual shows it (``Show``)."""

    _behind = True

    def draw(self) -> None:
        raise NotImplementedError

    def behind(self) -> None:
        self._behind = True
        if isinstance(self, Widget) and is_shown(self):
            self.draw_now()

    def draw_now(self) -> None:
        self._behind = False
        self.draw()

    def on_show(self) -> None:
        if self._behind:
            self.draw_now()
