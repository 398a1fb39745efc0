"""The jupyter_server extension: configuration (traitlets) and wiring."""

from __future__ import annotations

from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Int, Unicode

from . import __version__
from .handlers import route_table


class NaasLabExtApp(ExtensionApp):
    """Serves the naas_lab_ext REST API under ``/naas-lab-ext/``.

    Configure it like any Jupyter app, e.g. in ``jupyter_server_config.py``::

        c.NaasLabExtApp.git_init = False
    """

    name = "naas_lab_ext"
    description = __doc__ or ""
    load_other_extensions = True

    products_root = Unicode(
        "",
        config=True,
        help=(
            "Folder under which products are created and listed. Empty (the default) means the "
            "server's root_dir. Must be the root_dir or inside it."
        ),
    )
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

    @property
    def root(self) -> Path:
        """The folder every path of the API is relative to."""
        assert self.serverapp is not None, "the extension is not loaded by a server"
        server_root = Path(self.serverapp.root_dir).expanduser().resolve()
        if not self.products_root:
            return server_root
        root = Path(self.products_root).expanduser()
        root = (root if root.is_absolute() else server_root / root).resolve()
        if root != server_root and server_root not in root.parents:
            raise ValueError(
                f"NaasLabExtApp.products_root ({root}) must be inside the server root "
                f"({server_root})"
            )
        return root

    def initialize_settings(self) -> None:
        self.log.info("naas_lab_ext %s: products under %s", __version__, self.root)

    def initialize_handlers(self) -> None:
        self.handlers.extend(route_table())
