"""What every route shares: the status answer, authentication and authorisation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from naas_lab_ext import __version__
from tests.products.test_rest import FORM


async def test_status_reports_the_version(api: Any) -> None:
    status, body = await api("GET", "status")
    assert status == 200
    assert (body["version"], body["api_version"]) == (__version__, 1)
    assert body["store"]["ok"] is True  # its faults: tests/server/test_store_faults.py


async def test_requests_without_credentials_are_refused(jp_fetch: Any, jp_base_url: str) -> None:
    for method, body in (("GET", None), ("POST", b"{}")):
        response = await jp_fetch(
            "naas-lab-ext",
            "products",
            method=method,
            body=body,
            headers={"Authorization": ""},
            raise_error=False,
        )
        assert response.code == 403, method


async def test_authorization_is_checked(jp_serverapp: Any, api: Any, root: Path) -> None:
    # Given an authorizer that refuses writes on the naas_lab_ext resource
    authorizer = jp_serverapp.web_app.settings["authorizer"]
    seen: list[tuple[str, str]] = []
    original = authorizer.is_authorized

    def is_authorized(handler: Any, user: Any, action: str, resource: str) -> bool:
        seen.append((action, resource))
        return action != "write" and original(handler, user, action, resource)

    authorizer.is_authorized = is_authorized
    try:
        status, _ = await api("POST", "products", body=FORM)
        assert status == 403
        assert not (root / "sales-report").exists()
        status, _ = await api("GET", "products")
        assert status == 200
    finally:
        authorizer.is_authorized = original
    assert ("write", "naas_lab_ext") in seen and ("read", "naas_lab_ext") in seen
