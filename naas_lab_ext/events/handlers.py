"""REST handler of the events log (route ``/naas-lab-ext/events``)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..core.errors import InvalidInput
from ..rest import NaasHandler, Routes, route
from .service import MAX_ID, EventService, split_values
from .store import MAX_PAGE

#: Where the app puts the :class:`EventService` in the settings.
EVENTS = "naas_lab_ext.events"
#: Where the app puts the :class:`~.emitter.EventsTask` (jupyter_events stream, prune).
EMITTER = "naas_lab_ext.events.emitter"


class EventsHandler(NaasHandler):
    @property
    def events(self) -> EventService:
        return self.service(EVENTS, EventService)

    @web.authenticated
    @authorized
    async def get(self) -> None:
        filters = self.events.filters(
            product=self.get_query_argument("product", None),
            levels=split_values(self.get_query_arguments("level")),
            kinds=split_values(self.get_query_arguments("kind")),
            subject_type=self.get_query_argument("subject_type", None),
            subject_id=self.get_query_argument("subject_id", None),
        )
        limit = self.query_int("limit", 50, 1, MAX_PAGE)
        root = self.events.root
        if self.get_query_argument("after", ""):
            if self.get_query_argument("before", ""):
                raise InvalidInput(
                    "Give 'before' (pages, newest first) or 'after' (what is new since an "
                    "event), not both.",
                    field="before",
                )
            after = self.query_int("after", 0, -1, MAX_ID)
            tail = await self.blocking(self.events.tail, filters, after=after, limit=limit)
            self.reply(
                {
                    "events": [e.to_json(relative_to=root) for e in tail.events],
                    "last_id": tail.last_id,
                }
            )
            return
        before = self.query_int("before", 0, 1, MAX_ID) or None
        page = await self.blocking(self.events.page, filters, before=before, limit=limit)
        self.reply(
            {
                "events": [e.to_json(relative_to=root) for e in page.events],
                "next_before": page.next_before,
            }
        )


def routes() -> Routes:
    return [(route("events"), EventsHandler)]
