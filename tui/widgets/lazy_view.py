"""Textual's ``Lazy``, standing down when the app leaves before its first frame is done."""

from __future__ import annotations

from textual.lazy import Lazy
from textual.widget import Widget


class LazyView(Lazy):
    """Mounts its widget after the first refresh, as ``Lazy`` does. ``Lazy`` raised a
    ``MountError`` when the app was already closing (a bad recording ends it at once)."""

    def __init__(self, widget: Widget) -> None:
        super().__init__(widget)
        self._widget = widget

    async def mount_composed_widgets(self, widgets: list[Widget]) -> None:
        parent = self.parent
        if not isinstance(parent, Widget):
            return

        async def mount() -> None:
            if not parent.is_attached or not self.is_attached:
                return  # the app is leaving
            await parent.mount(self._widget, after=self)
            await self.remove()

        self.call_after_refresh(mount)
