"""Webhooks: a POST of JSON to a URL (Slack's incoming webhooks, Teams, Mattermost, any HTTP
service), with a time limit.

What is posted for a run event: ``{"text": "<one line, Slack-compatible>", "event": <the event
JSON>}``. The URL may hold a token (in its path or its query): errors name it through
:func:`~naas_lab_ext.core.notify.redact_url` only.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from ..core.notify import redact_url
from ..core.version import __version__
from .delivery import DeliveryError

__all__ = ["post_json", "slack_escape"]

#: Answers that trying again can change (the others: the request itself is wrong).
TRANSIENT = {408, 425, 429}


def slack_escape(text: str) -> str:
    """``text`` as Slack's ``text`` field takes it literally (``&``, ``<``, ``>`` escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clean(body: str, url: str) -> str:
    """The start of an answer's body, one line, without the URL's secret parts (a service may
    echo the URL back)."""
    parts = urlsplit(url)
    for secret in (url, parts.path, parts.query, parts.password or "", parts.username or ""):
        if len(secret) > 3:
            body = body.replace(secret, "…")
    return " ".join(body.split())[:200]


def post_json(url: str, payload: Any, *, timeout: float = 10.0, shown: str | None = None) -> str:
    """POST ``payload`` as JSON to ``url``; return ``HTTP <status>`` (and the start of the
    answer). :class:`DeliveryError` when the answer is not 2xx or nothing answers (4xx other
    than 408/425/429 are ``permanent``). Errors name the URL as ``shown`` (default: shortened
    by :func:`redact_url`)."""
    shown = shown or redact_url(url)
    request = urllib.request.Request(  # noqa: S310 - the URL was checked to be http(s)
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"naas-lab-ext/{__version__}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            status = int(answer.status)
            body = answer.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        text = exc.read(2000).decode("utf-8", "replace") if exc.fp is not None else ""
        said = f"{shown} answered HTTP {exc.code} {exc.reason}"
        detail = _clean(text, url)
        raise DeliveryError(
            f"{said}: {detail}" if detail else said,
            permanent=400 <= exc.code < 500 and exc.code not in TRANSIENT,
        ) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        why = getattr(reason, "strerror", None) or str(reason)
        raise DeliveryError(f"Cannot reach {shown}: {_clean(why, url)}") from None
    except TimeoutError:
        raise DeliveryError(f"{shown} did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise DeliveryError(f"Cannot reach {shown}: {exc.strerror or exc}") from None
    detail = _clean(body, url)
    return f"HTTP {status}" + (f": {detail}" if detail else "")
