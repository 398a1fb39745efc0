"""REST handlers of the data products (routes under ``/naas-lab-ext/products``)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..rest import NaasHandler, Routes, route
from .catalog import ProductCatalog
from .scaffold import ProductSpec

#: Where the app puts the :class:`ProductCatalog` in the settings.
CATALOG = "naas_lab_ext.products"


class ProductsMixin(NaasHandler):
    @property
    def catalog(self) -> ProductCatalog:
        return self.service(CATALOG, ProductCatalog)


class ProductsHandler(ProductsMixin):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        products = await self.blocking(self.catalog.list)
        self.reply({"products": [p.to_json() for p in products]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        spec = ProductSpec.from_json(self.json_body())
        created = await self.blocking(self.catalog.create, spec)
        self.set_header("Location", self.location("products", created.product.path))
        self.reply(created.to_json(), status=201)


class ProductHandler(ProductsMixin):
    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        product = await self.blocking(self.catalog.get, path)
        self.reply(product.to_json())


def routes() -> Routes:
    return [
        (route("products"), ProductsHandler),
        (route("products", "(?P<path>.+)"), ProductHandler),
    ]
