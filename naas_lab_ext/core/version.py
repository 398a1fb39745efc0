"""The version of naas_lab_ext (written by the build into ``naas_lab_ext/_version.py``)."""

from __future__ import annotations

try:
    from .._version import __version__ as __version__
except ImportError:  # pragma: no cover - only in a source tree that was never built
    import warnings

    warnings.warn(
        "naas_lab_ext was not installed with pip; install it with `pip install -e .`",
        stacklevel=1,
    )
    __version__ = "dev"

__all__ = ["__version__"]
