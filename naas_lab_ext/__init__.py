"""naas_lab_ext: the Data Product Framework inside JupyterLab (server extension + labextension)."""

from __future__ import annotations

from typing import Any

try:
    from ._version import __version__ as __version__
except ImportError:  # pragma: no cover - only in a source tree that was never built
    import warnings

    warnings.warn(
        "naas_lab_ext was not installed with pip; install it with `pip install -e .`",
        stacklevel=1,
    )
    __version__ = "dev"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "naas_lab_ext"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import NaasLabExtApp

    return [{"module": "naas_lab_ext", "app": NaasLabExtApp}]
