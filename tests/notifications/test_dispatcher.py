"""The dispatcher: reads the run events of a store, tells the right people once, in the
background, and records how each delivery ended (runs recorded here as a pipeline run records
itself; tests/notifications/test_pipeline_runs.py runs real pipelines)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.notifications.dispatcher import Dispatcher
from naas_lab_ext.notifications.settings import NotifySettings, SmtpSettings
from naas_lab_ext.pipelines.production import Production
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.scheduler.repository import Claim, ScheduleStore
from naas_lab_ext.scheduler.spec import ScheduleSpec
from tests.notifications.conftest import (
    QUERY_TOKEN,
    TOKEN,
    Mailbox,
    Webhooks,
    events_of,
    free_port,
    record_run,
    settings,
    wait_until,
)


@pytest.fixture
def product(tmp_path: Path) -> Path:
    folder = tmp_path / "root" / "sales"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def dispatchers() -> Iterator[list[Dispatcher]]:
    started: list[Dispatcher] = []
    yield started
    for dispatcher in started:
        dispatcher.stop(5)


def start(
    store: RunStore, notify: NotifySettings, started: list[Dispatcher], **kw: object
) -> Dispatcher:
    dispatcher = Dispatcher(store, notify, poll_interval=0.05, **kw)  # type: ignore[arg-type]
    dispatcher.start()
    started.append(dispatcher)
    return dispatcher


def test_a_failed_run_mails_the_default_recipients_and_the_runs_own_once_each(
    run_store: RunStore, smtp_server: Mailbox, product: Path, dispatchers: list[Dispatcher]
) -> None:
    # Given a dispatcher with default recipients, and a run asking for one more on failure
    notify = settings(smtp_server, email_to=("ops@example.com",), public_url="https://lab.x.io/")
    dispatcher = start(run_store, notify, dispatchers, root=product.parent)
    rules = {"on_failure": {"to": ["ada@example.com"]}}
    # When the run fails
    run = record_run(run_store, product, RunStatus.FAILED, notify=rules)
    # Then each recipient gets one mail saying what failed, where and when, with links
    mails = smtp_server.wait(2)
    assert sorted(r for m in mails for r in m.recipients) == ["ada@example.com", "ops@example.com"]
    mail = mails[0]
    assert mail.subject == "[naas] FAILED: sales / __pipeline__ at step Collect"
    text = mail.text
    for fact in (
        "sales",
        "__pipeline__",
        "Collect",
        "ValueError: no <orders> & no luck",
        run.run_id,
    ):
        assert fact in text, fact
    assert "UTC" in text
    executions = f"sales/outputs/pipeline_executions/__pipeline__/{run.run_id}"
    notebook = f"https://lab.x.io/lab/tree/{executions}/Collect.collect.ipynb"
    assert notebook in text
    assert f"https://lab.x.io/lab?naas-manager=run:{run.run_id}" in text
    # the HTML says the same, escaped
    assert "no &lt;orders&gt; &amp; no luck" in mail.html and "<orders>" not in mail.html
    assert mail.sender == mail.message["From"] and "@" in mail.sender
    # and each delivery is recorded, once
    dispatcher.wait()
    sent = events_of(run_store, "notification.sent")
    assert sorted(e.details["target"] for e in sent) == ["ada@example.com", "ops@example.com"]
    assert {e.details["run_id"] for e in sent} == {run.run_id}
    assert all(e.subject_type == "notification" and e.product_root == product for e in sent)
    assert events_of(run_store, "notification.failed") == []
    # a start and a success are not notified by default
    record_run(run_store, product, RunStatus.SUCCEEDED, run_id="r-ok")
    dispatcher.poll()
    dispatcher.wait()
    assert len(smtp_server.mails) == 2


def test_success_and_start_go_to_their_own_recipients_only(
    run_store: RunStore, smtp_server: Mailbox, product: Path, dispatchers: list[Dispatcher]
) -> None:
    notify = settings(smtp_server, email_to=("ops@example.com",))
    start(run_store, notify, dispatchers)
    rules = {
        "on_success": {"to": ["boss@example.com"]},
        "on_start": {"to": ["watch@example.com"]},
    }
    record_run(run_store, product, RunStatus.SUCCEEDED, notify=rules)
    mails = smtp_server.wait(2)
    by_recipient = {m.recipients[0]: m for m in mails}
    assert set(by_recipient) == {"boss@example.com", "watch@example.com"}  # not ops
    assert by_recipient["watch@example.com"].subject == "[naas] STARTED: sales / __pipeline__"
    assert by_recipient["boss@example.com"].subject.startswith("[naas] SUCCEEDED: sales / ")


def test_true_means_the_defaults_and_false_turns_failures_off(
    run_store: RunStore, smtp_server: Mailbox, product: Path, dispatchers: list[Dispatcher]
) -> None:
    dispatcher = start(run_store, settings(smtp_server, email_to=("ops@example.com",)), dispatchers)
    record_run(run_store, product, RunStatus.FAILED, run_id="r-off", notify={"on_failure": False})
    record_run(run_store, product, RunStatus.SUCCEEDED, run_id="r-on", notify={"on_success": True})
    [mail] = smtp_server.wait(1)
    dispatcher.poll()
    dispatcher.wait()
    assert len(smtp_server.mails) == 1
    assert mail.recipients == ["ops@example.com"] and "SUCCEEDED" in mail.subject


def test_interrupted_is_a_failure_and_cancelled_is_not_notified(
    run_store: RunStore, smtp_server: Mailbox, product: Path, dispatchers: list[Dispatcher]
) -> None:
    dispatcher = start(run_store, settings(smtp_server, email_to=("ops@example.com",)), dispatchers)
    record_run(run_store, product, RunStatus.CANCELLED, run_id="r-cancelled")
    record_run(run_store, product, RunStatus.INTERRUPTED, run_id="r-interrupted")
    [mail] = smtp_server.wait(1)
    dispatcher.poll()
    dispatcher.wait()
    assert len(smtp_server.mails) == 1
    assert mail.subject.startswith("[naas] INTERRUPTED: sales / __pipeline__")
    assert "r-interrupted" in mail.text


def test_it_starts_after_the_newest_event_no_flood_of_old_news(
    run_store: RunStore, smtp_server: Mailbox, product: Path, dispatchers: list[Dispatcher]
) -> None:
    # Given failures recorded while no dispatcher ran
    for number in range(3):
        record_run(run_store, product, RunStatus.FAILED, run_id=f"old-{number}")
    # When a dispatcher starts, then a run fails
    dispatcher = start(run_store, settings(smtp_server, email_to=("ops@example.com",)), dispatchers)
    record_run(run_store, product, RunStatus.FAILED, run_id="new")
    # Then only the new failure is mailed
    [mail] = smtp_server.wait(1)
    dispatcher.poll()
    dispatcher.wait()
    assert len(smtp_server.mails) == 1 and "new" in mail.text


def test_two_dispatchers_on_one_store_send_each_notification_once(
    run_store_url: str,
    smtp_server: Mailbox,
    webhooks: Webhooks,
    product: Path,
    dispatchers: list[Dispatcher],
) -> None:
    # Given two processes' dispatchers (two stores on one database), same settings
    notify = settings(smtp_server, email_to=("ops@example.com",), webhooks=(webhooks.url(),))
    stores = [RunStore(run_store_url), RunStore(run_store_url)]
    try:
        first, second = (start(store, notify, dispatchers) for store in stores)
        # When runs fail
        for number in range(5):
            record_run(stores[0], product, RunStatus.FAILED, run_id=f"r-{number}")
        smtp_server.wait(5)
        webhooks.wait(5)
        for dispatcher in (first, second):
            dispatcher.poll()
            dispatcher.wait()
        # Then each failure was mailed and posted once in all
        assert sorted(m.text.split("Run:")[1].split()[0] for m in smtp_server.mails) == [
            f"r-{n}" for n in range(5)
        ]
        assert len(webhooks.received) == 5
        assert len(events_of(stores[0], "notification.sent")) == 10
    finally:
        for dispatcher in dispatchers:
            dispatcher.stop(5)
        for store in stores:
            store.close()


def test_a_webhook_gets_a_slack_line_and_the_event(
    run_store: RunStore, webhooks: Webhooks, product: Path, dispatchers: list[Dispatcher]
) -> None:
    start(
        run_store,
        settings(webhooks=(webhooks.url(),), public_url="https://lab.x.io"),
        dispatchers,
        root=product.parent,
    )
    run = record_run(run_store, product, RunStatus.FAILED)
    [hook] = webhooks.wait(1)
    assert hook.path == f"/hooks/{TOKEN}?token={QUERY_TOKEN}"
    assert hook.headers["Content-Type"].startswith("application/json")
    assert set(hook.body) == {"text", "event"}
    text = hook.body["text"]
    assert "\n" not in text
    assert text.startswith(f":x: FAILED sales/__pipeline__ (run {run.run_id}) at step Collect")
    assert "no &lt;orders&gt; &amp; no luck" in text  # Slack's escaping
    assert f"<https://lab.x.io/lab?naas-manager=run:{run.run_id}|Open in the Manager>" in text
    event = hook.body["event"]
    assert event["kind"] == "run.failed" and event["product"] == "sales"
    assert event["details"]["run_id"] == run.run_id


def test_smtp_down_and_a_webhook_answering_500_leave_the_run_alone_and_are_recorded(
    run_store: RunStore,
    webhooks: Webhooks,
    product: Path,
    dispatchers: list[Dispatcher],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Given an SMTP server that is down, and a webhook answering 500
    down = SmtpSettings(host="127.0.0.1", port=free_port(), security="none")
    notify = settings(smtp=down, email_to=("ops@example.com",), webhooks=(webhooks.failing,))
    dispatcher = start(run_store, notify, dispatchers)
    # When a run fails
    run = record_run(run_store, product, RunStatus.FAILED)
    # Then each target was tried 3 times, and the failure is recorded with the reason
    failed = wait_until(
        lambda: (
            len(events_of(run_store, "notification.failed")) == 2
            and events_of(run_store, "notification.failed")
        ),
        what="2 notification.failed events",
    )
    dispatcher.wait()
    by_channel = {e.details["channel"]: e for e in failed}
    mail = by_channel["email"]
    assert mail.details["attempts"] == 3 and mail.level.value == "error"
    assert "Cannot send through 127.0.0.1" in mail.details["reason"]
    assert "refused" in mail.message.lower()
    hook = by_channel["webhook"]
    assert hook.details["attempts"] == 3
    assert "HTTP 500" in hook.details["reason"] and "boom" in hook.details["reason"]
    assert len(webhooks.received) == 3
    # and the run is as it ended: FAILED, its error its own
    stored = run_store.get_run(run.run_id)
    assert stored.status == RunStatus.FAILED
    assert stored.steps[0].error is not None and stored.steps[0].error.name == "ValueError"
    # and the webhook's token is nowhere: not in the events, not in a log line
    for event in failed:
        assert TOKEN not in str(event.to_json()) and QUERY_TOKEN not in str(event.to_json())
    assert TOKEN not in caplog.text and QUERY_TOKEN not in caplog.text
    assert "notification" in caplog.text.lower()


def test_a_scheduled_run_follows_its_schedules_rules(
    run_store: RunStore,
    smtp_server: Mailbox,
    product: Path,
    dispatchers: list[Dispatcher],
    tmp_path: Path,
) -> None:
    # Given a schedule whose rules mail its successes to the team
    schedules = ScheduleStore(run_store)
    production = Production("d-1", tmp_path / "copy", product, None, (), {})
    rules = {"on_success": {"to": ["team@example.com"]}, "on_failure": False}
    [schedule] = schedules.replace(
        product, production, [ScheduleSpec("models/__pipeline__.ipynb", "0 8 * * *", notify=rules)]
    )
    start(run_store, settings(smtp_server, email_to=("ops@example.com",)), dispatchers)
    # When the scheduler fires it and the run succeeds, then another fails
    for run_id, status in (("s-ok", RunStatus.SUCCEEDED), ("s-ko", RunStatus.FAILED)):
        due = utc_now() - timedelta(minutes=1 if run_id == "s-ok" else 2)
        [firing] = schedules.claim([Claim(schedule.id, due, "started")])
        schedules.record([(firing.id, "started", run_id, None)])
        record_run(run_store, product, status, run_id=run_id, source="scheduler")
    # Then the success went to the team, and the failure to nobody (its rule is off)
    [mail] = smtp_server.wait(1)
    for dispatcher in dispatchers:
        dispatcher.poll()
        dispatcher.wait()
    assert len(smtp_server.mails) == 1
    assert mail.recipients == ["team@example.com"] and "s-ok" in mail.text
    # and an edit of the schedule's rules applies to its next runs
    schedules.set_notify(schedule.id, {"on_failure": {"to": ["oncall@example.com"]}})
    [firing] = schedules.claim([Claim(schedule.id, utc_now(), "started")])
    schedules.record([(firing.id, "started", "s-ko-2", None)])
    record_run(run_store, product, RunStatus.FAILED, run_id="s-ko-2", source="scheduler")
    mails = smtp_server.wait(3)
    assert sorted(r for m in mails[1:] for r in m.recipients) == [
        "oncall@example.com",
        "ops@example.com",
    ]


def test_stopping_during_the_backoff_ends_the_delivery_recorded_failed(
    run_store: RunStore, webhooks: Webhooks, product: Path
) -> None:
    notify = settings(webhooks=(webhooks.failing,), backoff=60.0)
    dispatcher = Dispatcher(run_store, notify, poll_interval=0.05)
    dispatcher.start()
    record_run(run_store, product, RunStatus.FAILED)
    webhooks.wait(1)
    dispatcher.stop(10)
    [failed] = events_of(run_store, "notification.failed")
    assert failed.details["attempts"] == 1
    assert "stopped before try 2" in failed.details["reason"]
