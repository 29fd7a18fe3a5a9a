"""Build tui/maps/hexmaps.json.gz, the hex cartograms the map draws, from the HexJSON files of
Open Innovations (odileeds/hexmaps, MIT licence) in ../shared/data/raw/hexmaps, and the
councils that cover several districts (counties, and the new councils of 2022-23) from
../shared/data/local-authorities.csv. Deterministic: the same data gives the same bytes."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

from scripts.build_night import reproducible_gzip

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "tui" / "maps" / "hexmaps.json.gz"
SOURCE = (
    "Open Innovations hex cartograms (github.com/odileeds/hexmaps, maps/ at 5383e24a): "
    "uk-local-authority-districts-2021.hexjson and uk-wards-2022.hexjson"
)


def _hexes(path: Path) -> tuple[str, dict[str, dict[str, Any]]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return str(document.get("layout", "odd-r")), document["hexes"]


def build(data: Path) -> bytes:
    hexmaps = data / "raw" / "hexmaps"
    layout, districts = _hexes(hexmaps / "uk-local-authority-districts-2021.hexjson")
    ward_layout, wards = _hexes(hexmaps / "uk-wards-2022.hexjson")
    if layout != "odd-r" or ward_layout != "odd-r":
        raise SystemExit(f"expected odd-r layouts, got {layout} and {ward_layout}")
    groups: dict[str, list[str]] = {}
    with (data / "local-authorities.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["code"] not in districts:
                continue
            for parent in (row["county_code"], row["successor_2023_code"]):
                if parent and parent not in districts:
                    groups.setdefault(parent, []).append(row["code"])
    document = {
        "source": SOURCE,
        "licence": (hexmaps / "LICENSE").read_text(encoding="utf-8"),
        "layout": "odd-r",  # odd rows shifted half a hex right; r grows northwards
        "districts": {
            code: [h["q"], h["r"], h.get("region", "")] for code, h in sorted(districts.items())
        },
        "groups": {code: sorted(members) for code, members in sorted(groups.items())},
        "wards": {code: [h["q"], h["r"], h["LAD22CD"]] for code, h in sorted(wards.items())},
    }
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return reproducible_gzip(text.encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    data = build(args.data)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"wrote {len(data):,} bytes to {args.output}")


if __name__ == "__main__":
    main()
