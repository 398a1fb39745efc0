"""REST handlers of the notifications (routes under ``/naas-lab-ext/notifications``)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..rest import EXECUTE, NaasHandler, Routes, route
from .service import NotificationService

#: Where the app puts the :class:`NotificationService` in the settings.
NOTIFICATIONS = "naas_lab_ext.notifications"
#: Where the app puts the :class:`~naas_lab_ext.notifications.dispatcher.Dispatcher`.
DISPATCHER = "naas_lab_ext.notifications.dispatcher"


class NotificationsMixin(NaasHandler):
    @property
    def notifications(self) -> NotificationService:
        return self.service(NOTIFICATIONS, NotificationService)


class SettingsHandler(NotificationsMixin):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(self.notifications.settings_json())


class TestHandler(NotificationsMixin):
    # The server connects to the hosts in the body and reports their answers: kept for users
    # who may run code (EXECUTE), like every route that reaches out on a user's behalf.
    @web.authenticated
    @authorized(EXECUTE)
    async def post(self) -> None:
        body = self.json_fields((), ("to", "webhooks"))
        results = await self.blocking(self.notifications.test, body.get("to"), body.get("webhooks"))
        self.reply({"results": results})


def routes() -> Routes:
    return [
        (route("notifications", "settings"), SettingsHandler),
        (route("notifications", "test"), TestHandler),
    ]
