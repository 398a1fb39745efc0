"""Schemathesis hooks of the fuzz run (loaded by the CLI through SCHEMATHESIS_HOOKS).

POST notifications/test sends a test notice to the webhooks in its body: every generated URL
is replaced by a loopback address on a closed port, so the server never reaches out to a
generated host (the answer still goes through every check)."""

from __future__ import annotations

from typing import Any

import schemathesis

LOOPBACK_HOOK = "http://127.0.0.1:9/naas-fuzz"


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    body = case.body
    if case.path == "/notifications/test" and isinstance(body, dict) and body.get("webhooks"):
        body["webhooks"] = [LOOPBACK_HOOK]
