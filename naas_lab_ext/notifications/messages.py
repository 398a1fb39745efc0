"""What a notification says: the mail (subject, plain text, HTML) and the webhook's one line,
for a run that failed, was interrupted, succeeded or started.

A failure names the product, the pipeline, the failed step, the error (and the failing cell),
the time and the run id, with links (when the server's public URL is known) to the executed
notebook (``<public_url>/lab/tree/<api path>``) and to the run in the Manager
(``<public_url>/lab?naas-manager=run:<run id>``). Everything that came from a run (names,
errors, cell sources) is escaped in the HTML and in the webhook's text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from ..events.store import Event
from ..pipelines.results import RunResult, StepResult, strip_ansi
from .webhook import slack_escape

__all__ = ["Message", "manager_link", "run_message", "tree_link"]

#: What each event kind is called in a subject, and its mark in a webhook's line.
HEADLINE = {
    "run.failed": ("FAILED", ":x:"),
    "run.interrupted": ("INTERRUPTED", ":warning:"),
    "run.succeeded": ("SUCCEEDED", ":white_check_mark:"),
    "run.started": ("STARTED", ":arrow_forward:"),
}
MAX_LINES = 15


@dataclass(frozen=True)
class Message:
    """A notification: the mail's subject, plain text and HTML, and the webhook's line."""

    subject: str
    text: str
    html: str
    line: str


def tree_link(public_url: str, root: Path | None, path: Path | None) -> str | None:
    """``<public_url>/lab/tree/<path relative to root>`` (None when unknown or outside it)."""
    if not public_url or root is None or path is None:
        return None
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return None
    return f"{public_url}/lab/tree/{quote(relative)}"


def manager_link(public_url: str, run_id: str) -> str | None:
    """The run in the Manager: ``<public_url>/lab?naas-manager=run:<run id>``."""
    if not public_url:
        return None
    return f"{public_url}/lab?naas-manager=run:{quote(run_id, safe='')}"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _product(root: Path | None, product_root: Path | None) -> str:
    if product_root is None:
        return "?"
    if root is not None:
        try:
            relative = product_root.relative_to(root).as_posix()
            return relative if relative != "." else product_root.name
        except ValueError:
            pass
    return product_root.name or str(product_root)


def _tail(text: str, lines: int = MAX_LINES) -> str:
    kept = strip_ansi(text).rstrip().splitlines()
    return "\n".join(kept[-lines:] if len(kept) > lines else kept)


@dataclass(frozen=True)
class _Facts:
    """What the message tells, in (label, value) rows, and its links."""

    headline: str
    mark: str
    product: str
    pipeline: str
    rows: list[tuple[str, str]]
    failed: StepResult | None
    error: str | None
    links: list[tuple[str, str]]


def _facts(event: Event, run: RunResult | None, root: Path | None, public_url: str) -> _Facts:
    headline, mark = HEADLINE.get(event.kind, (event.kind, ":information_source:"))
    details = event.details
    run_id = str(details.get("run_id") or event.subject_id or "?")
    pipeline = run.pipeline if run else str(details.get("pipeline") or "?")
    product = _product(root, run.product_root if run else event.product_root)
    failed = run.failed_steps[0] if run and run.failed_steps else None
    error: str | None = None
    if failed is not None and failed.error is not None:
        error = str(failed.error)
    elif run is not None and run.error:
        error = run.error
    elif details.get("error"):
        error = str(details["error"])
    rows = [("Product", product), ("Pipeline", pipeline)]
    if run is not None and run.pipeline_path:
        rows.append(("Notebook", run.pipeline_path))
    if failed is not None:
        others = [s.name for s in (run.failed_steps[1:] if run else [])]
        rows.append(("Failed step", ", ".join([failed.name, *others])))
    if error and event.kind in ("run.failed", "run.interrupted"):
        rows.append(("Error", error))
    rows.append(("Time", _when(event.at)))
    if run is not None and run.duration is not None and event.kind != "run.started":
        rows.append(("Duration", f"{run.duration:.1f} s"))
    rows.append(("Run", run_id))
    source = run.source if run else details.get("source")
    if source:
        rows.append(("Started by", str(source)))
    deployment = run.deployment_id if run else details.get("deployment_id")
    if deployment:
        rows.append(("Deployment", str(deployment)))
    links = []
    notebook = tree_link(public_url, root, failed.output_path if failed else None)
    if notebook:
        links.append(("Executed notebook", notebook))
    elif run is not None and event.kind != "run.started":
        folder = tree_link(public_url, root, run.output_dir)
        if folder:
            links.append(("Executed notebooks", folder))
    manager = manager_link(public_url, run_id)
    if manager:
        links.append(("Open in the Manager", manager))
    return _Facts(headline, mark, product, pipeline, rows, failed, error, links)


def run_message(
    event: Event, run: RunResult | None, *, root: Path | None, public_url: str
) -> Message:
    """The notification of a run event (``run`` as the store has it now; None if pruned)."""
    facts = _facts(event, run, root, public_url)
    subject = f"[naas] {facts.headline}: {facts.product} / {facts.pipeline}"
    if facts.failed is not None and event.kind == "run.failed":
        subject += f" at step {facts.failed.name}"
    elif event.kind == "run.succeeded" and run is not None and run.duration is not None:
        subject += f" in {run.duration:.1f} s"
    width = max(len(label) for label, _ in facts.rows)
    text_lines = [f"{facts.product} / {facts.pipeline}: {facts.headline}", ""]
    text_lines += [f"{label + ':':<{width + 2}}{value}" for label, value in facts.rows]
    cell = facts.failed.error if facts.failed is not None else None
    if cell is not None and cell.cell_source:
        text_lines += ["", "Failing cell:", _tail(cell.cell_source)]
    if cell is not None and cell.traceback:
        text_lines += ["", "Traceback (last lines):", _tail(cell.traceback)]
    if facts.links:
        text_lines += ["", *(f"{label}: {url}" for label, url in facts.links)]
    text_lines += ["", "-- naas_lab_ext notifications"]
    return Message(
        subject=subject,
        text="\n".join(text_lines) + "\n",
        html=_html(facts, cell.cell_source if cell else None, cell.traceback if cell else None),
        line=_line(event, facts),
    )


def _html(facts: _Facts, cell: str | None, traceback: str | None) -> str:
    esc = html.escape
    colour = {"FAILED": "#c62828", "INTERRUPTED": "#c62828", "SUCCEEDED": "#2e7d32"}.get(
        facts.headline, "#1565c0"
    )
    rows = "".join(
        f"<tr><th style='text-align:left;padding:2px 12px 2px 0'>{esc(label)}</th>"
        f"<td>{esc(value)}</td></tr>"
        for label, value in facts.rows
    )
    parts = [
        "<!DOCTYPE html><html><body style='font-family:sans-serif'>",
        f"<h2 style='color:{colour}'>{esc(facts.product)} / {esc(facts.pipeline)}: "
        f"{esc(facts.headline)}</h2>",
        f"<table>{rows}</table>",
    ]
    pre = "<pre style='background:#f5f5f5;padding:8px;white-space:pre-wrap'>"
    if cell:
        parts.append(f"<h3>Failing cell</h3>{pre}{esc(_tail(cell))}</pre>")
    if traceback:
        parts.append(f"<h3>Traceback (last lines)</h3>{pre}{esc(_tail(traceback))}</pre>")
    if facts.links:
        links = " | ".join(
            f"<a href='{esc(url, quote=True)}'>{esc(label)}</a>" for label, url in facts.links
        )
        parts.append(f"<p>{links}</p>")
    parts.append("<p style='color:#757575'>naas_lab_ext notifications</p></body></html>")
    return "".join(parts)


def _line(event: Event, facts: _Facts) -> str:
    """One line for Slack-compatible webhooks (their mrkdwn links: ``<url|label>``)."""
    run_id = str(event.details.get("run_id") or event.subject_id or "?")
    line = f"{facts.mark} {facts.headline} {facts.product}/{facts.pipeline} (run {run_id})"
    if facts.failed is not None and event.kind == "run.failed":
        line += f" at step {facts.failed.name}"
    if facts.error and event.kind in ("run.failed", "run.interrupted"):
        line += f": {' '.join(facts.error.split())[:300]}"
    text = slack_escape(line)
    for label, url in facts.links:
        text += f" <{url}|{label}>"
    return text
