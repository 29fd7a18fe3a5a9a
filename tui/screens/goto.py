"""Ask for a moment of the replay to go to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class GoToTime(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    GoToTime { align: center middle; }
    GoToTime > Vertical { width: 90%; max-width: 84; height: auto; border: thick $accent;
                          background: $surface; padding: 1 2; }
    GoToTime Label { width: 100%; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Go to a time: 02:30 (UK), 4h30m from the start, or 2022-05-06 12:00")
            yield Input(placeholder="02:30", id="when")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
