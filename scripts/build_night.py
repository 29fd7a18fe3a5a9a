"""Rebuild feeds/recordings/local-2022-05-05.jsonl.gz from ../shared/data (deterministic:
the same data gives the same bytes, compressed with no time or name in the gzip header)."""

from __future__ import annotations

import argparse
import gzip
import io
from pathlib import Path

from scripts.night2022 import write_night

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "feeds" / "recordings" / "local-2022-05-05.jsonl.gz"


def reproducible_gzip(data: bytes) -> bytes:
    """Compressed with no time or name in the header: the same data gives the same bytes."""
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return raw.getvalue()


def build(data: Path) -> bytes:
    """The recording's text, gzip-compressed reproducibly."""
    text = io.StringIO()
    write_night(data, text)
    return reproducible_gzip(text.getvalue().encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    data = build(args.data)
    args.output.write_bytes(data)
    print(f"wrote {len(data):,} bytes to {args.output}")


if __name__ == "__main__":
    main()
