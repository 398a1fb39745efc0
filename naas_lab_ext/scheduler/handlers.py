"""REST handlers of the schedules (routes under ``/naas-lab-ext/schedules``)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..core.errors import InvalidInput
from ..rest import EXECUTE, NaasHandler, Routes, route
from .service import ScheduleService

#: Where the app puts the :class:`ScheduleService` in the settings.
SCHEDULES = "naas_lab_ext.schedules"
#: Where the app puts the :class:`~naas_lab_ext.scheduler.task.SchedulerTask` (None: disabled).
SCHEDULER = "naas_lab_ext.scheduler"
SCHEDULE_ID = r"(?P<schedule_id>[0-9A-Za-z_-]+)"


class SchedulesMixin(NaasHandler):
    @property
    def schedules(self) -> ScheduleService:
        return self.service(SCHEDULES, ScheduleService)


class SchedulesHandler(SchedulesMixin):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        product = self.get_query_argument("product", None) or None
        found = await self.blocking(self.schedules.list_schedules, product)
        self.reply({"schedules": await self.blocking(self.schedules.to_json, found)})


class ScheduleHandler(SchedulesMixin):
    @web.authenticated
    @authorized
    async def get(self, schedule_id: str) -> None:
        schedule = await self.blocking(self.schedules.get, schedule_id)
        [body] = await self.blocking(self.schedules.to_json, [schedule])
        self.reply(body)

    @web.authenticated
    @authorized
    async def patch(self, schedule_id: str) -> None:
        # Only the notifications can be edited: the rest is what the product's deploy declared.
        body = self.json_fields((), ("notify",))
        if "notify" not in body:
            raise InvalidInput(
                'Send {"notify": {...}} (or {"notify": null} for the defaults).', field="notify"
            )
        schedule = await self.blocking(self.schedules.set_notify, schedule_id, body["notify"])
        [answer] = await self.blocking(self.schedules.to_json, [schedule])
        self.reply(answer)

    @web.authenticated
    @authorized
    async def delete(self, schedule_id: str) -> None:
        await self.blocking(self.schedules.delete, schedule_id)
        self.set_status(204)
        self.finish()


class SchedulePauseHandler(SchedulesMixin):
    @web.authenticated
    @authorized
    async def post(self, schedule_id: str) -> None:
        schedule = await self.blocking(self.schedules.pause, schedule_id)
        [body] = await self.blocking(self.schedules.to_json, [schedule])
        self.reply(body)


class ScheduleResumeHandler(SchedulesMixin):
    @web.authenticated
    @authorized
    async def post(self, schedule_id: str) -> None:
        schedule = await self.blocking(self.schedules.resume, schedule_id)
        [body] = await self.blocking(self.schedules.to_json, [schedule])
        self.reply(body)


class ScheduleRunHandler(SchedulesMixin):
    # Starts a production run: code execution.
    @web.authenticated
    @authorized(EXECUTE)
    async def post(self, schedule_id: str) -> None:
        run = await self.blocking(self.schedules.run_now, schedule_id)
        self.set_header("Location", self.location("runs", run.run_id))
        self.reply(run.to_json(relative_to=self.schedules.root), status=202)


def routes() -> Routes:
    return [
        (route("schedules"), SchedulesHandler),
        (route("schedules", SCHEDULE_ID), ScheduleHandler),
        (route("schedules", SCHEDULE_ID, "pause"), SchedulePauseHandler),
        (route("schedules", SCHEDULE_ID, "resume"), ScheduleResumeHandler),
        (route("schedules", SCHEDULE_ID, "run"), ScheduleRunHandler),
    ]
