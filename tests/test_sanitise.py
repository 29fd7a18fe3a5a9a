from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from feeds.sanitise import REPLACEMENT, is_printable, sanitise


def test_escape_sequences_and_controls_are_replaced() -> None:
    assert sanitise("a\x1b[2Jb") == f"a{REPLACEMENT}[2Jb"
    assert sanitise("\x1b]0;title\x07") == f"{REPLACEMENT}]0;title{REPLACEMENT}"
    assert sanitise("x\x9by") == f"x{REPLACEMENT}y"  # C1 CSI
    assert sanitise("x\x7fy") == f"x{REPLACEMENT}y"
    assert sanitise("a\u202eb\u2066c") == f"a{REPLACEMENT}b{REPLACEMENT}c"
    assert sanitise("line\u2028sep") == f"line{REPLACEMENT}sep"


def test_whitespace_controls_become_spaces() -> None:
    assert sanitise("a\tb\nc\r\nd") == "a b c  d"


def test_lone_surrogates_are_replaced() -> None:
    assert sanitise("a\ud800b") == f"a{REPLACEMENT}b"


def test_ordinary_text_is_untouched() -> None:
    for text in ("Barnet", "Ynys Môn", "Na h-Eileanan Siar", "Comhairle [/] £5 — ok", "東京"):
        assert sanitise(text) == text


@given(st.text())
def test_any_string_comes_out_printable(text: str) -> None:
    cleaned = sanitise(text)
    assert is_printable(cleaned)
    assert len(cleaned) == len(text)
    assert sanitise(cleaned) == cleaned
