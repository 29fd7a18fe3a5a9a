"""Times, numbers and statuses as the screen shows them. Every feed string reaches the screen
as ``rich.text.Text`` or ``Content`` built from plain text, never through markup."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from rich.style import Style
from rich.text import Text

from tui.tones import Tones

UK = ZoneInfo("Europe/London")


def signed(value: int) -> str:
    return f"{value:+d}" if value else "0"


def uk_time(when: dt.datetime | None, *, seconds: bool = False) -> str:
    if when is None:
        return ""
    return _uk_time(when, seconds)


@functools.lru_cache(maxsize=4096)
def _uk_time(when: dt.datetime, seconds: bool) -> str:
    """Kept: the ticker writes the times of up to 40 new entries after a big answer."""
    return when.astimezone(UK).strftime("%H:%M:%S" if seconds else "%H:%M")


def uk_datetime(when: dt.datetime | None) -> str:
    if when is None:
        return "—"
    return when.astimezone(UK).strftime("%a %d %b %H:%M %Z")


def ago(seconds: float) -> str:
    """An age as the status line shows it: "just now", then tens of seconds, then minutes.
    A feed checked every few seconds reads steadily instead of counting 0, 1, 2, 0, and an
    idle screen is redrawn every ten seconds at most, not every second."""
    seconds = max(0, int(seconds))
    if seconds < 10:
        return "just now"
    if seconds < 60:
        return f"{seconds // 10 * 10} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min ago"


def status_style(status: str, tones: Tones) -> Style | str:
    styles: dict[str, Style | str] = {
        "expected": "dim",
        "counting": tones.warn,
        "recount": tones.alarm,
        "declared": "bold",
        "corrected": tones.note + Style(bold=True),
        "cancelled": "strike dim",
        "uncontested": "bold",
    }
    return styles.get(status, "")


def status_text(status: str, tones: Tones, recount: int | None = None) -> Text:
    label = f"recount {recount}" if status == "recount" and recount else status
    return Text(label, style=status_style(status, tones))
