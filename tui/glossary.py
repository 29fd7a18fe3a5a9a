"""The words and marks of a results night, in one place: the help screen's glossary."""

from __future__ import annotations

GLOSSARY: tuple[tuple[str, str], ...] = (
    ("NOC", "no overall control: no party holds more than half of the council's seats"),
    ("gain / hold", "control passed to a party from another (or from NOC) / kept by the "
                    "party that had it; \"lose to NOC\": no party has a majority any more"),
    ("Cllrs", "councillors: seats won, counted ward by ward as wards declare"),
    ("+/-", "change since the last time these seats were fought (councils: change in "
            "councils controlled)"),
    ("PNS", "projected national share: the feed's estimate of a GB-wide vote share, shown "
            "only when the feed supplies it"),
    ("recount", "the count is being done again; the result so far may change"),
    ("corrected", "the feed has put right a result it declared earlier"),
    ("≈ in Change", "approximate seat changes: new ward boundaries or council size, so the "
                    "comparison is of whole councils, not of the same seats"),
    ("n/a, —", "no figures in the feed (unknown, never zero)"),
    ("▲, ★", "a gain; a council you watch (w)"),
    ("cnt, RCT, ··", "on the map: counting, recount, not yet declared"),
    ("STALE", "the feed has not answered for a while: what is shown may be out of date"),
)  # fmt: skip
