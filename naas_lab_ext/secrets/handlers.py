"""REST handlers of the secrets (routes ``/naas-lab-ext/secrets`` and
``/naas-lab-ext/secrets/<name>``): names, scopes and update times; values are write-only."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..rest import NaasHandler, Routes, route
from .service import SecretService

#: Where the app puts the :class:`SecretService` in the settings.
SECRETS = "naas_lab_ext.secrets"
NAME = r"(?P<name>[^/]+)"


class _SecretsHandler(NaasHandler):
    @property
    def secrets(self) -> SecretService:
        return self.service(SECRETS, SecretService)


class SecretsHandler(_SecretsHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        product = self.get_query_argument("product", None)
        self.reply(await self.blocking(self.secrets.list, product))


class SecretHandler(_SecretsHandler):
    @web.authenticated
    @authorized
    async def put(self, name: str) -> None:
        body = self.json_fields(("value",), ("product",))
        self.reply(await self.blocking(self.secrets.set, name, body["value"], body.get("product")))

    @web.authenticated
    @authorized
    async def delete(self, name: str) -> None:
        product = self.get_query_argument("product", None)
        await self.blocking(self.secrets.delete, name, product)
        self.set_status(204)
        self.finish()


def routes() -> Routes:
    return [(route("secrets"), SecretsHandler), (route("secrets", NAME), SecretHandler)]
