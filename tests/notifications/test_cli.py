"""``naas-lab notify test|settings``, ``naas-lab schedules notify``, ``naas-lab run
--notify-*``, and a headless ``naas-lab scheduler`` that mails failures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from naas_lab_ext.cli import main
from naas_lab_ext.core import env
from naas_lab_ext.notifications.dispatcher import Dispatcher
from naas_lab_ext.pipelines.production import Production
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.scheduler.repository import ScheduleStore
from naas_lab_ext.scheduler.spec import ScheduleSpec
from tests.notebooks import make_product, pipeline_notebook, write_notebook
from tests.notifications.conftest import (
    PASSWORD,
    TOKEN,
    Mailbox,
    Webhooks,
    record_run,
    settings,
)


@pytest.fixture
def smtp_env(smtp_server: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Mailbox:
    """The environment a terminal of a configured Lab server has."""
    monkeypatch.setenv(env.SMTP_HOST, smtp_server.host)
    monkeypatch.setenv(env.SMTP_PORT, str(smtp_server.port))
    monkeypatch.setenv(env.SMTP_SECURITY, "none")
    monkeypatch.setenv(env.MAIL_FROM, "naas@example.com")
    monkeypatch.setenv(env.NOTIFY_EMAIL_TO, "ops@example.com, oncall@example.com")
    monkeypatch.setenv(env.SMTP_PASSWORD, PASSWORD)
    return smtp_server


def test_notify_test_prints_each_answer(
    smtp_env: Mailbox, webhooks: Webhooks, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["notify", "test"]) == 0
    out = capsys.readouterr().out
    assert "ok     email   ops@example.com: 250 Message accepted for delivery" in out
    assert "ok     email   oncall@example.com" in out
    assert len(smtp_env.wait(2)) == 2
    code = main(["notify", "test", "--to", "ada@example.com", "--webhook", webhooks.failing])
    out = capsys.readouterr().out
    assert code == 6
    assert "ok     email   ada@example.com" in out
    assert "FAILED webhook http://127.0.0.1" in out and "HTTP 500" in out
    assert TOKEN not in out


def test_notify_test_with_bad_input_exits_2(
    smtp_env: Mailbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["notify", "test", "--to", "nope"]) == 2
    assert "'nope' is not an e-mail address" in capsys.readouterr().err


def test_notify_settings_show_no_password(
    smtp_env: Mailbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env.SMTP_USER, "ada")
    assert main(["notify", "settings"]) == 0
    out = capsys.readouterr().out
    assert f"SMTP:       127.0.0.1:{smtp_env.port} (none), user ada (password set)" in out
    assert "Recipients: ops@example.com, oncall@example.com" in out
    assert PASSWORD not in out
    assert main(["notify", "settings", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["smtp"]["password_set"] is True and PASSWORD not in json.dumps(answer)


def test_schedules_notify_shows_and_edits_the_rules(
    run_store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "root"
    product = make_product(root, "sales")
    store = RunStore(run_store_url)
    try:
        production = Production("d-1", tmp_path / "copy", product, None, (), {})
        [schedule] = ScheduleStore(store).replace(
            product, production, [ScheduleSpec("models/p.ipynb", "0 8 * * *")]
        )
    finally:
        store.close()
    base = ["--root", str(root), "schedules", "notify", schedule.id, "--db-url", run_store_url]
    assert main(base) == 0
    assert "on failure: the default recipients." in capsys.readouterr().out
    assert main([*base, "--to", "ada@example.com", "--on", "failure,success"]) == 0
    out = capsys.readouterr().out
    assert "on failure: the default recipients, ada@example.com; on success: ada@example.com" in out
    assert "Kept until the product's next deploy" in out
    assert main([*base, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notify"] == {
        "on_failure": {"to": ["ada@example.com"], "webhooks": []},
        "on_success": {"to": ["ada@example.com"], "webhooks": []},
    }
    assert main([*base, "--off"]) == 0
    assert "none." in capsys.readouterr().out
    assert main([*base, "--default"]) == 0
    assert "on failure: the default recipients." in capsys.readouterr().out
    assert main([*base, "--to", "bad"]) == 2
    assert main([*base, "--off", "--to", "a@x.io"]) == 2
    assert (
        main(["--root", str(root), "schedules", "notify", "nope", "--db-url", run_store_url]) == 3
    )


@pytest.mark.kernel
def test_naas_lab_run_keeps_its_notify_and_a_dispatcher_on_the_store_mails_it(
    tmp_path: Path, run_store_url: str, smtp_server: Mailbox, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a dispatcher on the store (a Lab server, or naas-lab scheduler, elsewhere)
    root = tmp_path / "root"
    product = make_product(root, "sales")
    write_notebook(product / "models" / "work.ipynb", "print('done')")
    pipeline_notebook(
        product / "models" / "__pipeline__.ipynb",
        'pipeline = Pipeline()\npipeline >> NotebookStep("Work", "models/work.ipynb") >> End()\n'
        "pipeline.run()",
    )
    store = RunStore(run_store_url)
    dispatcher = Dispatcher(store, settings(smtp_server), poll_interval=0.05)
    dispatcher.start()
    try:
        # When a run from the terminal asks to be told of its start and success
        code = main(
            [
                "--root",
                str(root),
                "run",
                "sales/models/__pipeline__.ipynb",
                "--db-url",
                run_store_url,
                "--notify-to",
                "ada@example.com",
                "--notify-on",
                "success,start",
                "--json",
            ]
        )
        assert code == 0
        run = json.loads(capsys.readouterr().out)
        assert run["notify"]["on_success"] == {"to": ["ada@example.com"], "webhooks": []}
        # Then both mails arrive
        mails = smtp_server.wait(2)
    finally:
        dispatcher.stop(10)
        store.close()
    assert sorted(m.subject.split(":")[0] for m in mails) == ["[naas] STARTED", "[naas] SUCCEEDED"]
    assert all(m.recipients == ["ada@example.com"] for m in mails)


def test_the_headless_scheduler_mails_failures(
    tmp_path: Path, run_store_url: str, smtp_server: Mailbox
) -> None:
    environ = {
        **os.environ,
        env.SMTP_HOST: smtp_server.host,
        env.SMTP_PORT: str(smtp_server.port),
        env.SMTP_SECURITY: "none",
        env.NOTIFY_EMAIL_TO: "ops@example.com",
    }
    command = [sys.executable, "-m", "naas_lab_ext.cli", "--root", str(tmp_path)]
    process = subprocess.Popen(
        [*command, "scheduler", "--db-url", run_store_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    assert process.stdout is not None
    try:
        lines = [process.stdout.readline() for _ in range(2)]
        assert lines[0].startswith("Scheduler started on"), lines
        assert lines[1].strip() == (
            f"Notifications: mail via 127.0.0.1:{smtp_server.port} (none), 1 default "
            "recipient(s), 0 default webhook(s)."
        )
        # When a run on the store fails (recorded by whichever process ran it)
        store = RunStore(run_store_url)
        try:
            record_run(store, tmp_path / "sales", RunStatus.FAILED)
        finally:
            store.close()
        # Then the headless scheduler mails it
        [mail] = smtp_server.wait(1, timeout=60)
        assert mail.recipients == ["ops@example.com"] and "FAILED" in mail.subject
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
