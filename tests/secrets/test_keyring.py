"""The keyring path: an OS keyring (here an in-memory ``KeyringBackend`` set with
``keyring.set_keyring``) holds the values, the index beside lists them; and when no real
keyring exists, ``auto`` falls back to the encrypted file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.secrets.keyringstore import SERVICE, real_keyring
from naas_lab_ext.secrets.location import INDEX_FILE, SECRETS_FILE
from naas_lab_ext.secrets.model import SecretsUnavailable
from naas_lab_ext.secrets.vault import open_vault
from tests.secrets.conftest import SECRET_VALUE, all_text_under

keyring = pytest.importorskip("keyring")


def test_auto_uses_a_real_keyring_and_keeps_only_an_index_on_disk(
    memory_keyring: Any, secrets_places: dict[str, Path], tmp_path: Path
) -> None:
    # Given a real OS keyring, when secrets are set through the vault
    vault = open_vault()
    assert vault.backend_name == "keyring"
    product = tmp_path / "sales"
    product.mkdir()
    vault.set("API_KEY", SECRET_VALUE)
    vault.set("API_KEY", "product-value", product=product)
    # Then the keyring holds the values, under a service per scope
    assert memory_keyring.store[(SERVICE, "API_KEY")] == SECRET_VALUE
    assert memory_keyring.store[(f"{SERVICE}:{product.resolve()}", "API_KEY")] == "product-value"
    # the data dir holds an index of names, no value and no values file
    folder = secrets_places["folder"]
    assert (folder / INDEX_FILE).is_file() and not (folder / SECRETS_FILE).exists()
    assert SECRET_VALUE not in all_text_under(folder)
    assert not secrets_places["key_file"].exists()
    # and the vault lists (from the index), gets (product first) and deletes
    assert [(i.name, i.scope) for i in vault.list(product)] == [
        ("API_KEY", "product"),
        ("API_KEY", "user"),
    ]
    assert vault.get("API_KEY", product=product) == "product-value"
    assert vault.delete("API_KEY", product=product)
    assert (f"{SERVICE}:{product.resolve()}", "API_KEY") not in memory_keyring.store
    assert vault.get("API_KEY", product=product) == SECRET_VALUE
    assert vault.values(product) == [SECRET_VALUE]
    assert vault.delete("API_KEY") and vault.list() == [] and memory_keyring.store == {}
    assert vault.delete("API_KEY") is False


def test_file_secrets_are_not_listed_as_keyring_ones(
    memory_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAAS_SECRETS_BACKEND", "file")
    open_vault().set("IN_FILE", SECRET_VALUE)
    monkeypatch.setenv("NAAS_SECRETS_BACKEND", "keyring")
    keyring_vault = open_vault()
    keyring_vault.set("IN_KEYRING", "other-value")
    assert [i.name for i in keyring_vault.list()] == ["IN_KEYRING"]
    monkeypatch.setenv("NAAS_SECRETS_BACKEND", "file")
    assert [i.name for i in open_vault().list()] == ["IN_FILE"]


def test_a_failing_keyring_is_a_clear_error_without_the_value(memory_keyring: Any) -> None:
    def refuse(service: str, username: str, password: str) -> None:
        raise RuntimeError(f"collection locked while storing {password}")

    memory_keyring.set_password = refuse
    with pytest.raises(SecretsUnavailable) as caught:
        open_vault().set("API_KEY", SECRET_VALUE)
    assert "could not store the secret 'API_KEY'" in caught.value.message
    assert SECRET_VALUE not in caught.value.message
    assert open_vault().list() == []  # nothing indexed


def test_without_a_real_keyring_auto_uses_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import chainer, fail

    before = keyring.get_keyring()
    monkeypatch.setenv("NAAS_SECRETS_BACKEND", "auto")
    try:
        # keyring's "fail" backend is no keyring
        keyring.set_keyring(fail.Keyring())
        assert real_keyring() is None
        assert open_vault().backend_name == "file"
        # a chainer whose backends are none real is none either
        empty_chainer = chainer.ChainerBackend()
        monkeypatch.setattr(type(empty_chainer), "backends", property(lambda self: []))
        keyring.set_keyring(empty_chainer)
        assert real_keyring() is None
        assert open_vault().backend_name == "file"
        # asking for the keyring explicitly, without one, says so
        monkeypatch.setenv("NAAS_SECRETS_BACKEND", "keyring")
        with pytest.raises(SecretsUnavailable, match="no OS keyring"):
            open_vault()
    finally:
        keyring.set_keyring(before)


def test_a_chainer_with_a_real_backend_counts(memory_keyring: Any, monkeypatch: Any) -> None:
    from keyring.backends import chainer

    chained = chainer.ChainerBackend()
    monkeypatch.setattr(type(chained), "backends", property(lambda self: [memory_keyring]))
    keyring.set_keyring(chained)
    assert real_keyring() is chained
    vault = open_vault()
    vault.set("API_KEY", SECRET_VALUE)
    assert memory_keyring.store[(SERVICE, "API_KEY")] == SECRET_VALUE
