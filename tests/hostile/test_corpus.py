"""Every hostile value of the corpus, in every path, query and body field of every route of
openapi.yaml (discovered from the spec), against one server whose root holds symbolic links
into the templates folder and out of the root.

What must hold: never a 5xx, never an HTML page, every error a JSON object with a message;
nothing written outside the root or into the templates folder; no header built from an
unsafe value.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from tests.notebooks import pipeline_notebook, write_notebook

from .corpus import (
    ABSOLUTE_CANARY,
    LINK_DANGLING,
    LINK_INTO_TEMPLATES,
    LINK_LOOP,
    LINK_OUT,
    LINK_TO_TEMPLATE_PRODUCT,
    LINK_TO_TEMPLATES,
    MODELS_LINKED,
    RAW_BODIES,
    VALUES,
    Operation,
    fits,
    operations,
)

VERSION = "2026-11-23T08.00.00.000Z"
#: Values of the fields a request needs besides the one under attack. They name nothing
#: that runs: a pipeline that does not exist, a product that cannot be deployed.
FILLERS: dict[str, Any] = {
    "product": "sales",
    "dataset": "raw/orders",
    "version": "latest",
    "file": "orders.csv",
    "id": "src/nb.ipynb",
    "pipeline": "sales/models/no-such-pipeline.ipynb",
    "value": "v",
    "path": "sales",
    "template_id": "src/nb.ipynb",
    "run_id": "no-such-run",
    "schedule_id": "no-such-schedule",
    "deployment_id": "no-such-deployment",
    "name": "hostile_secret",
}
FILLER_OVERRIDES: dict[tuple[str, str], Any] = {
    ("POST /deployments", "product"): "no-such-product",
    ("GET /pipelines/{path}", "path"): "sales/models/no-such-pipeline.ipynb",
}
#: Answers that are not JSON by design.
NOT_JSON = {("GET /openapi.yaml", 200), ("GET /outputs/file", 200)}
PIPELINE = """
pipeline = Pipeline("hostile")
pipeline >> DummyStep("One") >> End()
pipeline.run()
"""
CONCURRENCY = 12
QUIET = ("ServerApp", "NaasLabExtApp", "tornado.access", "tornado.application", "tornado.general")


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"naas_lab_ext": True}},
        "NaasLabExtApp": {
            "templates_sync_at_start": False,
            "templates_sync_interval": 0.0,
            "scheduler_enabled": False,
        },
    }


@pytest.fixture
def layout(root: Path, tmp_path: Path) -> dict[str, Path]:
    """The root's hostile surroundings: a templates folder holding a product with a pipeline,
    a product whose outputs and models lead elsewhere, and links in and out of the root."""
    outside = tmp_path / "outside"
    (outside / "product" / "models").mkdir(parents=True)
    (outside / "secret.txt").write_text("outside the root\n")
    (outside / "product" / "product.json").write_text(json.dumps({"name": "product"}))
    pipeline_notebook(outside / "product" / "models" / "__pipeline__.ipynb", PIPELINE)
    (outside / "escaped" / VERSION).mkdir(parents=True)
    (outside / "escaped" / VERSION / "leak.csv").write_text("a,b\n")

    templates = root / "__templates__"
    write_notebook(templates / "src" / "nb.ipynb", "print('template')")
    prod = templates / "src" / "prod"
    (prod / "models").mkdir(parents=True)
    (prod / "product.json").write_text(json.dumps({"name": "prod"}))
    pipeline_notebook(prod / "models" / "__pipeline__.ipynb", PIPELINE)

    sales = root / "sales"
    (sales / "models").mkdir(parents=True)
    (sales / "product.json").write_text(json.dumps({"name": "sales", "title": "Sales"}))
    orders = sales / "outputs" / "raw" / "orders"
    (orders / VERSION).mkdir(parents=True)
    (orders / VERSION / "orders.csv").write_text("id\n1\n")
    (orders / "latest").mkdir()
    os.link(orders / VERSION / "orders.csv", orders / "latest" / "orders.csv")
    # a version folder, and a version file, that lead out of the root
    (sales / "outputs" / "raw" / "escaped").mkdir()
    (sales / "outputs" / "raw" / "escaped" / VERSION).symlink_to(outside / "escaped" / VERSION)
    (sales / "outputs" / "raw" / "leak" / VERSION).mkdir(parents=True)
    (sales / "outputs" / "raw" / "leak" / VERSION / "secret.txt").symlink_to(outside / "secret.txt")
    (sales / "models" / "linked").symlink_to(templates / "src")
    (root / MODELS_LINKED).mkdir()
    (root / MODELS_LINKED / "product.json").write_text(json.dumps({"name": MODELS_LINKED}))
    (root / MODELS_LINKED / "models").symlink_to(templates / "src")

    (root / LINK_TO_TEMPLATES).symlink_to(templates)
    (root / LINK_INTO_TEMPLATES).symlink_to(templates / "src")
    (root / LINK_TO_TEMPLATE_PRODUCT).symlink_to(prod)
    (root / LINK_OUT).symlink_to(outside)
    (root / LINK_LOOP).symlink_to(root / LINK_LOOP)
    (root / LINK_DANGLING).symlink_to(outside / "missing")
    shutil.rmtree(Path(ABSOLUTE_CANARY).parent, ignore_errors=True)
    return {"templates": templates, "outside": outside}


@pytest.fixture
def quiet_logs() -> Iterator[None]:
    """Errors only while the corpus runs: logging each of 16,000 requests (the test server
    logs at DEBUG) would take most of the run time."""
    loggers = [logging.getLogger(name) for name in QUIET]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def snapshot(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every entry under ``folder`` (links not followed): kind, size, modification time."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in (*dirnames, *filenames):
            path = Path(dirpath) / name
            info = path.lstat()
            kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
            size = 0 if kind == "dir" else info.st_size
            found[str(path.relative_to(folder))] = (kind, size, info.st_mtime_ns)
    return found


def quote(value: str) -> str:
    """Percent-encode any text, lone surrogates included (as the bytes a client would send)."""
    return urllib.parse.quote(value.encode("utf-8", "surrogatepass"), safe="")


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


class Request:
    def __init__(self, op: Operation, target: str, value: Any, body: bytes | None = None):
        self.op, self.target, self.value, self.raw = op, target, value, body

    def filler(self, name: str) -> Any:
        return FILLER_OVERRIDES.get((self.op.name, name), FILLERS.get(name, "x"))

    def url(self, base: str) -> str:
        path = self.op.path
        for name in self.op.path_params:
            value = self.value if name == self.target else self.filler(name)
            path = path.replace("{" + name + "}", quote(as_text(value)))
        pairs = [
            (name, as_text(self.value if name == self.target else self.filler(name)))
            for name in self.op.query
            if name == self.target or name in self.op.required_query
        ]
        query = "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)
        return f"{base}naas-lab-ext{path}" + (f"?{query}" if query else "")

    def body(self) -> bytes | None:
        if self.raw is not None:
            return self.raw
        if self.op.body is None:
            return b"{}" if self.op.method in {"POST", "PUT", "PATCH"} else None
        data = {name: self.filler(name) for name in self.op.required_body}
        if self.target in self.op.body:
            data[self.target] = self.value
        return json.dumps(data).encode()

    def __str__(self) -> str:
        shown = repr(self.raw if self.raw is not None else self.value)
        return f"{self.op.name} [{self.target}={shown[:80]}]"


def requests() -> Iterator[Request]:
    """Reads first: the products the writes create would make listing pipelines start
    kernels (to read each new product's starter pipeline)."""
    for op in sorted(operations(), key=lambda op: op.method != "GET"):
        fields = [*op.path_params, *op.query, *(op.body or {})]
        for target in fields:
            schema = (op.body or {}).get(target) or op.query.get(target) or {}
            for value in VALUES:
                if target in op.path_params or target in op.query:
                    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                        continue  # a URL carries text
                elif fits(schema, value):
                    continue  # e.g. wait=true would really sync the templates
                yield Request(op, target, value)
        if op.body is not None:
            for raw in RAW_BODIES:
                yield Request(op, "<body>", None, raw)


def problems(request: Request, response: HTTPResponse) -> list[str]:
    code = response.code
    kind = response.headers.get("Content-Type", "")
    found = []
    if code >= 500 or code < 200:
        found.append(f"answered {code}")
    if "html" in kind:
        found.append(f"answered HTML ({kind})")
    for header in ("Location", "Content-Disposition"):
        value = response.headers.get(header)
        if value is not None and (not value.isascii() or any(c in value for c in "\r\n")):
            found.append(f"unsafe {header} header {value!r}")
    if code == 204 or (request.op.name, code) in NOT_JSON:
        return found
    try:
        data = json.loads(response.body or b"")
    except ValueError:
        return [*found, f"answered {code} with a body that is not JSON: {response.body[:120]!r}"]
    if not kind.startswith("application/json"):
        found.append(f"answered JSON as {kind!r}")
    if code >= 400 and not (isinstance(data, dict) and isinstance(data.get("message"), str)):
        found.append(f"answered {code} without a message: {data!r:.120}")
    return found


def summary(failures: list[tuple[str, str, str]]) -> str:
    """One line per (operation, kind of problem): how many requests, and the first one."""
    groups: dict[tuple[str, str], list[str]] = {}
    for operation, problem, request in failures:
        kind = problem.split(":")[0][:60]
        groups.setdefault((operation, kind), []).append(f"{request}: {problem}"[:300])
    return "\n".join(
        f"{len(examples):5d} x {operation}: {kind}\n        e.g. {examples[0]}"
        for (operation, kind), examples in sorted(groups.items())
    )


@pytest.mark.kernel
@pytest.mark.timeout(600)
async def test_hostile_values_in_every_field_of_every_route(
    http_server_client: Any,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
    layout: dict[str, Path],
    root: Path,
    api: Any,
    quiet_logs: None,
) -> None:
    # Given the hostile layout, as it is before any request
    templates_before = snapshot(layout["templates"])
    outside_before = snapshot(layout["outside"])
    base = f"{jp_base_url.rstrip('/')}/"
    todo = list(requests())
    assert len({repr(v) for v in VALUES}) >= 200
    failures: list[tuple[str, str, str]] = []  # (operation, problem, request)
    codes: Counter[int] = Counter()
    started = time.monotonic()

    spent: Counter[str] = Counter()

    async def send(request: Request) -> None:
        begin = time.monotonic()
        try:
            response = await http_server_client.fetch(
                request.url(base),
                method=request.op.method,
                body=request.body(),
                headers={**jp_auth_header, "Content-Type": "application/json"},
                raise_error=False,
                request_timeout=120,
                allow_nonstandard_methods=True,
            )
        except Exception as exc:  # the connection itself failed: a finding too
            failures.append((request.op.name, f"no answer ({type(exc).__name__})", str(request)))
            return
        codes[response.code] += 1
        spent[request.op.name] += time.monotonic() - begin
        failures.extend(
            (request.op.name, problem, str(request)) for problem in problems(request, response)
        )

    # When every hostile value is sent to every field of every route
    queue: asyncio.Queue[Request] = asyncio.Queue()
    for request in todo:
        queue.put_nowait(request)

    async def worker() -> None:
        while not queue.empty():
            await send(queue.get_nowait())

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    # (runs some value may have started end before the folders are compared)
    for _ in range(600):
        _, page = await api("GET", "runs", params={"status": "PENDING,RUNNING"})
        if not page or not page.get("runs"):
            break
        await asyncio.sleep(0.1)
    elapsed = time.monotonic() - started
    print(
        f"\nhostile corpus: {len(todo)} requests, {len(VALUES)} values, "
        f"{len(list(operations()))} operations, {elapsed:.1f} s; "
        f"answers {dict(sorted(codes.items()))}; slowest operations (s, summed over "
        f"{CONCURRENCY} at a time): {[(op, round(t, 1)) for op, t in spent.most_common(6)]}"
    )

    # Then nothing failed, nothing escaped the root, the templates folder is untouched
    assert not failures, f"{len(failures)} problems of {len(todo)} requests:\n" + summary(failures)
    assert snapshot(layout["templates"]) == templates_before
    assert snapshot(layout["outside"]) == outside_before
    assert not Path(ABSOLUTE_CANARY).parent.exists()
