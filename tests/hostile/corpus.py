"""Hostile values, and the fields of every route they are sent to (read from openapi.yaml).

The corpus is what an attacker or an unlucky user sends: names too long for the file system
(in bytes, not characters), control characters, NUL, lone surrogates, non-Latin-1 text,
traversal spelled every way, absolute paths, the fixture's symbolic links into the templates
folder and out of the root, huge numbers, wrong JSON types, deep JSON. The fields are
discovered from the spec, so a route added to ``openapi.yaml`` is attacked without editing
this file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

#: Names of what the hostile fixture lays out in and around the root (see test_corpus.py).
LINK_TO_TEMPLATES = "tpl-link"  # -> <root>/__templates__
LINK_INTO_TEMPLATES = "tpl-sub-link"  # -> <root>/__templates__/src
LINK_TO_TEMPLATE_PRODUCT = "tpl-product"  # -> <root>/__templates__/src/prod (has product.json)
LINK_OUT = "out-link"  # -> <outside>
LINK_LOOP = "loop-link"  # -> itself
LINK_DANGLING = "dangling-link"  # -> <outside>/missing
MODELS_LINKED = "linked-models"  # a product whose models/ -> <root>/__templates__/src
ABSOLUTE_CANARY = "/tmp/naas-hostile-canary/x"

CONTROL = [chr(c) for c in range(0x00, 0x20)] + ["\x7f", "\x85", "\x9b"]

_STRINGS: list[str] = [
    # length, counted in bytes by the file system
    "a" * 64,
    "a" * 65,
    "a" * 255,
    "a" * 256,
    "a" * 1000,
    "a" * 4097,
    "é" * 127,
    "é" * 128,
    "é" * 200,
    "日本語" * 43,
    "日本語" * 86,
    "\U0001f600" * 64,
    "\U0001f600" * 70,
    ("a" * 200 + "/") * 21,
    "b/" * 2000,
    # one of the fixture's products, followed by a segment too long
    "sales/" + "a" * 256,
    "sales/models/" + "é" * 200 + ".ipynb",
    # unicode that is not Latin-1, or not what it looks like
    "\u04401",  # Cyrillic er, then 1
    "\u2126",  # Ohm sign
    "\u202eexe.txt",
    "\ufeffbom",
    "zero\u200bwidth",
    "line\u2028sep",
    "e\u0301" * 150,
    "\uff21",  # fullwidth A
    "\u212a",  # Kelvin sign
    "\ufb01le",  # ligature
    # lone surrogates (not encodable as UTF-8)
    "\ud800",
    "a\udfffb",
    "\udc80\udc81",
    "sales/\ud800",
    # line breaks and escapes
    "a\r\nb",
    "a\r\nLocation: http://127.0.0.1:9/",
    "a\nb",
    "a\rb",
    "\x1b[31mred\x1b[0m",
    "a\x00b",
    "\x00",
    "sales\x00/x",
    # traversal, absolute, drive and UNC paths
    "",
    " ",
    "   ",
    ".",
    "..",
    "...",
    "./.",
    "../",
    "../..",
    "../../etc/passwd",
    "sales/../../etc",
    "sales/./../..",
    "..\\..\\windows",
    "%2e%2e%2f%2e%2e%2f",
    "..%2f..%2fetc",
    "%252e%252e%252f",
    "....//....//",
    "/",
    "//",
    "/etc/passwd",
    ABSOLUTE_CANARY,
    "C:\\Windows",
    "C:/x",
    "\\\\server\\share",
    "~",
    "~/x",
    "$HOME",
    "${HOME}",
    "`id`",
    "$(id)",
    "; rm -rf ~",
    "| cat /etc/passwd",
    # hidden, reserved and device names
    ".git",
    ".git/config",
    ".hidden",
    ".naas-templates.json",
    "-rf",
    "--help",
    "-",
    "CON",
    "NUL",
    "aux.txt",
    "a.",
    "a..b",
    ".ipynb",
    "x.ipynb",
    # the templates folder and the fixture's symbolic links
    "__templates__",
    "__templates__/",
    "__templates__/src",
    "__templates__/src/prod",
    "__templates__/src/prod/models/__pipeline__.ipynb",
    LINK_TO_TEMPLATES,
    f"{LINK_TO_TEMPLATES}/src",
    f"{LINK_TO_TEMPLATES}/src/prod",
    LINK_INTO_TEMPLATES,
    f"{LINK_INTO_TEMPLATES}/prod",
    LINK_TO_TEMPLATE_PRODUCT,
    f"{LINK_TO_TEMPLATE_PRODUCT}/models",
    f"{LINK_TO_TEMPLATE_PRODUCT}/models/__pipeline__.ipynb",
    LINK_OUT,
    f"{LINK_OUT}/secret.txt",
    f"{LINK_OUT}/product",
    f"{LINK_OUT}/product/models/__pipeline__.ipynb",
    LINK_LOOP,
    f"{LINK_LOOP}/x",
    LINK_DANGLING,
    f"{LINK_DANGLING}/x",
    "sales/outputs",
    "sales/models/linked",
    MODELS_LINKED,
    f"{MODELS_LINKED}/models",
    # format strings, markup, SQL, globs
    "%s%s%s%n",
    "{0}",
    "{}",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "<html><body>x</body></html>",
    "' OR 1=1 --",
    '"; DROP TABLE runs; --',
    "*",
    "?",
    "[",
    "]",
    "%",
    "%00",
    "%ZZ",
    "+",
    "#frag",
    "?q=1&x=2",
    "a b",
    "a/b/c",
    # numbers, dates, ids that are not
    "-1",
    "0",
    "1e309",
    "9" * 400,
    "NaN",
    "Infinity",
    "0x10",
    "1.5",
    "9999-99-99",
    "2026-13-45T99:99:99Z",
    "0000-00-00T00:00:00Z",
    "2026-11-23T08.00.00.000Z-1a2b3c",
    "* * * * * * *",
    "@reboot",
    # emails and URLs (loopback only, on a closed port)
    "a@b",
    "@",
    "x@y.z\r\nBcc: evil@example.com",
    "a" * 300 + "@example.com",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "http://127.0.0.1:9/hook",
    "http://[::1]:9/",
    "gopher://127.0.0.1:9/",
    "http://",
    # JSON in text
    "{}",
    "[]",
    "null",
    "true",
    '{"a":',
]
#: A control character inside an otherwise ordinary name, one each.
_CONTROLS = [f"a{c}b" for c in CONTROL]

_NON_STRINGS: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    10**40,
    -(10**40),
    [],
    [1],
    ["a"] * 1000,
    [None],
    {},
    {"a": 1},
    {"": ""},
    {"a" * 300: "b"},
    {"x": "y" * 100_000},
    {"nested": {"deeper": {"deepest": [{"x": 1}]}}},
]


def _deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


_NON_STRINGS.append(_deep(64))

#: Every hostile value sent to a field (a JSON value).
VALUES: list[Any] = [*_STRINGS, *_CONTROLS, *_NON_STRINGS]

#: Whole request bodies that are not what any route accepts.
RAW_BODIES: list[bytes] = [
    b"\xff\xfe\x00",
    b"not json",
    b"[",
    b"{" * 10_000,
    b"[" * 100_000 + b"]" * 100_000,
    b"9" * 5000,
    b'{"a": ' + b"9" * 5000 + b"}",
    b'"\\ud800"',
    b'{"\\ud800": 1}',
    b"null",
    b"[]",
    b'"text"',
    b"NaN",
    b'{"a": Infinity}',
    b"\x00",
    json.dumps({"x": "y"}).encode() + b"\x00",
]


def spec() -> dict[str, Any]:
    text = (resources.files("naas_lab_ext") / "openapi.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)  # type: ignore[no-any-return]


@dataclass
class Operation:
    """One method of one route of the spec, with the fields a request can carry."""

    method: str
    path: str
    path_params: list[str] = field(default_factory=list)
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    required_query: list[str] = field(default_factory=list)
    body: dict[str, dict[str, Any]] | None = None
    required_body: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def _deref(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations(document: dict[str, Any] | None = None) -> Iterator[Operation]:
    """Every operation of the spec."""
    document = document or spec()
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method == "parameters":
                continue
            found = Operation(method=method.upper(), path=path)
            for parameter in (_deref(document, p) for p in (*shared, *op.get("parameters", []))):
                schema = _deref(document, parameter.get("schema", {}))
                if parameter["in"] == "path":
                    found.path_params.append(parameter["name"])
                elif parameter["in"] == "query":
                    found.query[parameter["name"]] = schema
                    if parameter.get("required"):
                        found.required_query.append(parameter["name"])
            body = op.get("requestBody")
            if body:
                schema = _deref(document, body["content"]["application/json"]["schema"])
                found.body = {
                    name: _deref(document, sub)
                    for name, sub in schema.get("properties", {}).items()
                }
                found.required_body = list(schema.get("required", []))
            yield found


def fits(schema: dict[str, Any], value: Any) -> bool:
    """True when ``value`` has the JSON type ``schema`` declares (not a hostile type)."""
    kind = schema.get("type")
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return False
