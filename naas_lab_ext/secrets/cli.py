"""``naas-lab secrets list|set|delete``: the secrets of the user and of the products.

``set`` reads the value from stdin when stdin is not a terminal (``naas-lab secrets set KEY <
key.txt``, a pipe), else asks for it without echoing it (twice); never from the command line,
where shell histories and process lists would keep it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.cli import api_path, store_options
from ..core.errors import InvalidInput

if TYPE_CHECKING:  # the store (SQLAlchemy) and the vault load in the commands
    from ..database.engine import Database
    from .service import SecretService

__all__ = ["add_commands", "read_value"]


def read_value(name: str, stdin: Any = None) -> str:
    """The value to store: all of stdin (without its final line break) when it is not a
    terminal, else typed twice at a prompt that does not echo."""
    stream = stdin if stdin is not None else sys.stdin
    if stream is not None and not stream.isatty():
        text = stream.read()
        if text.endswith("\n"):
            text = text[:-1]
            if text.endswith("\r"):
                text = text[:-1]
        return str(text)
    first = getpass.getpass(f"Value of {name} (not shown): ")
    if getpass.getpass("Again, to check: ") != first:
        raise InvalidInput("The two values differ: nothing was stored. Try again.", field="value")
    return first


def _service(args: argparse.Namespace, db: Database | None = None) -> SecretService:
    from ..events.store import EventStore
    from .location import SecretsConfig
    from .service import SecretService
    from .vault import open_vault

    root = Path(args.root).resolve()
    vault = open_vault(SecretsConfig.from_env(), root=root)
    return SecretService(root, vault, events=EventStore(db) if db else None, source="cli")


def _product(args: argparse.Namespace) -> str | None:
    return api_path(Path(args.root), args.product) if args.product else None


def _cmd_list(args: argparse.Namespace) -> int:
    answer = _service(args).list(_product(args))
    if args.json:
        print(json.dumps(answer, indent=2))
        return 0
    secrets = answer["secrets"]
    if not secrets:
        whose = f"of {args.product} or yours" if args.product else "of yours"
        print(f"No secret {whose} yet ({answer['backend']} backend).")
        return 0
    width = max(len(s["name"]) for s in secrets)
    for item in secrets:
        scope = f"product {item['product']}" if item["scope"] == "product" else "user"
        print(f"{item['name']:<{width}}  {scope:<24} updated {item['updated_at']}")
    print(f"({len(secrets)} secret(s), {answer['backend']} backend; values are never shown)")
    return 0


def _with_events(args: argparse.Namespace) -> tuple[SecretService, Database]:
    from ..database.engine import Database

    db = Database(args.db_url or None, what="run store")
    return _service(args, db), db


def _cmd_set(args: argparse.Namespace) -> int:
    service, db = _with_events(args)
    try:
        product = _product(args)
        service.product_root(product)  # a wrong product is said before the value is asked
        value = read_value(args.name)
        info = service.set(args.name, value, product)
    finally:
        db.close()
    where = f"of the product {info['product']}" if info["scope"] == "product" else "of yours"
    print(f"Secret {info['name']} {where} stored ({service.vault.backend_name} backend).")
    return 0


def _cmd_delete(args: argparse.Namespace) -> int:
    service, db = _with_events(args)
    try:
        service.delete(args.name, _product(args))
    finally:
        db.close()
    print(f"Secret {args.name} deleted.")
    return 0


def add_commands(sub: Any) -> None:
    """Add ``secrets list|set|delete`` to the ``naas-lab`` parser."""
    secrets = sub.add_parser(
        "secrets",
        help="API keys and tokens for runs: list, set, delete (values are never shown)",
        description="Secrets are yours or a product's (--product): a notebook gets them with "
        "naas_data_product.secret.get('NAME'), a product's first. They are kept in the OS "
        "keyring or an encrypted file ($NAAS_SECRETS_BACKEND), never in a product.",
    )
    commands = secrets.add_subparsers(dest="secrets_command", required=True)

    listing = commands.add_parser("list", help="names, scopes and update times")
    listing.add_argument("--product", help="the product's secrets too (its folder)")
    listing.add_argument("--json", action="store_true", help="print the answer as JSON")
    listing.set_defaults(func=_cmd_list)

    setting = commands.add_parser(
        "set",
        parents=[store_options()],
        help="create or replace a secret (value from stdin or a prompt, never an argument)",
        description="The value is read from stdin when it is not a terminal (e.g. "
        "`naas-lab secrets set API_KEY < key.txt`), else typed at a prompt that does not "
        "echo. It is never an argument: shell histories and process lists would keep it.",
    )
    setting.add_argument("name", help="the secret's name, e.g. OPENAI_API_KEY")
    setting.add_argument("--product", help="a secret of this product (its folder)")
    setting.set_defaults(func=_cmd_set)

    deleting = commands.add_parser("delete", parents=[store_options()], help="delete a secret")
    deleting.add_argument("name")
    deleting.add_argument("--product", help="the product's secret (its folder)")
    deleting.set_defaults(func=_cmd_delete)
