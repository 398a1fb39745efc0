"""The keyring backend: each value in the OS keyring (macOS Keychain, Windows Credential
Locker, the Secret Service of GNOME/KDE...) through the ``keyring`` package, under the service
``naas_lab_ext`` (the user's) or ``naas_lab_ext:<product path>`` (a product's).

The keyring cannot list what it holds: the vault keeps an index of the names beside it.
"""

from __future__ import annotations

from typing import Any

from .model import SecretsUnavailable

__all__ = ["SERVICE", "KeyringBackend", "real_keyring"]

SERVICE = "naas_lab_ext"


def _is_real(backend: Any) -> bool:
    """A backend that stores something: not keyring's ``fail`` or ``null`` ones, and with a
    positive priority (keyring's own test of a usable backend)."""
    from keyring.backends import fail

    if isinstance(backend, fail.Keyring) or type(backend).__module__.endswith(".null"):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:  # a backend whose check raises is not usable here
        return False


def real_keyring() -> Any | None:
    """The keyring's backend when a real one exists here (a chainer counts when one of its
    backends is real), else None. None too when ``keyring`` is not installed."""
    try:
        import keyring
        from keyring.backends import chainer
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, chainer.ChainerBackend):
        return backend if any(_is_real(b) for b in backend.backends) else None
    return backend if _is_real(backend) else None


def _service(product: str | None) -> str:
    return SERVICE if product is None else f"{SERVICE}:{product}"


class KeyringBackend:
    """Values in the keyring ``backend`` (a ``keyring.backend.KeyringBackend``)."""

    name = "keyring"

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    @property
    def label(self) -> str:
        return type(self.backend).__name__

    def _failed(self, doing: str, name: str, exc: Exception, value: str | None = None) -> Exception:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        if value:
            reason = reason.replace(value, "***")
        return SecretsUnavailable(
            f"The OS keyring ({self.label}) could not {doing} the secret '{name}': {reason}. "
            "Unlock it, or keep the secrets in the encrypted file instead "
            "(NaasLabExtApp.secrets_backend = 'file', or NAAS_SECRETS_BACKEND=file).",
            field="secrets_backend",
        )

    def read(self, name: str, product: str | None) -> str | None:
        try:
            value = self.backend.get_password(_service(product), name)
        except Exception as exc:
            raise self._failed("read", name, exc) from None
        return value if isinstance(value, str) and value else None

    def read_all(self, keys: list[tuple[str, str | None]]) -> list[str]:
        found = (self.read(name, product) for name, product in keys)
        return [value for value in found if value is not None]

    def write(self, name: str, product: str | None, value: str) -> None:
        try:
            self.backend.set_password(_service(product), name, value)
        except Exception as exc:
            raise self._failed("store", name, exc, value) from None

    def remove(self, name: str, product: str | None) -> bool:
        from keyring.errors import PasswordDeleteError

        if self.read(name, product) is None:
            return False
        try:
            self.backend.delete_password(_service(product), name)
        except PasswordDeleteError:
            return False
        except Exception as exc:
            raise self._failed("delete", name, exc) from None
        return True
