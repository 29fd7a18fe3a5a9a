"""Moments on an election night as people type them: ``02:30``, ``90m``, an ISO time."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo


def parse_moment(text: str, started_at: dt.datetime | None) -> float:
    """A time in a recording as milliseconds from its start.

    Accepts an offset (``90m``, ``2h30m``, ``45s``, ``+1h``), an ISO 8601 time with an offset,
    or a UK local time ``HH:MM`` (the first such moment after the recording starts) or
    ``YYYY-MM-DD HH:MM``.
    """
    value = text.strip()
    offset = _parse_offset(value.lstrip("+"))
    if offset is not None:
        return offset
    if started_at is None:
        raise ValueError("this recording has no start time: give an offset such as 90m")
    london = ZoneInfo("Europe/London")
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is not None and "-" in value:
        if when.tzinfo is None:
            when = when.replace(tzinfo=london)
        return (when - started_at).total_seconds() * 1000
    try:
        clock = dt.time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"cannot read the time {text!r}") from None
    local_start = started_at.astimezone(london)
    candidate = dt.datetime.combine(local_start.date(), clock, tzinfo=london)
    if candidate < local_start:
        candidate += dt.timedelta(days=1)
    return (candidate - started_at).total_seconds() * 1000


def _parse_offset(value: str) -> float | None:
    match = re.fullmatch(r"(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+(?:\.[0-9]+)?)s)?", value)
    if not value or not match or not any(match.groups()):
        return None
    hours, minutes, seconds = match.groups()
    return (int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)) * 1000
