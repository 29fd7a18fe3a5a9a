"""Make untrusted feed text safe to hold and to draw.

Neither Rich nor Textual strips escape sequences or C1 controls, so a feed string could
write the clipboard (OSC 52), retitle the window or clear the screen. Every string is cleaned
here, once, as it enters the model; nothing downstream needs to think about it again.
"""

from __future__ import annotations

import functools
import sys
import unicodedata
from typing import TextIO

REPLACEMENT = "\ufffd"

_WHITESPACE = {"\t", "\n", "\r", "\v", "\f"}
_BIDI_AND_SEPARATORS = [
    "\u061c",  # Arabic letter mark
    "\u200e",  # LRM
    "\u200f",  # RLM
    *[chr(c) for c in range(0x202A, 0x202F)],  # LRE RLE PDF LRO RLO
    *[chr(c) for c in range(0x2066, 0x206A)],  # LRI RLI FSI PDI
    "\u2028",  # line separator
    "\u2029",  # paragraph separator
    "\ufeff",  # BOM / zero-width no-break space
]


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        table[code] = " " if chr(code) in _WHITESPACE else REPLACEMENT
    for char in _BIDI_AND_SEPARATORS:
        table[ord(char)] = REPLACEMENT
    return table


_TABLE = _build_table()

#: Format characters (category Cf) that names legitimately need: the zero-width non-joiner
#: and joiner shape Persian, Indic and emoji text. Every other Cf character (zero-width space,
#: word joiner, soft hyphen, U+E0000 tags...) is invisible and can hide or spoof text.
_KEPT_FORMAT = frozenset({"\u200c", "\u200d"})


@functools.lru_cache(maxsize=4096)
def _is_hidden(ch: str) -> bool:
    return ("\ud800" <= ch <= "\udfff") or (
        unicodedata.category(ch) == "Cf" and ch not in _KEPT_FORMAT
    )


def sanitise(text: str) -> str:
    """Return ``text`` with controls, escapes, bidi overrides and lone surrogates replaced."""
    if text.isascii() and text.isprintable():  # most feed text: nothing to replace
        return text
    cleaned = text.translate(_TABLE)
    # Each distinct character once (a line of news has a handful beyond ASCII).
    if cleaned.isascii() or not any(map(_is_hidden, set(cleaned))):
        return cleaned
    # Lone surrogates (from JSON "\ud800") cannot be encoded for any terminal; format
    # characters are invisible. Both become U+FFFD, so the length is kept.
    return "".join(REPLACEMENT if _is_hidden(ch) else ch for ch in cleaned)


def clean_line(text: str, limit: int = 500) -> str:
    """One line of text leaving the app (the Log, stderr, a toast, a summary): sanitised,
    on one line, and bounded. Every such line passes here, whatever its source."""
    cleaned = sanitise(text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def is_printable(text: str) -> bool:
    """True when ``text`` holds nothing a terminal would act on (used by tests and asserts)."""
    return not any(ord(ch) in _TABLE or _is_hidden(ch) for ch in text)


def say(text: str, file: TextIO | None = None) -> None:
    """Print one line for the user on stderr: every line passes the sanitiser, whatever it
    quotes (a recording's warning, a feed's error), so no byte from a feed reaches the
    terminal."""
    print(clean_line(text, limit=2_000), file=file or sys.stderr)
