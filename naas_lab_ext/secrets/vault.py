"""The vault: secrets by name, for the user or for a product, whatever keeps their values.

A product's secret shadows the user's of the same name (:meth:`Vault.get` looks in the
product's scope first). A product's scope is keyed by its real path. Values go to a backend
(the OS keyring, or the encrypted file); an index beside them (``secrets-index.json``: names,
scopes, update times, never a value) lets the vault list them, since a keyring cannot. Every
change holds one lock across processes, so a server, the CLI and kernels may write at once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from ..core.clock import utc_now
from .filestore import FileBackend
from .keyringstore import KeyringBackend, real_keyring
from .location import INDEX_FILE, LOCK_FILE, SecretsConfig
from .model import (
    SecretInfo,
    SecretsUnavailable,
    check_name,
    check_value,
    format_time,
    parse_time,
    product_key,
)
from .storage import lock, read_json, write_json

__all__ = ["Backend", "Vault", "choose_backend", "open_vault"]

INDEX_VERSION = 1
Product = Path | str | None


class Backend(Protocol):
    """Where the values are: :class:`~.filestore.FileBackend` or
    :class:`~.keyringstore.KeyringBackend`."""

    name: str

    def read(self, name: str, product: str | None) -> str | None: ...

    def read_all(self, keys: list[tuple[str, str | None]]) -> list[str]: ...

    def write(self, name: str, product: str | None, value: str) -> None: ...

    def remove(self, name: str, product: str | None) -> bool: ...


def choose_backend(
    config: SecretsConfig, environ: Mapping[str, str] | None = None
) -> FileBackend | KeyringBackend:
    """The backend ``config`` asks for: ``auto`` is the OS keyring when a real one exists
    here, else the file; ``keyring`` without a real keyring is :class:`SecretsUnavailable`."""
    if config.backend == "file":
        return FileBackend(config, environ)
    found = real_keyring()
    if found is not None:
        return KeyringBackend(found)
    if config.backend == "keyring":
        raise SecretsUnavailable(
            "The secrets backend is 'keyring' but no OS keyring is available here (none is "
            "installed or running, or only keyring's 'fail' backend exists): start one, or "
            "keep the secrets in the encrypted file (secrets_backend = 'file').",
            field="secrets_backend",
        )
    return FileBackend(config, environ)


class Vault:
    """Secrets kept by ``backend``, indexed in ``config.folder``."""

    def __init__(self, config: SecretsConfig, backend: Backend) -> None:
        self.config = config
        self.backend = backend
        self.index_path = config.folder / INDEX_FILE
        self._threads = threading.Lock()

    @property
    def backend_name(self) -> str:
        """``keyring`` or ``file``."""
        return self.backend.name

    # -- the index --------------------------------------------------------------------------

    def _index(self) -> list[dict[str, Any]]:
        data = read_json(self.index_path, "secrets index") or {}
        entries = data.get("secrets")
        if not isinstance(entries, list):
            return []
        return [
            e
            for e in entries
            if isinstance(e, dict)
            and isinstance(e.get("name"), str)
            and e.get("backend") == self.backend.name
        ]

    def _write_index(self, mine: list[dict[str, Any]]) -> None:
        data = read_json(self.index_path, "secrets index") or {}
        others = [
            e
            for e in data.get("secrets") or []
            if isinstance(e, dict) and e.get("backend") != self.backend.name
        ]
        write_json(self.index_path, {"version": INDEX_VERSION, "secrets": [*others, *mine]})

    @staticmethod
    def _info(entry: Mapping[str, Any]) -> SecretInfo:
        product = entry.get("product")
        return SecretInfo(
            name=str(entry["name"]),
            scope="product" if product is not None else "user",
            product=str(product) if product is not None else None,
            updated_at=parse_time(entry.get("updated_at")),
        )

    # -- the API ----------------------------------------------------------------------------

    def set(self, name: str, value: str, product: Product = None) -> SecretInfo:
        """Create or replace the secret ``name`` of the user (or of ``product``)."""
        name = check_name(name)
        value = check_value(value)
        key = product_key(product)
        now = utc_now()
        with self._threads, lock(self.config.folder, LOCK_FILE):
            self.backend.write(name, key, value)
            entries = [
                e for e in self._index() if not (e["name"] == name and e.get("product") == key)
            ]
            entry = {
                "name": name,
                "product": key,
                "backend": self.backend.name,
                "updated_at": format_time(now),
            }
            self._write_index([*entries, entry])
        return self._info(entry)

    def get(self, name: str, product: Product = None) -> str | None:
        """The value of ``name``: the product's secret if ``product`` has one, else the
        user's; None when neither exists."""
        name = check_name(name)
        key = product_key(product)
        if key is not None:
            found = self.backend.read(name, key)
            if found is not None:
                return found
        return self.backend.read(name, None)

    def info(self, name: str, product: Product = None) -> SecretInfo | None:
        """What the index knows of ``name`` in exactly this scope (None: nothing)."""
        name = check_name(name)
        key = product_key(product)
        for entry in self._index():
            if entry["name"] == name and entry.get("product") == key:
                return self._info(entry)
        return None

    def delete(self, name: str, product: Product = None) -> bool:
        """Delete ``name`` from this scope only (the user's, or ``product``'s); False when it
        was not there."""
        name = check_name(name)
        key = product_key(product)
        with self._threads, lock(self.config.folder, LOCK_FILE):
            removed = self.backend.remove(name, key)
            entries = self._index()
            kept = [e for e in entries if not (e["name"] == name and e.get("product") == key)]
            if len(kept) != len(entries):
                self._write_index(kept)
                removed = True
        return removed

    def values(self, product: Product = None) -> list[str]:
        """Every value code of ``product`` can get (its own and the user's): what the pipeline
        engine masks in what a run keeps."""
        keys = [(i.name, i.product) for i in self.list(product)]
        return self.backend.read_all(keys) if keys else []

    def list(self, product: Product = None) -> list[SecretInfo]:
        """The user's secrets (without ``product``), or the product's then the user's, each
        sorted by name. Never a value."""
        key = product_key(product)
        infos = [self._info(e) for e in self._index()]
        user = sorted((i for i in infos if i.product is None), key=lambda i: i.name)
        if key is None:
            return user
        own = sorted((i for i in infos if i.product == key), key=lambda i: i.name)
        return [*own, *user]


def open_vault(
    config: SecretsConfig | None = None,
    *,
    root: Path | str | None = None,
    allow_hidden: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Vault:
    """The vault of ``config`` (default: the environment's, see :mod:`.location`). With
    ``root`` (a server's root folder), :class:`~naas_lab_ext.core.errors.Forbidden` when the
    secrets or their key are where Jupyter serves files. Opening reads nothing: files are
    read (and the key created) on first use."""
    values = os.environ if environ is None else environ
    chosen = config or SecretsConfig.from_env(values)
    if root is not None:
        chosen.check_outside(root, allow_hidden=allow_hidden)
    return Vault(chosen, choose_backend(chosen, values))
