"""The feed status line: source, freshness, next poll, errors, STALE, replay clock."""

from __future__ import annotations

from rich.text import Text

from tui.formatting import ago
from tui.night import FeedHealth, Night
from tui.widgets.one_line import OneLine


class FeedStatus(OneLine):
    DEFAULT_CSS = """
    FeedStatus { height: 1; background: $panel; padding: 0 1; }
    FeedStatus.-error { background: $error 30%; }
    FeedStatus.-stale { background: $warning 40%; }
    """

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.night = night

    def on_mount(self) -> None:
        self.night.ticked.subscribe(self, self._ticked, immediate=True)
        self.show_health()

    def _ticked(self, _: None) -> None:
        self.show_health()

    def show_health(self) -> None:
        night = self.night
        health = night.health
        now = night.monotonic()
        stale = health.stale(now)
        checked = ago(now - health.last_check) if health.last_check is not None else None
        changed = ago(now - health.last_change) if health.last_change is not None else None
        # Most urgent first, so that a narrow terminal still shows what matters.
        text = Text()
        if stale:
            text.append(" STALE ", style="bold reverse")
            text.append(" ")
        if health.last_error:
            text.append(health.last_error, style="bold")
            text.append(" · ")
        if health.replay is not None:
            text.append(replay_state(health.replay), style="bold")
            text.append(" · ")
        if checked is None:
            text.append("no data yet")
        else:  # a 304 is a check, not a change: the two are told apart
            text.append(f"checked {checked}")
            text.append(f" · data changed {changed}" if changed else " · no data yet")
        if health.next_poll_at is not None:
            text.append(next_poll(health, now))
        rejected = night.store.rejected_total
        if rejected:
            text.append(f" · {rejected} bad record(s) rejected", style=night.tones.warn)
        text.append(" · ")
        text.append(health.label, style="dim")
        self.set_class(bool(health.last_error) and not stale, "-error")
        self.set_class(stale, "-stale")
        self.set_text(text)


def next_poll(health: FeedHealth, now: float) -> str:
    """The steady cadence as it is; a countdown only when the wait is out of the ordinary (a
    failure backing off)."""
    wait = max(0.0, health.next_poll_at - now) if health.next_poll_at is not None else 0.0
    every = health.poll_every
    if every is not None and not health.last_error and wait <= every:
        return f" · polled every {every:g} s"
    return f" · next poll in {wait:.0f} s"


def replay_state(status: dict[str, object]) -> str:
    state = "paused" if status.get("paused") else "playing"
    if status.get("finished"):
        state = "finished"
    speed = status.get("speed", 1)
    return f"REPLAY ×{float(speed) if isinstance(speed, int | float) else 1.0:g} {state}"
