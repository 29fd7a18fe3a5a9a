"""Rebuild feeds/recordings/local-2022-05-05.jsonl from ../shared/data (deterministic)."""

from __future__ import annotations

import argparse
from pathlib import Path

from feeds.night2022 import write_night

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=ROOT / "feeds" / "recordings" / "local-2022-05-05.jsonl",
    )
    args = parser.parse_args()
    with args.output.open("w", encoding="utf-8", newline="\n") as handle:
        lines = write_night(args.data, handle)
    print(f"wrote {lines} lines to {args.output}")


if __name__ == "__main__":
    main()
