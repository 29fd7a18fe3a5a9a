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
