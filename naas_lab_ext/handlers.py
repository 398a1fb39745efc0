"""Thin REST handlers: parse the request, call the domain, serialise the answer.

Every handler is authenticated (``@web.authenticated``) and authorised (``@authorized`` on the
``naas_lab_ext`` resource: read for GET, write otherwise, execute for the routes that run
notebook code). Domain errors become HTTP answers in ONE place,
:meth:`NaasHandler.write_error`, through :data:`ERROR_STATUS`. The routes are described in
``openapi.yaml``.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import os
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import iostream, web

from . import __version__
from .product.errors import Conflict, Forbidden, InvalidInput, NaasError, NotFound
from .product.layout import ProductSpec, create_product
from .product.manifest import get_product, list_products
from .product.outputs_listing import list_datasets, list_versions, version_file
from .product.results import RunResult, RunStatus

if TYPE_CHECKING:
    from .app import NaasLabExtApp

NAMESPACE = "naas-lab-ext"
#: API version: bumped when the REST contract changes incompatibly.
API_VERSION = 1
#: Bytes read per step when streaming a file download.
DOWNLOAD_CHUNK = 1 << 20
ERROR_STATUS: dict[type[NaasError], int] = {
    InvalidInput: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
}
T = TypeVar("T")


def http_status(error: NaasError) -> int:
    """The HTTP status of a domain error (its nearest mapped class; 400 by default)."""
    for cls in type(error).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return 400


class NaasHandler(ExtensionHandlerMixin, APIHandler):
    """Base class of every naas_lab_ext handler."""

    auth_resource = "naas_lab_ext"

    @property
    def app(self) -> NaasLabExtApp:
        return cast("NaasLabExtApp", self.extensionapp)

    @property
    def root(self) -> Path:
        return self.app.root

    def json_body(self) -> Any:
        """The parsed JSON body, or :class:`InvalidInput` saying it is not JSON."""
        if not self.request.body:
            return {}
        try:
            return json.loads(self.request.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"The request body is not valid JSON ({exc}).") from None

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
        super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if isinstance(error, NaasError):
            self.set_status(http_status(error))
            self.set_header("Content-Type", "application/json")
            self.finish(
                json.dumps(
                    {"message": error.message, "reason": type(error).__name__, "field": error.field}
                )
            )
            return
        super().write_error(status_code, **kwargs)


class StatusHandler(NaasHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply({"version": __version__, "api_version": API_VERSION})


class ProductsHandler(NaasHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        products = await self.blocking(
            list_products, self.root, max_depth=self.app.products_max_depth
        )
        self.reply({"products": [p.to_json() for p in products]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        spec = ProductSpec.from_json(self.json_body())
        created = await self.blocking(
            create_product,
            self.root,
            spec,
            framework_version=__version__,
            git=self.app.git_init,
            reserved={self.app.templates_folder},
        )
        self.set_header("Location", self.reverse_path("products", created.product.path))
        self.reply(created.to_json(), status=201)

    def reverse_path(self, *parts: str) -> str:
        return "/".join([self.base_url.rstrip("/"), NAMESPACE, *parts])


class ProductHandler(NaasHandler):
    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        product = await self.blocking(get_product, self.root, path)
        self.reply(product.to_json())


class OutputsHandler(NaasHandler):
    """The datasets of a product's outputs, with their newest versions (paged)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        page, keep = await self.blocking(
            list_datasets,
            self.root,
            self.query_text("product"),
            offset=self.query_int("offset", 0),
            limit=self.query_int("limit", 50),
            versions=self.query_int("versions", 5),
        )
        self.reply(page.to_json("datasets", keep_versions=keep))


class OutputVersionsHandler(NaasHandler):
    """The versions of one dataset, newest first (paged)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        page = await self.blocking(
            list_versions,
            self.root,
            self.query_text("product"),
            self.query_text("dataset"),
            offset=self.query_int("offset", 0),
            limit=self.query_int("limit", 50),
        )
        self.reply(page.to_json("versions"))


class OutputFileHandler(NaasHandler):
    """Download one file of one version (or of ``latest``)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        path = await self.blocking(
            version_file,
            self.root,
            self.query_text("product"),
            self.query_text("dataset"),
            self.query_text("version", "latest"),
            self.query_text("file"),
        )
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        quoted = urllib.parse.quote(path.name)
        # Always an attachment: an output (e.g. HTML) must never render in the server's origin.
        self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quoted}")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Type", mime)  # before the first flush sends the headers
        with path.open("rb") as stream:
            self.set_header("Content-Length", str(await self.blocking(_size, stream)))
            try:
                while chunk := await self.blocking(stream.read, DOWNLOAD_CHUNK):
                    self.write(chunk)
                    await self.flush()
            except iostream.StreamClosedError:
                return  # the client went away: nothing to answer
        self.finish(set_content_type=mime)


