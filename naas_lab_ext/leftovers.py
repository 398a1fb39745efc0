"""What killed processes leave behind, and who removes it: each capability cleans what it
makes, the server runs them all when it starts and then every :data:`INTERVAL` seconds
(:class:`~naas_lab_ext.core.housekeeping.Housekeeping`).

- products: the hidden staging folder of a product creation;
- templates: the temporary file of an "Open in Lab" or "Add to models" copy;
- outputs: the hidden temporary files (and pruned versions) of a save;
- runtime: the temporary file of a ``params.json`` write;
- pipelines: the temporary folders of kernels and of DAG reads;
- secrets: the temporary files of a vault write (the encrypted values, the index, the key).

A leftover is removed when the process its name records is gone (on this host), or, made on
another host, when it has not changed for an hour (``core.files.STALE_AFTER_SECONDS``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .core.housekeeping import Cleaner
from .outputs.store import OutputStore
from .pipelines.executors.scratch import remove_stale_scratch
from .products.catalog import ProductCatalog
from .runtime import params
from .secrets.location import SecretsConfig
from .secrets.storage import remove_stale_temporaries as remove_stale_vault_temporaries
from .templates.copies import remove_stale_copies

__all__ = ["INTERVAL", "cleaners"]

#: Seconds between two rounds (a leftover of another host is an hour old before it goes).
INTERVAL = 1800.0


def cleaners(
    root: Path,
    catalog: ProductCatalog,
    *,
    scratch: Path | None = None,
    secrets: SecretsConfig | None = None,
) -> dict[str, Cleaner]:
    """The cleaner of each capability, for the products ``catalog`` finds under ``root``
    (``scratch``: where kernels' folders are; default: the system's temporary folder;
    ``secrets``: the vault's folders, none when the server has no vault)."""

    def products() -> list[Path]:
        return [root / info.path for info in catalog.list()]

    def each_product(clean: Callable[[Path], Sequence[str]]) -> Cleaner:
        def run() -> list[str]:
            removed: list[str] = []
            for product in products():
                removed += [f"{product.relative_to(root).as_posix()}: {n}" for n in clean(product)]
            return removed

        return run

    found = {
        "products": catalog.remove_stale_temporaries,
        "templates": lambda: remove_stale_copies(root, products()),
        "outputs": each_product(lambda product: OutputStore(product).remove_stale_temporaries()),
        "runtime": each_product(params.remove_stale_temporaries),
        "pipelines": lambda: remove_stale_scratch(scratch),
    }
    if secrets is not None:
        vault = secrets
        found["secrets"] = lambda: remove_stale_vault_temporaries(
            vault.folder, vault.key_file.parent
        )
    return found
