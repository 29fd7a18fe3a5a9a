"""Write docs/feed.schema.json from the pydantic models (tests fail when the two drift)."""

from __future__ import annotations

import json
from pathlib import Path

from feeds.models import feed_json_schema

TARGET = Path(__file__).resolve().parent.parent / "docs" / "feed.schema.json"


def render() -> str:
    return json.dumps(feed_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
