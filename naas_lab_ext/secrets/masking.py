"""Replacing secrets' values by ``***``: in a text, in JSON-like data, in a notebook file.

Values shorter than :data:`MIN_MASKED` characters are not masked: ``***`` in place of every
``"on"`` or ``"42"`` would garble every output and hide nothing worth hiding.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["MASK", "MIN_MASKED", "Masker", "scrub_notebook"]

MASK = "***"
#: The shortest value masked.
MIN_MASKED = 4


class Masker:
    """Masks each of ``values`` (the longest first, so a value holding another goes whole)."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        kept = sorted(
            {v for v in values if isinstance(v, str) and len(v) >= MIN_MASKED},
            key=lambda v: (-len(v), v),
        )
        self.count = len(kept)
        self._pattern = re.compile("|".join(map(re.escape, kept))) if kept else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def text(self, text: str) -> str:
        """``text`` with every value replaced by ``***``."""
        if self._pattern is None or not isinstance(text, str):
            return text
        return self._pattern.sub(MASK, text)

    def data(self, value: Any) -> Any:
        """``value`` (dicts, lists, strings: JSON, a kernel message, a notebook) with every
        value masked in its strings. A list of strings is masked as one text, as nbformat
        splits multi-line outputs into lines (a value may span several)."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            if value and all(isinstance(item, str) for item in value):
                joined = "".join(value)
                masked = self.text(joined)
                if masked == joined:
                    return value
                lines = masked.splitlines(keepends=True)
                return lines if isinstance(value, list) else tuple(lines)
            items = [self.data(item) for item in value]
            return items if isinstance(value, list) else tuple(items)
        return value


def scrub_notebook(path: Path, masker: Masker) -> bool:
    """Mask the values in the notebook file ``path`` (its outputs, sources and metadata),
    rewriting it whole (a temporary file renamed over it) only if something changed. True
    when it did; False when there was nothing to mask or no such file."""
    if not masker:
        return False
    try:
        text = path.read_text(encoding="utf-8")
        notebook = json.loads(text)
    except (FileNotFoundError, UnicodeDecodeError, json.JSONDecodeError):
        # Not a notebook (yet): mask it as text, still whole.
        try:
            raw = path.read_text(encoding="utf-8", errors="surrogateescape")
        except FileNotFoundError:
            return False
        masked_text = masker.text(raw)
        if masked_text == raw:
            return False
        _replace(path, masked_text.encode("utf-8", "surrogateescape"))
        return True
    masked = masker.data(notebook)
    if masked == notebook:
        return False
    _replace(path, (json.dumps(masked, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    return True


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.masking")
    mode = path.stat().st_mode & 0o777
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
