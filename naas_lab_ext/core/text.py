"""Check text that comes from a user before the domain stores it, names a file with it or
passes it to a program: bounded length, no NUL, no control character, valid Unicode.

Every refusal is an :class:`InvalidInput` naming the field and saying what to do.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from .errors import InvalidInput

#: Control characters a multi-line text may hold.
LINE_CONTROLS = frozenset("\n\r\t")
#: How much of a refused value a message shows.
SHOWN = 40


def shown(value: str, limit: int = SHOWN) -> str:
    """``value`` as a message may quote it: shortened, control characters and lone
    surrogates escaped (``\\x00``, ``\\ud800``)."""
    short = value if len(value) <= limit else value[:limit] + "…"
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if _is_control(char) or _is_surrogate(char)
        else char
        for char in short
    )


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


def _is_surrogate(char: str) -> bool:
    return "\ud800" <= char <= "\udfff"


def check_unicode(value: str, *, field: str, what: str) -> None:
    """Refuse a text holding a lone surrogate (it cannot be written as UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        char = value[exc.start]
        raise InvalidInput(
            f"The {what} holds an invalid character (a lone surrogate, U+{ord(char):04X}): send "
            "valid UTF-8 text.",
            field=field,
        ) from None


def check_controls(
    value: str, *, field: str, what: str, allowed: frozenset[str] = frozenset()
) -> None:
    """Refuse NUL and the other control characters (``allowed`` ones excepted)."""
    for char in value:
        if _is_control(char) and char not in allowed:
            name = (
                "a NUL character" if char == "\x00" else f"a control character (U+{ord(char):04X})"
            )
            raise InvalidInput(
                f"The {what} holds {name} (in '{shown(value)}'): remove it.", field=field
            )


def check_text(
    value: Any,
    *,
    field: str,
    what: str | None = None,
    max_chars: int | None = None,
    max_bytes: int | None = None,
    multiline: bool = False,
) -> str:
    """Return ``value`` if it is text within the bounds, else raise :class:`InvalidInput`.

    Refused: a value that is not a string, a lone surrogate, NUL and control characters (a
    ``multiline`` text may hold line feeds and tabs), more than ``max_chars`` characters or
    more than ``max_bytes`` bytes of UTF-8.
    """
    what = what or f"field '{field}'"
    if not isinstance(value, str):
        raise InvalidInput(f"The {what} must be text, not {type(value).__name__}.", field=field)
    check_unicode(value, field=field, what=what)
    check_controls(
        value, field=field, what=what, allowed=LINE_CONTROLS if multiline else frozenset()
    )
    if max_chars is not None and len(value) > max_chars:
        raise InvalidInput(
            f"The {what} is {len(value)} characters long: shorten it to {max_chars} at most.",
            field=field,
        )
    if max_bytes is not None:
        size = len(value.encode("utf-8"))
        if size > max_bytes:
            raise InvalidInput(
                f"The {what} is {size} bytes long (UTF-8): shorten it to {max_bytes} bytes at "
                "most.",
                field=field,
            )
    return value
