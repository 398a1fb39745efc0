"""What setup.ipynb declares: ``install_requirements()``, ``schedule()``, ``unschedule()``,
``dependency()``, and the Naas spellings (``scheduler.add``, ``scheduler.delete``,
``dependency.add``).

During a deploy, ``NAAS_DEPLOY_DECLARATIONS`` names a file: each call checks what it is given
and appends one JSON line to that file, which the deploy reads once setup.ipynb has run. Run by
hand in a notebook, each call checks what it is given and prints what it declared: it takes
effect at the next deploy.

This module is imported by ``naas_data_product``: it stays light (the cron check, croniter,
is loaded on the first ``schedule()``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..core import env
from ..core.errors import InvalidInput
from ..core.paths import is_inside, relative_parts

if TYPE_CHECKING:
    from ..scheduler.spec import ScheduleSpec

__all__ = [
    "Declarations",
    "dependency",
    "install_requirements",
    "read_declarations",
    "schedule",
    "scheduler",
    "unschedule",
]

#: The kinds of JSON lines a declarations file holds.
REQUIREMENTS, SCHEDULE, UNSCHEDULE, DEPENDENCY = (
    "requirements",
    "schedule",
    "unschedule",
    "dependency",
)
MAX_PATH = 1024
#: The longest file or folder name most file systems take.
MAX_NAME = 255


def _declarations_file() -> Path | None:
    name = os.environ.get(env.DEPLOY_DECLARATIONS, "").strip()
    return Path(name) if name else None


def _product_root() -> Path:
    from ..runtime.product import locate_product

    return locate_product()


def _next_deploy(root: Path) -> str:
    return (
        'It takes effect at the next deploy (palette "Deploy product", or '
        f"`naas-lab deploy {root.name}` in a terminal)."
    )


def _record(entry: dict[str, Any], said: str) -> None:
    """Append ``entry`` to the deploy's declarations, or say it takes effect at the next one."""
    target = _declarations_file()
    if target is not None:
        with target.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry) + "\n")
        print(f"Declared for this deployment: {said}", flush=True)
        return
    print(f"Declared: {said}. {_next_deploy(_product_root())}", flush=True)


