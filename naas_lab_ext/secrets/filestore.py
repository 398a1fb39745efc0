"""The file backend: every value encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from
``cryptography``) in ``secrets.json`` (0600, in a 0700 folder), with a key kept apart from it:
``$NAAS_SECRETS_KEY``, else the key file (created 0600 on first use).

The caller (:class:`~.vault.Vault`) holds the vault's lock while it writes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core import env
from ..core.files import fsync_dir
from .location import SECRETS_FILE, SecretsConfig
from .model import SecretsUnavailable
from .storage import FILE_MODE, private_folder, private_temporary, read_json, write_json

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

__all__ = ["FileBackend"]

FORMAT_VERSION = 1
NEW_KEY_HELP = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


class FileBackend:
    """Values in ``<folder>/secrets.json``, encrypted with the key of ``config``."""

    name = "file"

    def __init__(self, config: SecretsConfig, environ: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.path = config.folder / SECRETS_FILE
        values = os.environ if environ is None else environ
        self._env_key = values.get(env.SECRETS_KEY, "").strip() or None
        self._fernet: Fernet | None = None

    # -- the key ----------------------------------------------------------------------------

    @property
    def key_source(self) -> str:
        """Where the key comes from, as messages name it."""
        if self._env_key:
            return f"the key in ${env.SECRETS_KEY}"
        return f"the key file {self.config.key_file}"

    def _make(self, key: bytes, source: str) -> Fernet:
        from cryptography.fernet import Fernet

        try:
            return Fernet(key)
        except (ValueError, TypeError):
            raise SecretsUnavailable(
                f"{source} is not a Fernet key (32 url-safe base64-encoded bytes). Make one with "
                f"{NEW_KEY_HELP}, or restore the right one.",
                field="key_file",
            ) from None

    def _read_key_file(self) -> bytes | None:
        path = self.config.key_file
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(FILE_MODE)
            return path.read_bytes().strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SecretsUnavailable(
                f"The secrets key file {path} cannot be read ({exc.strerror}).", field="key_file"
            ) from None

    def _create_key_file(self) -> bytes:
        """A new key in the key file (0600), unless another process made one meanwhile: the
        file appears whole (written aside, then linked) and is never replaced."""
        from cryptography.fernet import Fernet

        path = self.config.key_file
        private_folder(path.parent)
        key = Fernet.generate_key()
        temporary, fd = private_temporary(path)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(key + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, path)
            except FileExistsError:
                theirs = self._read_key_file()
                if theirs is None:  # pragma: no cover - deleted between two system calls
                    raise
                return theirs
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        fsync_dir(path.parent)
        return key

    def fernet(self, *, create: bool) -> Fernet | None:
        """The cipher; None when there is no key yet and ``create`` is False."""
        if self._fernet is not None:
            return self._fernet
        if self._env_key:
            self._fernet = self._make(self._env_key.encode("ascii", "replace"), self.key_source)
            return self._fernet
        key = self._read_key_file()
        if key is None:
            if not create:
                return None
            key = self._create_key_file()
        self._fernet = self._make(key, self.key_source)
        return self._fernet

    # -- the values -------------------------------------------------------------------------

    def _entries(self) -> list[dict[str, Any]]:
        data = read_json(self.path, "secrets file") or {}
        entries = data.get("values")
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []

    def _decrypt(self, token: Any, name: str) -> str:
        from cryptography.fernet import InvalidToken

        fernet = self.fernet(create=False)
        if fernet is None:
            raise SecretsUnavailable(
                f"The secrets in {self.path} cannot be read: {self.key_source} is missing. "
                f"Restore it (or set ${env.SECRETS_KEY}); without it the secrets are lost.",
                field="key_file",
            )
        try:
            return fernet.decrypt(str(token).encode("ascii", "replace")).decode("utf-8")
        except (InvalidToken, UnicodeDecodeError):
            raise SecretsUnavailable(
                f"The secret '{name}' in {self.path} cannot be decrypted with {self.key_source}: "
                "it was written with another key. Restore the key it was written with (or set "
                f"${env.SECRETS_KEY}), or set the secret again.",
                field="key_file",
            ) from None

    def read(self, name: str, product: str | None) -> str | None:
        for entry in self._entries():
            if entry.get("name") == name and entry.get("product") == product:
                return self._decrypt(entry.get("token"), name)
        return None

    def read_all(self, keys: list[tuple[str, str | None]]) -> list[str]:
        """The values of these (name, product) pairs that exist (to mask them)."""
        wanted = set(keys)
        return [
            self._decrypt(e.get("token"), str(e.get("name")))
            for e in self._entries()
            if (e.get("name"), e.get("product")) in wanted
        ]

    def write(self, name: str, product: str | None, value: str) -> None:
        fernet = self.fernet(create=True)
        assert fernet is not None
        token = fernet.encrypt(value.encode("utf-8")).decode("ascii")
        entries = [
            e
            for e in self._entries()
            if not (e.get("name") == name and e.get("product") == product)
        ]
        entries.append({"name": name, "product": product, "token": token})
        write_json(self.path, {"version": FORMAT_VERSION, "values": entries})

    def remove(self, name: str, product: str | None) -> bool:
        entries = self._entries()
        kept = [e for e in entries if not (e.get("name") == name and e.get("product") == product)]
        if len(kept) == len(entries):
            return False
        write_json(self.path, {"version": FORMAT_VERSION, "values": kept})
        return True
