"""What a notebook sees of its data product: where it is and its folders.

The product of a notebook is the nearest folder holding a ``product.json``, from the working
directory upwards (a kernel started by JupyterLab runs in the notebook's folder), unless the
environment variable ``NAAS_PRODUCT_ROOT`` names it explicitly (see
:mod:`naas_lab_ext.core.env` for every variable the engine and the server set).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core import env as env_names
from ..core.errors import NotFound
from ..products.manifest import MANIFEST_NAME, find_product_root

HOW_TO_CREATE = (
    'Create one with `naas-lab new <name>` in a terminal or the "New data product" command '
    "in JupyterLab, and open your notebook inside it; or set NAAS_PRODUCT_ROOT to the folder "
    "of an existing product."
)


class NotInProduct(NotFound, ImportError):
    """No data product encloses the working directory (an ImportError for the facade)."""

    def __init__(self, message: str) -> None:
        NotFound.__init__(self, message)
        ImportError.__init__(self, message, name="naas_data_product")


def locate_product(
    start: Path | str | None = None, *, environ: Mapping[str, str] | None = None
) -> Path:
    """The product folder: ``NAAS_PRODUCT_ROOT`` if set, else the nearest ``product.json``
    from ``start`` (default: the working directory) upwards.

    Raises :class:`NotInProduct` saying how to create a product.
    """
    env = os.environ if environ is None else environ
    explicit = env.get(env_names.PRODUCT_ROOT, "").strip()
    if explicit:
        root = Path(explicit).expanduser().resolve()
        if not (root / MANIFEST_NAME).is_file():
            raise NotInProduct(
                f"{env_names.PRODUCT_ROOT}={explicit} is not a data product (it has no "
                f"{MANIFEST_NAME}). Point it at a product folder, or unset it. {HOW_TO_CREATE}"
            )
        return root
    begin = Path(start if start is not None else Path.cwd()).expanduser().resolve()
    if begin.is_file():
        begin = begin.parent
    found = find_product_root(begin)
    if found is None:
        raise NotInProduct(
            f"'{begin}' is not inside a data product: neither it nor any folder above it has a "
            f"{MANIFEST_NAME}. {HOW_TO_CREATE}"
        )
    return found


@dataclass(frozen=True)
class ProductPaths:
    """The absolute folders of a product, as notebooks know them (``ROOT_PATH``...)."""

    root: Path
    assets: Path
    inputs: Path
    models: Path
    outputs: Path
    tests: Path
    utils: Path

    @classmethod
    def of(cls, root: Path, *, environ: Mapping[str, str] | None = None) -> ProductPaths:
        """The folders of the product at ``root``. Its outputs folder is ``NAAS_PRODUCT_OUTPUTS``
        when set (a production run reads a deployment's frozen copy and writes into the live
        product's outputs), else ``root/outputs``."""
        env = os.environ if environ is None else environ
        outputs = env.get(env_names.PRODUCT_OUTPUTS, "").strip()
        return cls(
            root=root,
            assets=root / "assets",
            inputs=root / "inputs",
            models=root / "models",
            outputs=Path(outputs) if outputs else root / "outputs",
            tests=root / "tests",
            utils=root / "utils",
        )

    def constants(self) -> dict[str, Path]:
        """``{"ROOT_PATH": ..., "INPUTS_PATH": ...}``: the names notebooks import."""
        return {
            "ROOT_PATH": self.root,
            "ASSETS_PATH": self.assets,
            "INPUTS_PATH": self.inputs,
            "MODELS_PATH": self.models,
            "OUTPUTS_PATH": self.outputs,
            "TESTS_PATH": self.tests,
            "UTILS_PATH": self.utils,
        }
