"""What the user narrowed the screen to: a region (GSS code) and/or typed text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from feeds.store import ResultsStore

if TYPE_CHECKING:
    from feeds.models import Council


@dataclass(frozen=True, slots=True)
class Filter:
    region: str | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return self.region is not None or bool(self.text)

    def describe(self, store: ResultsStore) -> str:
        parts = []
        if self.region:
            parts.append(store.region_name(self.region))
        if self.text:
            parts.append(f'"{self.text}"')
        return " + ".join(parts) if parts else store.whole_name()

    def matches_region(self, region_code: str, store: ResultsStore) -> bool:
        if self.region is not None and region_code != self.region:
            return False
        if self.text:
            wanted = self.text.casefold()
            return any(wanted in name.casefold() for name in store.region_names(region_code))
        return True

    def matches(self, council: Council, store: ResultsStore) -> bool:
        if self.region is not None and council.region != self.region:
            return False
        if self.text:
            wanted = self.text.casefold()
            return wanted in council.name.casefold() or any(
                wanted in name.casefold() for name in store.region_names(council.region)
            )
        return True

    def councils(self, store: ResultsStore) -> list[Council]:
        if not self.active:
            return list(store.councils.values())
        found = [c for c in store.councils.values() if self.matches(c, store)]
        if found or not self.text:
            return found
        # No council or region by that name: a ward's name finds its council.
        wanted = self.text.casefold()
        return [
            c
            for c in store.councils.values()
            if (self.region is None or c.region == self.region)
            and any(
                wanted in ward.name.casefold()
                for ward in store.wards_by_council.get(c.id, {}).values()
            )
        ]

    def regions(self, store: ResultsStore) -> set[str]:
        """Regions whose areas (referendums, mayors) the filter keeps."""
        return {code for code in region_codes(store) if self.matches_region(code, store)}


def region_codes(store: ResultsStore) -> list[str]:
    """Regions in ONS order, including any a record names that the feed did not list."""
    codes = list(store.regions)
    seen = set(codes)
    for council in store.councils.values():
        if council.region not in seen:
            seen.add(council.region)
            codes.append(council.region)
    return codes
