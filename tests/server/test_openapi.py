"""openapi.yaml is a valid OpenAPI document that describes exactly the routes the server
registers, and the server's real answers match the schemas it declares."""

from __future__ import annotations

import asyncio
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from naas_lab_ext.app import routes
from naas_lab_ext.rest import NAMESPACE

ROUTE_PARAM = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def spec() -> dict[str, Any]:
    text = (resources.files("naas_lab_ext") / "openapi.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)  # type: ignore[no-any-return]


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schemas as JSON Schema: ``nullable: true`` becomes ``anyOf [.., null]``."""
    if isinstance(node, dict):
        node = {k: _to_json_schema(v) for k, v in node.items()}
        if node.pop("nullable", False):
            node = {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_to_json_schema(v) for v in node]
    return node


def _validator(schema: dict[str, Any]) -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    components = _to_json_schema(spec()["components"])
    return jsonschema.Draft7Validator({**_to_json_schema(schema), "components": components})


def openapi_validator(schema_name: str) -> Any:
    """A JSON Schema validator for one schema of openapi.yaml."""
    return _validator({"$ref": f"#/components/schemas/{schema_name}"})


def response_validator(path: str, method: str, status: int) -> Any:
    """A validator of the JSON answer ``openapi.yaml`` declares for one route and status."""
    responses = spec()["paths"][path][method]["responses"]
    response = responses[str(status)]
    if "$ref" in response:
        response = spec()["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return _validator(response["content"]["application/json"]["schema"])


def registered_routes() -> dict[str, Any]:
    return {
        ROUTE_PARAM.sub(r"{\1}", pattern.removeprefix(f"/{NAMESPACE}")): handler
        for pattern, handler in routes()
    }


def test_the_document_is_valid_openapi() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(spec())


def test_every_route_is_documented_and_every_documented_route_exists() -> None:
    assert set(registered_routes()) == set(spec()["paths"])


def test_every_documented_method_is_implemented_and_the_reverse() -> None:
    handlers = registered_routes()
    for path, operations in spec()["paths"].items():
        documented = {m for m in operations if m != "parameters"}
        implemented = {
            m for m in ("get", "post", "put", "patch", "delete") if m in vars(handlers[path])
        }
        assert documented == implemented, path


PIPELINE = """
from naas_lab_ext.pipelines.api import DummyStep, End, Pipeline
pipeline = Pipeline("daily")
pipeline >> DummyStep("Collect") >> DummyStep("Publish") >> End()
pipeline.run()
"""


@pytest.mark.kernel
async def test_answers_of_every_route_match_the_document(api: Any, root: Path) -> None:
    from tests.notebooks import write_notebook

    # Given a product with a pipeline and the synced templates
    status, created = await api("POST", "products", body={"name": "sales"})
    assert status == 201, created
    response_validator("/products", "post", 201).validate(created)
    write_notebook(root / "sales" / "models" / "daily.ipynb", PIPELINE, parameters="")
    assert (await api("POST", "templates", "sync", body={"wait": True}))[0] == 200

    async def check(method: str, path: str, status: int, *parts: str, **kw: Any) -> Any:
        code, body = await api(method.upper(), *parts, **kw)
        assert code == status, (path, body)
        response_validator(path, method, status).validate(body)
        return body

    # Then every answer has the declared shape
    await check("get", "/status", 200, "status")
    await check("get", "/products", 200, "products")
    await check("get", "/products/{path}", 200, "products", "sales")
    await check("get", "/outputs", 200, "outputs", params={"product": "sales"})
    await check("get", "/templates/sync", 200, "templates", "sync")
    page = await check("get", "/templates", 200, "templates", params={"q": "csv"})
    template = page["items"][0]["id"]
    await check(
        "get",
        "/templates/notebooks/{template_id}",
        200,
        "templates",
        "notebooks",
        *template.split("/"),
    )
    await check("post", "/templates/open", 201, "templates", "open", body={"id": template})
    await check(
        "post",
        "/templates/add-to-models",
        201,
        "templates",
        "add-to-models",
        body={"id": template, "product": "sales"},
    )
    await check("get", "/pipelines", 200, "pipelines", params={"product": "sales"})
    await check("get", "/pipelines/{path}", 200, "pipelines", "sales", "models", "daily.ipynb")
    run = await check("post", "/runs", 202, "runs", body={"pipeline": "sales/models/daily.ipynb"})
    for _ in range(200):
        _, body = await api("GET", "runs", run["id"])
        if body["status"] not in ("PENDING", "RUNNING"):
            break
        await asyncio.sleep(0.1)
    done = await check("get", "/runs/{run_id}", 200, "runs", run["id"])
    assert done["status"] == "SUCCEEDED", done
    await check("get", "/runs", 200, "runs")
    # errors too, and the validator is not a rubber stamp
    await check("post", "/runs/{run_id}/cancel", 409, "runs", run["id"], "cancel")
    await check("get", "/products/{path}", 404, "products", "nothing")
    with pytest.raises(Exception, match="required"):
        response_validator("/runs", "get", 200).validate({"runs": []})
