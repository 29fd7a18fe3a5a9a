"""Reference tables: ONS regions and nations, and the usual party codes and colours."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

#: The control of a council where no party holds more than half of the seats.
NOC = "NOC"


class KnownRegion(NamedTuple):
    """An ONS region or nation. Plain data: the app needs these before it loads pydantic."""

    code: str
    name: str


class KnownParty(NamedTuple):
    code: str
    name: str
    colour: str


REGIONS: tuple[KnownRegion, ...] = tuple(
    KnownRegion(code, name)
    for code, name in (
        ("E12000001", "North East"),
        ("E12000002", "North West"),
        ("E12000003", "Yorkshire and The Humber"),
        ("E12000004", "East Midlands"),
        ("E12000005", "West Midlands"),
        ("E12000006", "East of England"),
        ("E12000007", "London"),
        ("E12000008", "South East"),
        ("E12000009", "South West"),
        ("W92000004", "Wales"),
        ("S92000003", "Scotland"),
        ("N92000002", "Northern Ireland"),
    )
)

REGION_BY_NAME = {region.name.casefold(): region for region in REGIONS}
#: Names some tables use for a region instead of the ONS's (local-authorities.csv: "East").
REGION_SHORT_NAMES = {"east": "east of england"}


def region_named(name: str) -> KnownRegion:
    """A region by its ONS name or a short one, in any case; KeyError when none."""
    folded = name.strip().casefold()
    return REGION_BY_NAME[REGION_SHORT_NAMES.get(folded, folded)]


NORTHERN_IRELAND = "N92000002"


def whole_name(region_codes: Iterable[str]) -> str:
    """What the whole of a night is called: the United Kingdom once Northern Ireland is in it,
    Great Britain otherwise (local elections in England, Scotland and Wales)."""
    return "United Kingdom" if any(c.startswith("N") for c in region_codes) else "Great Britain"


PARTIES: tuple[KnownParty, ...] = tuple(
    KnownParty(code, name, colour)
    for code, name, colour in (
        ("CON", "Conservative", "#0087DC"),
        ("LAB", "Labour", "#E4003B"),
        ("LD", "Liberal Democrats", "#FAA61A"),
        ("GRN", "Green", "#02A95B"),
        ("SNP", "Scottish National Party", "#FDF38E"),
        ("PC", "Plaid Cymru", "#005B54"),
        ("REF", "Reform UK", "#12B6CF"),
        ("UKIP", "UK Independence Party", "#6D3177"),
        ("IND", "Independent", "#AAAAAA"),
        ("OTH", "Independents and others", "#999999"),
    )
)

#: Colour for no overall control, and for any party a feed does not colour.
NOC_COLOUR = "#777777"
UNKNOWN_COLOUR = "#999999"
