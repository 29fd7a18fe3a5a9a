"""The `/` filter: posts what the filter now is, not keystrokes."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label


class FilterBar(Horizontal):
    DEFAULT_CSS = """
    FilterBar { height: 1; display: none; }
    FilterBar.-open { display: block; }
    FilterBar > Label { width: auto; padding: 0 1; }
    FilterBar > Input, FilterBar > Input:focus { border: none; height: 1; padding: 0; width: 1fr; }
    """
    BINDINGS = [Binding("escape", "clear", "Clear filter", tooltip="clear the filter and close it")]

    class Changed(Message):
        def __init__(self, text: str, done: bool) -> None:
            self.text = text
            self.done = done
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._field = Input(placeholder="region or council name", id="filter-input", max_length=60)

    def compose(self) -> ComposeResult:
        # Its label and field are mounted when it is first opened: most nights never filter,
        # and the first frame need not style and lay them out.
        return ()

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self, current: str) -> None:
        if not self._field.is_attached:
            self.mount(Label("Filter:"), self._field)
        self.add_class("-open")
        self._field.value = current
        self._field.focus()

    def close(self) -> None:
        self.remove_class("-open")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value, done=False))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close()
        self.post_message(self.Changed(event.value, done=True))

    def action_clear(self) -> None:
        self._field.value = ""
        self.close()
        self.post_message(self.Changed("", done=True))
