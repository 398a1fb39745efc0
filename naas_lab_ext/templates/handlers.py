"""REST handlers of the template library (routes under ``/naas-lab-ext/templates``)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..core.errors import InvalidInput
from ..rest import NaasHandler, Routes, route
from .library import TemplateLibrary
from .periodic import PeriodicSync

#: Where the app puts the :class:`PeriodicSync` (and through it the library) in the settings.
SYNC = "naas_lab_ext.templates"
DEFAULT_LIMIT = 50


class TemplateHandler(NaasHandler):
    @property
    def sync(self) -> PeriodicSync:
        return self.service(SYNC, PeriodicSync)

    @property
    def library(self) -> TemplateLibrary:
        return self.sync.library


class TemplatesHandler(TemplateHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        page = await self.blocking(
            self.library.index.search,
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
        body = self.json_fields(("id",), ("name",))
        copy = await self.blocking(self.library.open_in_lab, body["id"], name=body.get("name"))
        self.reply(copy.to_json(), status=201)


class TemplateAddHandler(TemplateHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_fields(("id", "product"), ("name",))
        copy = await self.blocking(
            self.library.add_to_models, body["id"], body["product"], name=body.get("name")
        )
        self.reply(copy.to_json(), status=201)


class TemplateRequirementsHandler(TemplateHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_fields(("id", "product"), ())
        added = await self.blocking(self.library.add_requirements, body["id"], body["product"])
        self.reply(added)


class TemplateSyncHandler(TemplateHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await self.blocking(self.sync.status))

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_fields((), ("wait",))
        wait = body.get("wait", False)
        if not isinstance(wait, bool):
            raise InvalidInput("'wait' must be true or false.", field="wait")
        if wait:
            await self.sync.sync_now()
            self.reply(await self.blocking(self.sync.status))
            return
        self.sync.sync_soon()
        self.reply(await self.blocking(self.sync.status), status=202)


def routes() -> Routes:
    return [
        (route("templates"), TemplatesHandler),
        (route("templates", "sync"), TemplateSyncHandler),
        (route("templates", "open"), TemplateOpenHandler),
        (route("templates", "add-to-models"), TemplateAddHandler),
        (route("templates", "requirements"), TemplateRequirementsHandler),
        (route("templates", "notebooks", "(?P<template_id>.+)"), TemplateNotebookHandler),
    ]
