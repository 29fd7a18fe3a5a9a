"""Councils the user watches, kept between runs in the user's config directory.

The file is the user's: one that cannot be read is never written over (it is kept aside and
the user told), a temporary file is created safely beside it, and its size is bounded so a
huge file cannot stall the app.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from platformdirs import user_config_path

ENV = "ELECTION_NIGHT_CONFIG_DIR"
MAX_BYTES = 1024 * 1024
MAX_IDS = 5_000  # far more councils than any election has


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
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        except OSError as error:
            self.error = f"watch list not read ({error.strerror or type(error).__name__})"
            return
        if size > MAX_BYTES:
            self._keep_aside(f"larger than {MAX_BYTES // 1024} KiB")
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            self._keep_aside(f"not valid JSON ({type(error).__name__})")
            return
        if not isinstance(data, dict) or not isinstance(data.get("councils"), list):
            self._keep_aside('not a {"councils": [...]} list')
            return
        ids = [item for item in data["councils"] if isinstance(item, str) and len(item) <= 120]
        self.ids = set(ids[:MAX_IDS])
        if len(ids) > MAX_IDS:
            self.error = f"watch list holds more than {MAX_IDS:,} councils; the first kept"

    def _keep_aside(self, why: str) -> None:
        """Move an unreadable file out of the way, so the next save cannot destroy it."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.stem}.bad-{stamp}{self.path.suffix}")
        try:
            os.replace(self.path, aside)
        except OSError as error:
            self.error = (
                f"watch list {why}, and it could not be kept aside "
                f"({error.strerror or type(error).__name__}): changes will not be saved"
            )
            self._read_only = True
            return
        self.error = f"watch list {why}: kept aside as {aside.name}, starting empty"

    _read_only = False

    def toggle(self, council_id: str) -> bool:
        """Watch or unwatch; returns True when now watched. Saves at once."""
        if council_id in self.ids:
            self.ids.discard(council_id)
        else:
            self.ids.add(council_id)
        self.save()
        return council_id in self.ids

    def save(self) -> None:
        if self._read_only:
            return
        text = json.dumps({"councils": sorted(self.ids)}, indent=1)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A new file of a name no one can plant beforehand (a fixed watchlist.tmp could be
            # a symlink, written through), then an atomic rename over the list.
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".watchlist-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as error:
            self.error = f"watch list not saved ({error.strerror or type(error).__name__})"
