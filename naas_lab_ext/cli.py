"""``naas-lab``: the headless commands, over the same domain code as the REST API.

Each capability adds its own sub-commands (``products/cli.py``, ``outputs/cli.py``,
``templates/cli.py``, ``pipelines/cli.py``); this module holds the parser and the exit codes.

Exit codes: 0 success, 1 unexpected failure, 2 bad input (including bad arguments and a
pipeline that cannot be read), 3 not found, 4 conflict (something already exists),
5 forbidden. ``naas-lab run``: 6 the run FAILED, 7 it was CANCELLED (Ctrl-C, or
``naas-lab runs cancel`` from elsewhere), 8 it was INTERRUPTED.
``naas-lab templates sync``: 6 the sync finished but a source failed (its previous
templates were kept). ``naas-lab deploy``: 6 the deployment FAILED (the previous one stays
active). ``naas-lab notify test``: 6 a test notification was not delivered.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .core.errors import Conflict, Forbidden, InvalidInput, NaasError, NotFound, code_for
from .core.version import __version__

# Start-up time: each capability's cli module is imported when the parser is built, and each
# imports its heavy modules (SQLAlchemy, nbformat, papermill, the services) only inside the
# commands that use them, so `naas-lab --help` stays fast; `--version` imports none of them.

EXIT_CODES: dict[type[NaasError], int] = {InvalidInput: 2, NotFound: 3, Conflict: 4, Forbidden: 5}


def exit_code(error: NaasError) -> int:
    """The exit code of a domain error (its nearest mapped class; 2 by default)."""
    return code_for(error, EXIT_CODES, 2)


def build_parser() -> argparse.ArgumentParser:
    from .deploy import cli as deploy_cli
    from .events import cli as events_cli
    from .notifications import cli as notifications_cli
    from .outputs import cli as outputs_cli
    from .pipelines import cli as pipelines_cli
    from .products import cli as products_cli
    from .scheduler import cli as scheduler_cli
    from .secrets import cli as secrets_cli
    from .templates import cli as templates_cli

    parser = argparse.ArgumentParser(
        prog="naas-lab", description="Data products from the command line (naas_lab_ext)."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--root", default=".", help="the Jupyter root folder paths are relative to (default: .)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    products_cli.add_commands(sub)
    outputs_cli.add_commands(sub)
    templates_cli.add_commands(sub)
    pipelines_cli.add_commands(sub)
    # The headless scheduler sends notifications too (the scheduler knows nothing of them).
    scheduler_cli.add_commands(sub, companions=[notifications_cli.SCHEDULER_COMPANION])
    deploy_cli.add_commands(sub)
    events_cli.add_commands(sub)
    notifications_cli.add_commands(sub)
    secrets_cli.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if list(sys.argv[1:] if argv is None else argv) == ["--version"]:
        print(f"naas-lab {__version__}")  # what the parser's --version prints
        return 0
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except NaasError as error:
        where = f" ({error.field})" if error.field else ""
        print(f"naas-lab: error{where}: {error.message}", file=sys.stderr)
        return exit_code(error)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
