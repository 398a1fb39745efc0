"""Fixtures of the notification tests: a real SMTP server on 127.0.0.1 (aiosmtpd; one with
STARTTLS, a self-signed certificate and a login), a local HTTP server receiving webhooks, a run
store, and settings pointing at them."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.events.store import Event, EventStore
from naas_lab_ext.notifications.settings import NotifySettings, SmtpSettings
from naas_lab_ext.pipelines.results import RunResult, RunStatus, StepFailure, StepResult, StepStatus
from naas_lab_ext.pipelines.store.repository import RunStore

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

PASSWORD = "s3cr3t-smtp-pässword"
TOKEN = "T0KEN-in-the-path-9f8e7d"
QUERY_TOKEN = "query-secret-1a2b3c"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], Any], timeout: float = 30.0, what: str = "it") -> Any:
    """Poll ``check`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.05)


@dataclass
class Received:
    """A mail the test server accepted."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, kind: str) -> str:
        body = self.message.get_body(preferencelist=(kind,))
        assert body is not None, f"no {kind} part"
        return str(body.get_content())  # type: ignore[attr-defined]

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")


@dataclass
class Mailbox:
    """The SMTP server: where it listens and what it received."""

    host: str
    port: int
    mails: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.mails.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
            )
        return "250 Message accepted for delivery"

    def wait(self, count: int, timeout: float = 30.0) -> list[Received]:
        wait_until(lambda: len(self.mails) >= count, timeout, f"{count} mail(s)")
        with self.lock:
            return list(self.mails)

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.mails if address in m.recipients]

    def smtp(self, **kw: Any) -> SmtpSettings:
        return SmtpSettings(host=self.host, port=self.port, security="none", **kw)


def _serve(handler: Mailbox, **options: Any) -> Iterator[Mailbox]:
    controller = aiosmtpd_controller.Controller(
        handler, hostname=handler.host, port=handler.port, **options
    )
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    """A plain SMTP server on 127.0.0.1 (no TLS, no login)."""
    yield from _serve(Mailbox("127.0.0.1", free_port()))


@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A self-signed CA (trusted by this process through SSL_CERT_FILE) and a certificate it
    issued for 127.0.0.1."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    return ca.issue_cert("127.0.0.1")


def _tls_context(certificate: Any) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    return context


def _authenticator(box: Mailbox) -> Callable[..., AuthResult]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        box.logins.append((login, password))
        return AuthResult(success=login == "ada" and password == PASSWORD, handled=False)

    return check


@pytest.fixture
def starttls_server(certificate: Any) -> Iterator[Mailbox]:
    """An SMTP server that requires STARTTLS (self-signed certificate) and a login (ada with
    :data:`PASSWORD`)."""
    box = Mailbox("127.0.0.1", free_port())
    yield from _serve(
        box,
        tls_context=_tls_context(certificate),
        require_starttls=True,
        authenticator=_authenticator(box),
        auth_require_tls=True,
    )


@pytest.fixture
def ssl_server(certificate: Any) -> Iterator[Mailbox]:
    """An SMTP server speaking TLS from the start (port 465 style)."""
    yield from _serve(Mailbox("127.0.0.1", free_port()), ssl_context=_tls_context(certificate))


@dataclass
class Hook:
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class Webhooks:
    """The webhook server: what it received; paths under /fail/ answer 500."""

    port: int
    received: list[Hook] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = f"/hooks/{TOKEN}?token={QUERY_TOKEN}") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def failing(self) -> str:
        return self.url(f"/fail/{TOKEN}")

    def wait(self, count: int, timeout: float = 30.0) -> list[Hook]:
        wait_until(lambda: len(self.received) >= count, timeout, f"{count} webhook POST(s)")
        with self.lock:
            return list(self.received)


@pytest.fixture
def webhooks() -> Iterator[Webhooks]:
    server: ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            with box.lock:
                box.received.append(Hook(self.path, body, dict(self.headers)))
            status = 500 if self.path.startswith("/fail/") else 200
            answer = b"boom" if status == 500 else b"ok"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box = Webhooks(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def run_store(run_store_url: str) -> Iterator[RunStore]:
    store = RunStore(run_store_url)
    yield store
    store.close()


def settings(box: Mailbox | None = None, **kw: Any) -> NotifySettings:
    """Settings mailing through ``box`` (fast retries for tests)."""
    smtp = kw.pop("smtp", None) or (box.smtp() if box else SmtpSettings())
    return NotifySettings(
        smtp=smtp,
        **{"backoff": 0.01, "retries": 3, "webhook_timeout": 5.0, **kw},
    ).checked()


def record_run(
    store: RunStore,
    product_root: Path,
    status: RunStatus,
    *,
    run_id: str = "2026-12-01T08.00.00.000Z-abc123",
    notify: dict[str, Any] | None = None,
    source: str = "api",
    failing_step: str = "Collect",
) -> RunResult:
    """A run recorded as a pipeline run records itself (its start, then its end): the run
    store writes the run.started and run.<end> events."""
    now = utc_now()
    step = StepResult(name=failing_step, kind="notebook", notebook_path="models/collect.ipynb")
    run = RunResult(
        run_id=run_id,
        pipeline="__pipeline__",
        status=RunStatus.RUNNING,
        product_root=product_root,
        steps=[step],
        created_at=now,
        started_at=now,
        source=source,
        pipeline_path="models/__pipeline__.ipynb",
        output_dir=product_root / "outputs" / "pipeline_executions" / "__pipeline__" / run_id,
        notify=notify,
    )
    store.create_run(run)
    if status == RunStatus.RUNNING:
        return run
    run.status, run.ended_at = status, utc_now()
    if status == RunStatus.FAILED:
        step.status = StepStatus.FAILED
        step.output_path = run.output_dir / f"{failing_step}.collect.ipynb"  # type: ignore[operator]
        step.error = StepFailure(
            "ValueError", "no <orders> & no luck", 1, 3, "raise ValueError('no orders')", "tb"
        )
    else:
        step.status = StepStatus.SUCCEEDED if status == RunStatus.SUCCEEDED else step.status
    store.finish_run(run)
    return run


def events_of(store: RunStore, *kinds: str) -> list[Event]:
    page = EventStore(store.db).page(kinds=list(kinds), limit=500)
    return list(reversed(page.events))
