"""The server's notification options: defaults from the environment, checked values, and what
the kernels get (never the password, never a webhook)."""

from __future__ import annotations

import pytest
from traitlets import TraitError

from naas_lab_ext.core import env
from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.notifications.config import NotificationTraits
from naas_lab_ext.notifications.settings import NotifySettings
from tests.notifications.conftest import PASSWORD, TOKEN


def test_each_option_defaults_to_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(env.SMTP_HOST, "smtp.example.com")
    monkeypatch.setenv(env.SMTP_PORT, "465")
    monkeypatch.setenv(env.SMTP_SECURITY, "ssl")
    monkeypatch.setenv(env.SMTP_USER, "naas@example.com")
    monkeypatch.setenv(env.SMTP_PASSWORD_ENV, "TEAM_PASSWORD")
    monkeypatch.setenv(env.NOTIFY_EMAIL_TO, "a@example.com, b@example.com")
    monkeypatch.setenv(env.NOTIFY_WEBHOOK_URLS, f"https://hooks.x.io/s/{TOKEN}")
    monkeypatch.setenv(env.PUBLIC_URL, "https://lab.example.com/")
    monkeypatch.setenv(env.NOTIFY_RETRIES, "5")
    settings = NotificationTraits().notification_settings()
    assert settings == NotifySettings.from_env()
    assert settings.smtp.where() == "smtp.example.com:465 (ssl)"
    assert settings.smtp.password_env == "TEAM_PASSWORD"
    assert settings.email_to == ("a@example.com", "b@example.com")
    assert settings.public_url == "https://lab.example.com" and settings.retries == 5


def test_without_environment_there_is_no_mail_and_failures_go_nowhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (env.SMTP_HOST, env.SMTP_PORT, env.NOTIFY_EMAIL_TO, env.SMTP_PASSWORD_ENV):
        monkeypatch.delenv(name, raising=False)
    settings = NotificationTraits().notification_settings()
    assert not settings.smtp.configured and settings.smtp.port == 587
    assert settings.smtp.password_env == "NAAS_SMTP_PASSWORD" and settings.email_to == ()


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("notify_email_to", ["ops"], "not an e-mail address"),
        ("notify_webhook_urls", ["ftp://x.io"], "http"),
        ("public_url", "lab.example.com", r"public_url must be the http\(s\) URL"),
    ],
)
def test_a_bad_option_is_refused(name: str, value: object, says: str) -> None:
    with pytest.raises(TraitError, match=says):
        setattr(NotificationTraits(), name, value)


def test_a_password_put_where_its_variable_goes_is_refused_without_repeating_it() -> None:
    options = NotificationTraits(smtp_password_env=PASSWORD)
    with pytest.raises(InvalidInput) as caught:
        options.notification_settings()
    assert "NAME of the environment variable" in caught.value.message
    assert PASSWORD not in caught.value.message


@pytest.mark.parametrize(
    ("options", "field"),
    [({"smtp_port": 0}, "smtp_port"), ({"notify_retries": 0}, "notify_retries")],
)
def test_bad_numbers_are_refused(options: dict[str, int], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        NotificationTraits(**options).notification_settings()
    assert caught.value.field == field


def test_kernels_get_the_smtp_settings_but_no_password_and_no_webhook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NAAS_SMTP_PASSWORD", PASSWORD)
    options = NotificationTraits(
        smtp_host="smtp.example.com",
        smtp_user="ada",
        notify_email_to=["ops@example.com"],
        notify_webhook_urls=[f"https://hooks.x.io/s/{TOKEN}"],
    )
    exports = options.notification_settings().exports()
    assert exports[env.SMTP_HOST] == "smtp.example.com"
    assert exports[env.SMTP_PASSWORD_ENV] == "NAAS_SMTP_PASSWORD"
    assert exports[env.NOTIFY_EMAIL_TO] == "ops@example.com"
    assert env.NOTIFY_WEBHOOK_URLS not in exports
    assert all(PASSWORD not in v and TOKEN not in v for v in exports.values())
