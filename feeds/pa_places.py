"""PA Media's places and parties in the project's terms: council and counting-area names (and
PA ids) to GSS codes and regions, PA party abbreviations to the project's party codes.

The table, ``feeds/pa_places.json``, is built by ``scripts/build_pa_places.py`` from
``../shared/data/local-authorities.csv``, the Electoral Commission's list of the 382 counting
areas of the 2016 EU referendum (``scripts/data/``), and the PA ids seen in PA's own files.
A name the table does not know is reported, never guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("pa_places.json")

#: PA's names that no normalisation turns into the official one (PA name key -> official key).
ALIASES = {
    "anglesey": "isle of anglesey",
    "comhairle nan eilean siar": "na h eileanan siar",
    "eilean siar": "na h eileanan siar",
    "durham": "county durham",
    "glasgow": "glasgow city",
    "windsor and maidenhead royal": "windsor and maidenhead",
}


def name_key(name: str) -> str:
    """A place name folded so that PA's spelling meets the ONS's: case, "&" (and PA's "___"
    in file names), punctuation and the suffixes ", City of" / ", County of" do not count."""
    text = name.casefold().replace("___", " and ").replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r" (city|county) of$", "", text)
    return ALIASES.get(text, text)


@dataclass(frozen=True, slots=True)
class Place:
    code: str  # GSS code (or "GI", Gibraltar, which has none)
    name: str  # the official name
    region: str  # GSS code of the region or nation
    kind: str  # council type: "unitary", "district", "metropolitan district" ...


#: PA party abbreviations -> the project's codes. Others keep PA's abbreviation, upper-cased
#: and reduced to letters and digits (reported once by the source).
PARTY_CODES = {
    "C": "CON",
    "Con": "CON",
    "Lab": "LAB",
    "LD": "LD",
    "Green": "GRN",
    "Grn": "GRN",
    "UKIP": "UKIP",
    "SNP": "SNP",
    "PC": "PC",
    "Ind": "IND",
    "R": "RA",  # Residents' associations
    "Lib": "LIB",  # the Liberal Party, not the Liberal Democrats
    "BNP": "BNP",
    "TUSC": "TUSC",
    "Eng Dem": "ED",
    "Ref": "REF",
    "NOC": "NOC",
}

PARTY_NAMES = {
    "RA": "Residents",
    "LIB": "Liberal Party",
    "BNP": "British National Party",
    "TUSC": "Trade Unionist and Socialist Coalition",
    "ED": "English Democrats",
}


def party_code(abbreviation: str) -> tuple[str, bool]:
    """The project's code for a PA abbreviation, and whether it is a known one."""
    known = PARTY_CODES.get(abbreviation.strip())
    if known is not None:
        return known, True
    folded = re.sub(r"[^A-Z0-9]", "", abbreviation.upper())[:8]
    if not folded or not folded[0].isalpha():
        folded = ("P" + folded)[:8] if folded else "OTH"
    return folded, False


@dataclass(frozen=True, slots=True)
class Places:
    councils: dict[str, Place]  # name key -> place
    pa_ids: dict[str, str]  # PA council id -> GSS code
    by_code: dict[str, Place]
    areas: dict[str, Place]  # name key -> counting area of the 2016 EU referendum

    def council(self, pa_id: str | None, name: str) -> Place | None:
        code = self.pa_ids.get(pa_id or "")
        if code is not None and code in self.by_code:
            return self.by_code[code]
        return self.councils.get(name_key(name))

    def area(self, name: str) -> Place | None:
        key = name_key(name)
        return self.areas.get(key) or self.councils.get(key)


@cache
def places(path: Path = TABLE) -> Places:
    document = json.loads(path.read_text(encoding="utf-8"))
    by_code = {row[0]: Place(*row) for row in document["councils"]}
    councils: dict[str, Place] = {}
    for place in by_code.values():
        councils.setdefault(name_key(place.name), place)
    areas = {name_key(row[1]): Place(*row) for row in document["areas"]}
    return Places(councils, dict(document["pa_ids"]), by_code, areas)
