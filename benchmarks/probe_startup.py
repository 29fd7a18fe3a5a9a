"""Started as a subprocess by the benchmarks: runs an app headless and exits at its first
painted frame, printing the milliseconds from interpreter start to that frame.

    python -m benchmarks.probe_startup minimal|replay|replay-data
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
            # The first frame is painted; the time is taken then, not after shutting down.
            self.call_after_refresh(lambda: self.exit((time.perf_counter() - T0) * 1000))

    return Minimal().run(headless=True, size=(120, 40)) or 0.0


def replay(with_data: bool) -> float:
    """The bundled replay exactly as `election-night` starts it: to its first painted frame,
    or to the first frame that shows the feed's data."""
    import gc
    import tempfile
    from pathlib import Path

    gc.disable()  # exactly as `election-night` (tui.cli.cmd_replay) starts; the app re-enables it

    from feeds.bundled import BUNDLED_NIGHT
    from feeds.polling import PollOutcome
    from tui.app import ElectionNightApp
    from tui.feed_source import FeedSource
    from tui.launch import replay_connector
    from tui.watchlist import WatchList

    painted: list[float] = []
    with tempfile.TemporaryDirectory() as config:
        app = ElectionNightApp(
            FeedSource("replay"),
            connect=replay_connector(BUNDLED_NIGHT, speed=300, start=None, faults=None),
            watchlist=WatchList(Path(config) / "w.json"),
        )

        def done() -> None:
            painted.append((time.perf_counter() - T0) * 1000)
            app.exit()

        if with_data:
            original = app.apply_outcome

            def first_data(outcome: PollOutcome) -> None:
                original(outcome)
                app.call_after_refresh(done)

            app.apply_outcome = first_data  # type: ignore[method-assign]
        else:
            app.call_after_refresh(done)
        app.run(headless=True, size=(120, 40))
    return painted[0]


if __name__ == "__main__":
    mode = sys.argv[1]
    value = minimal() if mode == "minimal" else replay(with_data=mode == "replay-data")
    print(f"{value:.1f}")
