"""The deployments of every product, in the run store's database (tables on its ``Base``).

``deployments`` holds one row per deploy. ``deploy_locks`` holds one row per product while a
deploy (or a rollback) of it goes on: its primary key is the product, so a second deploy of the
same product, from this process or any other sharing the database, cannot take it and gets a
:class:`~naas_lab_ext.core.errors.Conflict`. A lock whose process is gone (crash, kill) is taken
over; :meth:`DeploymentStore.recover_interrupted` marks such deployments FAILED.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..core.clock import utc_now
from ..core.errors import Conflict, NotFound
from ..database.base import Base, OwnedByProcess, UTCDateTime
from ..database.processes import ProcessIdentity, owner_alive
from ..pipelines.store.repository import RunStore
from .events import record_deploy_event
from .records import Deployment, DeploymentStatus, DeployStep, StepStatus

__all__ = ["DeploymentStore", "product_key"]

#: A lock or a running deployment of another host is taken for dead after this long without
#: a heartbeat (on this host, the process id decides).
STALE_AFTER = 120.0
RUNNING = (DeploymentStatus.PENDING.value, DeploymentStatus.RUNNING.value)


def product_key(product_root: Path) -> str:
    """A short stable key of a product folder (its absolute path's hash)."""
    return hashlib.sha256(str(product_root).encode("utf-8", "surrogateescape")).hexdigest()[:32]


class DeploymentRow(OwnedByProcess, Base):
    __tablename__ = "deployments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_root: Mapped[str] = mapped_column(Text)
    product_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    skip_tests: Mapped[bool] = mapped_column(Boolean, default=False)
    tests: Mapped[str | None] = mapped_column(String(16), nullable=True)
    commit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    steps: Mapped[Any] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    folder: Mapped[str] = mapped_column(Text)
    """Holds copy/ (the production copy), venv/, userbase/ and kernels/."""
    kernel_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    env: Mapped[Any] = mapped_column(JSON, default=dict)
    declarations: Mapped[Any] = mapped_column(JSON, default=dict)
    """{"schedules": [ScheduleSpec JSON], "dependencies": [...], "requirements": [...]}"""
    setup_notebook: Mapped[str | None] = mapped_column(Text, nullable=True)
    report: Mapped[str | None] = mapped_column(Text, nullable=True)
    pruned: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_deployments_product", "product_key", "created_at"),)


class DeployLockRow(Base):
    __tablename__ = "deploy_locks"
    product_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_root: Mapped[str] = mapped_column(Text)
    holder: Mapped[str] = mapped_column(String(64))
    """The deployment being deployed or re-activated."""
    action: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    pid_started: Mapped[float] = mapped_column(Float)


TABLES: list[Table] = [DeploymentRow.__table__, DeployLockRow.__table__]  # type: ignore[list-item]


def _values(deployment: Deployment) -> dict[str, Any]:
    return {
        "status": deployment.status.value,
        "skip_tests": deployment.skip_tests,
        "tests": deployment.tests,
        "commit": deployment.commit,
        "steps": [step.to_json() for step in deployment.steps],
        "error": deployment.error,
        "started_at": deployment.started_at,
        "ended_at": deployment.ended_at,
        "kernel_name": deployment.kernel_name,
        "env": dict(deployment.env),
        "declarations": {
            "schedules": list(deployment.schedules),
            "dependencies": list(deployment.dependencies),
            "requirements": list(deployment.requirements),
        },
        "setup_notebook": str(deployment.setup_notebook) if deployment.setup_notebook else None,
        "report": str(deployment.report) if deployment.report else None,
        "pruned": deployment.pruned,
    }


def _deployment(row: DeploymentRow) -> Deployment:
    declared = row.declarations or {}
    return Deployment(
        id=row.id,
        product_root=Path(row.product_root),
        folder=Path(row.folder),
        status=DeploymentStatus(row.status),
        skip_tests=bool(row.skip_tests),
        tests=row.tests,
        commit=row.commit,
        created_at=row.created_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        error=row.error,
        steps=[DeployStep.from_json(s) for s in row.steps or []],
        kernel_name=row.kernel_name,
        env=dict(row.env or {}),
        schedules=list(declared.get("schedules") or []),
        dependencies=list(declared.get("dependencies") or []),
        requirements=list(declared.get("requirements") or []),
        setup_notebook=Path(row.setup_notebook) if row.setup_notebook else None,
        report=Path(row.report) if row.report else None,
        pruned=bool(row.pruned),
    )


def _alive(host: str | None, pid: int | None, started: float | None, beat: datetime) -> bool:
    return owner_alive(host, pid, started, beat, now=utc_now(), stale_after=STALE_AFTER)


class DeploymentStore:
    """Deployments and deploy locks, in the database of ``runs``."""

    def __init__(self, runs: RunStore) -> None:
        self.engine = runs.engine
        runs.db.create_tables(TABLES)
        self._sessions = runs.db.sessions
        self._write = runs.db.write

    # -- the lock: one deploy (or rollback) of a product at a time ---------------------------

    def _take(
        self, session: Session, product_root: Path, holder: str, action: str, what: str
    ) -> None:
        key = product_key(product_root)
        owner = ProcessIdentity.current()
        found = session.get(DeployLockRow, key)
        if found is not None:
            if _alive(found.host, found.pid, found.pid_started, found.heartbeat_at):
                doing = "A deploy" if found.action == "deploy" else "A rollback"
                raise Conflict(
                    f"{doing} of '{product_root.name}' is running (deployment {found.holder}, "
                    f"started {found.created_at:%Y-%m-%d %H:%M:%S} UTC): wait for it to end, "
                    f"then {what} again.",
                    field="product",
                )
            session.delete(found)
            session.flush()
        now = utc_now()
        session.add(
            DeployLockRow(
                product_key=key,
                product_root=str(product_root),
                holder=holder,
                action=action,
                created_at=now,
                heartbeat_at=now,
                host=owner.host,
                pid=owner.pid,
                pid_started=owner.started,
            )
        )
        session.flush()

    def begin(self, deployment: Deployment) -> None:
        """Record a new deployment and take its product's lock, in one transaction;
        :class:`Conflict` when a deploy of the product runs (in any process)."""
        owner = ProcessIdentity.current()
        try:
            with self._write() as session:
                self._take(session, deployment.product_root, deployment.id, "deploy", "deploy")
                session.add(
                    DeploymentRow(
                        id=deployment.id,
                        product_root=str(deployment.product_root),
                        product_key=product_key(deployment.product_root),
                        created_at=deployment.created_at,
                        heartbeat_at=utc_now(),
                        host=owner.host,
                        pid=owner.pid,
                        pid_started=owner.started,
                        folder=str(deployment.folder),
                        **_values(deployment),
                    )
                )
        except IntegrityError:
            # Another process took the lock between our read and our insert (PostgreSQL).
            raise Conflict(
                f"A deploy of '{deployment.product_root.name}' is running: wait for it to end, "
                "then deploy again.",
                field="product",
            ) from None

    def lock(self, product_root: Path, holder: str) -> None:
        """Take the product's lock to re-activate deployment ``holder`` (a rollback)."""
        try:
            with self._write() as session:
                self._take(session, product_root, holder, "activate", "roll back")
        except IntegrityError:
            raise Conflict(
                f"A deploy of '{product_root.name}' is running: wait for it to end, then roll "
                "back again.",
                field="product",
            ) from None

    def unlock(self, product_root: Path, holder: str) -> None:
        with self._write() as session:
            session.execute(
                delete(DeployLockRow).where(
                    DeployLockRow.product_key == product_key(product_root),
                    DeployLockRow.holder == holder,
                )
            )

    def heartbeat(self, deployment_id: str, product_root: Path) -> None:
        """Say the process deploying ``deployment_id`` is alive."""
        now = utc_now()
        with self._write() as session:
            session.execute(
                update(DeploymentRow)
                .where(DeploymentRow.id == deployment_id)
                .values(heartbeat_at=now)
            )
            session.execute(
                update(DeployLockRow)
                .where(DeployLockRow.product_key == product_key(product_root))
                .values(heartbeat_at=now)
            )

    # -- deployments --------------------------------------------------------------------------

    def save(self, deployment: Deployment, *, event: str | None = None) -> None:
        """Store what changed on a deployment (status, steps, declarations...); ``event``
        (``deploy.started``, ``deploy.failed``) is recorded in the same transaction."""
        with self._write() as session:
            session.execute(
                update(DeploymentRow)
                .where(DeploymentRow.id == deployment.id)
                .values(heartbeat_at=utc_now(), **_values(deployment))
            )
            if event is not None:
                record_deploy_event(session, event, deployment)

    def activate(
        self,
        deployment: Deployment,
        *,
        event: str = "deploy.succeeded",
        previous: str | None = None,
    ) -> None:
        """Make ``deployment`` the product's active one, and the previous one INACTIVE, in one
        transaction (its steps and times are stored with it), with ``event``
        (``deploy.succeeded``, or ``deploy.rolled_back`` from ``previous``)."""
        with self._write() as session:
            session.execute(
                update(DeploymentRow)
                .where(
                    DeploymentRow.product_key == product_key(deployment.product_root),
                    DeploymentRow.status == DeploymentStatus.ACTIVE.value,
                    DeploymentRow.id != deployment.id,
                )
                .values(status=DeploymentStatus.INACTIVE.value)
            )
            deployment.status = DeploymentStatus.ACTIVE
            session.execute(
                update(DeploymentRow)
                .where(DeploymentRow.id == deployment.id)
                .values(heartbeat_at=utc_now(), **_values(deployment))
            )
            record_deploy_event(session, event, deployment, previous=previous)

    def get(self, deployment_id: str) -> Deployment:
        with self._sessions() as session:
            row = session.get(DeploymentRow, deployment_id)
            if row is None:
                raise NotFound(
                    f"No deployment '{deployment_id}': GET /deployments?product=<product> (or "
                    "`naas-lab deployments <product>`) lists them.",
                    field="deployment_id",
                )
            return _deployment(row)

    def for_product(self, product_root: Path, *, limit: int | None = None) -> list[Deployment]:
        """The product's deployments, newest first."""
        query = (
            select(DeploymentRow)
            .where(DeploymentRow.product_key == product_key(product_root))
            .order_by(DeploymentRow.created_at.desc(), DeploymentRow.id.desc())
        )
        if limit is not None:
            query = query.limit(limit)
        with self._sessions() as session:
            return [_deployment(row) for row in session.scalars(query)]

    def active(self, product_root: Path) -> Deployment | None:
        with self._sessions() as session:
            row = session.scalars(
                select(DeploymentRow).where(
                    DeploymentRow.product_key == product_key(product_root),
                    DeploymentRow.status == DeploymentStatus.ACTIVE.value,
                )
            ).first()
            return _deployment(row) if row is not None else None

    def prunable(self, product_root: Path, keep: int) -> list[Deployment]:
        """The product's finished deployments beyond the newest ``keep`` (never the active
        one, never one already pruned)."""
        finished = [d for d in self.for_product(product_root) if d.status.finished]
        return [d for d in finished[keep:] if not d.active and not d.pruned]

    def mark_pruned(self, deployment_ids: Sequence[str]) -> None:
        if not deployment_ids:
            return
        with self._write() as session:
            session.execute(
                update(DeploymentRow)
                .where(DeploymentRow.id.in_(list(deployment_ids)))
                .values(pruned=True)
            )

    def recover_interrupted(self) -> list[Deployment]:
        """Mark FAILED the deployments left PENDING/RUNNING by a process that is gone, and drop
        their locks (and any lock of a dead process); return them."""
        recovered: list[Deployment] = []
        now = utc_now()
        with self._write() as session:
            rows = session.scalars(
                select(DeploymentRow).where(DeploymentRow.status.in_(RUNNING))
            ).all()
            for row in rows:
                beat = row.heartbeat_at or row.created_at
                if _alive(row.host, row.pid, row.pid_started, beat):
                    continue
                deployment = _deployment(row)
                step = deployment.current_step
                where = f" during its step '{step.title}'" if step is not None else ""
                deployment.error = (
                    f"The process deploying it (pid {row.pid} on {row.host}) stopped{where}; "
                    "the previous deployment stayed active. Deploy again."
                )
                deployment.status = DeploymentStatus.FAILED
                deployment.ended_at = row.heartbeat_at or now
                for each in deployment.steps:
                    if each.status == StepStatus.RUNNING:
                        each.end(StepStatus.FAILED, "interrupted: the process deploying it stopped")
                        each.ended_at = deployment.ended_at
                session.execute(
                    update(DeploymentRow)
                    .where(DeploymentRow.id == row.id)
                    .values(**_values(deployment))
                )
                record_deploy_event(session, "deploy.failed", deployment)
                recovered.append(deployment)
            for lock in session.scalars(select(DeployLockRow)).all():
                if not _alive(lock.host, lock.pid, lock.pid_started, lock.heartbeat_at):
                    session.delete(lock)
        return recovered
