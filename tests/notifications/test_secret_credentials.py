"""Notifications that take their credentials from secrets: the SMTP password
(``smtp_password_secret``) and webhooks given as ``secret:NAME``, read at send time and shown
by name only."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from naas_lab_ext.core import env
from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.core.notify import check_webhooks, redact_url, shown_notify, validate_notify
from naas_lab_ext.notifications.channels import Channels, Content
from naas_lab_ext.notifications.config import NotificationTraits
from naas_lab_ext.notifications.delivery import DeliveryError, Target
from naas_lab_ext.notifications.dispatcher import Dispatcher
from naas_lab_ext.notifications.settings import NotifySettings, SmtpSettings
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.secrets.vault import Vault, open_vault
from tests.notifications.conftest import (
    PASSWORD,
    QUERY_TOKEN,
    TOKEN,
    Mailbox,
    Webhooks,
    events_of,
    record_run,
    settings,
    wait_until,
)

CONTENT = Content(subject="Hello", text="plain body")


@pytest.fixture
def vault(secrets_places: dict[str, Path]) -> Vault:
    return open_vault()


def test_the_smtp_password_comes_from_a_secret(
    starttls_server: Mailbox, vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the password in a secret, and a wrong one in the variable it wins over
    vault.set("SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("NAAS_SMTP_PASSWORD", "wrong-password-in-env")
    smtp = SmtpSettings(
        host=starttls_server.host,
        port=starttls_server.port,
        user="ada",
        password_secret="SMTP_PASSWORD",
    ).checked()
    shown = smtp.to_json()
    assert shown["password_set"] is True and shown["password_secret"] == "SMTP_PASSWORD"
    assert PASSWORD not in str(shown) and PASSWORD not in repr(smtp)
    # When a mail is sent, then the login used the secret
    Channels(settings(smtp=smtp)).send(Target("email", "ops@example.com"), CONTENT)
    assert starttls_server.logins == [("ada", PASSWORD)]
    # A missing secret is a permanent failure naming it
    vault.delete("SMTP_PASSWORD")
    assert smtp.to_json()["password_set"] is False
    with pytest.raises(DeliveryError, match="add the secret SMTP_PASSWORD") as caught:
        Channels(settings(smtp=smtp)).send(Target("email", "ops@example.com"), CONTENT)
    assert caught.value.permanent


def test_the_trait_and_the_environment_name_the_secret_never_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = NotificationTraits(smtp_host="smtp.example.com", smtp_password_secret="SMTP_PW")
    exports = options.notification_settings().exports()
    assert exports[env.SMTP_PASSWORD_SECRET] == "SMTP_PW"
    monkeypatch.setenv(env.SMTP_PASSWORD_SECRET, "FROM_ENV")
    assert NotificationTraits().smtp_password_secret == "FROM_ENV"
    assert NotifySettings.from_env().smtp.password_secret == "FROM_ENV"
    # a password put where the name goes is refused without repeating it
    with pytest.raises(InvalidInput) as caught:
        NotificationTraits(smtp_password_secret="hunter 2!").notification_settings()
    assert caught.value.field == "smtp_password_secret"
    assert "hunter" not in caught.value.message


def test_a_webhook_named_secret_name_is_checked_and_shown_as_is() -> None:
    assert check_webhooks(["secret:SLACK_HOOK"]) == ["secret:SLACK_HOOK"]
    assert redact_url("secret:SLACK_HOOK") == "secret:SLACK_HOOK"
    rules = validate_notify({"on_failure": {"webhooks": ["secret:SLACK_HOOK"]}})
    assert shown_notify(rules) == {"on_failure": {"to": [], "webhooks": ["secret:SLACK_HOOK"]}}
    for bad in ("secret:", "secret:9x", "secret:has space"):
        with pytest.raises(InvalidInput, match="does not name a secret"):
            check_webhooks([bad])
    assert NotificationTraits(notify_webhook_urls=["secret:HOOK"]).notify_webhook_urls == [
        "secret:HOOK"
    ]


def test_a_secret_webhook_is_read_at_send_time_the_products_first(
    webhooks: Webhooks, vault: Vault, tmp_path: Path
) -> None:
    product = tmp_path / "sales"
    product.mkdir()
    target = Target("webhook", "secret:HOOK")
    channels = Channels(settings())
    # Missing: a permanent failure naming the secret
    with pytest.raises(DeliveryError, match="no secret HOOK") as caught:
        channels.send(target, CONTENT)
    assert caught.value.permanent
    # Not a URL: said without the value
    vault.set("HOOK", "not-a-url-value")
    with pytest.raises(DeliveryError, match="does not hold") as caught:
        channels.send(target, CONTENT)
    assert "not-a-url-value" not in caught.value.message
    # The user's, then the product's for a notice about the product
    vault.set("HOOK", webhooks.url("/user/" + TOKEN))
    vault.set("HOOK", webhooks.url("/product/" + TOKEN), product=product)
    assert channels.send(target, CONTENT).startswith("HTTP 200")
    about = Content(subject="Hello", text="body", product_root=product)
    channels.send(target, about)
    paths = [hook.path.split("/")[1] for hook in webhooks.wait(2)]
    assert paths == ["user", "product"]
    # A webhook that fails is named by its secret
    vault.set("HOOK", webhooks.failing)
    with pytest.raises(DeliveryError) as caught:
        channels.send(target, CONTENT)
    assert "secret:HOOK answered HTTP 500" in caught.value.message
    assert TOKEN not in caught.value.message


def test_the_dispatcher_posts_to_a_secret_webhook_and_names_only_the_secret(
    run_store: RunStore,
    webhooks: Webhooks,
    vault: Vault,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    vault.set("TEAM_HOOK", webhooks.url())
    dispatcher = Dispatcher(run_store, settings(webhooks=("secret:TEAM_HOOK",)), poll_interval=0.05)
    dispatcher.start()
    try:
        record_run(run_store, tmp_path / "sales", RunStatus.FAILED)
        [hook] = webhooks.wait(1)
        wait_until(lambda: events_of(run_store, "notification.sent"), what="the sent event")
    finally:
        dispatcher.stop(5)
    assert hook.path == f"/hooks/{TOKEN}?token={QUERY_TOKEN}"
    [sent] = events_of(run_store, "notification.sent")
    assert sent.details["target"] == "secret:TEAM_HOOK"
    everything = str([e.to_json() for e in events_of(run_store, "notification.sent")])
    everything += caplog.text
    assert TOKEN not in everything and QUERY_TOKEN not in everything
