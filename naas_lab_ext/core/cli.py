"""What every capability's command line shares: the run store option, paths as a shell gives
them. (The entry point and the exit codes are :mod:`naas_lab_ext.cli`'s.)"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["api_path", "store_options"]


def store_options() -> argparse.ArgumentParser:
    """The ``--db-url`` option of every command that reads or writes the run store (a parent
    parser)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db-url",
        help="SQLAlchemy URL of the run store (default: $NAAS_LAB_DB_URL, else the Jupyter "
        "data dir)",
    )
    return common


def api_path(root: Path, given: str) -> str:
    """A path as the shell completes it: an absolute one inside the root becomes relative to
    it; anything else is left for the domain to check (and explain)."""
    if Path(given).is_absolute():
        try:
            return Path(given).resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            pass  # resolve_inside explains what is wrong
    return given
