"""The schema and docs stay in step with the models; feeds/ never imports the UI."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from scripts.gen_schema import TARGET, render
from tests.conftest import ROOT


def test_committed_schema_matches_the_models() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), (
        "docs/feed.schema.json is out of date: run `uv run python scripts/gen_schema.py`"
    )


def test_every_schema_field_is_described_in_feed_format_md() -> None:
    doc = (ROOT / "docs" / "feed-format.md").read_text(encoding="utf-8")
    schema = json.loads(TARGET.read_text(encoding="utf-8"))
    fields = set(schema["properties"])
    for definition in schema["$defs"].values():
        fields |= set(definition.get("properties", {}))
    missing = sorted(name for name in fields if f"`{name}`" not in doc)
    assert not missing, f"fields missing from docs/feed-format.md: {missing}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_feeds_never_imports_textual_or_the_ui() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & {"textual", "tui", "rich"})
        for path in (ROOT / "feeds").rglob("*.py")
    }
    assert not {k: v for k, v in offenders.items() if v}


def _module_imports(path: Path, packages: tuple[str, ...]) -> set[str]:
    """The project modules a file imports, TYPE_CHECKING imports included (a circle through
    them is still a circle a reader must untangle)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in packages}


def import_graph(packages: tuple[str, ...] = ("feeds", "tui")) -> dict[str, set[str]]:
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for package in packages
        for path in (ROOT / package).rglob("*.py")
    }
    return {
        name: {m for m in _module_imports(path, packages) if m in modules and m != name}
        for name, path in modules.items()
    }


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_module_imports_another_that_imports_it_back() -> None:
    assert import_cycles(import_graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    graph = {
        "tui.app": {"tui.palette"},
        "tui.palette": {"tui.screens.x"},
        "tui.screens.x": {"tui.app"},
    }
    assert import_cycles(graph) == [["tui.app", "tui.palette", "tui.screens.x"]]


def test_widgets_and_screens_never_reach_into_the_app() -> None:
    """They get the night they show in their constructor, typed; never ``tui.app``."""
    graph = import_graph()
    offenders = {
        name: sorted(graph[name] & {"tui.app", "tui.launch", "tui.cli"})
        for name in graph
        if name.startswith(("tui.widgets", "tui.screens", "tui.night", "tui.palette"))
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_the_first_frame_does_not_wait_for_the_validation_layer(tmp_path: Path) -> None:
    """pydantic, the recording and replay modules and httpx cost ~0.2 s to import: the app
    paints its first frame without them and loads them in the thread that opens the feed.
    Nor does it wait for the poller and its outcomes, for screens no one has opened yet, for
    the views of tabs not shown, for the hex map or the numbers (the first frame has no data
    to map or sum), for Textual's DataTable (the scoreboard draws its own lines; the lists
    load it) or for its tabbed content (the views sit in panes of their own)."""
    import subprocess
    import sys

    probe = f"""
import sys
from pathlib import Path
from feeds.bundled import BUNDLED_NIGHT
from tui.app import ElectionNightApp
from tui.feed_source import FeedSource
from tui.launch import replay_connector
from tui.watchlist import WatchList

HEAVY = ("pydantic", "feeds.models", "feeds.parse", "feeds.recording", "feeds.replay",
         "uvicorn", "starlette", "httpx", "feeds.client", "feeds.http_answers", "email",
         "tui.screens.council_detail", "tui.screens.ward_detail", "tui.screens.goto",
         "tui.screens.help", "feeds.polling", "tui.widgets.council_list", "tui.widgets.mayors",
         "tui.widgets.feed_log", "tui.widgets.changes", "tui.hexmap", "tui.hex_draw",
         "textual.widgets._data_table", "textual.widgets._tabbed_content", "feeds.aggregate",
         "feeds.referendum_totals")
app = ElectionNightApp(
    FeedSource("replay"),
    connect=replay_connector(BUNDLED_NIGHT, speed=1, start=None, faults=None),
    watchlist=WatchList(Path({str(tmp_path)!r}) / "w.json"),
)
loaded = []

def first_frame():
    loaded.extend(sorted(m for m in sys.modules if m.startswith(HEAVY)))
    app.exit()

app.call_after_refresh(first_frame)
app.run(headless=True, size=(100, 30))
print(loaded)
"""
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_every_test_named_in_reliability_md_exists() -> None:
    import re

    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(test_[a-z0-9_]+)", text))
    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("*.py"))
    defined = set(re.findall(r"def (test_[a-z0-9_]+)", sources))
    prefixes = {n for n in named if n.endswith("_")}  # `test_429_retry_after_*` style
    missing = {n for n in named - prefixes - defined if not any(d.startswith(n) for d in defined)}
    assert not missing, f"docs/reliability.md names tests that do not exist: {sorted(missing)}"
