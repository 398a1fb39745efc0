"""Fixtures of the secrets tests: a vault on the test's own places, and an in-memory keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.secrets.location import SecretsConfig
from naas_lab_ext.secrets.vault import Vault, open_vault

#: A value no test output, file or answer may ever show.
SECRET_VALUE = "sk-live-7f3a9c1e5b2d4f60-do-not-leak"


@pytest.fixture
def vault(secrets_places: dict[str, Path]) -> Vault:
    """The file vault every process of the test shares (the environment names its places)."""
    return open_vault()


def all_text_under(*folders: Path) -> str:
    """Every file under ``folders``, as text (to grep for a value)."""
    texts = []
    for folder in folders:
        if folder.is_file():
            texts.append(folder.read_bytes().decode("utf-8", "replace"))
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An in-memory OS keyring (a real ``KeyringBackend`` subclass) set with
    ``keyring.set_keyring``, and the secrets backend left to choose (``auto``)."""
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class InMemory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if self.store.pop((service, username), None) is None:
                raise PasswordDeleteError("not found")

    before = keyring.get_keyring()
    memory = InMemory()
    keyring.set_keyring(memory)
    monkeypatch.setenv("NAAS_SECRETS_BACKEND", "auto")
    try:
        yield memory
    finally:
        keyring.set_keyring(before)


def config_of(places: dict[str, Path], backend: str = "file") -> SecretsConfig:
    return SecretsConfig(backend=backend, folder=places["folder"], key_file=places["key_file"])
