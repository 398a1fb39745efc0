"""The deployments REST API: answers as openapi.yaml declares them, 409 while a deploy runs,
the execute action, and a 4xx (never a 500) for any bad input."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.conftest import make_product
from tests.server.test_openapi import response_validator

pytestmark = pytest.mark.kernel


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return {
        **jp_server_config,
        "NaasLabExtApp": {
            "deployments_dir": str(tmp_path / "deployments"),
            "deploy_keep": 3,
            "deploy_test_timeout": 120.0,
            "deploy_setup_timeout": 300.0,
        },
    }


async def check(api: Any, method: str, path: str, status: int, *parts: str, **kw: Any) -> Any:
    code, body = await api(method.upper(), *parts, **kw)
    assert code == status, (path, code, body)
    response_validator(path, method, status).validate(body)
    return body


async def finished(api: Any, deployment_id: str, timeout: float = 180) -> Any:
    for _ in range(int(timeout * 10)):
        body = await check(
            api, "get", "/deployments/{deployment_id}", 200, "deployments", deployment_id
        )
        if body["status"] not in ("PENDING", "RUNNING"):
            return body
        await asyncio.sleep(0.1)
    raise TimeoutError(deployment_id)


async def test_deploy_follow_list_and_roll_back(api: Any, root: Path, jp_fetch: Any) -> None:
    # Given a product with its starter schedule
    make_product(root)
    # When it is deployed over REST
    response = await jp_fetch(
        "naas-lab-ext", "deployments", method="POST", body=json.dumps({"product": "sales"})
    )
    assert response.code == 202
    started = json.loads(response.body)
    response_validator("/deployments", "post", 202).validate(started)
    assert response.headers["Location"].endswith(f"/naas-lab-ext/deployments/{started['id']}")
    assert started["product"] == "sales" and started["status"] in ("PENDING", "RUNNING")
    # A second deploy of the same product while it runs: 409, saying which one runs
    busy = await check(api, "post", "/deployments", 409, "deployments", body={"product": "sales"})
    assert started["id"] in busy["message"] and busy["reason"] == "Conflict"
    # Then it ends ACTIVE, each step recorded
    first = await finished(api, started["id"])
    assert first["status"] == "ACTIVE" and first["active"] is True, first["error"]
    assert [s["status"] for s in first["steps"]] == ["SUCCEEDED"] * 5
    assert [s["title"] for s in first["steps"]] == [
        "Product tests",
        "Production copy",
        "Requirements",
        "setup.ipynb",
        "Schedules",
    ]
    assert first["tests"] == "passed" and first["skip_tests"] is False
    assert first["setup_notebook"] == f"sales/outputs/deployments/{first['id']}/setup.ipynb"
    assert first["report"] == f"sales/outputs/deployments/{first['id']}/tests.txt"
    assert first["schedules"][0]["cron"] == "0 8 * * *"
    # and its schedule is the product's, with its next run
    schedules = (await api("GET", "schedules", params={"product": "sales"}))[1]["schedules"]
    assert [(s["pipeline"], s["deployment_id"]) for s in schedules] == [
        ("models/__pipeline__.ipynb", first["id"])
    ]
    # A second deploy (tests skipped) becomes active; the first INACTIVE
    second = await check(
        api,
        "post",
        "/deployments",
        202,
        "deployments",
        body={"product": "sales", "skip_tests": True},
    )
    second = await finished(api, second["id"])
    assert second["status"] == "ACTIVE" and second["tests"] == "skipped"
    page = await check(api, "get", "/deployments", 200, "deployments", params={"product": "sales"})
    assert [d["id"] for d in page["deployments"]] == [second["id"], first["id"]]
    assert page["active"] == second["id"]
    assert page["deployments"][1]["status"] == "INACTIVE"
    # Rollback: the first is active again
    again = await check(
        api,
        "post",
        "/deployments/{deployment_id}/activate",
        200,
        "deployments",
        first["id"],
        "activate",
    )
    assert again["status"] == "ACTIVE" and again["id"] == first["id"]
    page = await check(
        api, "get", "/deployments", 200, "deployments", params={"product": "sales", "limit": "1"}
    )
    assert page["active"] == first["id"] and len(page["deployments"]) == 1


async def test_bad_input_gets_a_4xx_never_a_500(api: Any, root: Path, tmp_path: Path) -> None:
    make_product(root)
    (root / "folder").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "product.json").write_text('{"name": "outside"}')
    (root / "escape").symlink_to(outside, target_is_directory=True)
    post = "/deployments"
    for body, status in [
        ({"product": "../sales"}, 400),
        ({"product": "/etc"}, 400),
        ({"product": "sa\x00les"}, 400),
        ({"product": "a" * 4096}, 400),
        ({"product": "/".join(["b" * 250] * 20)}, 400),
        ({"product": "escape"}, 400),  # a link out of the root
        ({"product": 5}, 400),
        ({"product": ["sales"]}, 400),
        ({"product": ""}, 400),
        ({}, 400),
        ({"product": "sales", "skip_tests": "yes"}, 400),
        ({"product": "sales", "force": True}, 400),
        ({"product": "nothing"}, 404),
        ({"product": "folder"}, 404),
    ]:
        answer = await check(api, "post", post, status, "deployments", body=body)
        assert answer["message"], body
    for raw in (b"{not json", b"\xff\xfe", b"[1, 2]", b"null"):
        await check(api, "post", post, 400, "deployments", raw=raw)
    await check(api, "get", "/deployments", 400, "deployments")
    await check(api, "get", "/deployments", 400, "deployments", params={"product": "x" * 4096})
    await check(api, "get", "/deployments", 404, "deployments", params={"product": "nothing"})
    await check(
        api, "get", "/deployments", 400, "deployments", params={"product": "sales", "limit": "0"}
    )
    await check(api, "get", "/deployments/{deployment_id}", 404, "deployments", "nope")
    await check(api, "get", "/deployments/{deployment_id}", 404, "deployments", "x" * 4096)
    await check(
        api, "post", "/deployments/{deployment_id}/activate", 404, "deployments", "nope", "activate"
    )


async def test_a_failed_deployment_cannot_be_activated(api: Any, root: Path) -> None:
    product = make_product(root)
    (product / "tests" / "test_broken.py").write_text("def test_broken():\n    assert False\n")
    started = await check(
        api, "post", "/deployments", 202, "deployments", body={"product": "sales"}
    )
    failed = await finished(api, started["id"])
    assert failed["status"] == "FAILED" and failed["tests"] == "failed"
    assert "Product tests" in failed["error"] and failed["report"] is not None
    assert failed["steps"][0]["status"] == "FAILED"
    answer = await check(
        api,
        "post",
        "/deployments/{deployment_id}/activate",
        409,
        "deployments",
        failed["id"],
        "activate",
    )
    assert "never succeeded" in answer["message"]
    page = await check(api, "get", "/deployments", 200, "deployments", params={"product": "sales"})
    assert page["active"] is None


async def test_deploying_needs_the_execute_action(jp_serverapp: Any, api: Any, root: Path) -> None:
    make_product(root)
    authorizer = jp_serverapp.web_app.settings["authorizer"]
    original = authorizer.is_authorized

    def is_authorized(handler: Any, user: Any, action: str, resource: str) -> bool:
        return action != "execute" and original(handler, user, action, resource)

    authorizer.is_authorized = is_authorized
    try:
        assert (await api("POST", "deployments", body={"product": "sales"}))[0] == 403
        assert (await api("POST", "deployments", "x", "activate"))[0] == 403
        assert (await api("GET", "deployments", params={"product": "sales"}))[0] == 200
    finally:
        authorizer.is_authorized = original


async def test_the_server_builds_the_service_from_its_traits(
    jp_serverapp: Any, tmp_path: Path
) -> None:
    from naas_lab_ext.deploy.service import DeployService

    [app] = jp_serverapp.extension_manager.extension_apps["naas_lab_ext"]
    deploys = app.deploys
    assert isinstance(deploys, DeployService)
    assert deploys.deployments_dir == tmp_path / "deployments"
    assert (deploys.keep, deploys.test_timeout, deploys.setup_timeout) == (3, 120.0, 300.0)
    assert deploys.schedules is app.schedules.store
