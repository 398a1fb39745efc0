"""The Notify JSON: checked where it is given (setup.ipynb, REST, the CLI), kept on runs and
schedules, and applied: who is told of which event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.core.notify import notify_from_options, redact_url, validate_notify
from naas_lab_ext.database.migrations import SCHEMA_VERSION
from naas_lab_ext.events.store import EventStore
from naas_lab_ext.notifications.delivery import Target
from naas_lab_ext.notifications.rules import combine, targets_for
from naas_lab_ext.notifications.settings import NotifySettings
from naas_lab_ext.pipelines.production import Production
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.scheduler.repository import ScheduleStore
from naas_lab_ext.scheduler.spec import ScheduleSpec
from tests.notifications.conftest import QUERY_TOKEN, TOKEN, record_run

DEFAULTS = NotifySettings(email_to=("ops@example.com",), webhooks=("https://hooks.x.io/a/b",))


def emails(targets: list[Target]) -> list[str]:
    return [t.address for t in targets]


def test_notify_is_normalised() -> None:
    assert validate_notify(None) is None
    assert validate_notify({}) == {}
    assert validate_notify(
        {"on_failure": {"to": "ada@example.com"}, "on_success": True, "on_start": False}
    ) == {
        "on_failure": {"to": ["ada@example.com"], "webhooks": []},
        "on_success": True,
        "on_start": False,
    }
    twice = {"to": ["a@x.io", "a@x.io"], "webhooks": ["https://h.io/1", "https://h.io/1"]}
    assert validate_notify({"on_start": twice}) == {
        "on_start": {"to": ["a@x.io"], "webhooks": ["https://h.io/1"]}
    }


@pytest.mark.parametrize(
    ("notify", "field", "says"),
    [
        ({"on_failure": {"to": ["not an address"]}}, "notify.on_failure.to", "not an e-mail"),
        ({"on_failure": {"to": ["a@b.c\nBcc: x@y.z"]}}, "notify.on_failure.to", "not an e-mail"),
        ({"on_success": {"webhooks": ["ftp://x.io/h"]}}, "notify.on_success.webhooks", "http"),
        ({"on_success": {"webhooks": ["https://"]}}, "notify.on_success.webhooks", "http"),
        ({"on_failure": "yes"}, "notify.on_failure", "true, false or"),
        ({"on_failure": {"emails": []}}, "notify.on_failure", "Allowed: to, webhooks"),
        ({"on_error": True}, "notify", "Allowed: on_failure, on_success, on_start"),
        ({"on_failure": {"to": [f"u{n}@x.io" for n in range(51)]}}, "notify.on_failure.to", "50"),
        (["ops@example.com"], "notify", "must be a dict"),
    ],
)
def test_bad_notify_says_what_is_wrong(notify: Any, field: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says) as caught:
        validate_notify(notify)
    assert caught.value.field == field


def test_a_bad_webhook_is_refused_without_repeating_its_token() -> None:
    url = f"ftp://user:{QUERY_TOKEN}@hooks.x.io/{TOKEN}?token={QUERY_TOKEN}"
    with pytest.raises(InvalidInput) as caught:
        validate_notify({"on_failure": {"webhooks": [url]}})
    assert TOKEN not in caught.value.message and QUERY_TOKEN not in caught.value.message


def test_a_webhook_is_shown_shortened() -> None:
    shown = redact_url(f"https://bot:{QUERY_TOKEN}@hooks.slack.com/services/T0/{TOKEN}?a={TOKEN}")
    assert shown.startswith("https://…@hooks.slack.com/services/…?… [")
    assert TOKEN not in shown and QUERY_TOKEN not in shown
    assert redact_url("https://h.io/a/1") != redact_url("https://h.io/a/2")  # fingerprints


def test_command_line_options_make_a_notify() -> None:
    assert notify_from_options(None, None, None) is None
    assert notify_from_options(["a@x.io"], None, None) == {
        "on_failure": {"to": ["a@x.io"], "webhooks": []}
    }
    assert notify_from_options(["a@x.io"], ["https://h.io/1"], ["failure,success", "start"]) == {
        key: {"to": ["a@x.io"], "webhooks": ["https://h.io/1"]}
        for key in ("on_failure", "on_success", "on_start")
    }
    assert notify_from_options(None, None, ["success"]) == {"on_success": True}
    with pytest.raises(InvalidInput, match="use failure, success or start"):
        notify_from_options(["a@x.io"], None, ["error"])


def test_by_default_failures_go_to_the_defaults_and_nothing_else_is_sent() -> None:
    for kind in ("run.failed", "run.interrupted"):
        assert [t.address for t in targets_for(kind, None, None, DEFAULTS)] == [
            "ops@example.com",
            "https://hooks.x.io/a/b",
        ]
    for kind in ("run.succeeded", "run.started", "run.cancelled", "step.failed"):
        assert targets_for(kind, None, None, DEFAULTS) == []


def test_an_object_adds_to_the_defaults_for_failures_and_replaces_nothing_otherwise() -> None:
    extra = {"to": ["ada@example.com"], "webhooks": []}
    rules = {"on_failure": extra, "on_success": extra, "on_start": True}
    assert emails(targets_for("run.failed", rules, None, DEFAULTS)) == [
        "ops@example.com",
        "ada@example.com",
        "https://hooks.x.io/a/b",
    ]
    assert emails(targets_for("run.succeeded", rules, None, DEFAULTS)) == ["ada@example.com"]
    assert emails(targets_for("run.started", rules, None, DEFAULTS)) == [
        "ops@example.com",
        "https://hooks.x.io/a/b",
    ]


def test_a_runs_rules_win_over_its_schedules_key_by_key() -> None:
    schedule = {"on_failure": False, "on_success": {"to": ["team@x.io"], "webhooks": []}}
    run = {"on_success": False}
    assert combine(run, schedule) == {"on_failure": False, "on_success": False, "on_start": False}
    assert targets_for("run.failed", run, schedule, DEFAULTS) == []
    assert emails(targets_for("run.succeeded", None, schedule, DEFAULTS)) == ["team@x.io"]


def test_a_schedule_declaration_checks_its_notify() -> None:
    spec = ScheduleSpec("models/p.ipynb", "0 8 * * *", notify={"on_success": {"to": "a@x.io"}})
    assert spec.validated().notify == {"on_success": {"to": ["a@x.io"], "webhooks": []}}
    with pytest.raises(InvalidInput, match="'nope' is not an e-mail address") as caught:
        ScheduleSpec(
            "models/p.ipynb", "0 8 * * *", notify={"on_failure": {"to": ["nope"]}}
        ).validated()
    assert caught.value.field == "notify.on_failure.to"


def test_setup_ipynb_schedule_refuses_a_bad_notify_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from naas_lab_ext.deploy.declarations import schedule

    product = tmp_path / "sales"
    (product / "models").mkdir(parents=True)
    (product / "product.json").write_text(json.dumps({"name": "sales"}))
    (product / "models" / "__pipeline__.ipynb").write_text("{}")
    monkeypatch.setenv("NAAS_PRODUCT_ROOT", str(product))
    with pytest.raises(InvalidInput, match="is not an http:// or https:// URL"):
        schedule("models/__pipeline__.ipynb", "0 8 * * *", notify={"on_failure": {"webhooks": "x"}})
    declarations = tmp_path / "declared.jsonl"
    monkeypatch.setenv("NAAS_DEPLOY_DECLARATIONS", str(declarations))
    schedule("models/__pipeline__.ipynb", "0 8 * * *", notify={"on_success": True})
    [line] = declarations.read_text().splitlines()
    assert json.loads(line)["spec"]["notify"] == {"on_success": True}


def test_a_run_keeps_its_rules(run_store: RunStore, tmp_path: Path) -> None:
    hook = f"https://hooks.x.io/services/{TOKEN}"
    rules = {"on_success": {"to": ["a@x.io"], "webhooks": [hook]}}
    record_run(run_store, tmp_path / "sales", RunStatus.SUCCEEDED, notify=rules)
    run = run_store.get_run("2026-12-01T08.00.00.000Z-abc123")
    assert run.notify == rules
    # its JSON (REST, the CLI) shows the webhook shortened
    assert run.to_json()["notify"] == {
        "on_success": {"to": ["a@x.io"], "webhooks": [redact_url(hook)]}
    }
    assert TOKEN not in json.dumps(run.to_json())


def test_a_schema_2_store_gets_the_runs_notify_column(tmp_path: Path) -> None:
    # Given a store of schema 2 (runs had no notify)
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    RunStore(url).close()
    with create_engine(url).begin() as conn:
        conn.execute(text("ALTER TABLE runs DROP COLUMN notify"))
        conn.execute(text("UPDATE naas_meta SET value = '2' WHERE key = 'schema_version'"))
    # When it is opened, it gets the column
    store = RunStore(url)
    assert "notify" in {c["name"] for c in inspect(store.engine).get_columns("runs")}
    store.close()
    with create_engine(url).connect() as conn:
        version = conn.execute(text("SELECT value FROM naas_meta WHERE key='schema_version'"))
        assert version.scalar() == SCHEMA_VERSION


def test_an_edited_notify_lasts_until_the_next_deploy_which_keeps_the_schedule(
    run_store: RunStore, tmp_path: Path
) -> None:
    # Given a deployed schedule, paused, whose notifications were edited in the Manager
    schedules = ScheduleStore(run_store)
    product = tmp_path / "sales"
    production = Production("d-1", tmp_path / "copy", product, None, (), {})
    declared = ScheduleSpec("models/p.ipynb", "0 8 * * *", notify={"on_success": True})
    [schedule] = schedules.replace(product, production, [declared])
    schedules.pause(schedule.id)
    edited = schedules.set_notify(schedule.id, {"on_start": {"to": ["a@x.io"]}})
    assert edited.notify == {"on_start": {"to": ["a@x.io"], "webhooks": []}}
    [changed] = EventStore(run_store.db).page(kinds=["schedule.changed"]).events
    assert changed.subject_id == schedule.id and changed.details["changed"] == ["notify"]
    # When the product is deployed again with the same declaration
    [again] = schedules.replace(product, production, [declared])
    # Then it is the same schedule (still paused), with the declared notify back
    assert again.id == schedule.id and again.paused
    assert again.notify == {"on_success": True}
    # and a deploy that only changes who is told keeps it too
    [third] = schedules.replace(
        product, production, [ScheduleSpec("models/p.ipynb", "0 8 * * *", notify=None)]
    )
    assert third.id == schedule.id and third.notify is None
