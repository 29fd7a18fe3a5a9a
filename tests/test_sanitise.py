from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from feeds.sanitise import REPLACEMENT, clean_line, is_printable, sanitise


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


def test_invisible_format_characters_are_replaced() -> None:
    # Zero-width space, word joiner, soft hyphen, a tag character, invisible times.
    for hidden in ("\u200b", "\u2060", "\u00ad", "\U000e0041", "\u2062"):
        assert sanitise(f"Bar{hidden}net") == f"Bar{REPLACEMENT}net"
    # What names need is kept: the zero-width non-joiner (Persian) and joiner (emoji, Indic).
    assert sanitise("می\u200cخواهم") == "می\u200cخواهم"
    assert sanitise("👩\u200d💻") == "👩\u200d💻"


def test_lines_leaving_the_app_are_cleaned_and_bounded() -> None:
    assert (
        clean_line("a\x1b]52;c;ZXZpbA==\x07b\nc") == f"a{REPLACEMENT}]52;c;ZXZpbA=={REPLACEMENT}b c"
    )
    assert len(clean_line("x" * 10_000)) == 500


def test_ordinary_text_is_untouched() -> None:
    for text in ("Barnet", "Ynys Môn", "Na h-Eileanan Siar", "Comhairle [/] £5 — ok", "東京"):
        assert sanitise(text) == text


@given(st.text())
def test_any_string_comes_out_printable(text: str) -> None:
    cleaned = sanitise(text)
    assert is_printable(cleaned)
    assert len(cleaned) == len(text)
    assert sanitise(cleaned) == cleaned
