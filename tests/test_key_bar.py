"""The keys line: follows focus, runs a clicked key, names a hovered one, crops to fit."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from feeds.recording import Recording
from tests.tui_helpers import make_test_app
from tui.widgets.council_list import CouncilTable
from tui.widgets.filter_bar import FilterBar
from tui.widgets.key_bar import KeyBar

FINAL = 10**9


def column_of(bar: KeyBar, description: str) -> int:
    text = bar.render().plain
    return text.index(description)


async def test_the_keys_follow_focus_and_a_click_runs_one(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        shown = bar.render().plain
        assert shown.startswith(" r Region  / Filter  q Quit  ? Keys ")
        assert shown.endswith("▏^p palette ") and len(shown) == 120
        assert "Sort" not in shown

        await pilot.press("2")
        assert isinstance(app.focused, CouncilTable)
        assert bar.render().plain.startswith(" s Sort  w Watch  r Region ")
        assert not bar.children  # drawn as text: nothing was mounted for the new keys

        await pilot.click(KeyBar, offset=(column_of(bar, "Filter"), 0))
        await pilot.pause()
        assert app.query_one(FilterBar).is_open
        assert "Sort" not in bar.render().plain  # the filter's input has focus now


async def test_hovering_a_key_names_what_it_does(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    app = make_test_app(tmp_path, store=bundled_recording.state_at(FINAL))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        await pilot.hover(KeyBar, offset=(column_of(bar, "Region"), 0))
        assert bar.tooltip == "next region"
        await pilot.hover(KeyBar, offset=(118, 0))
        assert bar.tooltip == "Open the command palette"
        await pilot.hover(KeyBar, offset=(80, 0))  # between the keys and the palette
        assert bar.tooltip is None


class Keys(App[None]):
    BINDINGS = [
        Binding("a", "count('a')", "Alpha"),
        Binding("b", "count('b')", "Bravo"),
        Binding("c", "count('c')", "Charlie, a long description"),
        Binding("d", "count('d')", "Delta, hidden", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.counted: list[str] = []
        self.bells = 0

    def compose(self) -> ComposeResult:
        yield Static("keys")
        yield KeyBar()

    def action_count(self, name: str) -> None:
        self.counted.append(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "count" and parameters == ("b",):
            return None  # shown, but not available now
        return True

    def bell(self) -> None:
        self.bells += 1


async def test_a_key_not_available_is_dim_and_rings_the_bell() -> None:
    app = Keys()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        line = bar.render()
        assert "Delta" not in line.plain
        bravo = column_of(bar, "Bravo")
        dim = [span for span in line.spans if "dim" in str(span.style)]
        assert any(span.start <= bravo < span.end for span in dim)
        await pilot.click(KeyBar, offset=(bravo, 0))
        await pilot.click(KeyBar, offset=(column_of(bar, "Alpha"), 0))
        assert app.counted == ["a"] and app.bells == 1


async def test_at_a_narrow_width_the_palette_keeps_its_place_and_cut_keys_do_nothing() -> None:
    app = Keys()
    async with app.run_test(size=(30, 5)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        shown = bar.render().plain
        assert len(shown) == 30 and shown.endswith("▏^p palette ")
        assert shown.startswith(" a Alpha  b Bravo ")
        assert "Charlie" not in shown  # cut by the palette
        await pilot.click(KeyBar, offset=(shown.index("▏") - 1, 0))  # the cut key's last column
        assert app.counted == []
