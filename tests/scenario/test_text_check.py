"""The text check of every scenario field: one regular-expression scan, same verdicts as a
character-by-character reading of the rule (valid Unicode, no control characters but tab,
newline and carriage return)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from peninsula.scenario.uncertainty import _bad_character


def _rule(text: str) -> str | None:
    for char in text:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            return f"a lone surrogate (U+{code:04X}); expected valid Unicode text"
        if (code < 0x20 and char not in "\t\n\r") or 0x7F <= code < 0xA0:
            return f"a control character (U+{code:04X}); expected printable text"
    return None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40))
def test_scan_agrees_with_the_rule(text: str) -> None:
    assert _bad_character(text) == _rule(text)


def test_edges() -> None:
    for ok in ("tab\tnewline\ncr\r", "\xa0no-break space", "é日本", ""):
        assert _bad_character(ok) is None
    for bad in ("\x00", "\x08", "\x0b", "\x1f", "\x7f", "\x9f", "a\ud800b"):
        assert _bad_character(bad) is not None
