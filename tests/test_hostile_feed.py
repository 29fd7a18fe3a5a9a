"""Markup and escape safety across every widget (faults.md 29-32).

A feed whose every string is hostile is rendered in the running app: the strings appear
literally (or with controls replaced), nothing is interpreted as markup, no action or link is
injected, and the bytes the app writes to the terminal hold no escape sequence from the feed.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console
from textual.widgets import Log

from feeds.parse import parse_answer
from feeds.polling import Failed
from tests import factories as f
from tests.tui_helpers import make_test_app
from tui.screens.council_detail import CouncilDetail

HOSTILE = [
    "[/]",
    "Party [/",
    "[bold]x",
    "[@click=app.quit]Quit[/]",
    "[link=https://example.invalid]x[/link]",
    "\x1b]52;c;aGVsbG8=\x07",  # OSC 52: write the clipboard
    "\x1b]8;;https://example.invalid\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 link
    "\x1b]0;pwned\x07",  # window title
    "\x1b[2J",  # clear screen
    "\x9b31m\x85\x90",  # C1 controls
    "\u202egnp.exe\u202c",  # bidi override
]
NAME = "".join(HOSTILE)


def hostile_document() -> dict:
    council = f.council(name="[/]Barnet[bold]" + NAME[:150], note="[@click=app.quit]" + NAME)
    council2 = f.council(
        "brent",
        "E09000005",
        status="counting",
        revision=1,
        name="[link=https://example.invalid]Brent[/link]\x1b[2J",
    )
    referendum = {
        "id": "ref.bristol.2022-05-05",
        "name": "[bold]Ref[/" + NAME[:100],
        "question": "[@click=app.quit]Q?" + NAME,
        "scope": "local",
        "revision": 1,
        "options": [
            {"id": "a", "label": "[/]A\x1b]52;c;x\x07"},
            {"id": "b", "label": "[bold]B\u202e"},
        ],
    }
    area = {
        "referendum": "ref.bristol.2022-05-05",
        "code": "E06000023",
        "name": "[/]Area\x1b[2J",
        "region": "E12000007",
        "status": "declared",
        "revision": 1,
        "votes": {"a": 10, "b": 5},
    }
    mayor = {
        "id": "mayor.croydon.2022-05-05",
        "name": "[bold]Mayor[/",
        "region": "E12000007",
        "status": "declared",
        "revision": 1,
        "note": NAME,
        "candidates": [
            {
                "name": "[@click=app.quit]Cand\x1b]0;t\x07",
                "party": "LAB",
                "party_name": "[/]Labour",
                "first_round": 5,
                "elected": True,
            }
        ],
    }
    return f.snapshot(
        election={
            "id": "local.2022-05-05",
            "name": "[bold]Election[/" + NAME[:100],
            "date": "2022-05-05",
            "test": True,
        },
        regions=[{"code": "E12000007", "name": "[/]London\x1b[2J"}],
        parties=[{"code": "LAB", "name": "[@click=app.quit]Labour", "colour": "#E4003B"}],
        councils=[council, council2],
        referendums=[referendum],
        counting_areas=[area],
        mayors=[mayor],
        projections={
            "revision": 1,
            "source": "[link=https://example.invalid]src[/link]",
            "note": NAME,
            "shares": [{"party": "LAB", "share": 40.0}],
        },
    )


def screen_bytes(app) -> str:
    """Exactly what the app's driver would write for a full repaint of the current screen."""
    output = io.StringIO()
    console = Console(
        file=output,
        force_terminal=True,
        color_system="truecolor",
        width=app.size.width,
        legacy_windows=False,
    )
    console.print(app.screen._compositor.render_update(full=True), end="")
    return output.getvalue()


FORBIDDEN = re.compile(r"\x1b\]|\x1bP|\x1b\\|\x07|[\x80-\x9f]|\x1b\[2J|\u202e")


