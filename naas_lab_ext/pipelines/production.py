"""Production runs: a deployment's frozen copy, executed with the deployment's kernel and
recorded against the live product.

A deploy freezes a product (its models, utils, inputs...) into a copy outside the product, and
prepares an environment for its runs. A production run reads the notebooks of that copy, so
editing a notebook after a deploy changes nothing until the next deploy; but its run record,
its executed notebooks and the outputs it saves land in the live product, where the panel,
the Outputs section and ``load()`` see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core import env

__all__ = ["Production", "ProductionRequest"]


@dataclass(frozen=True)
class Production:
    """Where and how a deployment's runs execute."""

    deployment_id: str
    copy_root: Path
    """The frozen copy of the product: the notebooks, utils and inputs a run reads."""
    product_root: Path
    """The live product: the run is recorded against it, its executed notebooks and outputs
    are written there."""
    kernel_name: str | None = None
    """The deployment's kernel (its own environment); None: each notebook's own kernel."""
    kernel_dirs: tuple[Path, ...] = ()
    """Where the deployment's kernelspec is (it is kept out of Lab's launcher)."""
    env: Mapping[str, str] = field(default_factory=dict)
    """What the deployment's environment adds to a kernel's (PATH, VIRTUAL_ENV...)."""

    def environment(self) -> dict[str, str]:
        """The environment variables a production kernel gets on top of the engine's."""
        return {
            **self.env,
            env.DEPLOYMENT_ID: self.deployment_id,
            env.PRODUCT_OUTPUTS: str(self.product_root / "outputs"),
            # the live product's secrets, not the frozen copy's (setup.ipynb reads them too)
            env.SECRETS_PRODUCT: str(self.product_root),
        }


@dataclass(frozen=True)
class ProductionRequest:
    """A production run to start: the deployment's pipeline notebook (its path in the
    product, e.g. ``models/__pipeline__.ipynb``) and the run's parameters."""

    production: Production
    pipeline: str
    parameters: Mapping[str, Any] | None = None
