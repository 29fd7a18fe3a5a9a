"""The keys line at the foot of the screen: Textual's ``Footer`` drawn as one line of text.

``Footer`` rebuilds a widget per key each time the focused widget's keys change (showing the
council list: twice, ~35 ms each, plus a layout of the screen). This line looks the same and
only repaints itself, in the same frame as the change that moved focus.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


@dataclass(frozen=True, slots=True)
class KeyItem:
    key: str  # as bound, for simulating it
    display: str  # as shown (keymaps and the app's display names applied)
    description: str
    enabled: bool
    tooltip: str


class KeyBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "key-bar--item",
        "key-bar--hover",
        "key-bar--key",
        "key-bar--description",
        "key-bar--divider",
    }
    # Footer's own colours (theme variables) and spacing: " k Description " for each key, the
    # command palette's key on the right behind a thin rule.
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-bar--item { background: $footer-item-background; }
        .key-bar--hover { color: $footer-key-foreground; background: $block-hover-background; }
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-bar--divider { color: $foreground 20%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._keys: tuple[KeyItem, ...] = ()
        self._palette: KeyItem | None = None
        self._spans: list[tuple[int, int, KeyItem]] = []  # columns of each key as drawn
        self._hover: KeyItem | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._read_bindings()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _: Screen[object]) -> None:
        self._read_bindings()

    def _read_bindings(self) -> None:
        app = self.app
        active = self.screen.active_bindings
        keys: list[KeyItem] = []
        actions: set[str] = set()
        for _node, binding, enabled, tooltip in active.values():
            # One key per action, as Footer shows them (the first bound).
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                keys.append(self._item(binding, enabled, tooltip))
        palette = None
        if app.ENABLE_COMMAND_PALETTE and (found := active.get(app.COMMAND_PALETTE_BINDING)):
            _node, binding, enabled, _tooltip = found
            palette = self._item(binding, enabled, binding.tooltip or binding.description)
        if (tuple(keys), palette) != (self._keys, self._palette):
            self._keys, self._palette = tuple(keys), palette
            self.refresh()

    def _item(self, binding: Binding, enabled: bool, tooltip: str) -> KeyItem:
        display = self.app.get_key_display(binding)
        return KeyItem(binding.key, display, binding.description, enabled, tooltip)

    def _base(self, item: KeyItem) -> Style:
        base = self.get_component_rich_style(
            "key-bar--hover" if item == self._hover else "key-bar--item"
        )
        return base + Style(dim=True) if not item.enabled else base

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, KeyItem]] = []
        for item in self._keys:
            start = line.cell_len
            part = Text.assemble(
                (f" {item.display} ", key_style),
                (f"{item.description} " if item.description else "", description_style),
            )
            part.stylize_before(self._base(item))
            line.append_text(part)
            spans.append((start, line.cell_len, item))
        palette = self._palette
        if palette is not None:
            # Footer's palette key is compact ("^p palette"), with one column of padding.
            part = Text.assemble(
                ("▏", self.get_component_rich_style("key-bar--divider")),
                (palette.display, key_style),
                (f" {palette.description}", description_style),
                " ",
            )
            part.stylize_before(self._base(palette))
            room = max(0, width - part.cell_len)
            line.truncate(room)
            line.pad_right(room - line.cell_len)
            spans = [(start, min(end, room), item) for start, end, item in spans if start < room]
            spans.append((room + 1, width, palette))  # the rule is not part of the key
            line.append_text(part)
        self._spans = spans
        return line

    def _key_at(self, x: int) -> KeyItem | None:
        return next((item for start, end, item in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self._key_at(event.x)
        if item != self._hover:
            self._hover = item
            self.tooltip = (item.tooltip or item.description) if item else None
            self.refresh()

    def on_leave(self, _: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        item = self._key_at(event.x)
        if item is None:
            return
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()
