"""Keep secrets out of the events: a password or token written into a URL (a database URL in
an exception message, a pip index URL in a deploy's error) is replaced by ``***`` before an
event is recorded, whoever recorded it."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["redact", "redact_text"]

#: ``scheme://user:password@`` (the user part of a URL holding a password or a token).
URL_CREDENTIALS = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://)([^\s/:@]*):([^\s/@]+)@")
#: ``?token=...`` and the like in a URL's query (webhook URLs carry their secret there).
QUERY_SECRET = re.compile(
    r"([?&](?:token|access_token|api_key|apikey|key|secret|sig|signature|password|pass|auth)=)"
    r"[^&\s#'\"]+",
    re.IGNORECASE,
)


def redact_text(text: str) -> str:
    """``text`` with the passwords and tokens of the URLs in it replaced by ``***``."""
    if "://" not in text and "=" not in text:
        return text
    text = URL_CREDENTIALS.sub(r"\1\2:***@", text)
    return QUERY_SECRET.sub(r"\1***", text)


def redact(value: Any) -> Any:
    """``value`` (JSON-like: dicts, lists, strings) with every string redacted."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value
