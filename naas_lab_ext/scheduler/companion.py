"""Work that runs beside ``naas-lab scheduler``, given by a layer above the scheduler (the
notifications' dispatcher): the scheduler's command runs it without knowing it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI builds its parser without loading the store (SQLAlchemy)
    from ..pipelines.store.repository import RunStore

__all__ = ["Companion"]


@dataclass(frozen=True)
class Companion:
    """Something ``naas-lab scheduler`` runs beside its loop."""

    add_options: Callable[[argparse.ArgumentParser], None]
    """Adds its options to the ``scheduler`` command."""
    running: Callable[
        [argparse.Namespace, RunStore, Callable[[str], None]], AbstractContextManager[object]
    ]
    """Runs it, from before the first firing until the runs the scheduler started have
    stopped: ``running(args, store, say)``, ``say`` printing one line."""
