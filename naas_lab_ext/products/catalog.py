"""The data products under one root, as the REST API and the CLI serve them."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from pathlib import Path

from .manifest import ProductInfo, get_product, list_products
from .scaffold import (
    RESERVED_FOLDERS,
    CreatedProduct,
    ProductSpec,
    create_product,
    remove_stale_staging,
)

__all__ = ["ProductCatalog"]


class ProductCatalog:
    """List, read and create the products under ``root``.

    ``max_depth``: folder levels searched; ``git``: make each new product a git repository;
    ``reserved``: top-level folders no product may be created in (the templates folder);
    ``framework_version``: written into each new ``product.json``.
    """

    def __init__(
        self,
        root: Path,
        *,
        framework_version: str,
        max_depth: int = 4,
        git: bool = True,
        reserved: Iterable[str] = RESERVED_FOLDERS,
    ) -> None:
        self.root = Path(root)
        self.framework_version = framework_version
        self.max_depth = max_depth
        self.git = git
        self.reserved = frozenset(reserved)

    def list(self) -> list[ProductInfo]:
        """Every product under the root, sorted by path."""
        return list_products(self.root, max_depth=self.max_depth)

    def get(self, path: str) -> ProductInfo:
        """The product at API path ``path``; :class:`~naas_lab_ext.core.errors.NotFound` if none."""
        return get_product(self.root, path)

    def create(self, spec: ProductSpec) -> CreatedProduct:
        """Scaffold a new product (see :func:`~.scaffold.create_product`)."""
        return create_product(
            self.root,
            spec,
            framework_version=self.framework_version,
            git=self.git,
            reserved=self.reserved,
        )

    def remove_stale_temporaries(self) -> builtins.list[str]:
        """Delete what killed product creations left (their hidden staging folders)."""
        return remove_stale_staging(self.root, max_depth=self.max_depth)
