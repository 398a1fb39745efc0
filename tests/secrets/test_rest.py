"""The secrets REST API through a real Jupyter server: names, scopes and update times in, no
value out (answers, events, logs, executed notebooks of a run); errors; authorisation; what
the server exports to its kernels."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.secrets.vault import open_vault
from tests.notebooks import make_product, write_notebook
from tests.secrets.conftest import SECRET_VALUE, all_text_under
from tests.server.test_openapi import response_validator


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **jp_server_config,
        "NaasLabExtApp": {"heartbeat_interval": 0.2, "scheduler_enabled": False},
    }


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def check(path: str, method: str, status: int, body: Any) -> None:
    response_validator(path, method, status).validate(body)


async def test_set_list_replace_delete_with_no_value_in_any_answer(
    api: Any, root: Path, logs: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    make_product(root, "sales")
    answers: list[Any] = []

    async def call(method: str, *parts: str, **kw: Any) -> tuple[int, Any]:
        status, body = await api(method, *parts, **kw)
        answers.append(body)
        return status, body

    # A user's secret
    status, info = await call("PUT", "secrets", "API_KEY", body={"value": SECRET_VALUE})
    assert status == 200, info
    check("/secrets/{name}", "put", 200, info)
    assert (info["name"], info["scope"], info["product"]) == ("API_KEY", "user", None)
    # A product's secret of the same name
    status, mine = await call(
        "PUT", "secrets", "API_KEY", body={"value": "product-value-xyz", "product": "sales/"}
    )
    assert status == 200, mine
    assert (mine["scope"], mine["product"]) == ("product", "sales")
    # The listings: the user's, and the product's first then the user's
    status, listed = await call("GET", "secrets")
    assert status == 200
    check("/secrets", "get", 200, listed)
    assert listed["backend"] == "file"
    assert [(s["name"], s["scope"]) for s in listed["secrets"]] == [("API_KEY", "user")]
    status, both = await call("GET", "secrets", params={"product": "sales"})
    assert [(s["scope"], s["product"]) for s in both["secrets"]] == [
        ("product", "sales"),
        ("user", None),
    ]
    # Replaced: the update time moves, still no value
    await asyncio.sleep(0.01)
    status, replaced = await call("PUT", "secrets", "API_KEY", body={"value": "second-value-1"})
    assert status == 200 and replaced["updated_at"] > info["updated_at"]
    assert open_vault().get("API_KEY") == "second-value-1"
    # Deleted from the product only, then again: 404
    status, body = await call("DELETE", "secrets", "API_KEY", params={"product": "sales"})
    assert status == 204 and body is None
    status, missing = await call("DELETE", "secrets", "API_KEY", params={"product": "sales"})
    assert status == 404
    check("/secrets/{name}", "delete", 404, missing)
    assert "API_KEY" in missing["message"]
    assert open_vault().get("API_KEY", product=root / "sales") == "second-value-1"
    # The events name the secret and its scope
    status, page = await call("GET", "events", params={"kind": "secret.set,secret.deleted"})
    assert [(e["kind"], e["details"]["scope"], e["product"]) for e in reversed(page["events"])] == [
        ("secret.set", "user", None),
        ("secret.set", "product", "sales"),
        ("secret.set", "user", None),
        ("secret.deleted", "product", "sales"),
    ]
    assert page["events"][0]["subject_type"] == "secret"
    check("/events", "get", 200, page)
    # No value anywhere: answers, events, the server's log and output
    everything = json.dumps(answers) + logs.text + "".join(capfd.readouterr())
    for value in (SECRET_VALUE, "product-value-xyz", "second-value-1"):
        assert value not in everything


@pytest.mark.parametrize(
    ("parts", "body", "field"),
    [
        (("secrets", "9bad"), {"value": "x"}, "name"),
        (("secrets", "API_KEY"), {"value": ""}, "value"),
        (("secrets", "API_KEY"), {"value": "nul\u0000-in-the-value"}, "value"),
        (("secrets", "API_KEY"), {"value": 12}, "value"),
        (("secrets", "API_KEY"), {"value": "x" * 70000}, "value"),
        (("secrets", "API_KEY"), {"value": "v", "extra": 1}, "extra"),
        (("secrets", "API_KEY"), {"value": "v", "product": "../outside"}, "product"),
        (("secrets", "API_KEY"), {"value": "v", "product": 3}, "product"),
        (("secrets", "API_KEY"), ["not", "an", "object"], None),
    ],
)
async def test_bad_input_is_a_400_that_never_repeats_the_value(
    api: Any, parts: tuple[str, ...], body: Any, field: str | None
) -> None:
    status, error = await api("PUT", *parts, body=body)
    assert status == 400, error
    check("/secrets/{name}", "put", 400, error)
    assert error["field"] == field
    assert "-in-the-value" not in error["message"] and "x" * 100 not in error["message"]
    assert (await api("GET", "secrets"))[1]["secrets"] == []


async def test_an_unknown_product_is_a_404(api: Any, root: Path) -> None:
    (root / "plain").mkdir()
    for product in ("nothing", "plain"):
        status, error = await api("PUT", "secrets", "K", body={"value": "v", "product": product})
        assert status == 404 and error["field"] == "product", error
        status, error = await api("GET", "secrets", params={"product": product})
        assert status == 404
        check("/secrets", "get", 404, error)


async def test_writes_need_the_write_action(jp_serverapp: Any, api: Any) -> None:
    authorizer = jp_serverapp.web_app.settings["authorizer"]
    original = authorizer.is_authorized
    authorizer.is_authorized = lambda handler, user, action, resource: action == "read"
    try:
        assert (await api("PUT", "secrets", "API_KEY", body={"value": SECRET_VALUE}))[0] == 403
        assert (await api("DELETE", "secrets", "API_KEY"))[0] == 403
        assert (await api("GET", "secrets"))[0] == 200
    finally:
        authorizer.is_authorized = original
    assert open_vault().list() == []


async def test_the_server_exports_where_the_vault_is_never_a_key(
    api: Any, secrets_places: dict[str, Path]
) -> None:
    assert (await api("GET", "secrets"))[0] == 200
    assert os.environ["NAAS_SECRETS_BACKEND"] == "file"
    assert os.environ["NAAS_SECRETS_DIR"] == str(secrets_places["folder"])
    assert os.environ["NAAS_SECRETS_KEY_FILE"] == str(secrets_places["key_file"])
    assert "NAAS_SECRETS_KEY" not in os.environ


@pytest.mark.kernel
async def test_a_run_started_through_the_api_masks_the_secret_it_uses(
    api: Any, root: Path, logs: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    # Given a product whose step prints a secret set through the API
    product = make_product(root, "sales")
    write_notebook(
        product / "models" / "use.ipynb",
        "from naas_data_product import secret\nv = secret.get('NAME')\nprint(v)",
    )
    write_notebook(
        product / "models" / "pipeline.ipynb",
        "from naas_data_product import End, NotebookStep, Pipeline\n"
        "pipeline = Pipeline('daily')\n"
        "pipeline >> NotebookStep('Use', 'models/use.ipynb') >> End()\n"
        "pipeline.run()",
    )
    body = {"value": SECRET_VALUE, "product": "sales"}
    assert (await api("PUT", "secrets", "NAME", body=body))[0] == 200
    # When a run starts through the API
    status, run = await api("POST", "runs", body={"pipeline": "sales/models/pipeline.ipynb"})
    assert status == 202, run
    deadline = time.monotonic() + 120
    while run["status"] not in ("SUCCEEDED", "FAILED", "CANCELLED", "INTERRUPTED"):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.2)
        run = (await api("GET", "runs", run["id"]))[1]
    # Then it succeeded, its executed notebook shows *** and the value is nowhere
    assert run["status"] == "SUCCEEDED", run
    executed = all_text_under(product / "outputs")
    assert "***" in executed
    events = (await api("GET", "events", params={"limit": 500}))[1]
    everything = executed + json.dumps([run, events]) + logs.text + "".join(capfd.readouterr())
    assert SECRET_VALUE not in everything


def test_the_service_knows_a_product_as_the_products_package_does() -> None:
    from naas_lab_ext.products.manifest import MANIFEST_NAME
    from naas_lab_ext.secrets.service import MANIFEST

    assert MANIFEST == MANIFEST_NAME
