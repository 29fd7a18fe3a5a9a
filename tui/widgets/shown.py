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
