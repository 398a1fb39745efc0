"""The namespace answers JSON to anything: no route, wrong method, no credentials; and the
spec is served."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
import yaml

NO_ROUTE = [
    ("GET", ("nothing",)),
    ("GET", ("runs", "a", "b", "c")),
    ("POST", ("deploy", "sales")),
    ("DELETE", ("templates", "sync", "x")),
    ("PATCH", ("status", "more")),
    ("PUT", ("",)),
    ("GET", ("%E2%80%AE%00",)),
]


@pytest.mark.parametrize(("method", "parts"), NO_ROUTE)
async def test_a_path_no_route_matches_gets_a_json_404(
    jp_fetch: Any, method: str, parts: tuple[str, ...]
) -> None:
    # When a request names a path of the namespace that no route serves
    body = b"{}" if method in {"POST", "PUT", "PATCH"} else None
    response = await jp_fetch("naas-lab-ext", *parts, method=method, body=body, raise_error=False)
    # Then the answer is a JSON 404 with a message (not Jupyter's HTML page and its token)
    assert response.code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    data = json.loads(response.body)
    assert data["reason"] == "NotFound"
    assert "openapi.yaml" in data["message"]
    assert b"<html" not in response.body.lower()


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
async def test_no_route_without_credentials_is_refused_in_json(jp_fetch: Any, method: str) -> None:
    # When an anonymous request names a path no route serves
    response = await jp_fetch(
        "naas-lab-ext",
        "no-such-route",
        method=method,
        body=b"{}" if method == "POST" else None,
        headers={"Authorization": ""},
        raise_error=False,
    )
    # Then it is refused before anything says whether the route exists, and in JSON
    assert response.code in (401, 403)
    assert response.headers["Content-Type"].startswith("application/json")
    assert set(json.loads(response.body)) == {"message", "reason", "field"}


async def test_a_wrong_method_on_a_route_is_a_json_405(jp_fetch: Any) -> None:
    response = await jp_fetch("naas-lab-ext", "status", method="DELETE", raise_error=False)
    assert response.code == 405
    assert json.loads(response.body) == {
        "message": "Method Not Allowed",
        "reason": "Method Not Allowed",
        "field": None,
    }


async def test_a_url_that_is_not_utf8_is_a_json_400(
    http_server_client: Any, jp_base_url: str, jp_auth_header: dict[str, str]
) -> None:
    response = await http_server_client.fetch(
        f"{jp_base_url.rstrip('/')}/naas-lab-ext/products/%ff%fe",
        headers=jp_auth_header,
        raise_error=False,
    )
    assert response.code == 400
    body = json.loads(response.body)
    assert body["reason"] == "Bad Request" and body["message"]


async def test_the_spec_is_served_to_authenticated_users(jp_fetch: Any) -> None:
    # When an authenticated user asks for the spec
    response = await jp_fetch("naas-lab-ext", "openapi.yaml")
    # Then it is the package's openapi.yaml, as YAML
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/yaml")
    served = yaml.safe_load(response.body)
    shipped = yaml.safe_load(
        (resources.files("naas_lab_ext") / "openapi.yaml").read_text(encoding="utf-8")
    )
    assert served == shipped
    assert "/openapi.yaml" in served["paths"]


async def test_the_spec_is_not_served_anonymously(jp_fetch: Any) -> None:
    response = await jp_fetch(
        "naas-lab-ext", "openapi.yaml", headers={"Authorization": ""}, raise_error=False
    )
    assert response.code == 403
    assert b"openapi:" not in response.body
