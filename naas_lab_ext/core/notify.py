"""The notification rules of a schedule or a run (the "Notify" JSON), checked and normalised.

A schedule (``schedule(..., notify=...)`` in setup.ipynb, ``PATCH schedules/<id>``) and a run
(``POST runs``, ``naas-lab run --notify-to``) carry the same JSON::

    {"on_failure": true | false | {"to": [emails], "webhooks": [urls]},
     "on_success": ..., "on_start": ...}

An absent key means: ``on_failure`` true (the server's default recipients), ``on_success`` and
``on_start`` false. ``true`` is the server's defaults; an object lists targets, *in addition
to* the defaults for ``on_failure``, and *instead of nothing* for the two others.

The rules are data every layer keeps (the run store, the schedules, the deploy's
declarations), so they are checked here, below all of them; the notifications package applies
them. Nothing here sends anything or imports more than the standard library's light modules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from .errors import InvalidInput
from .secret_refs import SECRET_NAME, SECRET_REF
from .text import check_unicode

__all__ = [
    "EVENTS",
    "MAX_TARGETS",
    "check_email",
    "check_emails",
    "check_webhook",
    "check_webhooks",
    "keep_webhooks",
    "notify_from_options",
    "parse_on",
    "redact_url",
    "shown_notify",
    "validate_notify",
]

#: The keys of a Notify object, and the word each has on the command line (``--on``).
EVENTS = {"on_failure": "failure", "on_success": "success", "on_start": "start"}
#: At most this many addresses, and this many webhooks, in one list.
MAX_TARGETS = 50
MAX_EMAIL = 254
MAX_URL = 2048
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")


def check_email(value: Any, *, field: str = "to") -> str:
    """``value`` if it is one e-mail address (``name@example.com``), else :class:`InvalidInput`."""
    text = value.strip() if isinstance(value, str) else None
    if not text or len(text) > MAX_EMAIL or not EMAIL.match(text) or ".." in text:
        shown = repr(value)[:80]
        raise InvalidInput(
            f"{shown} is not an e-mail address: give addresses such as 'ops@example.com'.",
            field=field,
        )
    return text


def check_webhook(value: Any, *, field: str = "webhooks") -> str:
    """``value`` if it is an http(s) URL (a webhook) or ``secret:NAME`` (the secret ``NAME``
    holds the URL, read when a notice is sent), else :class:`InvalidInput`. The message never
    repeats the URL whole: it may hold a token."""
    text = value.strip() if isinstance(value, str) else ""
    check_unicode(text, field=field, what="webhook URL")
    if text.startswith(SECRET_REF):
        if not SECRET_NAME.match(text[len(SECRET_REF) :]):
            raise InvalidInput(
                f"{text[:80]!r} does not name a secret: write secret:NAME with the secret's "
                "name (letters, digits, '_', '.', '-'), e.g. 'secret:SLACK_WEBHOOK'.",
                field=field,
            )
        return text
    problem = None
    if not text:
        problem = "an empty webhook URL"
    elif "…" in text:
        problem = "a webhook shortened as answers show it: give its whole URL"
    elif len(text) > MAX_URL:
        problem = f"a webhook URL longer than {MAX_URL} characters"
    elif any(ord(c) < 33 or ord(c) == 127 for c in text):
        problem = "a webhook URL with spaces or control characters"
    else:
        try:
            parts = urlsplit(text)
            web = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
            web = web and (parts.port is None or parts.port > 0)  # .port raises on a bad one
        except ValueError:
            web = False
        if not web:
            problem = "not an http:// or https:// URL"
    if problem:
        shown = redact_url(text) if text else repr(value)[:40]
        raise InvalidInput(
            f"{shown} is {problem}: give the webhook's URL, e.g. "
            "'https://hooks.slack.com/services/...'.",
            field=field,
        )
    return text


def _listed(value: Any, what: str, field: str) -> list[Any]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise InvalidInput(f"{what} must be a list (or one text).", field=field)
    if len(items) > MAX_TARGETS:
        raise InvalidInput(f"At most {MAX_TARGETS} {what} in one list.", field=field)
    return list(items)


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def check_emails(value: Any, *, field: str = "to") -> list[str]:
    """A list of e-mail addresses (one text counts as a list of one), checked, duplicates
    dropped."""
    if value is None:
        return []
    return _unique(check_email(v, field=field) for v in _listed(value, "addresses", field))


def check_webhooks(value: Any, *, field: str = "webhooks") -> list[str]:
    """A list of webhook URLs (one text counts as a list of one), checked, duplicates dropped."""
    if value is None:
        return []
    return _unique(check_webhook(v, field=field) for v in _listed(value, "webhooks", field))


def _rule(value: Any, key: str, field: str) -> bool | dict[str, list[str]]:
    if isinstance(value, bool):
        return value
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f'{key} must be true, false or {{"to": [emails], "webhooks": [urls]}}, '
            f"not {type(value).__name__}.",
            field=f"{field}.{key}",
        )
    unknown = sorted(str(k) for k in value if k not in ("to", "webhooks"))
    if unknown:
        raise InvalidInput(
            f"Unknown field(s) in {key}: {', '.join(unknown)}. Allowed: to, webhooks.",
            field=f"{field}.{key}",
        )
    return {
        "to": check_emails(value.get("to"), field=f"{field}.{key}.to"),
        "webhooks": check_webhooks(value.get("webhooks"), field=f"{field}.{key}.webhooks"),
    }


def validate_notify(value: Any, *, field: str = "notify") -> dict[str, Any] | None:
    """The Notify JSON ``value`` checked and normalised (lists of unique addresses and URLs;
    only the keys given), or None for None. :class:`InvalidInput` says what is wrong."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidInput(
            'notify must be a dict such as {"on_failure": {"to": ["ops@example.com"]}} '
            f"(or None), not {type(value).__name__}.",
            field=field,
        )
    unknown = sorted(str(k) for k in value if k not in EVENTS)
    if unknown:
        raise InvalidInput(
            f"Unknown notify field(s): {', '.join(unknown)}. Allowed: {', '.join(EVENTS)}.",
            field=field,
        )
    return {key: _rule(value[key], key, field) for key in EVENTS if key in value}


