"""Secrets as the REST API and the CLI see them: products named by their folder under the
Jupyter root, answers without values, each change recorded as an event."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..core.clock import utc_now
from ..core.errors import InvalidInput, NotFound
from ..core.paths import resolve_inside
from ..events.store import EventStore
from .events import DELETED, SET, record_change
from .model import Scope, SecretInfo, check_name, check_value, product_key
from .vault import Vault

__all__ = ["MANIFEST", "SecretService"]

log = logging.getLogger(__name__)

#: What marks a folder as a data product (``products.manifest.MANIFEST_NAME``; this layer sits
#: below ``products``, a test keeps the two the same).
MANIFEST = "product.json"
MAX_PRODUCT_PATH = 4000


class SecretService:
    """The secrets of ``vault`` for the products under ``root``; changes recorded in
    ``events`` (when given) as coming from ``source`` (``api``, ``cli``)."""

    def __init__(
        self,
        root: Path,
        vault: Vault,
        *,
        events: EventStore | None = None,
        source: str = "api",
    ) -> None:
        self.root = Path(root).resolve()
        self.vault = vault
        self.events = events
        self.source = source

    def product_root(self, product: object) -> Path | None:
        """The product at API path ``product`` (None or empty: no product, the user's
        scope); 400 for a bad path, 404 when no product is there."""
        if product is None:
            return None
        if not isinstance(product, str):
            raise InvalidInput(
                "product must be the product's folder under the Jupyter root, e.g. 'sales' "
                "(or null for your own secrets).",
                field="product",
            )
        relative = product.strip().strip("/")
        if not relative:
            return None
        if len(relative.encode("utf-8", "replace")) > MAX_PRODUCT_PATH:
            raise InvalidInput("The product path is too long.", field="product")
        folder = resolve_inside(self.root, relative, field="product")
        if not (folder / MANIFEST).is_file():
            raise NotFound(
                f"'{relative}' is not a data product (no {MANIFEST} there): give a product "
                "folder, e.g. 'sales' (`naas-lab list` lists them).",
                field="product",
            )
        return folder.resolve()

    def _shown(self, info: SecretInfo) -> dict[str, Any]:
        shown = None
        if info.product is not None:
            try:
                relative = Path(info.product).relative_to(self.root).as_posix()
                shown = "" if relative == "." else relative
            except ValueError:
                shown = info.product  # a product outside this root: its full path
        return info.to_json(shown)

    def _record(self, kind: str, info: SecretInfo) -> None:
        if self.events is None:
            return
        try:
            record_change(self.events, kind, info, source=self.source)
        except Exception:
            # The change is made; the log of it is what failed.
            log.warning("The %s event of the secret '%s' was not recorded", kind, info.name)

    def list(self, product: object = None) -> dict[str, Any]:
        """``{"secrets": [...], "backend"}``: the user's secrets, or the product's then the
        user's. Never a value."""
        root = self.product_root(product)
        return {
            "secrets": [self._shown(info) for info in self.vault.list(root)],
            "backend": self.vault.backend_name,
        }

    def set(self, name: object, value: object, product: object = None) -> dict[str, Any]:
        """Create or replace the secret ``name`` (of the user, or of ``product``); its
        name, scope and update time."""
        checked = check_name(name)
        secret = check_value(value)
        info = self.vault.set(checked, secret, product=self.product_root(product))
        self._record(SET, info)
        return self._shown(info)

    def delete(self, name: object, product: object = None) -> None:
        """Delete the secret ``name`` of this scope; :class:`NotFound` when it has none."""
        checked = check_name(name)
        root = self.product_root(product)
        info = self.vault.info(checked, product=root)
        if not self.vault.delete(checked, product=root):
            whose = f"the product '{product}'" if root is not None else "you"
            raise NotFound(
                f"There is no secret '{checked}' of {whose}: `naas-lab secrets list` (or the "
                "Manager's Secrets tab) lists them.",
                field="name",
            )
        scope: Scope = "product" if root is not None else "user"
        self._record(DELETED, info or SecretInfo(checked, scope, product_key(root), utc_now()))