def product_path(path: Any, root: Path, *, what: str, field_name: str) -> str:
    """``path`` (relative to the product, or absolute inside it) as a ``/``-separated path
    relative to ``root``; :class:`InvalidInput` when it is outside, empty or not a path."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str) or not path.strip():
        example = "assets/logo.png" if field_name == "dependency" else "models/__pipeline__.ipynb"
        raise InvalidInput(
            f"Give the {what} as a path relative to the product, e.g. '{example}'.",
            field=field_name,
        )
    if len(path) > MAX_PATH or "\x00" in path:
        raise InvalidInput(f"'{path[:60]}...' is not a usable {what} path.", field=field_name)
    text = path.strip()
    if Path(text).is_absolute():
        absolute = Path(os.path.normpath(text))
        for base in (root, Path(os.path.realpath(root))):
            try:
                text = absolute.relative_to(base).as_posix()
                break
            except ValueError:
                continue
        else:
            raise InvalidInput(
                f"The {what} '{path}' is outside the product ({root}): give a path inside it, "
                "relative to the product folder.",
                field=field_name,
            )
    parts = relative_parts(text, field=field_name)
    if not parts:
        raise InvalidInput(f"The {what} cannot be the product folder itself.", field=field_name)
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_NAME for part in parts):
        raise InvalidInput(
            f"The {what} '{text[:60]}...' has a name longer than {MAX_NAME} bytes.",
            field=field_name,
        )
    return str(PurePosixPath(*parts))


def _schedule_spec(
    pipeline: Any,
    cron: Any,
    *,
    timezone: Any,
    parameters: Any,
    notify: Any,
    catch_up: Any,
    overlap: Any,
) -> ScheduleSpec:
    from ..scheduler.spec import ScheduleSpec

    root = _product_root()
    relative = product_path(pipeline, root, what="pipeline notebook", field_name="pipeline")
    spec = ScheduleSpec(
        pipeline=relative,
        cron=cron,
        timezone=timezone,
        parameters=parameters if parameters is not None else {},
        notify=notify,
        catch_up=catch_up,
        overlap=overlap,
    ).validated()
    # By hand, the live product must have it; during a deploy the deploy checks it once the
    # declared dependencies are in the copy (a dependency may be the scheduled notebook).
    if _declarations_file() is None and not (root / spec.pipeline).is_file():
        raise InvalidInput(
            f"There is no notebook '{spec.pipeline}' in the product ({root}): schedule one of "
            "its pipeline notebooks, e.g. 'models/__pipeline__.ipynb'.",
            field="pipeline",
        )
    return spec


def _said(spec: ScheduleSpec) -> str:
    extra = f" with parameters {json.dumps(dict(spec.parameters))}" if spec.parameters else ""
    cron = spec.parsed
    said = f"run {spec.pipeline} {cron.describe()} (cron '{spec.cron}', {spec.timezone}){extra}"
    if cron.every_minute:
        said += " - note: this runs every minute"
    return said


def schedule(
    pipeline: str | os.PathLike[str],
    cron: str,
    *,
    timezone: str = "UTC",
    parameters: Mapping[str, Any] | None = None,
    notify: Mapping[str, Any] | None = None,
    catch_up: str = "skip",
    overlap: str = "skip",
) -> None:
    """Run the pipeline notebook ``pipeline`` on the cron expression ``cron`` in production.

    ``pipeline``: relative to the product (``"models/__pipeline__.ipynb"``) or absolute inside
    it (``f"{MODELS_PATH}/__pipeline__.ipynb"``). ``cron``: minute hour day month weekday, e.g.
    ``"0 8 * * *"`` (every day at 08:00) in ``timezone`` (an IANA name such as
    ``"Europe/Paris"``; DST is handled). ``parameters`` go to every notebook step of the runs.
    ``catch_up``: after the scheduler was down, ``"skip"`` the missed runs or run the
    ``"latest"`` one. ``overlap``: when the previous run still goes, ``"skip"`` or ``"queue"``.

    Declaring the same pipeline again adds another schedule (e.g. another time of day);
    ``unschedule(pipeline)`` removes the ones declared before it. A bad cron expression or
    timezone raises :class:`~naas_lab_ext.core.errors.InvalidInput` at once.
    """
    spec = _schedule_spec(
        pipeline,
        cron,
        timezone=timezone,
        parameters=parameters,
        notify=notify,
        catch_up=catch_up,
        overlap=overlap,
    )
    _record({"kind": SCHEDULE, "spec": spec.to_json(), "replace": False}, _said(spec))


def unschedule(pipeline: str | os.PathLike[str]) -> None:
    """Remove the schedules of ``pipeline`` declared above this call (the deploy replaces the
    product's schedules by the declared set, so a schedule nobody declares is deleted)."""
    relative = product_path(
        pipeline, _product_root(), what="pipeline notebook", field_name="pipeline"
    )
    _record({"kind": UNSCHEDULE, "pipeline": relative}, f"no schedule for {relative}")


def install_requirements() -> None:
    """Install the packages of ``requirements.txt`` for the product's production runs.

    The deploy installs them in the deployment's own environment (its Requirements step, before
    setup.ipynb runs), never in the environment JupyterLab runs in. Run by hand, this only
    lists them: to use them in your notebook now, run ``%pip install -r requirements.txt``.
    """
    root = _product_root()
    names = requirement_lines(root / "requirements.txt")
    listed = ", ".join(names) if names else "nothing yet"
    if _declarations_file() is not None:
        _record(
            {"kind": REQUIREMENTS},
            f"requirements.txt ({listed}), installed in this deployment's environment",
        )
        return
    print(
        f"requirements.txt lists {listed}. The deploy installs them for production runs, in "
        f"an environment of their own. {_next_deploy(root)} To use them in this notebook now, "
        "run: %pip install -r requirements.txt",
        flush=True,
    )


def requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a requirements file (no comments, no blank lines)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path.name} cannot be read ({exc}).", field="requirements") from None
    lines = (line.split(" #", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


class _Dependency:
    """``dependency(path)`` (and Naas's ``dependency.add(path)``): a file or folder of the
    product that production runs need beyond models/, utils/ and inputs/ (e.g. ``assets/``).
    The deploy copies it into the production copy."""

    def __call__(self, path: str | os.PathLike[str]) -> None:
        root = _product_root()
        relative = product_path(path, root, what="dependency", field_name="dependency")
        if _declarations_file() is None:
            # By hand, the product is the live one: say now what the deploy would refuse.
            target = root / relative
            if not target.exists() and not target.is_symlink():
                raise InvalidInput(
                    f"There is no '{relative}' in the product: give a file or folder inside it.",
                    field="dependency",
                )
            if not is_inside(root, target):
                raise InvalidInput(
                    f"'{relative}' leads outside the product (a symbolic link): production "
                    "runs only get files of the product. Copy the file into the product.",
                    field="dependency",
                )
        _record({"kind": DEPENDENCY, "path": relative}, f"dependency {relative}")

    def add(self, path: str | os.PathLike[str] | None = None, **_naas_options: Any) -> None:
        """Naas spelling of ``dependency(path)``."""
        if path is None:
            raise InvalidInput("Give the dependency's path: dependency.add('assets/logo.png').")
        self(path)

    def __repr__(self) -> str:
        return "<naas_data_product.dependency: dependency(path) or dependency.add(path)>"


class _Scheduler:
    """Naas's ``naas.scheduler``: ``add(path, cron=...)`` and ``delete(path)``."""

    def add(
        self,
        path: str | os.PathLike[str] | None = None,
        recurrence: str | None = None,
        cron: str | None = None,
        params: Mapping[str, Any] | None = None,
        debug: bool = False,
        *,
        timezone: str = "UTC",
    ) -> None:
        """Run the notebook ``path`` on ``cron`` (or ``recurrence``, its older name), with
        ``params``. As in Naas, a notebook has one schedule: this replaces the ones declared
        before for the same notebook."""
        if path is None:
            raise InvalidInput(
                "Give the notebook to schedule, e.g. "
                "naas.scheduler.add(pipeline_path, cron='0 8 * * *').",
                field="pipeline",
            )
        if cron is not None and recurrence is not None and cron != recurrence:
            raise InvalidInput(
                "Give the cron expression once (cron= or recurrence=), not two different ones.",
                field="cron",
            )
        spec = _schedule_spec(
            path,
            cron if cron is not None else recurrence,
            timezone=timezone,
            parameters=params,
            notify=None,
            catch_up="skip",
            overlap="skip",
        )
        _record({"kind": SCHEDULE, "spec": spec.to_json(), "replace": True}, _said(spec))

    def delete(self, path: str | os.PathLike[str] | None = None, **_naas_options: Any) -> None:
        """Remove the schedules of ``path`` declared before (Naas spelling of unschedule)."""
        if path is None:
            raise InvalidInput("Give the notebook: naas.scheduler.delete(pipeline_path).")
        unschedule(path)

    def __repr__(self) -> str:
        return "<naas_data_product.scheduler: scheduler.add(path, cron=...), .delete(path)>"


dependency = _Dependency()
scheduler = _Scheduler()


@dataclass
class Declarations:
    """What a setup.ipynb declared, in order: the schedules (``unschedule`` and Naas's
    ``scheduler.add`` applied), the dependencies, and whether it asked for the requirements."""

    schedules: list[dict[str, Any]] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    requirements: bool = False


def read_declarations(path: Path) -> Declarations:
    """Read a declarations file (missing: nothing declared). Entries are kept as written; the
    deploy validates them (it does not trust what a notebook wrote)."""
    declared = Declarations()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return declared
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            raise InvalidInput(
                f"Line {number} of the declarations of setup.ipynb is not JSON: declare with "
                "schedule(), unschedule(), dependency() and install_requirements() only.",
                field="setup",
            ) from None
        kind = entry.get("kind") if isinstance(entry, dict) else None
        if kind == SCHEDULE and isinstance(entry.get("spec"), dict):
            spec = entry["spec"]
            if entry.get("replace"):
                declared.schedules = [
                    s for s in declared.schedules if s.get("pipeline") != spec.get("pipeline")
                ]
            if spec not in declared.schedules:
                declared.schedules.append(spec)
        elif kind == UNSCHEDULE:
            declared.schedules = [
                s for s in declared.schedules if s.get("pipeline") != entry.get("pipeline")
            ]
        elif kind == DEPENDENCY and isinstance(entry.get("path"), str):
            if entry["path"] not in declared.dependencies:
                declared.dependencies.append(entry["path"])
        elif kind == REQUIREMENTS:
            declared.requirements = True
        else:
            raise InvalidInput(
                f"Line {number} of the declarations of setup.ipynb is not a declaration.",
                field="setup",
            )
    return declared
