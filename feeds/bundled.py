"""The night that ships with the project: 5 May 2022, ward by ward (built by
scripts/build_night.py from ../shared/data)."""

from pathlib import Path

BUNDLED_NIGHT = Path(__file__).resolve().parent / "recordings" / "local-2022-05-05.jsonl.gz"