def _size(stream: Any) -> int:
    return int(os.fstat(stream.fileno()).st_size)


MAX_PAGE = 500
#: The action checked for routes that run notebook code (reading a DAG, starting a run).
EXECUTE = "execute"
RUN_ID = r"(?P<run_id>[0-9A-Za-z.:_-]+)"


class RunsMixin(NaasHandler):
    def run_json(self, run: RunResult) -> dict[str, Any]:
        return run.to_json(relative_to=self.app.runs.root)

    def visible_run(self, run_id: str) -> RunResult:
        run = self.app.runs.get_run(run_id)
        if not self.app.runs.visible(run):
            raise NotFound(f"No run '{run_id}' under this server's root.", field="run_id")
        return run


class PipelinesHandler(RunsMixin):
    # Reading a pipeline's DAG runs its notebook's definition cells: code execution.
    @web.authenticated
    @authorized(EXECUTE)
    async def get(self) -> None:
        product = self.get_query_argument("product", "")
        if not product:
            raise InvalidInput(
                "Say which product: GET /pipelines?product=<product path>.", field="product"
            )
        pipelines = await self.blocking(self.app.runs.list_pipelines, product)
        self.reply({"pipelines": [p.to_json() for p in pipelines]})


class PipelineHandler(RunsMixin):
    @web.authenticated
    @authorized(EXECUTE)
    async def get(self, path: str) -> None:
        pipeline = await self.blocking(self.app.runs.get_pipeline, path)
        self.reply(pipeline.to_json())


class RunsHandler(RunsMixin):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        statuses: list[RunStatus] = []
        for text in self.get_query_arguments("status"):
            for item in filter(None, (part.strip().upper() for part in text.split(","))):
                try:
                    statuses.append(RunStatus(item))
                except ValueError:
                    allowed = ", ".join(s.value for s in RunStatus)
                    raise InvalidInput(
                        f"Unknown status '{item}'. Use one of: {allowed}.", field="status"
                    ) from None
        limit = self.query_int("limit", 50, 1, MAX_PAGE)
        offset = self.query_int("offset", 0, 0, 10**9)
        runs, total = await self.blocking(
            self.app.runs.list_runs,
            product=self.get_query_argument("product", None) or None,
            pipeline=self.get_query_argument("pipeline", None) or None,
            statuses=tuple(statuses),
            limit=limit,
            offset=offset,
        )
        self.reply(
            {
                "runs": [self.run_json(r) for r in runs],
                "total": total,
                "limit": limit,
                "offset": offset,
            }
        )

    @web.authenticated
    @authorized(EXECUTE)
    async def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            raise InvalidInput('Send a JSON object: {"pipeline": "<notebook path>"}.')
        unknown = sorted(set(body) - {"pipeline", "parameters"})
        if unknown:
            raise InvalidInput(
                f"Unknown field(s): {', '.join(unknown)}. Allowed: parameters, pipeline.",
                field=unknown[0],
            )
        run = await self.blocking(
            self.app.runs.start, body.get("pipeline"), body.get("parameters"), source="api"
        )
        self.set_header(
            "Location", "/".join([self.base_url.rstrip("/"), NAMESPACE, "runs", run.run_id])
        )
        self.reply(self.run_json(run), status=202)


class RunHandler(RunsMixin):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        run = await self.blocking(self.visible_run, run_id)
        self.reply(self.run_json(run))


class RunCancelHandler(RunsMixin):
    @web.authenticated
    @authorized
    async def post(self, run_id: str) -> None:
        await self.blocking(self.visible_run, run_id)
        run = await self.blocking(self.app.runs.cancel, run_id)
        self.reply(self.run_json(run), status=202)


def route_table() -> list[tuple[str, type[NaasHandler]]]:
    """The routes, relative to the server's base URL (ExtensionApp prefixes it)."""
    from .template_handlers import template_routes  # imports this module: import it late

    return [
        (rf"/{NAMESPACE}/status", StatusHandler),
        (rf"/{NAMESPACE}/products", ProductsHandler),
        (rf"/{NAMESPACE}/products/(?P<path>.+)", ProductHandler),
        (rf"/{NAMESPACE}/outputs", OutputsHandler),
        (rf"/{NAMESPACE}/outputs/versions", OutputVersionsHandler),
        (rf"/{NAMESPACE}/outputs/file", OutputFileHandler),
        *template_routes(),
        (rf"/{NAMESPACE}/pipelines", PipelinesHandler),
        (rf"/{NAMESPACE}/pipelines/(?P<path>.+)", PipelineHandler),
        (rf"/{NAMESPACE}/runs", RunsHandler),
        (rf"/{NAMESPACE}/runs/{RUN_ID}", RunHandler),
        (rf"/{NAMESPACE}/runs/{RUN_ID}/cancel", RunCancelHandler),
    ]
