"""What every REST handler shares: the base class, the ONE error->HTTP mapper, helpers.

Every handler is authenticated (``@web.authenticated``) and authorised (``@authorized`` on the
``naas_lab_ext`` resource: read for GET, write otherwise, :data:`EXECUTE` for the routes that
run notebook code). Domain errors become HTTP answers in ONE place,
:meth:`NaasHandler.write_error`, through :data:`ERROR_STATUS`. Handlers are thin: they parse
the request, call the service the app put in ``self.settings`` (see :meth:`NaasHandler.service`)
off the event loop, and serialise the answer. Each capability's ``handlers.py`` holds its
routes; the app adds them up. The routes are described in ``openapi.yaml``.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections.abc import Callable
from http.client import responses
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from sqlalchemy.exc import DatabaseError
from tornado import web

from .core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NaasError,
    NotFound,
    StoreUnavailable,
    code_for,
)
from .core.version import __version__
from .database.health import StoreHealth

NAMESPACE = "naas-lab-ext"
#: API version: bumped when the REST contract changes incompatibly.
API_VERSION = 1
#: The action checked for routes that run notebook code (reading a DAG, starting a run).
EXECUTE = "execute"
#: Where the app puts the server's root folder (a resolved Path) in the settings.
ROOT = "naas_lab_ext.root"
#: Where the app puts the store's :class:`StoreHealth` (reported by GET /status).
STORE = "naas_lab_ext.store"
ERROR_STATUS: dict[type[NaasError], int] = {
    InvalidInput: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    StoreUnavailable: 503,
}
T = TypeVar("T")
Routes = list[tuple[str, type["NaasHandler"]]]


def http_status(error: NaasError) -> int:
    """The HTTP status of a domain error (its nearest mapped class; 400 by default)."""
    return code_for(error, ERROR_STATUS, 400)


def http_error(error: NaasError) -> web.HTTPError:
    """A domain error as tornado's HTTPError, for code that answers outside our handlers
    (e.g. the contents manager refusing a write into the templates folder)."""
    return web.HTTPError(http_status(error), error.message)


class Unavailable:
    """What the app puts in the settings instead of a service it could not build (the store
    cannot be opened): the handlers that need the service answer its ``error``."""

    def __init__(self, error: NaasError) -> None:
        self.error = error


def _no_constant(name: str) -> Any:
    """Refuse JSON's non-standard NaN and Infinity (answers could not be parsed back)."""
    raise ValueError(f"{name} is not a JSON number")


def route(*parts: str) -> str:
    """The route pattern of ``parts`` under the API's namespace."""
    return "/".join(["", NAMESPACE, *parts])


