"""Fixtures of the events tests: the scheduler tests' store, clock and launcher (schedule
events), the deploy tests' service (deploy events)."""

from __future__ import annotations

from tests.deploy.conftest import deployments_dir, deploys, pip_offline, workspace
from tests.scheduler.conftest import clock, launcher, run_store, schedules

__all__ = [
    "clock",
    "deployments_dir",
    "deploys",
    "launcher",
    "pip_offline",
    "run_store",
    "schedules",
    "workspace",
]
