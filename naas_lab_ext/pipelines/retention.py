"""Retention: how many executions of a pipeline are kept, pruned after each run.

An execution is its store record plus its folder of executed notebooks
(``outputs/pipeline_executions/<pipeline>/<run-id>/``). Both go together, folder first, so a
folder that cannot be removed keeps its record and is tried again after the next run.
"""

from __future__ import annotations

import logging
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import InvalidInput
from ..products.manifest import EXECUTIONS_FOLDER

if TYPE_CHECKING:
    from .store.repository import RunStore

log = logging.getLogger(__name__)

DEFAULT_KEEP_LAST = 100


@dataclass(frozen=True)
class RetentionPolicy:
    """Keep the last ``keep_last`` executions of each pipeline and/or those younger than
    ``keep_days`` days. Each limit applies when set (None = no limit of that kind)."""

    keep_last: int | None = DEFAULT_KEEP_LAST
    keep_days: float | None = None

    def __post_init__(self) -> None:
        if self.keep_last is not None and (
            isinstance(self.keep_last, bool)
            or not isinstance(self.keep_last, int)
            or self.keep_last < 1
        ):
            raise InvalidInput(
                "keep_last must be a whole number >= 1 (or None).", field="keep_last"
            )
        if self.keep_days is not None and (
            not isinstance(self.keep_days, (int, float))
            or not math.isfinite(self.keep_days)
            or self.keep_days <= 0
        ):
            raise InvalidInput(
                "keep_days must be a number of days > 0 (or None).", field="keep_days"
            )


def _execution_folder(
    product_root: Path, pipeline: str, run_id: str, output_dir: Path | None
) -> Path | None:
    """The run's folder, only if it is exactly where executions live (never anything else)."""
    expected = product_root.joinpath(*EXECUTIONS_FOLDER, pipeline, run_id)
    if output_dir is None or Path(output_dir) != expected:
        return None
    if expected.is_symlink() or not expected.is_dir():
        return None
    return expected


def prune_executions(
    store: RunStore,
    *,
    product_root: Path,
    pipeline: str,
    policy: RetentionPolicy,
    keep: str | None = None,
) -> list[str]:
    """Delete the executions ``policy`` no longer keeps (never ``keep``); return their ids."""
    if policy.keep_last is None and policy.keep_days is None:
        return []
    doomed = store.prunable_runs(
        product_root=product_root,
        pipeline=pipeline,
        keep_last=policy.keep_last,
        keep_days=policy.keep_days,
    )
    removed = []
    for run in doomed:
        if run.run_id == keep:
            continue
        folder = _execution_folder(product_root, pipeline, run.run_id, run.output_dir)
        if folder is not None:
            try:
                shutil.rmtree(folder)
            except OSError as exc:
                log.warning("Cannot remove the execution folder %s: %s", folder, exc)
                continue
        removed.append(run.run_id)
    store.delete_runs(removed)
    return removed
