"""Where the app's data comes from: a poller, and replay controls when it is a replay."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.replay_control import ReplayControl

if TYPE_CHECKING:
    from feeds.pollers import Poller


@dataclass
class FeedSource:
    label: str
    poller: Poller | None = None
    replay: ReplayControl | None = None
    notes: list[str] = field(default_factory=list)  # e.g. a recording's skipped lines
