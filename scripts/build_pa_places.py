"""Build feeds/pa_places.json: PA Media's councils and counting areas in GSS codes and regions.

From ../shared/data/local-authorities.csv (the councils of 2021-23), the Electoral
Commission's 382 counting areas of the 2016 EU referendum (scripts/data/, which also carries
the districts abolished since), and the PA council ids in PA's own files
(../shared/data/pa/). A PA name that matches nothing stops the build: it is never guessed.
Deterministic: the same data gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from defusedxml import ElementTree

from feeds.pa_places import TABLE, name_key
from feeds.reference import region_named

ROOT = Path(__file__).resolve().parent.parent
EU_AREAS = ROOT / "scripts" / "data" / "eu-referendum-2016-areas.csv"
#: Council types by the kind of GSS code, for districts abolished since 2021.
TYPE_BY_PREFIX = {
    "E06": "unitary",
    "E07": "district",
    "E08": "metropolitan borough",
    "E09": "London borough",
    "W06": "unitary",
    "S12": "unitary",
}


def build(data: Path) -> bytes:
    councils: dict[str, list[str]] = {}
    with (data / "local-authorities.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            councils[row["code"]] = [row["code"], row["name"], region_named(row["region"]).code,
                                     row["type"]]  # fmt: skip
    areas: list[list[str]] = []
    with EU_AREAS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            kind = TYPE_BY_PREFIX.get(row["code"][:3], "")
            areas.append([row["code"], row["name"], row["region_code"], kind])
            if kind and row["code"] not in councils:  # abolished since 2016
                councils[row["code"]] = [row["code"], row["name"], row["region_code"], kind]
    keys: dict[str, str] = {}
    for code, place in councils.items():
        keys.setdefault(name_key(place[1]), code)
    pa_ids: dict[str, str] = {}
    unknown: list[str] = []
    for path in sorted((data / "pa").rglob("*.xml")):
        if "nominations" not in path.name.casefold() or "Local" not in path.name:
            continue
        root = ElementTree.parse(path).getroot()
        council = root.find(".//Council") if root is not None else None
        if council is None:
            continue
        name, pa_id = council.get("name", ""), council.get("paId", "")
        found = keys.get(name_key(name))
        if found is None:
            unknown.append(f"{name} (paId {pa_id}, {path.name})")
        else:
            pa_ids[pa_id] = found
    if unknown:
        sys.exit("PA councils matching no council:\n  " + "\n  ".join(unknown))
    document = {
        "source": (
            "local-authorities.csv (councils of 2021-23); Electoral Commission, EU referendum "
            "2016 counting areas (Open Government Licence v3.0); PA ids from PA's rehearsal files"
        ),
        "councils": [councils[code] for code in sorted(councils)],
        "areas": sorted(areas),
        "pa_ids": dict(sorted(pa_ids.items(), key=lambda item: int(item[0]))),
    }
    return (json.dumps(document, indent=0, ensure_ascii=False) + "\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("-o", "--output", type=Path, default=TABLE)
    args = parser.parse_args()
    args.output.write_bytes(build(args.data))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
