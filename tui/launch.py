"""Starting the app: on a feed URL, or on a recording replayed through its own server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.app import ElectionNightApp
from tui.feed_source import FeedSource
from tui.replay_control import ReplayControl

if TYPE_CHECKING:
    from feeds.polling import PollSettings


def make_app(
    url: str | None,
    *,
    settings: PollSettings | None = None,
    replay_url: str | None = None,
    replay_token: str | None = None,
    label: str | None = None,
    **kwargs: Any,
) -> ElectionNightApp:
    """Build the app for a feed URL (and replay controls when it is a replay server)."""
    from feeds.pollers import make_poller

    poller = make_poller(url, settings=settings) if url else None
    replay = ReplayControl(replay_url, token=replay_token) if replay_url else None
    # The poller's own name for its source: an FTP URL without its password, Democracy Club
    # with its credit.
    source = FeedSource(label or (poller.url if poller else None) or "no feed", poller, replay)
    return ElectionNightApp(source, **kwargs)


def replay_connector(
    path: str | Path, *, speed: float, start: str | None, faults: str | None
) -> Callable[[], tuple[FeedSource, Callable[[], None]]]:
    """Starts the recording's replay server in a process of its own (when the app calls it,
    off the UI thread); the app then polls it like any live feed."""

    def connect() -> tuple[FeedSource, Callable[[], None]]:
        # The HTTP client is imported here, off the UI thread and after the first frame.
        import httpx  # noqa: F401

        from feeds.client import FeedPoller
        from feeds.polling import PollSettings
        from feeds.replay_process import ReplayProcess
        from feeds.replay_server import new_control_token

        token = new_control_token()
        server = ReplayProcess(path, speed=speed, start=start, faults=faults, token=token).start()
        poller = FeedPoller(
            f"{server.url}/feed",
            settings=PollSettings(interval=0.5, min_interval=0.25, stale_after=20),
        )
        control = ReplayControl(server.url, token=token)
        source = FeedSource(f"replay of {Path(path).name}", poller, control)
        source.notes.extend(server.warnings)
        return source, server.stop

    return connect


def run_replay(path: str | Path, *, speed: float, start: str | None, faults: str | None) -> int:
    app = ElectionNightApp(
        FeedSource(f"replay of {Path(path).name}"),
        connect=replay_connector(path, speed=speed, start=start, faults=faults),
    )
    app.run()
    return app.return_code or 0


def run_watch(url: str, settings: PollSettings) -> int:
    make_app(url, settings=settings).run()
    return 0
