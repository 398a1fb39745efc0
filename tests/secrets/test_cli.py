"""``naas-lab secrets list|set|delete``: the value from stdin or a prompt, never from argv;
scopes; exit codes; events; no value in any output."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.cli import main
from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.database.engine import Database
from naas_lab_ext.events.store import EventStore
from naas_lab_ext.secrets import cli as secrets_cli
from naas_lab_ext.secrets.vault import open_vault
from tests.notebooks import make_product
from tests.secrets.conftest import SECRET_VALUE


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = (tmp_path / "root").resolve()
    folder.mkdir()
    make_product(folder, "sales")
    return folder


def naas(root: Path, *args: str, stdin: str | None = None, monkeypatch: Any = None) -> int:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["--root", str(root), "secrets", *args])


def test_set_list_delete_from_the_command_line(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    run_store_url: str,
) -> None:
    # A user's secret from a pipe (its final line break dropped), a product's too
    assert naas(root, "set", "API_KEY", stdin=SECRET_VALUE + "\n", monkeypatch=monkeypatch) == 0
    assert (
        naas(
            root,
            "set",
            "API_KEY",
            "--product",
            "sales",
            stdin="product-value-9",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    assert open_vault().get("API_KEY") == SECRET_VALUE
    assert open_vault().get("API_KEY", product=root / "sales") == "product-value-9"
    # Listed, as text and JSON, product first
    assert naas(root, "list", "--product", str(root / "sales")) == 0
    assert naas(root, "list", "--json") == 0
    out = capsys.readouterr().out
    assert "API_KEY  product sales" in out and "values are never shown" in out
    answer = json.loads(out[out.index("{") :])
    assert answer["backend"] == "file"
    assert [(s["name"], s["scope"]) for s in answer["secrets"]] == [("API_KEY", "user")]
    # Deleted, then not found (exit 3)
    assert naas(root, "delete", "API_KEY", "--product", "sales") == 0
    assert naas(root, "delete", "API_KEY", "--product", "sales") == 3
    assert open_vault().get("API_KEY", product=root / "sales") == SECRET_VALUE
    captured = capsys.readouterr()
    assert "There is no secret 'API_KEY'" in captured.err
    # Each change is an event from the command line; no value anywhere
    events = EventStore(Database(run_store_url)).page(kinds=["secret.set", "secret.deleted"])
    assert [(e.kind, e.details["source"]) for e in reversed(events.events)] == [
        ("secret.set", "cli"),
        ("secret.set", "cli"),
        ("secret.deleted", "cli"),
    ]
    texts = out + captured.out + captured.err + str([e.to_json() for e in events.events])
    assert SECRET_VALUE not in texts and "product-value-9" not in texts


def test_the_value_is_never_an_argument(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--root", str(root), "secrets", "set", "API_KEY", SECRET_VALUE])
    assert caught.value.code == 2
    assert open_vault().list() == []


def test_bad_input_exit_codes(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert naas(root, "set", "9bad", stdin="value", monkeypatch=monkeypatch) == 2
    assert naas(root, "set", "OK", stdin="", monkeypatch=monkeypatch) == 2
    assert naas(root, "set", "OK", "--product", "nowhere", stdin="v", monkeypatch=monkeypatch) == 3
    assert naas(root, "set", "OK", "--product", "../up", stdin="v", monkeypatch=monkeypatch) == 2
    assert naas(root, "list", "--product", "nowhere") == 3
    assert open_vault().list() == []


def test_a_terminal_is_asked_twice_without_echo(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter([SECRET_VALUE, SECRET_VALUE, "one", "two"])
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(secrets_cli.getpass, "getpass", getpass)
    assert secrets_cli.read_value("API_KEY", Terminal()) == SECRET_VALUE
    assert prompts == ["Value of API_KEY (not shown): ", "Again, to check: "]
    with pytest.raises(InvalidInput, match="differ"):
        secrets_cli.read_value("API_KEY", Terminal())


def test_a_real_pipe(root: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "naas_lab_ext.cli", "--root", str(root), "secrets", "set", "PIPED"],
        input=SECRET_VALUE + "\r\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Secret PIPED of yours stored (file backend)." in done.stdout
    assert SECRET_VALUE not in done.stdout + done.stderr
    assert open_vault().get("PIPED") == SECRET_VALUE
