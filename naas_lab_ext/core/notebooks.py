"""The kernel metadata a notebook gets when JupyterLab opens it with the default kernel.

JupyterLab writes ``kernelspec`` and ``language_info`` into a notebook as soon as its kernel
starts; when they differ from what the file holds, the notebook shows as modified although
nobody touched it ("Save changes?" on close). Notebooks the extension writes for the user
(a new product's notebooks, template copies) carry them already, so they open clean.
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_KERNEL = "python3"


@functools.lru_cache(maxsize=1)
def default_kernelspec() -> dict[str, str]:
    """``kernelspec`` metadata of the default Python kernel, as JupyterLab writes it."""
    display_name, language = "Python 3 (ipykernel)", "python"
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec(DEFAULT_KERNEL)
        display_name, language = spec.display_name or display_name, spec.language or language
    except Exception:  # no kernel spec: ipykernel's own names
        log.debug("No %s kernel spec: using ipykernel's names", DEFAULT_KERNEL, exc_info=True)
    return {"display_name": display_name, "language": language, "name": DEFAULT_KERNEL}


def python_language_info() -> dict[str, Any]:
    """``language_info`` of an ipykernel kernel running this Python (its kernel_info reply)."""
    return {
        "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": f"ipython{sys.version_info[0]}",
        "version": sys.version.split()[0],
    }


def with_kernel_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """``metadata`` with the default kernel's ``kernelspec`` and ``language_info``, for a
    notebook meant for the default Python kernel (no kernelspec, or the ``python3`` one);
    a notebook written for another kernel keeps its own."""
    kernelspec = metadata.get("kernelspec")
    if isinstance(kernelspec, dict) and kernelspec.get("name") not in (None, DEFAULT_KERNEL):
        return metadata
    return {
        **metadata,
        "kernelspec": default_kernelspec(),
        "language_info": python_language_info(),
    }