def parse_on(texts: Sequence[str] | str | None, *, field: str = "on") -> list[str]:
    """The Notify keys the words ``failure``, ``success``, ``start`` name (comma-separated or
    repeated, as ``--on`` takes them)."""
    if texts is None:
        return []
    words = [texts] if isinstance(texts, str) else list(texts)
    found: list[str] = []
    by_word = {word: key for key, word in EVENTS.items()}
    for text in words:
        for word in filter(None, (part.strip().lower() for part in text.split(","))):
            if word not in by_word:
                raise InvalidInput(
                    f"Unknown event '{word}': use failure, success or start.", field=field
                )
            found.append(by_word[word])
    return _unique(found)


def notify_from_options(
    to: Sequence[str] | None, webhooks: Sequence[str] | None, on: Sequence[str] | str | None
) -> dict[str, Any] | None:
    """The Notify JSON of command-line options: for each event of ``on`` (default: failure),
    these addresses and webhooks, or the server's defaults when none is given. None when no
    option is given at all."""
    keys = parse_on(on)
    if not to and not webhooks and not keys:
        return None
    keys = keys or ["on_failure"]
    targets: bool | dict[str, Any] = True
    if to or webhooks:
        targets = {"to": list(to or []), "webhooks": list(webhooks or [])}
    return validate_notify({key: targets for key in keys})


def redact_url(url: str) -> str:
    """How a webhook URL is shown (answers, events, logs): its scheme, host and first path
    segment (when more follow), ``…`` for the rest of the path and the query (tokens live
    there), no user or password, and a short fingerprint to tell two webhooks apart.
    ``secret:NAME`` (a webhook a secret holds) is shown as it is."""
    if url.startswith(SECRET_REF):
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<a webhook URL>"
    if ":" in host:
        host = f"[{host}]"
    segments = [s for s in parts.path.split("/") if s]
    # The first segment names the service (/services, /hooks), unless it is all there is.
    path = f"/{segments[0]}/…" if len(segments) > 1 else "/…" if segments else ""
    query = "?…" if parts.query else ""
    user = "…@" if parts.username or parts.password else ""
    import hashlib  # here: notebooks import this module, and seldom show a webhook

    fingerprint = hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()[:6]
    return f"{parts.scheme}://{user}{host}{port}{path}{query} [{fingerprint}]"


def _webhooks_of(notify: Mapping[str, Any] | None) -> list[str]:
    rules = notify.values() if isinstance(notify, Mapping) else ()
    return [
        url
        for rule in rules
        if isinstance(rule, Mapping)
        for url in (rule.get("webhooks") or [])
        if isinstance(url, str)
    ]


def shown_notify(notify: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The Notify JSON as answers show it: each webhook shortened by :func:`redact_url` (a
    webhook's URL is a secret; :func:`keep_webhooks` takes the short form back)."""
    if not isinstance(notify, Mapping):
        return None
    shown: dict[str, Any] = {}
    for key, rule in notify.items():
        if isinstance(rule, Mapping):
            hooks = [redact_url(u) if isinstance(u, str) else u for u in rule.get("webhooks") or []]
            shown[key] = {**rule, "webhooks": hooks}
        else:
            shown[key] = rule
    return shown


def keep_webhooks(value: Any, current: Mapping[str, Any] | None) -> Any:
    """``value``, a Notify JSON a client sends back, with each webhook it gives in the short
    form an answer showed (:func:`shown_notify`) replaced by the URL of ``current`` it stands
    for: an edit of the addresses keeps the webhooks without knowing their tokens."""
    known = {redact_url(url): url for url in _webhooks_of(current)}
    if not known or not isinstance(value, Mapping):
        return value
    kept: dict[str, Any] = {}
    for key, rule in value.items():
        if isinstance(rule, Mapping) and rule.get("webhooks") is not None:
            hooks = rule["webhooks"]
            listed = [hooks] if isinstance(hooks, str) else hooks
            if isinstance(listed, (list, tuple)):
                hooks = [known.get(u, u) if isinstance(u, str) else u for u in listed]
            kept[key] = {**rule, "webhooks": hooks}
        else:
            kept[key] = rule
    return kept
