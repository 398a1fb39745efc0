"""The jupyter_server extension: configuration (traitlets) and wiring."""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Int, TraitError, validate

from . import __version__
from .handlers import route_table
from .product.runtime import KEEP_VERSIONS_ENV


class NaasLabExtApp(ExtensionApp):
    """Serves the naas_lab_ext REST API under ``/naas-lab-ext/``.

    Configure it like any Jupyter app, e.g. in ``jupyter_server_config.py``::

        c.NaasLabExtApp.git_init = False
    """

    name = "naas_lab_ext"
    description = __doc__ or ""
    load_other_extensions = True

    git_init = Bool(
        True,
        config=True,
        help="Make each new product a git repository with an initial commit (when git exists).",
    )
    products_max_depth = Int(
        4,
        config=True,
        help="How many folder levels below the root are searched for products.",
    )

    outputs_keep_versions = Int(
        0,
        config=True,
        help=(
            "How many versions of each output dataset to keep, pruning the oldest when a new "
            "one is saved; 0 (the default) keeps them all. A product overrides it in its "
            'product.json ("outputs": {"keep_versions": N}). Applies to the kernels and '
            "pipeline runs this server starts, through the NAAS_OUTPUTS_KEEP environment "
            "variable."
        ),
    )

    @validate("outputs_keep_versions")
    def _check_keep(self, proposal: dict[str, object]) -> object:
        value = proposal["value"]
        if not isinstance(value, int) or value < 0:
            raise TraitError("outputs_keep_versions must be 0 (keep all) or more")
        return value

    _saved_keep_env: str | None = None

    @property
    def root(self) -> Path:
        """The server's root folder: every path of the API is relative to it."""
        assert self.serverapp is not None, "the extension is not loaded by a server"
        return Path(self.serverapp.root_dir).expanduser().resolve()

    def initialize_settings(self) -> None:
        self.log.info("naas_lab_ext %s: products under %s", __version__, self.root)
        if self.outputs_keep_versions:
            # Kernels and pipeline steps inherit the server's environment: this is how the
            # setting reaches the notebooks' save().
            self._saved_keep_env = os.environ.get(KEEP_VERSIONS_ENV)
            os.environ[KEEP_VERSIONS_ENV] = str(self.outputs_keep_versions)

    async def stop_extension(self) -> None:
        if self.outputs_keep_versions:
            if self._saved_keep_env is None:
                os.environ.pop(KEEP_VERSIONS_ENV, None)
            else:
                os.environ[KEEP_VERSIONS_ENV] = self._saved_keep_env

    def initialize_handlers(self) -> None:
        self.handlers.extend(route_table())
