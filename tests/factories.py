"""Small builders of feed documents for tests (plain dicts, as they travel on the wire)."""

from __future__ import annotations

import json
from typing import Any

ELECTION = {"id": "local.2022-05-05", "name": "Local elections", "date": "2022-05-05"}
REGIONS = [
    {"code": "E12000007", "name": "London"},
    {"code": "E12000002", "name": "North West"},
    {"code": "S92000003", "name": "Scotland"},
]
PARTIES = [
    {"code": "LAB", "name": "Labour", "colour": "#E4003B"},
    {"code": "CON", "name": "Conservative", "colour": "#0087DC"},
    {"code": "LD", "name": "Liberal Democrats", "colour": "#FAA61A"},
]


def council(
    slug: str = "barnet",
    code: str = "E09000003",
    *,
    region: str = "E12000007",
    status: str = "declared",
    revision: int = 1,
    before: str | None = "CON",
    after: str | None = "LAB",
    won: dict[str, int] | None = None,
    change: dict[str, int] | None = None,
    total: int = 63,
    up: int = 63,
    **extra: Any,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": f"local.{slug}.2022-05-05",
        "code": code,
        "name": slug.replace("-", " ").title(),
        "region": region,
        "council_type": "London borough",
        "total_seats": total,
        "seats_up": up,
        "control_before": before,
        "status": status,
        "revision": revision,
    }
    if status in ("declared", "corrected"):
        record["control_after"] = after
        record["seats_won"] = won if won is not None else {"LAB": 41, "CON": 22}
        record["seats_change"] = change if change is not None else {"LAB": 16, "CON": -16}
        record["declared_at"] = "2022-05-06T02:30:00+00:00"
    record.update(extra)
    return record


def snapshot(
    seq: int = 1, *, councils: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": "election-night/1",
        "kind": "snapshot",
        "seq": seq,
        "election": ELECTION,
        "regions": REGIONS,
        "parties": PARTIES,
        "councils": councils if councils is not None else [council()],
    }
    document.update(extra)
    return document


def changes(seq: int, since: int, **lists: Any) -> dict[str, Any]:
    return {"format": "election-night/1", "kind": "changes", "seq": seq, "since": since, **lists}


def body(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def bolton(**overrides: Any) -> dict[str, Any]:
    """A second council: a North West metropolitan borough electing by thirds (20 of 60)."""
    settings: dict[str, Any] = {"region": "E12000002", "total": 60, "up": 20}
    settings.update(overrides)
    return council("bolton", "E08000001", **settings)


def ward(
    slug: str = "burnt-oak",
    code: str = "E05013635",
    *,
    council_slug: str = "barnet",
    status: str = "declared",
    revision: int = 1,
    seats: int = 1,
    winners: tuple[str, ...] = ("LAB",),
    losers: tuple[str, ...] = ("CON",),
    **extra: Any,
) -> dict[str, Any]:
    """A ward contest of a council made by ``council``; first past the post."""
    declared = status in ("declared", "corrected")
    candidates = [
        {"name": f"Winner {i}", "party": p, "votes": 1000 - i if declared else None,
         "elected": declared}
        for i, p in enumerate(winners)
    ] + [
        {"name": f"Loser {i}", "party": p, "votes": 500 - i if declared else None}
        for i, p in enumerate(losers)
    ]  # fmt: skip
    record: dict[str, Any] = {
        "id": f"local.{council_slug}.{slug}.2022-05-05",
        "council": f"local.{council_slug}.2022-05-05",
        "code": code,
        "name": slug.replace("-", " ").title(),
        "seats": seats,
        "candidates": [{k: v for k, v in c.items() if v is not None} for c in candidates],
        "status": status,
        "revision": revision,
    }
    record.update(extra)
    return record
