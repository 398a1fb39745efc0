"""Who is told of a run event: the run's rules over its schedule's, over the defaults.

Which events notify:

- ``run.failed`` and ``run.interrupted`` (its process died: nobody asked for it) are
  **failures** (``on_failure``: on by default, to the server's recipients);
- ``run.succeeded`` is a **success** (``on_success``), ``run.started`` a **start**
  (``on_start``): off unless asked;
- ``run.cancelled`` notifies no one (someone cancelled it, and knows), and ``step.failed`` is
  not a notification of its own: the run's failure notice names the failed steps.

A run's Notify JSON (``POST runs``, ``naas-lab run --notify-*``) and its schedule's (setup.ipynb,
``PATCH schedules/<id>``) combine key by key: a key the run sets wins over its schedule's, which
wins over the default (``on_failure`` true, the others false). ``true`` means the server's
default recipients and webhooks; an object means its targets **and** the defaults for
``on_failure``, its targets **only** for ``on_success`` and ``on_start``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.notify import EVENTS
from .delivery import Target
from .settings import NotifySettings

__all__ = ["TRIGGERS", "combine", "targets_for"]

#: The run events that may notify, and the rule each one reads.
TRIGGERS = {
    "run.failed": "on_failure",
    "run.interrupted": "on_failure",
    "run.succeeded": "on_success",
    "run.started": "on_start",
}
DEFAULTS: dict[str, Any] = {"on_failure": True, "on_success": False, "on_start": False}


def combine(run: Mapping[str, Any] | None, schedule: Mapping[str, Any] | None) -> dict[str, Any]:
    """The rules that apply to a run: each key from the run, else its schedule, else the
    default."""
    rules = dict(DEFAULTS)
    for layer in (schedule, run):
        for key in EVENTS:
            if layer and key in layer:
                rules[key] = layer[key]
    return rules


def targets_for(
    kind: str,
    run: Mapping[str, Any] | None,
    schedule: Mapping[str, Any] | None,
    settings: NotifySettings,
) -> list[Target]:
    """Everyone to tell of an event of ``kind`` (none for a kind that does not notify), each
    address and webhook once."""
    key = TRIGGERS.get(kind)
    if key is None:
        return []
    rule = combine(run, schedule)[key]
    if rule is False or rule is None:
        return []
    emails: list[str] = []
    webhooks: list[str] = []
    if rule is True or key == "on_failure":
        emails += settings.email_to
        webhooks += settings.webhooks
    if isinstance(rule, Mapping):
        emails += list(rule.get("to") or [])
        webhooks += list(rule.get("webhooks") or [])
    found = [Target("email", a) for a in emails] + [Target("webhook", u) for u in webhooks]
    return list(dict.fromkeys(found))
