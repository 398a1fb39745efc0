"""Bounds on user text: bytes, characters, NUL, control characters, lone surrogates."""

from __future__ import annotations

from typing import Any

import pytest

from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.core.text import check_text, shown


@pytest.mark.parametrize(
    ("value", "options", "words"),
    [
        (12, {}, "must be text"),
        (None, {}, "must be text"),
        ("a\x00b", {}, "NUL"),
        ("a\x00b", {"multiline": True}, "NUL"),
        ("a\x1bb", {"multiline": True}, "U+001B"),
        ("a\nb", {}, "U+000A"),
        ("\ud800", {}, "lone surrogate"),
        ("x" * 11, {"max_chars": 10}, "11 characters"),
        ("é" * 6, {"max_bytes": 10}, "12 bytes"),
    ],
)
def test_bad_text_is_refused_naming_the_field(
    value: Any, options: dict[str, Any], words: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        check_text(value, field="title", **options)
    assert info.value.field == "title"
    assert words in info.value.message
    info.value.message.encode("utf-8")


@pytest.mark.parametrize(
    ("value", "options"),
    [
        ("Sales report", {}),
        ("line\nbreak\ttab\r\n", {"multiline": True}),
        ("é" * 5, {"max_bytes": 10, "max_chars": 5}),
        ("日本語 \u2028 \U0001f600", {}),
    ],
)
def test_good_text_is_returned(value: str, options: dict[str, Any]) -> None:
    assert check_text(value, field="f", **options) == value


def test_shown_escapes_what_cannot_be_printed_and_shortens() -> None:
    assert shown("a\x00b\ud800") == "a\\x00b\\ud800"
    assert shown("x" * 100, 10) == "x" * 10 + "…"
