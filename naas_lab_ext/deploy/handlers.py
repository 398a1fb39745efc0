"""REST handlers of deployments (routes under ``/naas-lab-ext/deployments``)."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..core.errors import InvalidInput
from ..rest import EXECUTE, NaasHandler, Routes, route
from .records import Deployment
from .service import DeployService

#: Where the app puts the :class:`DeployService` in the settings.
DEPLOYS = "naas_lab_ext.deploys"
MAX_PAGE = 200
DEPLOYMENT_ID = r"(?P<deployment_id>[0-9A-Za-z.:_-]+)"


class DeployMixin(NaasHandler):
    @property
    def deploys(self) -> DeployService:
        return self.service(DEPLOYS, DeployService)

    def deployment_json(self, deployment: Deployment) -> dict[str, Any]:
        return deployment.to_json(relative_to=self.deploys.root)


class DeploymentsHandler(DeployMixin):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        product = self.get_query_argument("product", "")
        if not product:
            raise InvalidInput(
                "Say which product: GET /deployments?product=<product path>.", field="product"
            )
        limit = self.query_int("limit", 20, 1, MAX_PAGE)
        deployments, active = await self.blocking(self.deploys.list, product, limit=limit)
        self.reply(
            {"deployments": [self.deployment_json(d) for d in deployments], "active": active}
        )

    # A deploy runs the product's tests and its setup.ipynb: code execution.
    @web.authenticated
    @authorized(EXECUTE)
    async def post(self) -> None:
        body = self.json_fields(("product",), ("skip_tests",))
        skip_tests = body.get("skip_tests", False)
        if not isinstance(skip_tests, bool):
            raise InvalidInput("skip_tests must be true or false.", field="skip_tests")
        deployment = await self.blocking(self.deploys.start, body["product"], skip_tests=skip_tests)
        self.set_header("Location", self.location("deployments", deployment.id))
        self.reply(self.deployment_json(deployment), status=202)


class DeploymentHandler(DeployMixin):
    @web.authenticated
    @authorized
    async def get(self, deployment_id: str) -> None:
        deployment = await self.blocking(self.deploys.get, deployment_id)
        self.reply(self.deployment_json(deployment))


class DeploymentActivateHandler(DeployMixin):
    # Re-activating a deployment changes what runs on schedule: the execute action.
    @web.authenticated
    @authorized(EXECUTE)
    async def post(self, deployment_id: str) -> None:
        deployment = await self.blocking(self.deploys.activate, deployment_id)
        self.reply(self.deployment_json(deployment))


def routes() -> Routes:
    return [
        (route("deployments"), DeploymentsHandler),
        (route("deployments", DEPLOYMENT_ID), DeploymentHandler),
        (route("deployments", DEPLOYMENT_ID, "activate"), DeploymentActivateHandler),
    ]
