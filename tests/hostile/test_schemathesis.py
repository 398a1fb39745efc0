"""Schemathesis over the spec the server itself serves (GET /naas-lab-ext/openapi.yaml):
every operation, with the spec's examples, its boundary values (coverage) and generated
requests (valid and not), must answer without a server error, with a status the spec lists,
in the content type and body schema it declares.

Bounded and reproducible: the schemathesis CLI in deterministic mode (no random seed, no
example database), NAAS_FUZZ_EXAMPLES examples per operation (default 25), no shrinking, a
time budget (BUDGET); one server (a subprocess on a loopback port) for the module. To see it
fail, NAAS_FUZZ_HOOKS names a hooks module of your own (e.g. one whose ``after_call`` turns an
answer into a 500).

Nothing is excluded. The root holds one product whose name is in none of the spec's examples,
so no generated request names a pipeline to run or a product to deploy: the routes that
execute notebooks or deploy answer their 4xx here, and the hostile corpus (test_corpus.py)
sends them every hostile value. Webhook URLs of POST notifications/test are replaced by a
loopback address on a closed port (fuzz_hooks.py): the server never reaches out to a
generated host.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.outputs.store import OutputStore
from naas_lab_ext.products.scaffold import ProductSpec, create_product

EXAMPLES = int(os.environ.get("NAAS_FUZZ_EXAMPLES", "25"))
#: Seconds the whole run may take (the test fails past it).
BUDGET = 600
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
PRODUCT = "fuzzed"  # in none of the spec's examples: nothing is run or deployed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A Jupyter server with naas_lab_ext on 127.0.0.1, its root holding one product with
    outputs; everything it keeps (store, secrets, index, deployments) in a temporary folder."""
    base = tmp_path_factory.mktemp("fuzz")
    root = base / "root"
    root.mkdir()
    create_product(root, ProductSpec(name=PRODUCT), framework_version="test", git=False)
    OutputStore(root / PRODUCT, environ={}).save(b"id\n1\n", "raw/orders/orders.csv")
    config = base / "config.json"
    config.write_text(
        json.dumps(
            {
                "ServerApp": {
                    "jpserver_extensions": {
                        "naas_lab_ext": True,
                        "jupyterlab": False,
                        "jupyter_lsp": False,
                        "notebook_shim": False,
                    }
                },
                "NaasLabExtApp": {
                    "templates_sync_at_start": False,
                    "templates_sync_interval": 0.0,
                    "scheduler_enabled": False,
                    "templates_index_dir": str(base / "index"),
                    "deployments_dir": str(base / "deployments"),
                },
            }
        )
    )
    token, port = secrets.token_hex(16), free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(base / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(base / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(base / "jupyter-runtime"),
        "NAAS_LAB_DB_URL": f"sqlite:///{base / 'runs.sqlite'}",
        "NAAS_SECRETS_BACKEND": "file",
        "NAAS_SECRETS_DIR": str(base / "secrets"),
        "NAAS_SECRETS_KEY_FILE": str(base / "secrets-key" / "secrets.key"),
    }
    env.pop("NAAS_SECRETS_KEY", None)
    log = (base / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--config={config}",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--port-retries=0",
            "--no-browser",
            "--allow-root",  # CI runs as root
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={token}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"token {token}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(f"{url}/naas-lab-ext/status", headers=headers)
                with urllib.request.urlopen(request, timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "The fuzzed server did not start:\n"
                    + (base / "server.log").read_text(errors="replace")[-3000:]
                )
            time.sleep(0.2)
        yield {"url": url, "headers": headers, "root": root, "log": base / "server.log"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_every_operation_answers_as_the_spec_says(server: dict[str, Any], tmp_path: Path) -> None:
    # When schemathesis tests every operation of the spec the server serves
    report = tmp_path / "report.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{server['url']}/naas-lab-ext/openapi.yaml",
        "--header",
        f"Authorization: {server['headers']['Authorization']}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(EXAMPLES),
        "--generation-deterministic",  # no example database either
        "--no-shrink",
        # One worker: with two, hypothesis's ast.parse in two threads trips CPython 3.11
        # ("SystemError: AST constructor recursion depth mismatch"), and the order is fixed.
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    hooks = os.environ.get("NAAS_FUZZ_HOOKS", "tests.hostile.fuzz_hooks")
    repository = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(filter(None, [repository, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "SCHEMATHESIS_HOOKS": hooks, "PYTHONPATH": path, "NO_COLOR": "1"}
    started = time.monotonic()
    done = subprocess.run(
        command,
        env=env,
        cwd=tmp_path,  # its cache of past failures (replayed by later runs) stays there
        capture_output=True,
        text=True,
        timeout=BUDGET,
        check=False,
    )
    elapsed = time.monotonic() - started
    output = done.stdout + done.stderr
    summary = "\n".join(output.splitlines()[-60:])
    print(f"\nschemathesis ({elapsed:.0f} s):\n{summary}")
    # Then it found nothing: no server error, no answer the spec does not declare
    assert done.returncode == 0, f"schemathesis found problems:\n{output[-20000:]}"
