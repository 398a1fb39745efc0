"""A secret as everyone but its backend sees it: a name, a scope, an update time, never a
value; and the rules a name and a value follow."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from ..core.errors import Conflict, InvalidInput
from ..core.secret_refs import check_secret_name

__all__ = [
    "MAX_VALUE_BYTES",
    "Scope",
    "SecretInfo",
    "SecretsUnavailable",
    "check_name",
    "check_value",
    "format_time",
    "parse_time",
    "product_key",
]

#: The largest value a secret may hold (an API key, a token, a PEM key...): 64 KiB.
MAX_VALUE_BYTES = 64 * 1024

Scope = Literal["user", "product"]


class SecretsUnavailable(Conflict):
    """The vault cannot be used as it is: a wrong key, a damaged file, no keyring. The message
    names the file or the setting to fix (never a value)."""


def check_name(name: object, *, field: str = "name") -> str:
    """``name`` if it is a valid secret name (see :mod:`naas_lab_ext.core.secret_refs`)."""
    return check_secret_name(name, field=field)


def check_value(value: object, *, field: str = "value") -> str:
    """``value`` if a secret may hold it: non-empty text, at most 64 KiB, no NUL character.

    The messages never repeat the value (it may be the secret itself)."""
    if not isinstance(value, str):
        raise InvalidInput(
            f"A secret's value must be text, not {type(value).__name__}: give the key or token "
            "as a string (encode binary data, e.g. with base64).",
            field=field,
        )
    if not value:
        raise InvalidInput("The secret's value is empty: give the key or token.", field=field)
    if "\x00" in value:
        raise InvalidInput(
            "The secret's value contains a NUL character: give text (encode binary data, e.g. "
            "with base64).",
            field=field,
        )
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidInput(
            "The secret's value is not valid Unicode text (it holds a lone surrogate): give "
            "the key or token as text.",
            field=field,
        ) from None
    if size > MAX_VALUE_BYTES:
        raise InvalidInput(
            f"The secret's value is {size} bytes; a secret holds at most {MAX_VALUE_BYTES} "
            "(64 KiB): keep large credentials in a file outside the products and store its "
            "path instead.",
            field=field,
        )
    return value


def product_key(product: Path | str | None) -> str | None:
    """The key of a product's scope: its resolved real path (None: the user's scope)."""
    if product is None:
        return None
    return os.path.realpath(os.fspath(product))


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. ``2026-11-23T08:00:00.000Z``."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(text: Any) -> datetime:
    """The time :func:`format_time` wrote (the epoch for anything else: an index edited by
    hand still lists)."""
    if isinstance(text, str):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
        except ValueError:
            pass
    return datetime.fromtimestamp(0, timezone.utc)


@dataclass(frozen=True)
class SecretInfo:
    """What is known of a secret besides its value."""

    name: str
    scope: Scope
    product: str | None
    """The product's real path for a product's secret; None for the user's."""
    updated_at: datetime

    def to_json(self, product_shown: str | None = None) -> dict[str, Any]:
        """``{"name", "scope", "product", "updated_at"}``; ``product_shown`` is how the
        product is named (an API path relative to the server's root)."""
        return {
            "name": self.name,
            "scope": self.scope,
            "product": product_shown if self.scope == "product" else None,
            "updated_at": format_time(self.updated_at),
        }
