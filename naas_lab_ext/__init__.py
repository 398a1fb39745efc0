"""naas_lab_ext: the Data Product Framework inside JupyterLab (server extension + labextension).

Where things live (one capability, one package; see docs/architecture.md):
``core`` (errors, paths, clock, files, env names), ``products``, ``templates``, ``pipelines``,
``outputs``, ``runtime`` (what notebooks get), ``rest`` (what every handler shares), ``app``
(the server extension) and ``cli`` (``naas-lab``).
"""

from __future__ import annotations

from typing import Any

from .core.version import __version__ as __version__


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "naas_lab_ext"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import NaasLabExtApp

    return [{"module": "naas_lab_ext", "app": NaasLabExtApp}]