class NaasHandler(ExtensionHandlerMixin, APIHandler):
    """Base class of every naas_lab_ext handler."""

    auth_resource = "naas_lab_ext"

    @property
    def root(self) -> Path:
        """The server's root folder: every path of the API is relative to it."""
        return self.service(ROOT, Path)

    def service(self, key: str, kind: type[T]) -> T:
        """The service the app put in the settings under ``key``."""
        value = self.settings.get(key)
        if isinstance(value, Unavailable):
            raise value.error
        if not isinstance(value, kind):
            raise RuntimeError(f"naas_lab_ext is not initialised: no {key} in the settings")
        return value

    def _store_fault(self, error: BaseException | None) -> StoreUnavailable | None:
        """The store's driver failed while serving the request (a damaged file, a database
        that does not answer): the error to answer with, instead of a 500."""
        if not isinstance(error, DatabaseError):
            return None
        health = self.settings.get(STORE)
        if isinstance(health, StoreHealth):
            return health.failed(error)
        return StoreUnavailable(f"The store cannot be used ({error.orig}).", field="db_url")

    def location(self, *parts: str) -> str:
        """The URL of a resource of this API (for a ``Location`` header): each part
        percent-encoded, so a header never carries a line break or a non-ASCII character."""
        quoted = (urllib.parse.quote(part, safe="/") for part in parts)
        return "/".join([self.base_url.rstrip("/"), NAMESPACE, *quoted])

    def json_body(self) -> Any:
        """The parsed JSON body, or :class:`InvalidInput` saying it is not JSON."""
        if not self.request.body:
            return {}
        try:
            return json.loads(self.request.body, parse_constant=_no_constant)
        except RecursionError:
            raise InvalidInput(
                "The request body is nested too deeply: send a flatter JSON object."
            ) from None
        except ValueError as exc:  # not UTF-8, not JSON, NaN, a number of 5000 digits
            raise InvalidInput(f"The request body is not valid JSON ({exc}).") from None

    def json_fields(
        self, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """The body's fields: a JSON object with every ``required`` field (not empty) and no
        field outside ``required`` and ``optional``."""
        body = self.json_body()
        if not isinstance(body, dict):
            fields = f" with {', '.join(required)}" if required else ""
            extra = f" (optional: {', '.join(optional)})" if optional else ""
            raise InvalidInput(f"Send a JSON object{fields}{extra}.")
        unknown = sorted(set(body) - set(required) - set(optional))
        if unknown:
            allowed = ", ".join((*required, *optional))
            raise InvalidInput(
                f"Unknown field(s): {', '.join(unknown)}. Allowed: {allowed}.", field=unknown[0]
            )
        for name in required:
            if body.get(name) in (None, ""):
                raise InvalidInput(f"The field '{name}' is required.", field=name)
        return body

    def query_text(self, name: str, default: str | None = None) -> str:
        """A query argument; :class:`InvalidInput` naming it if it is missing."""
        value = self.get_query_argument(name, default)
        if value is None:
            raise InvalidInput(f"The query argument '{name}' is required.", field=name)
        return value

    def query_int(
        self, name: str, default: int, low: int | None = None, high: int | None = None
    ) -> int:
        """An integer query argument (``default`` if absent), within ``low``..``high``."""
        value = self.get_query_argument(name, None)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise InvalidInput(
                f"The query argument '{name}' must be a whole number, not '{value}'.", field=name
            ) from None
        if (low is not None and number < low) or (high is not None and number > high):
            raise InvalidInput(
                f"The query argument '{name}' must be between {low} and {high}.", field=name
            )
        return number

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data))

    async def blocking(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run file-system or subprocess work off the event loop."""
        return await asyncio.to_thread(func, *args, **kwargs)

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(value, NaasError):
            # Expected: the user gets the message; no traceback in the log.
            self.log.info("%s %s: %s", self.request.method, self.request.path, value.message)
            return
        fault = self._store_fault(value)
        if fault is not None:
            self.log.error("%s %s: %s", self.request.method, self.request.path, fault.message)
            return
        super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        error = self._store_fault(error) or error
        if isinstance(error, NaasError):
            self.set_status(http_status(error))
            self.set_header("Content-Type", "application/json")
            self.finish(
                json.dumps(
                    {"message": error.message, "reason": type(error).__name__, "field": error.field}
                )
            )
            return
        if isinstance(error, web.HTTPError) and status_code < 500:
            # tornado's and Jupyter's own refusals (no credentials, a wrong method, a URL that
            # is not UTF-8): the same JSON shape as ours.
            phrase = responses.get(status_code, "Error")
            self.set_header("Content-Type", "application/json")
            self.finish(
                json.dumps(
                    {"message": error.log_message or phrase, "reason": phrase, "field": None}
                )
            )
            return
        super().write_error(status_code, **kwargs)


class StatusHandler(NaasHandler):
    """The server extension answers, with its version (the frontend checks it at start-up)
    and whether its store can be used (its error and what to do, when it cannot)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        health = self.settings.get(STORE)
        store = health.to_json() if isinstance(health, StoreHealth) else None
        self.reply({"version": __version__, "api_version": API_VERSION, "store": store})


class SpecHandler(NaasHandler):
    """The REST contract this server implements (``openapi.yaml``), for clients and tools."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        text = (resources.files(__package__) / "openapi.yaml").read_text(encoding="utf-8")
        self.finish(text, set_content_type="application/yaml; charset=UTF-8")


class NoRouteHandler(NaasHandler):
    """Anything under the namespace that no route matches: a JSON 404 (after authentication,
    so an anonymous caller still gets 403), never Jupyter's HTML page."""

    def no_route(self) -> NotFound:
        return NotFound(
            f"No {self.request.method} route at '{self.request.path}': the routes are listed "
            f"in {self.location('openapi.yaml')}."
        )

    # One decorated method each: @authorized picks its action (read or write) per method.
    @web.authenticated
    @authorized
    async def get(self, path: str | None) -> None:
        raise self.no_route()

    @web.authenticated
    @authorized
    async def post(self, path: str | None) -> None:
        raise self.no_route()

    @web.authenticated
    @authorized
    async def put(self, path: str | None) -> None:
        raise self.no_route()

    @web.authenticated
    @authorized
    async def patch(self, path: str | None) -> None:
        raise self.no_route()

    @web.authenticated
    @authorized
    async def delete(self, path: str | None) -> None:
        raise self.no_route()


def routes() -> Routes:
    """The routes every capability shares."""
    return [(route("status"), StatusHandler), (route("openapi.yaml"), SpecHandler)]


def fallback_routes() -> Routes:
    """The namespace's catch-all: registered after every other route (not in the spec)."""
    return [(f"/{NAMESPACE}(?P<path>/.*)?", NoRouteHandler)]
