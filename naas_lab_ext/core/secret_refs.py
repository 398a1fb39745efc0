"""The name of a secret, and ``secret:NAME``: a setting that stands for a secret's value.

Secrets live in :mod:`naas_lab_ext.secrets` (a layer above this one). What the layers below it
keep (a webhook of a schedule's Notify JSON, checked in :mod:`.notify`) may only *name* a
secret; the value is read where it is used, at send time. Both places share the rules here.
"""

from __future__ import annotations

import re

from .errors import InvalidInput

__all__ = ["SECRET_NAME", "SECRET_REF", "check_secret_name", "secret_ref_name"]

#: A secret's name: a letter or ``_``, then letters, digits, ``_``, ``.`` or ``-``; at most 128.
SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")
#: How a setting names a secret instead of giving its value: ``secret:SLACK_WEBHOOK``.
SECRET_REF = "secret:"  # noqa: S105 - a prefix, not a secret


def check_secret_name(name: object, *, field: str = "name") -> str:
    """``name`` if it is a valid secret name, else :class:`InvalidInput` saying what is."""
    if not isinstance(name, str) or not name:
        raise InvalidInput(
            "Give the secret a name, such as 'OPENAI_API_KEY' (letters, digits, '_', '.', '-').",
            field=field,
        )
    if not SECRET_NAME.match(name):
        shown = name if len(name) <= 60 and name.isprintable() else f"{name[:60]!r}..."
        raise InvalidInput(
            f"'{shown}' is not a secret name: use 1-128 letters, digits, '_', '.' or '-', "
            "starting with a letter or '_' (for example 'OPENAI_API_KEY').",
            field=field,
        )
    return name


def secret_ref_name(text: object) -> str | None:
    """The secret ``text`` names when it is ``secret:NAME`` (checked), else None."""
    if not isinstance(text, str) or not text.strip().startswith(SECRET_REF):
        return None
    return check_secret_name(text.strip()[len(SECRET_REF) :])
