"""Where the secrets are kept and with which backend: the configuration every process shares.

- **backend**: ``auto`` (the OS keyring when a real one exists, else the encrypted file),
  ``keyring`` or ``file`` (``NaasLabExtApp.secrets_backend``, ``$NAAS_SECRETS_BACKEND``);
- **folder**: ``secrets.json`` (the file backend's encrypted values) and the index of names
  (both backends): ``$NAAS_SECRETS_DIR``, default ``<Jupyter data dir>/naas_lab_ext``;
- **key file**: the Fernet key of the file backend, kept apart from the values:
  ``$NAAS_SECRETS_KEY_FILE``, default ``<Jupyter config dir>/naas_lab_ext/secrets.key``
  (``$NAAS_SECRETS_KEY`` gives the key itself instead).

A server exports what it chose (:meth:`SecretsConfig.exports`) so its kernels, pipeline steps
and the scheduler read the same vault. Neither place may be served by Jupyter: inside the
server's root they are refused, unless under a hidden folder Jupyter does not serve (a root
of ``~`` holds ``~/.jupyter`` and ``~/.local``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core import env
from ..core.errors import Forbidden, InvalidInput

__all__ = [
    "BACKENDS",
    "INDEX_FILE",
    "KEY_FILE",
    "LOCK_FILE",
    "SECRETS_FILE",
    "SecretsConfig",
    "check_backend",
    "default_folder",
    "default_key_file",
]

BACKENDS = ("auto", "keyring", "file")
SECRETS_FILE = "secrets.json"
INDEX_FILE = "secrets-index.json"
LOCK_FILE = ".secrets.lock"
KEY_FILE = "secrets.key"


def default_folder() -> Path:
    """``<Jupyter data dir>/naas_lab_ext``."""
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "naas_lab_ext"


def default_key_file() -> Path:
    """``<Jupyter config dir>/naas_lab_ext/secrets.key``: apart from the data dir."""
    from jupyter_core.paths import jupyter_config_dir

    return Path(jupyter_config_dir()) / "naas_lab_ext" / KEY_FILE


def check_backend(value: object, *, field: str = "secrets_backend") -> str:
    """``value`` (any case) if it is a backend name, else :class:`InvalidInput`."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if text not in BACKENDS:
        raise InvalidInput(
            f"{field} must be one of {', '.join(BACKENDS)}, not {str(value)[:40]!r}.",
            field=field,
        )
    return text


def _absolute(text: str) -> Path:
    return Path(text).expanduser().absolute()


def _hidden_below(root: Path, path: Path) -> bool:
    """True when ``path`` (real) is under a hidden folder of ``root`` (real)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    return any(part.startswith(".") for part in parts)


@dataclass(frozen=True)
class SecretsConfig:
    """The backend, the folder of the values and the index, and the key file."""

    backend: str
    folder: Path
    key_file: Path

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        backend: str | None = None,
        folder: Path | str | None = None,
        key_file: Path | str | None = None,
    ) -> SecretsConfig:
        """The configuration the arguments give, else the environment, else the defaults."""
        values = os.environ if environ is None else environ
        chosen = backend if backend else values.get(env.SECRETS_BACKEND, "").strip() or "auto"
        where = str(folder) if folder else values.get(env.SECRETS_DIR, "").strip()
        key = str(key_file) if key_file else values.get(env.SECRETS_KEY_FILE, "").strip()
        return cls(
            backend=check_backend(chosen, field=env.SECRETS_BACKEND if not backend else "backend"),
            folder=_absolute(where) if where else default_folder(),
            key_file=_absolute(key) if key else default_key_file(),
        ).checked()

    def checked(self) -> SecretsConfig:
        """The same configuration, or :class:`InvalidInput` when the key file is kept with
        the values it protects."""
        folder = Path(os.path.realpath(self.folder))
        key = Path(os.path.realpath(self.key_file))
        if key == folder or folder in key.parents:
            raise InvalidInput(
                f"The secrets key file {self.key_file} is inside the secrets folder "
                f"{self.folder}: keep the key apart from the values it encrypts (set "
                f"{env.SECRETS_KEY_FILE} to a file in another folder).",
                field="key_file",
            )
        return self

    def check_outside(self, root: Path | str, *, allow_hidden: bool = False) -> None:
        """:class:`Forbidden` when the secrets folder or the key file is inside ``root`` (a
        server's root: Jupyter would serve them), unless under a hidden folder and Jupyter
        does not serve hidden files (``allow_hidden`` False, its default)."""
        real_root = Path(os.path.realpath(root))
        for what, path, variable in (
            ("secrets folder", self.folder, env.SECRETS_DIR),
            ("secrets key file", self.key_file, env.SECRETS_KEY_FILE),
        ):
            real = Path(os.path.realpath(path))
            inside = real == real_root or real_root in real.parents
            if inside and (allow_hidden or not _hidden_below(real_root, real)):
                raise Forbidden(
                    f"The {what} {path} is inside the Jupyter root {root}, where Jupyter would "
                    f"serve it: set {variable} to a place outside the root.",
                    field="secrets_dir" if variable == env.SECRETS_DIR else "key_file",
                )

    def exports(self, backend: str) -> dict[str, str]:
        """What a server sets in its kernels' environment: the backend it uses (``keyring``
        or ``file``), the folder and the key file. Never a key, never a value."""
        return {
            env.SECRETS_BACKEND: backend,
            env.SECRETS_DIR: str(self.folder),
            env.SECRETS_KEY_FILE: str(self.key_file),
        }
