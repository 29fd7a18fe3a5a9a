"""Started as a subprocess by the benchmarks: runs an app headless and exits at its first
painted frame, printing the milliseconds from interpreter start to that frame.

    python -m benchmarks.probe_startup minimal|replay
"""

from __future__ import annotations

import sys
import time

# Interpreter start, as close as Python lets us see it.
T0 = time.perf_counter()


def minimal() -> float:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Static

    class Minimal(App[float]):
        def compose(self) -> ComposeResult:
            yield Static("hello")
            yield Footer()

        def on_mount(self) -> None:
            self.call_after_refresh(lambda: self.exit((time.perf_counter() - T0) * 1000))

    return Minimal().run(headless=True, size=(120, 40)) or 0.0


def replay() -> float:
    """The bundled replay exactly as `election-night` starts it, to the first frame that
    shows the feed's data."""
    import tempfile
    from pathlib import Path

    from feeds.client import PollOutcome, PollSettings
    from feeds.commands import BUNDLED_NIGHT, open_replay
    from feeds.replay import ServerThread, create_app
    from tui.app import make_app
    from tui.watchlist import WatchList

    feed = open_replay(BUNDLED_NIGHT, speed=300, start=None)
    result = 0.0
    with ServerThread(create_app(feed)) as server, tempfile.TemporaryDirectory() as config:
        app = make_app(
            f"{server.url}/feed",
            settings=PollSettings(interval=0.5, min_interval=0.25),
            replay_url=server.url,
            watchlist=WatchList(Path(config) / "w.json"),
        )
        original = app.apply_outcome

        def first_data(outcome: PollOutcome) -> None:
            original(outcome)
            app.call_after_refresh(app.exit)

        app.apply_outcome = first_data  # type: ignore[method-assign]
        app.run(headless=True, size=(120, 40))
        result = (time.perf_counter() - T0) * 1000
    return result


if __name__ == "__main__":
    mode = sys.argv[1]
    value = minimal() if mode == "minimal" else replay()
    print(f"{value:.1f}")
