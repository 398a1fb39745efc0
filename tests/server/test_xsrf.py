"""XSRF protection applies to naas_lab_ext's POST routes for browser (cookie) sessions.

Token-authenticated API calls are exempt from XSRF by jupyter_server's design; a browser
session logs in with a password and gets a cookie, and then every POST needs the XSRF token.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from jupyter_server.auth import passwd

PASSWORD = "correct horse battery staple"


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"naas_lab_ext": True}},
        "PasswordIdentityProvider": {"hashed_password": passwd(PASSWORD)},
    }


def cookies_of(response: Any) -> dict[str, str]:
    jar = {}
    for header in response.headers.get_list("Set-Cookie"):
        name, value = header.split(";", 1)[0].split("=", 1)
        jar[name] = value
    return jar


async def login(jp_fetch: Any) -> dict[str, str]:
    """Log in like a browser: returns the cookies of an authenticated session."""
    page = await jp_fetch("login", method="GET", headers={"Authorization": ""})
    jar = cookies_of(page)
    xsrf = jar["_xsrf"]
    assert re.search(rb"_xsrf", page.body)
    response = await jp_fetch(
        "login",
        method="POST",
        body=urlencode({"password": PASSWORD, "_xsrf": xsrf}),
        headers={"Authorization": "", "Cookie": f"_xsrf={xsrf}"},
        follow_redirects=False,
        raise_error=False,
    )
    assert response.code == 302, response.body
    jar.update(cookies_of(response))
    assert any(name.startswith("username-") for name in jar), jar
    return jar


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


async def test_session_post_without_xsrf_token_is_refused(jp_fetch: Any, jp_root_dir: Any) -> None:
    session = await login(jp_fetch)
    # GET works with the session cookie alone (authenticated)
    listed = await jp_fetch(
        "naas-lab-ext", "products", headers={"Authorization": "", "Cookie": cookie_header(session)}
    )
    assert listed.code == 200
    # but a POST without the XSRF token is refused, and nothing is created
    response = await jp_fetch(
        "naas-lab-ext",
        "products",
        method="POST",
        body=json.dumps({"name": "sales"}),
        headers={"Authorization": "", "Cookie": cookie_header(session)},
        raise_error=False,
    )
    assert response.code == 403
    assert b"XSRF" in response.body or b"_xsrf" in response.body
    assert not (jp_root_dir / "sales").exists()


async def test_session_post_with_xsrf_token_is_accepted(jp_fetch: Any, jp_root_dir: Any) -> None:
    session = await login(jp_fetch)
    response = await jp_fetch(
        "naas-lab-ext",
        "products",
        method="POST",
        body=json.dumps({"name": "sales"}),
        headers={
            "Authorization": "",
            "Cookie": cookie_header(session),
            "X-XSRFToken": session["_xsrf"],
        },
        raise_error=False,
    )
    assert response.code == 201, response.body
    assert (jp_root_dir / "sales" / "product.json").is_file()
