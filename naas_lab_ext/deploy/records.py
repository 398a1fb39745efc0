"""A deployment as the service, the REST API and the CLI see it: its status, its steps, what
its setup.ipynb declared, and where its production copy and environment are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from ..core.clock import utc_now
from ..core.notify import shown_notify
from ..pipelines.production import Production


class DeploymentStatus(str, Enum):
    """PENDING: recorded, not started; RUNNING: a step goes; ACTIVE: the product's schedules
    run from it; INACTIVE: it succeeded once, another one is active now; FAILED: a step failed
    (the previous deployment stayed active)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    FAILED = "FAILED"

    @property
    def finished(self) -> bool:
        return self not in (DeploymentStatus.PENDING, DeploymentStatus.RUNNING)

    @property
    def succeeded(self) -> bool:
        return self in (DeploymentStatus.ACTIVE, DeploymentStatus.INACTIVE)


class StepStatus(str, Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


#: The steps of a deploy, in order, with the titles the UI and the CLI show.
STEPS: dict[str, str] = {
    "tests": "Product tests",
    "copy": "Production copy",
    "requirements": "Requirements",
    "setup": "setup.ipynb",
    "schedules": "Schedules",
}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _parse(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class DeployStep:
    """One step of a deploy."""

    name: str
    status: StepStatus = StepStatus.PENDING
    started_at: datetime | None = None
    ended_at: datetime | None = None
    message: str | None = None

    @property
    def title(self) -> str:
        return STEPS.get(self.name, self.name)

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()

    def begin(self) -> None:
        self.status, self.started_at, self.message = StepStatus.RUNNING, utc_now(), None

    def end(self, status: StepStatus, message: str | None = None) -> None:
        self.status, self.ended_at, self.message = status, utc_now(), message

    def progress_line(self) -> str:
        """``SUCCEEDED Production copy (0.1 s): 12 files``: one line of the CLI's live progress."""
        line = f"{self.status.value:<9} {self.title}"
        if self.duration is not None and self.status != StepStatus.SKIPPED:
            line += f" ({self.duration:.1f} s)"
        if self.message:
            line += f": {self.message}"
        return line

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "status": self.status.value,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeployStep:
        return cls(
            name=str(data.get("name", "")),
            status=StepStatus(data.get("status", StepStatus.PENDING.value)),
            started_at=_parse(data.get("started_at")),
            ended_at=_parse(data.get("ended_at")),
            message=data.get("message"),
        )


def new_steps() -> list[DeployStep]:
    return [DeployStep(name) for name in STEPS]


@dataclass
class Deployment:
    """One deploy of a product, whatever its outcome."""

    id: str
    product_root: Path
    """The live product."""
    folder: Path
    """``<deployments_dir>/<product key>/<id>``: the copy, the environment, the kernelspec."""
    status: DeploymentStatus = DeploymentStatus.PENDING
    skip_tests: bool = False
    tests: str | None = None
    """"passed", "skipped" or "failed"; None before the tests step."""
    commit: str | None = None
    created_at: datetime = field(default_factory=utc_now)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    error: str | None = None
    steps: list[DeployStep] = field(default_factory=new_steps)
    kernel_name: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    """What the deployment's environment adds to a production kernel's (PATH, VIRTUAL_ENV...)."""
    schedules: list[dict[str, Any]] = field(default_factory=list)
    """The declared schedules (ScheduleSpec JSON), applied when it became active."""
    dependencies: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    setup_notebook: Path | None = None
    """The executed setup.ipynb, in the live product's outputs/deployments/<id>/."""
    report: Path | None = None
    """The product tests' report, beside it."""
    pruned: bool = False
    """Its folder was deleted (beyond the deployments kept): it cannot be re-activated."""

    @property
    def active(self) -> bool:
        return self.status == DeploymentStatus.ACTIVE

    @property
    def copy_root(self) -> Path:
        return self.folder / "copy"

    @property
    def venv(self) -> Path:
        return self.folder / "venv"

    @property
    def kernel_dir(self) -> Path:
        return self.folder / "kernels"

    @property
    def userbase(self) -> Path:
        return self.folder / "userbase"

    def step(self, name: str) -> DeployStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    @property
    def current_step(self) -> DeployStep | None:
        """The step going on, or the last one that started."""
        started = [s for s in self.steps if s.started_at is not None]
        return started[-1] if started else None

    def production(self) -> Production:
        """Where and how this deployment's runs execute."""
        return Production(
            deployment_id=self.id,
            copy_root=self.copy_root,
            product_root=self.product_root,
            kernel_name=self.kernel_name,
            kernel_dirs=(self.kernel_dir,),
            env=dict(self.env),
        )

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()

    def to_json(self, *, relative_to: Path) -> dict[str, Any]:
        """The REST API's Deployment (paths relative to the Jupyter root)."""

        def api(path: Path | None) -> str | None:
            if path is None:
                return None
            try:
                return path.relative_to(relative_to).as_posix()
            except ValueError:
                return None

        return {
            "id": self.id,
            "product": api(self.product_root) or str(self.product_root),
            "status": self.status.value,
            "active": self.active,
            "skip_tests": self.skip_tests,
            "tests": self.tests,
            "commit": self.commit,
            "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "error": self.error,
            "steps": [step.to_json() for step in self.steps],
            "setup_notebook": api(self.setup_notebook),
            "report": api(self.report),
            # Webhooks shortened: their URLs are secrets.
            "schedules": [{**s, "notify": shown_notify(s.get("notify"))} for s in self.schedules],
            "dependencies": list(self.dependencies),
            "requirements": list(self.requirements),
        }
