"""Councils the user watches, kept between runs in the user's config directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

from platformdirs import user_config_path

ENV = "ELECTION_NIGHT_CONFIG_DIR"


def default_path() -> Path:
    base = os.environ.get(ENV)
    directory = Path(base) if base else user_config_path("election-night")
    return directory / "watchlist.json"


class WatchList:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.ids: set[str] = set()
        self.error: str | None = None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("councils"), list):
                self.ids = {str(item)[:120] for item in data["councils"] if isinstance(item, str)}
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as error:
            self.error = f"watch list not read ({type(error).__name__})"

    def toggle(self, council_id: str) -> bool:
        """Watch or unwatch; returns True when now watched. Saves at once."""
        if council_id in self.ids:
            self.ids.discard(council_id)
        else:
            self.ids.add(council_id)
        self.save()
        return council_id in self.ids

    def save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"councils": sorted(self.ids)}, indent=1), encoding="utf-8")
            tmp.replace(self.path)
        except OSError as error:
            self.error = f"watch list not saved ({error.strerror or type(error).__name__})"
