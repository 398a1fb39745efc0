"""Text from the file system and from notebooks' JSON as something that can be stored and
shown: a file name that is not UTF-8 (Python keeps its bytes as "surrogate escapes") and a
notebook string holding a lone surrogate (``"\\ud800"`` in its JSON) cannot be encoded, so
neither SQLite nor a UTF-8 file accepts them. The sync and the index report such files
instead of failing on them."""

from __future__ import annotations

__all__ = ["is_text", "readable"]


def is_text(text: str) -> bool:
    """Whether ``text`` is valid Unicode (encodable as UTF-8: no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable(text: str) -> str:
    """``text`` as valid Unicode, to show and store: each byte a file name could not decode
    as ``\\xNN``, any other lone surrogate as ``\\udNNN``; valid text is returned as is."""
    if is_text(text):
        return text
    shown: list[str] = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8
            shown.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            shown.append(f"\\u{code:04x}")
        else:
            shown.append(char)
    return "".join(shown)
