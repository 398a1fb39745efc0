"""What a notebook calls: ``notify()`` and Naas's ``naas.notification.send()`` (with
attachments), in a process of its own started with the environment a Lab server gives its
kernels (and in a real kernel, through a pipeline step)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.core import env
from naas_lab_ext.notifications.settings import NotifySettings
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.service import RunService
from naas_lab_ext.pipelines.store.repository import RunStore, wait_for_status
from tests.notebooks import make_product, pipeline_notebook, write_notebook
from tests.notifications.conftest import PASSWORD, Mailbox, Webhooks


def kernel_env(box: Mailbox, **extra: str) -> dict[str, str]:
    """The environment of a kernel of a server configured for ``box``."""
    exported = NotifySettings(
        smtp=box.smtp(mail_from="naas@example.com"), email_to=("ops@example.com",)
    ).exports()
    base = {k: v for k, v in os.environ.items() if not k.startswith("NAAS_SMTP")}
    return {**base, **exported, **extra}


def run_python(code: str, cwd: Path, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def product(tmp_path: Path) -> Path:
    product = make_product(tmp_path, "sales")
    (product / "outputs").mkdir()
    (product / "outputs" / "report.csv").write_text("region,total\nnorth,12\n")
    return product


def test_naas_notification_send_mails_html_with_attachments(
    product: Path, smtp_server: Mailbox
) -> None:
    # A Naas notebook, unchanged but for its import
    result = run_python(
        """
        import json
        import naas_data_product as naas
        answer = naas.notification.send(
            email_to=["ada@example.com", "bob@example.com"],
            subject="Daily report",
            html="<h1>Sales</h1><p>North: 12 &amp; rising</p>",
            files=["outputs/report.csv"],
            email_from="reports@example.com",
        )
        print(json.dumps(answer))
        """,
        product,
        kernel_env(smtp_server),
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.splitlines()[-1])
    assert [r["ok"] for r in answer] == [True, True]
    mails = smtp_server.wait(2)
    assert sorted(m.recipients[0] for m in mails) == ["ada@example.com", "bob@example.com"]
    mail = mails[0]
    assert mail.sender == "reports@example.com" and mail.subject == "Daily report"
    assert "<h1>Sales</h1>" in mail.html
    assert "Sales" in mail.text and "North: 12 & rising" in mail.text
    [attachment] = list(mail.message.iter_attachments())
    assert attachment.get_filename() == "report.csv"
    assert attachment.get_content() == "region,total\nnorth,12\n"  # type: ignore[attr-defined]


def test_notify_mails_the_default_recipients_and_posts_to_a_webhook(
    product: Path, smtp_server: Mailbox, webhooks: Webhooks
) -> None:
    result = run_python(
        f"""
        from naas_data_product import notify
        notify("Stock low", "Only 3 left.")
        notify("Stock low", "Only 3 left.", to="buyer@example.com", webhook={webhooks.url()!r},
               html="<b>Only 3 left.</b>", files=["outputs/report.csv"])
        """,
        product,
        kernel_env(smtp_server),
    )
    assert result.returncode == 0, result.stderr
    mails = smtp_server.wait(2)
    assert [m.recipients for m in mails] == [["ops@example.com"], ["buyer@example.com"]]
    assert mails[0].text.strip() == "Only 3 left." and mails[0].sender == "naas@example.com"
    assert "<b>Only 3 left.</b>" in mails[1].html
    assert [a.get_filename() for a in mails[1].message.iter_attachments()] == ["report.csv"]
    [hook] = webhooks.wait(1)
    assert hook.body == {
        "text": "*Stock low*\nOnly 3 left.",
        "subject": "Stock low",
        "body": "Only 3 left.",
    }


def test_the_password_comes_from_the_variable_the_server_names(
    product: Path, starttls_server: Mailbox, certificate: Any
) -> None:
    # The server exports the variable's NAME; the kernel inherits the variable itself
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NAAS_SMTP")},
        env.SMTP_HOST: starttls_server.host,
        env.SMTP_PORT: str(starttls_server.port),
        env.SMTP_USER: "ada",
        env.SMTP_PASSWORD_ENV: "TEAM_SMTP_PASSWORD",
        "TEAM_SMTP_PASSWORD": PASSWORD,
    }
    result = run_python(
        'from naas_data_product import notify\nnotify("Hi", "there", to="x@example.com")',
        product,
        environ,
    )
    assert result.returncode == 0, result.stderr
    assert starttls_server.logins == [("ada", PASSWORD)]
    assert starttls_server.wait(1)[0].recipients == ["x@example.com"]


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ('notify("Hi", "there", to="x@example.com")', "No SMTP server is configured"),
        ('notify("Hi", "there")', "Nobody to send to"),
        ('notification.send("not-an-address", "Hi", "<p>x</p>")', "is not an e-mail address"),
        ('notify("Hi", "x", to="a@example.com", files=["nope.csv"])', "no file 'nope.csv'"),
    ],
)
def test_a_call_that_cannot_send_says_why(product: Path, code: str, says: str) -> None:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NAAS_SMTP", "NAAS_NOTIFY", "NAAS_MAIL"))
    }
    result = run_python(f"from naas_data_product import *\n{code}", product, environ)
    assert result.returncode != 0
    assert says in result.stderr


def test_an_unreachable_server_raises_not_sent_after_its_tries(product: Path) -> None:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NAAS_SMTP")},
        env.SMTP_HOST: "127.0.0.1",
        env.SMTP_PORT: "1",
        env.SMTP_SECURITY: "none",
        env.NOTIFY_RETRIES: "2",
    }
    result = run_python(
        'from naas_data_product import notify\nnotify("Hi", "there", to="x@example.com")',
        product,
        environ,
    )
    assert result.returncode != 0
    assert "NotSent: Not sent to x@example.com: Cannot send through 127.0.0.1:1" in result.stderr


@pytest.mark.kernel
def test_a_pipeline_step_notifies_from_its_kernel(
    tmp_path: Path, run_store_url: str, smtp_server: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the environment a server exports to the kernels it starts
    for name, value in kernel_env(smtp_server).items():
        if name.startswith("NAAS_"):
            monkeypatch.setenv(name, value)
    root = tmp_path / "root"
    product = make_product(root, "sales")
    write_notebook(
        product / "models" / "alert.ipynb",
        "import naas_data_product as naas\n"
        'naas.notification.send("ops@example.com", "Alert", "<p>from a step</p>")',
    )
    pipeline_notebook(
        product / "models" / "__pipeline__.ipynb",
        'pipeline = Pipeline()\npipeline >> NotebookStep("Alert", "models/alert.ipynb") >> End()\n'
        "pipeline.run()",
    )
    service = RunService(root, RunStore(run_store_url))
    try:
        started = service.start("sales/models/__pipeline__.ipynb")
        run = wait_for_status(service.store, started.run_id, timeout=120)
    finally:
        service.shutdown()
        service.store.close()
    assert run.status == RunStatus.SUCCEEDED, [s.error for s in run.steps]
    [mail] = smtp_server.wait(1)
    assert mail.subject == "Alert" and "from a step" in mail.html
