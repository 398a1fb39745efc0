"""REST handlers of pipelines and runs (routes under ``/naas-lab-ext/pipelines`` and
``/naas-lab-ext/runs``)."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..core.errors import InvalidInput, NotFound
from ..rest import EXECUTE, NaasHandler, Routes, route
from .results import RunResult, parse_statuses
from .service import RunService
from .store.query import parse_sources

#: Where the app puts the :class:`RunService` in the settings.
RUNS = "naas_lab_ext.runs"
MAX_PAGE = 500
RUN_ID = r"(?P<run_id>[0-9A-Za-z.:_-]+)"


class RunsMixin(NaasHandler):
    @property
    def runs(self) -> RunService:
        return self.service(RUNS, RunService)

    def run_json(self, run: RunResult) -> dict[str, Any]:
        return run.to_json(relative_to=self.runs.root)

    def visible_run(self, run_id: str) -> RunResult:
        run = self.runs.get_run(run_id)
        if not self.runs.visible(run):
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
        pipelines = await self.blocking(self.runs.list_pipelines, product)
        self.reply({"pipelines": [p.to_json() for p in pipelines]})


class PipelineHandler(RunsMixin):
    @web.authenticated
    @authorized(EXECUTE)
    async def get(self, path: str) -> None:
        pipeline = await self.blocking(self.runs.get_pipeline, path)
        self.reply(pipeline.to_json())


class RunsHandler(RunsMixin):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        statuses = parse_statuses(self.get_query_arguments("status"))
        limit = self.query_int("limit", 50, 1, MAX_PAGE)
        offset = self.query_int("offset", 0, 0, 10**9)
        page = await self.blocking(
            self.runs.list_runs,
            product=self.get_query_argument("product", None) or None,
            pipeline=self.get_query_argument("pipeline", None) or None,
            statuses=statuses,
            sources=parse_sources(self.get_query_arguments("source")),
            since=self.get_query_argument("since", None),
            until=self.get_query_argument("until", None),
            text=self.get_query_argument("q", None),
            limit=limit,
            offset=offset,
            before=self.get_query_argument("before", None) or None,
        )
        self.reply(
            {
                "runs": [self.run_json(r) for r in page.runs],
                "total": page.total,
                "limit": limit,
                "offset": offset,
                "next_before": page.next_before,
            }
        )

    @web.authenticated
    @authorized(EXECUTE)
    async def post(self) -> None:
        # "pipeline" is checked by the service, whose message says what a path looks like.
        body = self.json_fields((), ("pipeline", "parameters", "notify"))
        run = await self.blocking(
            self.runs.start,
            body.get("pipeline"),
            body.get("parameters"),
            source="api",
            notify=body.get("notify"),
        )
        self.set_header("Location", self.location("runs", run.run_id))
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
        run = await self.blocking(self.runs.cancel, run_id)
        self.reply(self.run_json(run), status=202)


class RunRerunHandler(RunsMixin):
    # Starts a run: code execution, like POST /runs.
    @web.authenticated
    @authorized(EXECUTE)
    async def post(self, run_id: str) -> None:
        await self.blocking(self.visible_run, run_id)
        run = await self.blocking(self.runs.rerun, run_id, source="api")
        self.set_header("Location", self.location("runs", run.run_id))
        self.reply(self.run_json(run), status=202)


def routes() -> Routes:
    return [
        (route("pipelines"), PipelinesHandler),
        (route("pipelines", "(?P<path>.+)"), PipelineHandler),
        (route("runs"), RunsHandler),
        (route("runs", RUN_ID), RunHandler),
        (route("runs", RUN_ID, "cancel"), RunCancelHandler),
        (route("runs", RUN_ID, "rerun"), RunRerunHandler),
    ]