async def test_hostile_strings_are_shown_literally_and_never_reach_the_terminal(
    tmp_path: Path,
) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        changes = app.night.store.apply(parse_answer(f.body(hostile_document())))
        assert not changes.rejects
        app.night.apply(changes)
        app.apply_outcome(Failed("answer is HTML or XML, not a feed", 5.0, 1))
        await pilot.pause()
        screens = []
        for key in ("1", "2", "3", "4", "5", "6"):
            await pilot.press(key)
            await pilot.pause()
            screens.append(screen_bytes(app))
        await pilot.press("2")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CouncilDetail)
        screens.append(screen_bytes(app))
        await pilot.press("escape")
        await pilot.press("question_mark", "escape")
        assert app.is_running  # no MarkupError, no injected quit
        everything = "".join(screens)
        assert not FORBIDDEN.search(everything), FORBIDDEN.search(everything)
        plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", everything)
        assert "[/]Barnet[bold]" in plain  # markup shown as text
        assert "[@click=app.quit]" in plain
        assert "[link=https://example.invalid]Brent[/link]" in plain
        assert "TEST DATA" in plain
        assert "\ufffd" in plain  # controls shown as replacement characters
        await pilot.press("6")  # the log writes its lines when shown
        log = app.query_one("#feed-log", Log)
        assert any("HTML" in line for line in log.lines)


async def test_notifications_and_watch_messages_do_not_parse_markup(tmp_path: Path) -> None:
    app = make_test_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        before = f.snapshot(
            councils=[f.council(status="counting", revision=1, name="[@click=app.quit]Gain[/]")]
        )
        app.night.apply(app.night.store.apply(parse_answer(f.body(before))))
        after = f.changes(2, 1, councils=[f.council(revision=2, name="[@click=app.quit]Gain[/]")])
        app.night.apply(app.night.store.apply(parse_answer(f.body(after))))
        app.results.toggle_watch("local.barnet.2022-05-05")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("[@click=app.quit]Gain[/]: LAB gain from CON" in m for m in messages)
        assert all(not n.markup for n in app._notifications)
        assert app.is_running


async def test_the_command_palette_shows_feed_names_literally(tmp_path: Path) -> None:
    """Council and region names went to the palette as markup: a council named [link=…]
    wrote OSC 8 links, [@click=app.quit] quit on click, a region named London [/] crashed
    the app at ctrl+p."""
    app = make_test_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        document = f.snapshot(
            regions=[{"code": "E12000007", "name": "London [/]"}],
            councils=[
                f.council(name="[link=https://evil.example]Evil[/link]"),
                f.council("brent", "E09000005", name="[@click=app.quit]Quitter"),
            ],
        )
        app.night.apply(app.night.store.apply(parse_answer(f.body(document))))
        await pilot.pause()
        for query in ("", "Evil", "London", "Quitter"):
            await pilot.press("ctrl+p")
            await pilot.pause()
            for char in query:
                await pilot.press(char)
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
            shown = screen_bytes(app)
            assert app.is_running, query
            assert "\x1b]8;" not in shown  # no hyperlink written
            assert not FORBIDDEN.search(shown)
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("ctrl+p")
        for char in "Quitter":
            await pilot.press(char)
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        from textual.command import CommandPalette

        palette = app.screen
        assert isinstance(palette, CommandPalette)
        prompts = [str(option.prompt) for option in palette.query_one("CommandList").options]
        assert any("[@click=app.quit]Quitter" in prompt for prompt in prompts), prompts
        assert app.is_running


async def test_rejection_messages_reach_the_log_without_a_feed_byte(tmp_path: Path) -> None:
    """A dict key failing validation was echoed into the Log: OSC 0, OSC 52 and DCS reached
    the terminal."""
    app = make_test_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        hostile = "\x1b]0;owned\x07\x1b]52;c;ZXZpbA==\x07\x1bPq\x1b\\"
        document = f.snapshot(councils=[f.council(seats_won={hostile: 1}), f.bolton(won={})])
        app.night.apply(app.night.store.apply(parse_answer(f.body(document))))
        app.night.log(f"a line quoting the feed: {hostile}")
        app.notify(f"a toast quoting the feed: {hostile}", title=hostile)
        await pilot.pause()
        await pilot.press("6")
        await pilot.pause()
        lines = app.query_one("#feed-log", Log).lines
        assert any("rejected councils[0]: seats_won.<key>" in line for line in lines)
        assert not any(FORBIDDEN.search(line) or "owned" in line.split("quoting")[0]
                       for line in lines)  # fmt: skip
        assert not FORBIDDEN.search(screen_bytes(app))
        assert all(not FORBIDDEN.search(n.message + n.title) for n in app._notifications)
