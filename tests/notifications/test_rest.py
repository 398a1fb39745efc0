"""The notifications through a real Jupyter server: its settings (no secret), a test send with
each server's answer, editing a schedule's notifications, a run's notify, and the server's
dispatcher mailing a real run's failure."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.core import env
from naas_lab_ext.notifications import handlers
from naas_lab_ext.notifications.dispatcher import Dispatcher
from naas_lab_ext.pipelines.production import Production
from naas_lab_ext.scheduler.spec import ScheduleSpec
from tests.notebooks import make_product, pipeline_notebook, write_notebook
from tests.notifications.conftest import PASSWORD, QUERY_TOKEN, TOKEN, Mailbox, Webhooks
from tests.server.test_openapi import response_validator


@pytest.fixture
def jp_server_config(
    jp_server_config: dict[str, Any],
    smtp_server: Mailbox,
    webhooks: Webhooks,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    monkeypatch.setenv("TEAM_SMTP_PASSWORD", PASSWORD)
    return {
        **jp_server_config,
        "NaasLabExtApp": {
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
            "smtp_password_env": "TEAM_SMTP_PASSWORD",
            "mail_from": "naas@example.com",
            "notify_email_to": ["ops@example.com"],
            "notify_webhook_urls": [webhooks.url()],
            "public_url": "https://lab.example.com/",
            "heartbeat_interval": 0.2,
            "scheduler_enabled": False,
        },
    }


def app_of(jp_serverapp: Any) -> Any:
    [app] = jp_serverapp.extension_manager.extension_apps["naas_lab_ext"]
    return app


def check(path: str, method: str, status: int, body: Any) -> None:
    response_validator(path, method, status).validate(body)


async def test_the_settings_say_where_mail_goes_and_no_secret(
    api: Any, webhooks: Webhooks, smtp_server: Mailbox
) -> None:
    status, body = await api("GET", "notifications", "settings")
    assert status == 200
    check("/notifications/settings", "get", 200, body)
    assert body["smtp"] == {
        "host": "127.0.0.1",
        "port": smtp_server.port,
        "security": "none",
        "user": "",
        "mail_from": "naas@example.com",
        "password_set": True,
        "password_secret": None,
    }
    assert body["email_to"] == ["ops@example.com"]
    assert body["public_url"] == "https://lab.example.com"
    [hook] = body["webhooks"]
    assert hook.startswith(f"http://127.0.0.1:{webhooks.port}/hooks/…?… [")
    text = json.dumps(body)
    assert PASSWORD not in text and TOKEN not in text and QUERY_TOKEN not in text


async def test_the_server_exports_its_smtp_settings_to_kernels_never_the_password(
    jp_serverapp: Any, smtp_server: Mailbox
) -> None:
    import os

    assert os.environ[env.SMTP_HOST] == "127.0.0.1"
    assert os.environ[env.SMTP_PORT] == str(smtp_server.port)
    assert os.environ[env.SMTP_PASSWORD_ENV] == "TEAM_SMTP_PASSWORD"
    assert os.environ[env.NOTIFY_EMAIL_TO] == "ops@example.com"
    assert env.NOTIFY_WEBHOOK_URLS not in os.environ
    exported = app_of(jp_serverapp).exports.previous
    assert "TEAM_SMTP_PASSWORD" not in exported and env.SMTP_PASSWORD not in exported
    assert all(PASSWORD not in os.environ[name] for name in exported)


async def test_a_test_notification_reports_each_servers_answer(
    api: Any, smtp_server: Mailbox, webhooks: Webhooks
) -> None:
    # To the defaults
    status, body = await api("POST", "notifications", "test", body={})
    assert status == 200, body
    check("/notifications/test", "post", 200, body)
    by_channel = {r["channel"]: r for r in body["results"]}
    assert by_channel["email"] == {
        "channel": "email",
        "target": "ops@example.com",
        "ok": True,
        "message": "250 Message accepted for delivery",
    }
    assert by_channel["webhook"]["ok"] and by_channel["webhook"]["message"] == "HTTP 200: ok"
    assert TOKEN not in json.dumps(body)
    [mail] = smtp_server.wait(1)
    assert mail.subject == "[naas] Test notification" and mail.recipients == ["ops@example.com"]
    assert "https://lab.example.com/lab" in mail.text
    [hook] = webhooks.wait(1)
    assert hook.body["test"] is True and hook.body["event"] is None and "test" in hook.body["text"]
    # To given targets, one failing: 200, with the server's answer for each
    status, body = await api(
        "POST",
        "notifications",
        "test",
        body={"to": ["ada@example.com"], "webhooks": [webhooks.failing]},
    )
    assert status == 200
    email, hook_result = body["results"]
    assert email["ok"] and email["target"] == "ada@example.com"
    assert not hook_result["ok"] and "HTTP 500" in hook_result["message"]
    assert TOKEN not in json.dumps(body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": ["not-an-address"]}, "to"),
        ({"webhooks": ["javascript:alert(1)"]}, "webhooks"),
        ({"to": []}, "to"),
        ({"cc": ["a@x.io"]}, "cc"),
    ],
)
async def test_a_bad_test_request_is_a_400_saying_why(api: Any, body: Any, field: str) -> None:
    status, answer = await api("POST", "notifications", "test", body=body)
    assert status == 400, answer
    check("/notifications/test", "post", 400, answer)
    assert answer["field"] == field and answer["message"]


async def test_sending_a_test_needs_the_execute_action(jp_serverapp: Any, api: Any) -> None:
    authorizer = jp_serverapp.web_app.settings["authorizer"]
    original = authorizer.is_authorized
    authorizer.is_authorized = lambda handler, user, action, resource: action != "execute"
    try:
        status, _ = await api("POST", "notifications", "test", body={})
        assert status == 403
        status, _ = await api("GET", "notifications", "settings")
        assert status == 200
    finally:
        authorizer.is_authorized = original


@pytest.fixture
def schedule_id(jp_serverapp: Any, root: Path, tmp_path: Path) -> str:
    store = app_of(jp_serverapp).schedules.store
    product = make_product(root, "sales")
    production = Production("d-1", tmp_path / "copy", product, None, (), {})
    [schedule] = store.replace(
        product, production, [ScheduleSpec("models/__pipeline__.ipynb", "0 8 * * *")]
    )
    return str(schedule.id)


async def test_editing_a_schedules_notifications(api: Any, schedule_id: str) -> None:
    notify = {"on_failure": {"to": "ada@example.com"}, "on_success": True}
    status, body = await api("PATCH", "schedules", schedule_id, body={"notify": notify})
    assert status == 200, body
    check("/schedules/{schedule_id}", "patch", 200, body)
    assert body["notify"] == {
        "on_failure": {"to": ["ada@example.com"], "webhooks": []},
        "on_success": True,
    }
    status, body = await api("GET", "schedules", schedule_id)
    assert body["notify"]["on_success"] is True
    status, body = await api("PATCH", "schedules", schedule_id, body={"notify": None})
    assert status == 200 and body["notify"] is None


async def test_a_schedules_webhooks_are_shown_shortened_and_taken_back_so(
    api: Any, jp_serverapp: Any, schedule_id: str, webhooks: Webhooks
) -> None:
    # Given a schedule whose failures are posted to a webhook with a token
    notify = {"on_failure": {"webhooks": [webhooks.url()]}}
    status, body = await api("PATCH", "schedules", schedule_id, body={"notify": notify})
    assert status == 200
    # Then no answer holds the token: the webhook is shown shortened
    [shown] = body["notify"]["on_failure"]["webhooks"]
    assert shown.startswith(f"http://127.0.0.1:{webhooks.port}/hooks/…?… [")
    for answer in (body, (await api("GET", "schedules"))[1]):
        assert TOKEN not in json.dumps(answer) and QUERY_TOKEN not in json.dumps(answer)
    # When the Manager sends the rules back with an address added (the webhook as shown)
    edited = {"on_failure": {"to": ["ada@example.com"], "webhooks": [shown]}}
    status, body = await api("PATCH", "schedules", schedule_id, body={"notify": edited})
    assert status == 200, body
    # Then the schedule keeps the webhook it had
    stored = app_of(jp_serverapp).schedules.store.get(schedule_id).notify
    assert stored == {"on_failure": {"to": ["ada@example.com"], "webhooks": [webhooks.url()]}}
    # and a shortened webhook it never had is refused, saying what to give
    other = {"on_failure": {"webhooks": ["https://hooks.slack.com/services/… [abcdef]"]}}
    status, body = await api("PATCH", "schedules", schedule_id, body={"notify": other})
    assert status == 400 and "give its whole URL" in body["message"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"notify": {"on_failure": {"to": ["nope"]}}}, 400, "notify.on_failure.to"),
        ({"notify": {"on_fail": True}}, 400, "notify"),
        ({}, 400, "notify"),
        ({"notify": None, "cron": "* * * * *"}, 400, "cron"),
    ],
)
async def test_a_bad_schedule_edit_is_refused(
    api: Any, schedule_id: str, body: Any, status: int, field: str
) -> None:
    code, answer = await api("PATCH", "schedules", schedule_id, body=body)
    assert code == status, answer
    check("/schedules/{schedule_id}", "patch", status, answer)
    assert answer["field"] == field


async def test_editing_an_unknown_schedule_is_a_404(api: Any) -> None:
    status, answer = await api("PATCH", "schedules", "nope", body={"notify": None})
    assert status == 404 and answer["field"] == "schedule_id"


async def test_a_run_with_a_bad_notify_is_refused_before_it_starts(api: Any, root: Path) -> None:
    product = make_product(root, "sales")
    pipeline_notebook(product / "models" / "p.ipynb", "pipeline = Pipeline()\npipeline.run()")
    status, answer = await api(
        "POST",
        "runs",
        body={"pipeline": "sales/models/p.ipynb", "notify": {"on_success": {"to": "x"}}},
    )
    assert status == 400 and answer["field"] == "notify.on_success.to"
    status, page = await api("GET", "runs")
    assert status == 200 and page["runs"] == []


@pytest.mark.kernel
async def test_the_servers_dispatcher_mails_a_real_runs_failure_and_success(
    api: Any, jp_serverapp: Any, root: Path, smtp_server: Mailbox, webhooks: Webhooks
) -> None:
    # Given the server's dispatcher running (the test server calls no start hook)
    dispatcher = app_of(jp_serverapp).settings[handlers.DISPATCHER]
    assert isinstance(dispatcher, Dispatcher)
    dispatcher.start()
    product = make_product(root, "sales")
    write_notebook(product / "models" / "collect.ipynb", "raise ValueError('no orders today')")
    pipeline_notebook(
        product / "models" / "__pipeline__.ipynb",
        'pipeline = Pipeline()\npipeline >> NotebookStep("Collect", "models/collect.ipynb") >> '
        "End()\npipeline.run()",
    )
    pipeline_notebook(
        product / "models" / "ok.ipynb",
        'pipeline = Pipeline()\npipeline >> DummyStep("Publish") >> End()\npipeline.run()',
    )
    # When a run fails, and another asks to be told of its success
    status, failed = await api("POST", "runs", body={"pipeline": "sales/models/__pipeline__.ipynb"})
    assert status == 202, failed
    notify = {"on_success": {"to": ["boss@example.com"]}}
    status, ok = await api(
        "POST", "runs", body={"pipeline": "sales/models/ok.ipynb", "notify": notify}
    )
    assert status == 202 and ok["notify"] == {
        "on_success": {"to": ["boss@example.com"], "webhooks": []}
    }
    # Then the default recipient and webhook hear of the failure, the boss of the success
    deadline = time.monotonic() + 120
    while len(smtp_server.mails) < 2 or not webhooks.received:
        assert time.monotonic() < deadline, "no mail"
        await asyncio.sleep(0.2)
    mails = {m.recipients[0]: m for m in smtp_server.mails}
    failure = mails["ops@example.com"]
    assert failure.subject == "[naas] FAILED: sales / pipeline at step Collect"
    assert "ValueError: no orders today" in failure.text
    assert f"https://lab.example.com/lab?naas-manager=run:{failed['id']}" in failure.text
    assert "https://lab.example.com/lab/tree/sales/outputs/pipeline_executions/" in failure.text
    assert "raise ValueError(&#x27;no orders today&#x27;)" in failure.html
    assert mails["boss@example.com"].subject.startswith("[naas] SUCCEEDED: sales / ok")
    assert webhooks.received[0].body["event"]["details"]["run_id"] == failed["id"]
    status, events = await api("GET", "events", params={"kind": "notification.sent"})
    if status == 200:  # the events route (the Manager's) lists them
        assert TOKEN not in json.dumps(events) and PASSWORD not in json.dumps(events)
