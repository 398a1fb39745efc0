"""Mail over SMTP (STARTTLS with a self-signed certificate and a login, TLS from the start,
plain) and webhooks, against real servers on 127.0.0.1; and the password or a webhook's token
never shows in what is said about them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from naas_lab_ext.notifications.channels import Channels, Content
from naas_lab_ext.notifications.delivery import DeliveryError, Target, attempt
from naas_lab_ext.notifications.dispatcher import Dispatcher
from naas_lab_ext.notifications.settings import SmtpSettings
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.notifications.conftest import (
    PASSWORD,
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

CONTENT = Content(subject="Hello", text="plain body", html="<p>html body</p>")


def test_starttls_with_a_self_signed_certificate_and_a_login(
    starttls_server: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the password in the variable smtp_password_env names (not in the settings)
    monkeypatch.setenv("TEAM_SMTP_PASSWORD", PASSWORD)
    smtp = SmtpSettings(
        host=starttls_server.host,
        port=starttls_server.port,
        security="starttls",
        user="ada",
        password_env="TEAM_SMTP_PASSWORD",
        mail_from="naas@example.com",
    ).checked()
    assert PASSWORD not in repr(smtp) and PASSWORD not in str(smtp.to_json())
    assert smtp.to_json()["password_set"] is True
    # When a mail is sent
    answer = Channels(settings(smtp=smtp)).send(Target("email", "ops@example.com"), CONTENT)
    # Then it went through STARTTLS (the server refuses anything before it) and the login
    assert answer == "250 Message accepted for delivery"
    assert starttls_server.logins == [("ada", PASSWORD)]
    [mail] = starttls_server.mails
    assert mail.sender == "naas@example.com" and mail.recipients == ["ops@example.com"]
    assert mail.subject == "Hello" and mail.text.strip() == "plain body"
    assert mail.html.strip() == "<p>html body</p>"


def test_a_refused_login_is_said_without_the_password_and_not_retried(
    starttls_server: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "wrong-ascii-password"  # ASCII: smtplib's own login (the other test: UTF-8 PLAIN)
    monkeypatch.setenv("NAAS_SMTP_PASSWORD", wrong)
    smtp = SmtpSettings(
        host=starttls_server.host, port=starttls_server.port, security="starttls", user="ada"
    )
    channels = Channels(settings(smtp=smtp))
    outcome = attempt(
        lambda: channels.send(Target("email", "ops@example.com"), CONTENT), tries=3, backoff=0.01
    )
    assert not outcome.ok and outcome.attempts == 1  # a refused login is not tried again
    assert "refused the login of ada" in outcome.message
    assert wrong not in outcome.message and PASSWORD not in outcome.message


def test_a_missing_password_names_the_variable_to_set(
    starttls_server: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NAAS_SMTP_PASSWORD", raising=False)
    smtp = SmtpSettings(host=starttls_server.host, port=starttls_server.port, user="ada")
    with pytest.raises(DeliveryError, match="set the variable NAAS_SMTP_PASSWORD") as caught:
        Channels(settings(smtp=smtp)).send(Target("email", "ops@example.com"), CONTENT)
    assert caught.value.permanent


def test_an_untrusted_certificate_is_refused(
    starttls_server: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")  # the test CA is no longer trusted
    monkeypatch.setenv("NAAS_SMTP_PASSWORD", PASSWORD)
    smtp = SmtpSettings(host=starttls_server.host, port=starttls_server.port, user="ada")
    with pytest.raises(DeliveryError, match=r"TLS with 127\.0\.0\.1.* failed"):
        Channels(settings(smtp=smtp)).send(Target("email", "ops@example.com"), CONTENT)
    assert starttls_server.logins == []  # the password never left


def test_tls_from_the_start(ssl_server: Mailbox) -> None:
    smtp = SmtpSettings(host=ssl_server.host, port=ssl_server.port, security="ssl")
    Channels(settings(smtp=smtp)).send(Target("email", "ops@example.com"), CONTENT)
    [mail] = ssl_server.wait(1)
    assert mail.recipients == ["ops@example.com"]


def test_no_smtp_server_configured_is_a_clear_permanent_failure() -> None:
    with pytest.raises(DeliveryError, match="No SMTP server is configured") as caught:
        Channels(settings()).send(Target("email", "ops@example.com"), CONTENT)
    assert caught.value.permanent


def test_a_subject_cannot_add_headers(smtp_server: Mailbox) -> None:
    content = Content(subject="Boom\r\nBcc: evil@example.com", text="x")
    Channels(settings(smtp_server)).send(Target("email", "ops@example.com"), content)
    [mail] = smtp_server.wait(1)
    assert mail.recipients == ["ops@example.com"] and mail.message["Bcc"] is None


def test_a_webhook_answer_and_a_webhook_that_is_down(webhooks: Webhooks) -> None:
    channels = Channels(settings())
    assert channels.send(Target("webhook", webhooks.url()), CONTENT) == "HTTP 200: ok"
    [hook] = webhooks.received
    assert hook.body == {"text": "Hello"}
    with pytest.raises(DeliveryError) as caught:
        channels.send(Target("webhook", f"http://127.0.0.1:{free_port()}/x/{TOKEN}"), CONTENT)
    assert "Cannot reach http://127.0.0.1" in caught.value.message
    assert TOKEN not in caught.value.message and not caught.value.permanent


def test_no_secret_in_events_or_log_lines_of_a_whole_delivery(
    run_store: RunStore,
    starttls_server: Mailbox,
    webhooks: Webhooks,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("NAAS_SMTP_PASSWORD", PASSWORD)
    smtp = SmtpSettings(host=starttls_server.host, port=starttls_server.port, user="ada")
    notify = settings(smtp=smtp, email_to=("ops@example.com",), webhooks=(webhooks.url(),))
    dispatcher = Dispatcher(run_store, notify, poll_interval=0.05)
    dispatcher.start()
    try:
        record_run(run_store, tmp_path / "sales", RunStatus.FAILED)
        starttls_server.wait(1)
        webhooks.wait(1)
        wait_until(lambda: len(events_of(run_store, "notification.sent")) == 2, what="events")
    finally:
        dispatcher.stop(5)
    everything = str([e.to_json() for e in events_of(run_store, *_ALL_KINDS)]) + caplog.text
    for secret in (PASSWORD, TOKEN, QUERY_TOKEN):
        assert secret not in everything
    # the webhook is named, shortened
    assert f"http://127.0.0.1:{webhooks.port}/hooks/…?… [" in everything


_ALL_KINDS = (
    "run.started",
    "run.failed",
    "step.failed",
    "notification.sent",
    "notification.failed",
)
