"""Every kind of event, and how serious each is."""

from __future__ import annotations

from enum import Enum

#: The most events one page of the log holds.
MAX_PAGE = 500

__all__ = ["KINDS", "MAX_PAGE", "SUBJECTS", "Level"]


class Level(str, Enum):
    """How serious an event is."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


#: Every kind of event and its level.
KINDS: dict[str, Level] = {
    "run.started": Level.INFO,
    "run.succeeded": Level.INFO,
    "run.failed": Level.ERROR,
    "run.cancelled": Level.WARNING,
    "run.interrupted": Level.ERROR,
    "step.failed": Level.ERROR,
    "deploy.started": Level.INFO,
    "deploy.succeeded": Level.INFO,
    "deploy.failed": Level.ERROR,
    "deploy.rolled_back": Level.WARNING,
    "schedule.created": Level.INFO,
    "schedule.changed": Level.INFO,
    "schedule.paused": Level.INFO,
    "schedule.resumed": Level.INFO,
    "schedule.deleted": Level.INFO,
    "schedule.fired": Level.INFO,
    "schedule.skipped": Level.WARNING,
    "templates.synced": Level.INFO,
    "templates.sync_failed": Level.ERROR,
    "notification.sent": Level.INFO,
    "notification.failed": Level.ERROR,
    "secret.set": Level.INFO,
    "secret.deleted": Level.INFO,
    "store.created": Level.WARNING,
}
#: What an event is about (its ``subject_type``).
SUBJECTS = ("run", "deployment", "schedule", "templates", "notification", "secret", "store")
