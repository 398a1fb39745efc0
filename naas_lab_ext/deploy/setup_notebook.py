"""Step 4 of a deploy: setup.ipynb executed against the production copy, with the deployment's
kernel, collecting what it declares; then the declared dependencies copied into the copy, and
the declared schedules checked against it.

The notebook runs in the copy (its working directory and ``NAAS_PRODUCT_ROOT``), so
``from naas_data_product import *`` gives the copy's folders and utils; what it saves goes to
the live product's outputs (``NAAS_PRODUCT_OUTPUTS``). The executed notebook is kept in the
live product, ``outputs/deployments/<id>/setup.ipynb``, failing or not.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..core import env
from ..core.errors import InvalidInput, NaasError
from ..pipelines.production import Production
from ..scheduler.spec import ScheduleSpec
from .commands import base_environment
from .declarations import Declarations, read_declarations
from .notebooks import execute_notebook
from .production_copy import Copied, copy_tree, dependency_path

SETUP_NAME = "setup.ipynb"
DECLARATIONS_NAME = "declarations.jsonl"


class SetupFailed(NaasError):
    """setup.ipynb failed: a cell raised, it timed out, or what it declared is refused."""


def run_setup(
    production: Production,
    output: Path,
    declarations_file: Path,
    *,
    timeout: float | None,
    stop: threading.Event | None = None,
) -> Declarations:
    """Execute the copy's setup.ipynb; return what it declared. Raises :class:`SetupFailed`
    with the failing cell's error."""
    copy_root = production.copy_root
    notebook = copy_root / SETUP_NAME
    if not notebook.is_file():
        raise SetupFailed(
            f"The product has no {SETUP_NAME}: add one (a new product gets one) that declares "
            "its schedules with schedule().",
            field="setup",
        )
    declarations_file.parent.mkdir(parents=True, exist_ok=True)
    declarations_file.write_text("", encoding="utf-8")
    environment = base_environment(
        {
            **production.environment(),
            env.PRODUCT_ROOT: str(copy_root),
            env.DEPLOY_DECLARATIONS: str(declarations_file),
        }
    )
    executed = execute_notebook(
        notebook,
        output,
        cwd=copy_root,
        environment=environment,
        kernel_name=production.kernel_name,
        kernel_dirs=production.kernel_dirs,
        timeout=timeout,
        stop=stop,
    )
    if not executed.ok:
        error = executed.outcome.error
        where = ""
        if error is not None and error.cell_index is not None:
            where = f" (cell {error.cell_index + 1})"
        raise SetupFailed(
            f"{SETUP_NAME} failed{where}: {executed.reason(timeout)}. Open the executed "
            "notebook to see the cell's output, fix it and deploy again.",
            field="setup",
        )
    try:
        return read_declarations(declarations_file)
    except InvalidInput as exc:
        raise SetupFailed(exc.message, field="setup") from None


def copy_dependencies(
    declared: Declarations, product: Path, copy_root: Path
) -> tuple[list[str], Copied]:
    """Copy the declared dependencies from the live product into the copy; return them as
    paths relative to the product. Refuses (InvalidInput) a path outside the product."""
    dependencies: list[str] = []
    copied = Copied()
    for declared_path in declared.dependencies:
        relative = dependency_path(declared_path, product, copy_root)
        if relative not in dependencies:
            dependencies.append(relative)
            copied.add(copy_tree(product, relative, copy_root))
    return dependencies, copied


def checked_schedules(declared: Declarations, copy_root: Path) -> list[ScheduleSpec]:
    """The declared schedules, validated; each one's pipeline notebook must be in the copy."""
    specs = []
    for data in declared.schedules:
        try:
            spec = ScheduleSpec.from_json(data)
        except InvalidInput as exc:
            raise InvalidInput(
                f"A declared schedule is refused: {exc.message}", field="schedules"
            ) from None
        if not (copy_root / spec.pipeline).is_file():
            raise InvalidInput(
                f"The schedule of '{spec.pipeline}' names a notebook the production copy does "
                "not have: schedule a notebook of models/ (or declare it with dependency()).",
                field="schedules",
            )
        specs.append(spec)
    return specs
