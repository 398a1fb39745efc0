"""REST handlers of the template library (routes under ``/naas-lab-ext/templates``).

Thin like every handler: parse, call :class:`~naas_lab_ext.product.templates.TemplateLibrary`
off the event loop, serialise. Domain errors become HTTP answers in ``NaasHandler``.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from .handlers import NAMESPACE, NaasHandler
from .product.errors import InvalidInput
from .product.templates import TemplateLibrary

DEFAULT_LIMIT = 50


def fields(body: Any, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields of a JSON object body, refusing missing required and unknown fields."""
    if not isinstance(body, dict):
        raise InvalidInput(f"Send a JSON object with {', '.join(required) or 'no'} field(s).")
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


class TemplateHandler(NaasHandler):
    @property
    def library(self) -> TemplateLibrary:
        return self.app.templates


class TemplatesHandler(TemplateHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        page = await self.blocking(
            self.library.search,
            self.get_argument("q", ""),
            tools=self.get_arguments("tool"),
            tags=self.get_arguments("tag"),
            limit=self.query_int("limit", DEFAULT_LIMIT),
            offset=self.query_int("offset", 0),
        )
        self.reply(page.to_json())


class TemplateNotebookHandler(TemplateHandler):
    @web.authenticated
    @authorized
    async def get(self, template_id: str) -> None:
        detail = await self.blocking(self.library.get, template_id)
        self.reply(detail.to_json())


class TemplateOpenHandler(TemplateHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = fields(self.json_body(), ("id",), ("name",))
        copy = await self.blocking(self.library.open_in_lab, body["id"], name=body.get("name"))
        self.reply(copy.to_json(), status=201)


class TemplateAddHandler(TemplateHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = fields(self.json_body(), ("id", "product"), ("name",))
        copy = await self.blocking(
            self.library.add_to_models, body["id"], body["product"], name=body.get("name")
        )
        self.reply(copy.to_json(), status=201)


class TemplateSyncHandler(TemplateHandler):
    async def status(self) -> dict[str, Any]:
        status = await self.blocking(self.library.status)
        return {
            **status.to_json(),
            "running": self.app.template_sync_running,
            "interval": self.app.templates_sync_interval,
            "next_sync_at": self.app.next_sync_at,
        }

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await self.status())

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = fields(self.json_body(), (), ("wait",))
        wait = body.get("wait", False)
        if not isinstance(wait, bool):
            raise InvalidInput("'wait' must be true or false.", field="wait")
        if wait:
            await self.app.sync_templates()
            self.reply(await self.status())
            return
        self.app.sync_templates_soon()
        self.reply(await self.status(), status=202)


def template_routes() -> list[tuple[str, type[NaasHandler]]]:
    return [
        (rf"/{NAMESPACE}/templates", TemplatesHandler),
        (rf"/{NAMESPACE}/templates/sync", TemplateSyncHandler),
        (rf"/{NAMESPACE}/templates/open", TemplateOpenHandler),
        (rf"/{NAMESPACE}/templates/add-to-models", TemplateAddHandler),
        (rf"/{NAMESPACE}/templates/notebooks/(?P<template_id>.+)", TemplateNotebookHandler),
    ]
