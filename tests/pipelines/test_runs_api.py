"""The runs API of the Manager through a real Jupyter server: source, time and text filters,
keyset pages (answers checked against openapi.yaml), re-run; and ``naas-lab runs list``'s
new options."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.cli import main
from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.database.processes import ProcessIdentity
from naas_lab_ext.pipelines.results import (
    RunResult,
    RunStatus,
    StepFailure,
    StepResult,
    StepStatus,
)
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.notebooks import make_product, pipeline_notebook
from tests.server.test_openapi import response_validator

pytestmark = pytest.mark.both_databases

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
FINISHED = {"SUCCEEDED", "FAILED", "CANCELLED", "INTERRUPTED"}


def seed(root: Path, url: str) -> list[str]:
    """Runs of the product 'sales' under ``root`` (and one of another root), oldest first."""
    sales = (root / "sales").resolve()
    made = []
    for n, (source, failure, deployment) in enumerate(
        [
            ("cli", None, None),
            ("scheduler", StepFailure("KeyError", "'region'"), "gone-deployment"),
            ("api", None, None),
            ("scheduler", StepFailure("ValueError", "3 bad rows"), "gone-deployment"),
            ("notebook", None, None),
        ]
    ):
        step = StepResult(
            "Check",
            "notebook",
            status=StepStatus.FAILED if failure else StepStatus.SUCCEEDED,
            error=failure,
        )
        made.append(
            RunResult(
                run_id=f"2026-11-01T08.0{n}.00.000Z-00000{n}",
                pipeline="daily",
                status=RunStatus.FAILED if failure else RunStatus.SUCCEEDED,
                product_root=sales,
                created_at=T0 + timedelta(minutes=n),
                source=source,
                deployment_id=deployment,
                pipeline_path="models/daily.ipynb",
                parameters={"days": n},
                steps=[step],
            )
        )
    elsewhere = RunResult(
        run_id="2026-11-01T09.00.00.000Z-elsewh",
        pipeline="daily",
        status=RunStatus.FAILED,
        product_root=root.parent / "elsewhere",
        created_at=T0 + timedelta(hours=1),
        error="3 bad rows elsewhere",
    )
    store = RunStore(url)
    store.create_runs([*made, elsewhere])
    store.close()
    return [r.run_id for r in made]


async def runs(api: Any, **params: Any) -> dict[str, Any]:
    pairs = [
        (k, v)
        for k, value in params.items()
        for v in (value if isinstance(value, list) else [value])
    ]
    status, body = await api("GET", "runs", params=pairs)
    assert status == 200, body
    response_validator("/runs", "get", 200).validate(body)
    return body  # type: ignore[no-any-return]


async def test_filters_by_source_time_and_text(api: Any, root: Path, run_store_url: str) -> None:
    ids = seed(root, run_store_url)
    body = await runs(api, source="scheduler")
    assert [r["id"] for r in body["runs"]] == [ids[3], ids[1]]
    body = await runs(api, source=["cli", "notebook"])
    assert [r["id"] for r in body["runs"]] == [ids[4], ids[0]]
    body = await runs(api, since="2026-11-01T08:01:00Z", until="2026-11-01T08:03:00Z")
    assert [r["id"] for r in body["runs"]] == [ids[2], ids[1]] and body["total"] == 2
    body = await runs(api, q="bad rows")
    assert [r["id"] for r in body["runs"]] == [ids[3]]  # not the run of another root
    body = await runs(api, q="error", product="sales", status="FAILED")
    assert body["total"] == 2 and body["next_before"] is None


async def test_keyset_pages_with_next_before(api: Any, root: Path, run_store_url: str) -> None:
    ids = seed(root, run_store_url)
    seen: list[str] = []
    cursor = None
    while True:
        body = await runs(api, limit=2, **({"before": cursor} if cursor else {}))
        seen += [r["id"] for r in body["runs"]]
        assert body["total"] == 5 and body["offset"] == 0
        cursor = body["next_before"]
        if cursor is None:
            break
    assert seen == ids[::-1]
    body = await runs(api, limit=2, offset=2)  # numbered pages still work
    assert [r["id"] for r in body["runs"]] == [ids[2], ids[1]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"before": "garbage"}, "before"),
        ({"before": "MjAyNg", "offset": 1}, "offset"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-45"}, "until"),
        ({"since": "2026-11-02", "until": "2026-11-01"}, "since"),
        ({"source": "no such source!"}, "source"),
        ({"q": "x" * 201}, "q"),
    ],
)
async def test_bad_filters_answer_400(api: Any, params: dict[str, Any], field: str) -> None:
    status, body = await api("GET", "runs", params=params)
    assert (status, body["field"]) == (400, field), body
    response_validator("/runs", "get", 400).validate(body)


async def test_rerun_says_what_to_do_when_it_cannot(
    api: Any, root: Path, run_store_url: str
) -> None:
    ids = seed(root, run_store_url)
    # a production run whose deployment is gone
    status, body = await api("POST", "runs", ids[1], "rerun")
    assert status == 409, body
    response_validator("/runs/{run_id}/rerun", "post", 409).validate(body)
    assert "gone-deployment" in body["message"] and "schedule now" in body["message"]
    # a run whose pipeline notebook is gone
    status, body = await api("POST", "runs", ids[0], "rerun")
    assert status == 409 and "is not there any more" in body["message"], body
    # a run of another root, or no run at all
    assert (await api("POST", "runs", "2026-11-01T09.00.00.000Z-elsewh", "rerun"))[0] == 404
    assert (await api("POST", "runs", "2026-01-01T00.00.00.000Z-000000", "rerun"))[0] == 404


@pytest.mark.kernel
async def test_rerun_starts_the_same_pipeline_with_the_same_parameters(
    api: Any, root: Path
) -> None:
    product = make_product(root, "sales")
    pipeline_notebook(
        product / "models" / "daily.ipynb",
        "p = Pipeline('daily')\np >> DummyStep('Only')\np.run()",
        parameters="days = 1",
    )
    status, first = await api(
        "POST", "runs", body={"pipeline": "sales/models/daily.ipynb", "parameters": {"days": 4}}
    )
    assert status == 202, first
    await wait(api, first["id"])
    status, again = await api("POST", "runs", first["id"], "rerun")
    assert status == 202, again
    response_validator("/runs/{run_id}/rerun", "post", 202).validate(again)
    assert again["id"] != first["id"] and again["parameters"] == {"days": 4}
    done = await wait(api, again["id"])
    assert done["status"] == "SUCCEEDED" and done["pipeline_path"] == "sales/models/daily.ipynb"


async def wait(api: Any, run_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        _, run = await api("GET", "runs", run_id)
        if run["status"] in FINISHED:
            return run  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, run["status"]
        await asyncio.sleep(0.2)


def test_runs_list_filters_on_the_command_line(
    tmp_path: Path, run_store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = (tmp_path / "root").resolve()
    ids = seed(root, run_store_url)
    base = ["--root", str(root), "runs", "list"]
    assert main([*base, "--source", "scheduler", "--json"]) == 0
    page = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in page["runs"]] == [ids[3], ids[1]] and page["total"] == 2
    assert main([*base, "--search", "region"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(ids[1]) and "FAILED" in line
    assert main([*base, "--since", "2026-11-01T08:03Z", "--until", "2026-11-01T08:04Z"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(ids[3])
    assert main([*base, "--search", "nothing like this"]) == 0
    assert capsys.readouterr().out.strip() == "No run matches."
    assert main([*base, "--since", "soon"]) == 2
    assert "not a time" in capsys.readouterr().err
    assert main([*base, "--limit", "2"]) == 0
    out = capsys.readouterr().out
    first = [line.split("\t")[0] for line in out.splitlines()[:2]]
    hint = out.splitlines()[-1]
    assert hint.startswith("(5 runs in all; see more with --before ")
    cursor = hint.removeprefix("(5 runs in all; see more with --before ").rstrip(")")
    assert main([*base, "--limit", "2", "--before", cursor]) == 0
    after = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()[:2]]
    assert after and not set(after) & set(first)
    assert main([*base, "--limit", "2", "--offset", "2"]) == 0  # the old option still works
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()[:2]] == after


@pytest.mark.parametrize("value", ["1e999", "-1e999", "[1, 1e999]", "NaN"])
async def test_a_parameter_that_is_not_a_finite_number_answers_400_naming_it(
    api: Any, root: Path, value: str
) -> None:
    product = make_product(root, "sales")
    pipeline_notebook(product / "models" / "daily.ipynb", "p = Pipeline('daily')\np.run()")
    raw = '{"pipeline": "sales/models/daily.ipynb", "parameters": {"threshold": ' + value + "}}"
    status, body = await api("POST", "runs", raw=raw.encode())
    assert status == 400, body
    assert body["reason"] == "InvalidInput" and body["field"] in {"parameters", None}
    if value != "NaN":  # NaN is not JSON at all: the body is refused before
        assert "'threshold'" in body["message"] and "not finite" in body["message"]
    _, listed = await api("GET", "runs")
    assert listed["total"] == 0


def test_the_command_line_refuses_a_nan_parameter_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = (tmp_path / "root").resolve()
    product = make_product(root, "sales")
    pipeline_notebook(product / "models" / "daily.ipynb", "p = Pipeline('daily')\np.run()")
    for value in ("NaN", "Infinity", "-Infinity", "1e999"):
        code = main(["--root", str(root), "run", "sales/models/daily.ipynb", "-p", f"x={value}"])
        assert code == 2
        err = capsys.readouterr().err
        assert "'x'" in err and "not finite" in err, err


def test_runs_show_marks_a_run_of_a_dead_process_interrupted(
    tmp_path: Path, run_store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a run left RUNNING by a process that is gone
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    me = ProcessIdentity.current()
    store = RunStore(run_store_url)
    run = RunResult(
        run_id="2026-11-01T08.00.00.000Z-killed",
        pipeline="daily",
        status=RunStatus.RUNNING,
        product_root=(tmp_path / "root" / "sales").resolve(),
        created_at=T0,
        started_at=utc_now() + timedelta(seconds=5),  # after its last heartbeat (at creation)
    )
    store.create_run(run, owner=ProcessIdentity(me.host, gone.pid, time.time() - 5))
    store.close()
    # When `runs show` reads it
    base = ["--root", str(tmp_path / "root"), "runs"]
    assert main([*base, "show", run.run_id, "--json"]) == 0
    # Then it is INTERRUPTED, without a made-up duration (it was not seen alive after its start)
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "INTERRUPTED" and shown["duration"] is None
    assert main([*base, "list"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(run.run_id) and "INTERRUPTED" in line and " s" not in line
