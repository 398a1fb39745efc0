"""Errors the domain raises; each message tells the user what to do next.

The domain never knows about HTTP. The server maps these classes to status codes in one
place (``naas_lab_ext.rest``); the CLI maps them to exit codes and prints the message
(``naas_lab_ext.cli``). Both look the class up with :func:`code_for`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


class NaasError(Exception):
    """Base class: a problem the user can fix, described in plain words."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: The input field at fault (e.g. ``"name"``), so a form can point at it.
        self.field = field


class InvalidInput(NaasError):
    """The request itself is wrong: a bad name, a path outside the root, a bad value."""


class NotFound(NaasError):
    """The thing named does not exist."""


class Conflict(NaasError):
    """The request would overwrite or clash with something that exists."""


class Forbidden(NaasError):
    """The request is understood but not allowed (e.g. writing into a read-only folder)."""


class StoreUnavailable(NaasError):
    """The database of runs, schedules, deployments and events cannot be used (a corrupt or
    unreadable file, a database server that does not answer): what needs it waits until it
    is fixed; the message says how."""


def code_for(error: NaasError, codes: Mapping[type[NaasError], T], default: T) -> T:
    """The code ``codes`` gives the nearest class of ``error`` (``default`` if none): an HTTP
    status for the server, an exit code for the CLI."""
    for cls in type(error).__mro__:
        if cls in codes:
            return codes[cls]
    return default
