"""openapi.yaml describes exactly the routes the server registers."""

from __future__ import annotations

import re
from importlib import resources

import yaml

from naas_lab_ext.handlers import NAMESPACE, route_table


def spec() -> dict:  # type: ignore[type-arg]
    text = (resources.files("naas_lab_ext") / "openapi.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)  # type: ignore[no-any-return]


def documented_routes() -> set[str]:
    return set(spec()["paths"])


def registered_routes() -> set[str]:
    routes = set()
    for pattern, _handler in route_table():
        path = pattern.removeprefix(f"/{NAMESPACE}")
        routes.add(re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path))
    return routes


def test_every_route_is_documented_and_every_documented_route_exists() -> None:
    assert registered_routes() == documented_routes()


def test_every_documented_method_is_implemented() -> None:
    handlers = {
        re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", p.removeprefix(f"/{NAMESPACE}")): h
        for p, h in route_table()
    }
    for path, operations in spec()["paths"].items():
        for method in operations:
            if method == "parameters":
                continue
            handler = handlers[path]
            assert method in handler.__dict__ or any(
                method in base.__dict__
                for base in handler.__mro__[:-1]
                if base.__module__.startswith("naas")
            ), f"{method.upper()} {path} is documented but {handler.__name__} lacks it"
