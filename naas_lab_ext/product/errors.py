"""Errors the domain raises; each message tells the user what to do next.

The domain never knows about HTTP. The server maps these classes to status codes in one
place (``naas_lab_ext.handlers``); the CLI maps them to exit codes and prints the message.
"""

from __future__ import annotations


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
