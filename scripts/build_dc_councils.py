"""Build feeds/dc_councils.json: the councils a Democracy Club election names, in the
project's terms (GSS code, region, type, size, control and make-up before).

Democracy Club's ballots give each council's election id (``local.barnet.2022-05-05``), not
its GSS code. This table joins them: the 200 councils of 5 May 2022 from
../shared/data/local-2022-councils.csv (their election ids from wards-2022.csv, never composed
from names), and every other council of local-authorities.csv by the slug of its name, with
code, region and type only. Deterministic: the same data gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

from feeds.reference import region_named
from scripts.night2022_data import (
    COMPOSITION_PARTIES,
    CONTROL_CODES,
    _party_map,
    democracy_club_ids,
    read_councils,
    slug,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "feeds" / "dc_councils.json"


def build(data: Path) -> bytes:
    ids = democracy_club_ids(data)
    councils: dict[str, dict[str, Any]] = {}
    for row in read_councils(data):
        election_id = ids[row["ons_code"]]
        before = _party_map(row, "composition_before_", COMPOSITION_PARTIES)
        after = _party_map(row, "composition_after_", COMPOSITION_PARTIES)
        previous = row["previous_control"]
        councils[election_id.split(".")[1]] = {
            "code": row["ons_code"],
            "name": row["council"],
            "region": region_named(row["region"]).code,
            "council_type": row["council_type"],
            "total_seats": int(row["total_seats"]),
            "election_2022": election_id,
            "control_before_2022": None if previous == "new council" else CONTROL_CODES[previous],
            "composition_before_2022": before or None,
            "control_after_2022": CONTROL_CODES[row["new_control"]],
            "composition_after_2022": after or None,
        }
    with (data / "local-authorities.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = slug(row["name"])
            if any(c["code"] == row["code"] for c in councils.values()) or key in councils:
                continue
            councils[key] = {
                "code": row["code"],
                "name": row["name"],
                "region": region_named(row["region"]).code,
                "council_type": row["type"],
            }
    document = {
        "source": "../shared/data: local-2022-councils.csv, wards-2022.csv (election ids), "
        "local-authorities.csv",
        "councils": dict(sorted(councils.items())),
    }
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    args.output.write_bytes(build(args.data))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
