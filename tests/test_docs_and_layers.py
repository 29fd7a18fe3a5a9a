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


def test_the_first_frame_does_not_wait_for_the_validation_layer() -> None:
    """pydantic and the recording and replay modules cost ~150 ms to import; the app
    imports them after its first frame (in the thread that opens the feed), not before."""
    import subprocess
    import sys

    probe = (
        "import sys, tui.cli, tui.app, tui.commands\n"
        "heavy = ('pydantic', 'feeds.models', 'feeds.parse', 'feeds.recording', 'uvicorn')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
