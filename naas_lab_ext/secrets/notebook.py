"""``naas_data_product.secret``: the secrets API of notebooks, with Naas's spelling::

    import naas_data_product as naas

    naas.secret.add("OPENAI_API_KEY", "sk-...")       # once, or from the Manager / the CLI
    key = naas.secret.get("OPENAI_API_KEY")           # in the notebooks that need it
    naas.secret.get("MISSING", default_value="none")
    naas.secret.list()                                 # names and update times, no value
    naas.secret.delete("OPENAI_API_KEY")

A secret is the user's, or a product's with ``product=True`` (the notebook's product): ``get``
reads the product's first, then the user's. A pipeline run's steps read the secrets of the
run's product (``$NAAS_SECRETS_PRODUCT``: a production run reads the live product's, not its
frozen copy's). Once ``get`` (or ``add``) handed a value to this kernel, what the kernel prints
shows it as ``***`` (outputs, errors and tracebacks), and the pipeline engine masks it again in
the executed notebooks and run records it keeps.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core import env
from ..core.errors import InvalidInput
from .kernel import reveal
from .model import SecretInfo, format_time, product_key
from .vault import Vault, open_vault

__all__ = ["Secret", "secret"]


class Secret:
    """Naas's ``naas.secret``: ``add(name, secret)``, ``get(name, default_value=None)``,
    ``delete(name)``, ``list()``. ``product_root`` says which product the calling notebook
    belongs to (None: the environment's ``$NAAS_SECRETS_PRODUCT`` only)."""

    def __init__(self, product_root: Callable[[], Path | None] | None = None) -> None:
        self._product_root = product_root

    def _vault(self) -> Vault:
        return open_vault()

    def _product(self) -> Path | None:
        explicit = os.environ.get(env.SECRETS_PRODUCT, "").strip()
        if explicit:
            return Path(explicit)
        return self._product_root() if self._product_root is not None else None

    def _scope(self, product: bool) -> Path | None:
        if not isinstance(product, bool):
            raise InvalidInput(
                "product must be True (the notebook's product) or False (yours).", field="product"
            )
        if not product:
            return None
        found = self._product()
        if found is None:
            raise InvalidInput(
                "This notebook is not in a data product: use product=False (a secret of "
                "yours), or open the notebook inside a product.",
                field="product",
            )
        return found

    @staticmethod
    def _record(kind: str, info: SecretInfo) -> None:
        # Here: the events store (SQLAlchemy) loads on a change, not with naas_data_product.
        from .events import record_change_in_default_store

        record_change_in_default_store(kind, info, source="notebook")

    @staticmethod
    def _shown(info: SecretInfo) -> dict[str, Any]:
        return {"name": info.name, "scope": info.scope, "updated_at": format_time(info.updated_at)}

    def add(
        self, name: str | None = None, secret: str | None = None, *, product: bool = False
    ) -> dict[str, Any]:
        """Store ``secret`` under ``name`` (replacing it): a secret of yours, or of this
        notebook's product with ``product=True``. Returns its name, scope and update time."""
        info = self._vault().set(name, secret, product=self._scope(product))  # type: ignore[arg-type]
        reveal(str(secret))
        self._record("secret.set", info)
        return self._shown(info)

    def get(self, name: str | None = None, default_value: Any = None) -> Any:
        """The value of the secret ``name``: this notebook's product's if it has one, else
        yours; ``default_value`` when neither exists. What this kernel prints shows the value
        as ``***`` from now on."""
        value = self._vault().get(name, product=self._product())  # type: ignore[arg-type]
        if value is None:
            return default_value
        reveal(value)
        return value

    def delete(self, name: str | None = None, *, product: bool = False) -> bool:
        """Delete the secret ``name`` (yours, or the product's with ``product=True``); False
        when there was none."""
        scope = self._scope(product)
        vault = self._vault()
        info = vault.info(name, product=scope)  # type: ignore[arg-type]
        deleted = vault.delete(name, product=scope)  # type: ignore[arg-type]
        if deleted:
            from ..core.clock import utc_now

            shown = info or SecretInfo(
                str(name), "product" if scope else "user", product_key(scope), utc_now()
            )
            self._record("secret.deleted", shown)
        return deleted

    def list(self) -> list[dict[str, Any]]:
        """The secrets this notebook can get: its product's first, then yours; each
        ``{"name", "scope", "updated_at"}``, never a value."""
        return [self._shown(info) for info in self._vault().list(self._product())]

    def __repr__(self) -> str:
        return (
            "<naas_data_product.secret: secret.add(name, secret), secret.get(name, "
            "default_value=None), secret.delete(name), secret.list()>"
        )


#: The secrets of ``$NAAS_SECRETS_PRODUCT``'s product and the user's.
secret = Secret()
