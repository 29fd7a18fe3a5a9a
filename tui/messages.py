"""Messages from the feed to the app: small dataclasses, one per poll."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from feeds.polling import PollOutcome


@dataclass
class FeedPolled(Message):
    """One poll finished; the store already holds what it brought."""

    outcome: PollOutcome
    replay_status: dict[str, object] | None = None
