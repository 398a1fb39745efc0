"""The pipeline API without kernels: wiring, validation, run semantics, retention.

Steps here are DummySteps and small custom steps (a :class:`Step` subclass implementing
``execute``), so the rules of the engine are tested fast; real notebooks and kernels are in
test_pipeline_kernel.py.
"""

from __future__ import annotations

import _thread
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.core.clock import is_version
from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.pipelines.api import (
    Chain,
    DummyStep,
    End,
    NotebookStep,
    ParallelStep,
    Pipeline,
    PipelineError,
    Step,
    StepContext,
)
from naas_lab_ext.pipelines.describe import pipeline_from_spec
from naas_lab_ext.pipelines.executors.base import Executor, JobOutcome, NotebookJob
from naas_lab_ext.pipelines.plan import build_plan
from naas_lab_ext.pipelines.results import PipelineFailed, RunStatus, StepStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.notebooks import make_product, write_notebook


class Boom(Step):
    """Fails every attempt (or only the first ``failures`` ones); counts its attempts."""

    kind = "boom"

    def __init__(self, name: str, failures: int | None = None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.failures = failures
        self.calls = 0

    def execute(self, context: StepContext) -> None:
        self.calls += 1
        if self.failures is None or self.calls <= self.failures:
            raise ValueError(f"{self.name} broke (attempt {context.attempt})")


class Recorder(Step):
    """Succeeds after ``delay`` s, recording when it ran and what it got."""

    kind = "recorder"
    log: list[tuple[str, float, float]]

    def __init__(self, name: str, log: list[Any], delay: float = 0.0) -> None:
        super().__init__(name)
        self.log = log
        self.delay = delay
        self.parameters: dict[str, Any] = {}

    def execute(self, context: StepContext) -> None:
        start = time.monotonic()
        context.cancelled.wait(self.delay)
        self.parameters = context.parameters
        self.log.append((self.name, start, time.monotonic()))


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    db = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    yield db  # type: ignore[misc]
    db.close()


def run(pipeline: Pipeline, store: RunStore, **kwargs: Any) -> Any:
    return pipeline.run(progress=False, store=store, **kwargs)


def names(steps: list[Step]) -> list[str]:
    return [s.name for s in steps]


# -- wiring -----------------------------------------------------------------------------------


def test_linear_and_parallel_wiring(tmp_path: Path) -> None:
    p = Pipeline("p", root=tmp_path)
    a, b, c, d = (DummyStep(n) for n in "abcd")
    result = p >> a >> [b, c] >> d >> End()
    assert isinstance(result, End)
    assert names(p.entry_steps) == ["a"]
    assert names(a.next_steps) == ["b", "c"]
    assert names(b.next_steps) == names(c.next_steps) == ["d"]
    plan = p.validate()
    assert list(plan.steps) == ["a", "b", "c", "d"]
    assert plan["d"].upstream == ["b", "c"]


def test_chains_inside_a_list_are_branches(tmp_path: Path) -> None:
    p = Pipeline("p", root=tmp_path)
    a, b1, b2, c, d = (DummyStep(n) for n in ["a", "b1", "b2", "c", "d"])
    p >> a >> [b1 >> b2, c] >> d
    assert names(a.next_steps) == ["b1", "c"]
    assert names(b1.next_steps) == ["b2"]
    assert names(b2.next_steps) == names(c.next_steps) == ["d"]


def test_parallel_step_and_list_on_the_left(tmp_path: Path) -> None:
    p = Pipeline("p", root=tmp_path)
    a, b, c = (DummyStep(n) for n in "abc")
    chain = p >> ParallelStep([a, b])
    assert isinstance(chain, Chain)
    [a, b] >> c  # a list on the left asks the step
    assert names(p.entry_steps) == ["a", "b"]
    assert names(a.next_steps) == names(b.next_steps) == ["c"]


def test_on_error_takes_a_step_a_chain_or_a_list(tmp_path: Path) -> None:
    p = Pipeline("p", root=tmp_path)
    a, h1, h2, h3 = (DummyStep(n) for n in ["a", "h1", "h2", "h3"])
    p >> a >> End()
    a.on_error >> h1 >> h2
    a.on_error >> [h3]
    plan = p.validate()
    assert plan["a"].handlers == ["h1", "h3"]
    assert plan["h1"].role == plan["h2"].role == "on_error"
    assert plan["h2"].upstream == ["h1"]
    assert plan["h1"].handles == ["a"]


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda p, a, b: (p >> a >> b, a >> b), "already wired after 'a'"),
        (lambda p, a, b: (p >> a, p >> a), "already wired at the start"),
        (lambda p, a, b: (a.on_error >> b, a.on_error >> b), "already wired as the error handler"),
        (lambda p, a, b: a >> a, "cannot run after itself"),
        (lambda p, a, b: a.on_error >> a, "its own failure"),
        (lambda p, a, b: End() >> a, "after End()"),
        (lambda p, a, b: a >> p, "pipeline starts a chain"),
        (lambda p, a, b: p >> End(), "no step before End()"),
        (lambda p, a, b: a >> [], "empty list"),
        (lambda p, a, b: a >> "models/x.ipynb", "Cannot wire str"),
    ],
)
def test_wiring_mistakes_raise_at_once_naming_the_step(
    tmp_path: Path, build: Any, words: str
) -> None:
    p = Pipeline("p", root=tmp_path)
    a, b = DummyStep("a"), DummyStep("b")
    with pytest.raises(PipelineError) as caught:
        build(p, a, b)
    assert words in caught.value.message


# -- validation -------------------------------------------------------------------------------


def test_a_product_or_notebook_named_in_no_valid_utf8_is_refused_with_what_to_do(
    tmp_path: Path,
) -> None:
    # A run records (and shows) its product's and notebooks' paths: such names cannot be
    odd = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9"))
    product = make_product(odd, "sales")
    in_odd = Pipeline("p", root=product)
    in_odd >> DummyStep("A")
    store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    with pytest.raises(PipelineError, match=r"product folder '.*caf\\udce9/sales' has a name "):
        in_odd.run(progress=False, store=store)
    fine = make_product(tmp_path, "fine")
    bad = os.fsdecode(b"models/\xff.ipynb")
    write_notebook(fine / bad, "x = 1")
    odd_notebook = Pipeline("q", root=fine)
    odd_notebook >> NotebookStep("N", bad)
    with pytest.raises(PipelineError, match=r"UTF-8") as caught:
        odd_notebook.run(progress=False, store=store)
    assert caught.value.step == "N"
    assert store.list_runs()[0] == []  # nothing recorded, no half-written run
    store.close()


def test_validation_errors_name_the_step(tmp_path: Path) -> None:
    empty = Pipeline("empty", root=tmp_path)
    with pytest.raises(PipelineError, match="has no step"):
        empty.validate()

    dup = Pipeline("dup", root=tmp_path)
    dup >> DummyStep("Clean") >> DummyStep("clean")
    with pytest.raises(PipelineError, match="Two steps are named 'clean'") as caught:
        dup.validate()
    assert caught.value.step == "clean"

    slugs = Pipeline("slugs", root=tmp_path)
    slugs >> DummyStep("Clean A") >> DummyStep("Clean_A")
    with pytest.raises(PipelineError, match="same file name"):
        slugs.validate()

    cyc = Pipeline("cyc", root=tmp_path)
    a, b, c = DummyStep("a"), DummyStep("b"), DummyStep("c")
    cyc >> a >> b >> c
    c >> b
    with pytest.raises(PipelineError, match="'b' >> 'c' >> 'b' form a cycle"):
        cyc.validate()

    both = Pipeline("both", root=tmp_path)
    x, y = DummyStep("x"), DummyStep("y")
    both >> x >> y
    x.on_error >> y
    with pytest.raises(PipelineError, match="both a step of the pipeline and an error handler"):
        both.validate()


def test_notebook_paths_are_checked_against_the_product_root(tmp_path: Path) -> None:
    product = make_product(tmp_path)
    write_notebook(product / "models" / "ok.ipynb", "1")
    (product / "models" / "notes.txt").write_text("x")
    (tmp_path / "outside.ipynb").write_text("{}")
    cases = {
        "models/missing.ipynb": "does not exist under the product root",
        "../outside.ipynb": "goes up with '..'",
        "/etc/passwd": "absolute",
        "models/notes.txt": "is not a notebook",
    }
    for path, words in cases.items():
        p = Pipeline("p", root=product)
        p >> NotebookStep("Load", path)
        with pytest.raises(PipelineError, match="Step 'Load'") as caught:
            p.validate()
        assert words in caught.value.message, path
        assert caught.value.step == "Load"
    good = Pipeline("p", root=product)
    good >> NotebookStep("Load", "models/ok.ipynb")
    plan = good.validate()
    assert plan["Load"].notebook == (product / "models" / "ok.ipynb").resolve()
    assert plan["Load"].kernel_name == "python3"
    assert plan["Load"].output_name() == "Load.ok.ipynb"


def test_the_product_root_is_found_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = make_product(tmp_path)
    monkeypatch.chdir(product / "models")
    assert Pipeline("p").product_root() == product.resolve()
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)
    assert Pipeline("p").product_root() == plain.resolve()


def test_pipeline_name_comes_from_the_defining_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NAAS_PIPELINE_NOTEBOOK", raising=False)
    monkeypatch.setenv("JPY_SESSION_NAME", "/work/sales/models/__pipeline__.ipynb")
    assert Pipeline().name == "pipeline"
    monkeypatch.setenv("JPY_SESSION_NAME", "/work/sales/models/daily load.ipynb")
    assert Pipeline().name == "daily-load"
    monkeypatch.delenv("JPY_SESSION_NAME")
    assert Pipeline().name == "pipeline"
    with pytest.raises(InvalidInput, match="pipeline name"):
        Pipeline("../escape")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: DummyStep(""), "needs a name"),
        (lambda: DummyStep("a/b"), "must not contain"),
        (lambda: DummyStep("x" * 101), "longer than 100"),
        (lambda: DummyStep("a", timeout=-1), "timeout must be positive"),
        (lambda: DummyStep("a", timeout=0), "timeout must be positive"),
        (lambda: DummyStep("a", retries=-1), "retries must be"),
        (lambda: DummyStep("a", retry_delay="soon"), "retry_delay must be a number"),
        (lambda: DummyStep("a", delay=float("nan")), "delay must be a number"),
        (lambda: NotebookStep("a", ""), "give the notebook path"),
        (lambda: NotebookStep("a", "x.ipynb", parameters=[1]), "parameters must be a dict"),
        (
            lambda: NotebookStep("a", "x.ipynb", parameters={"pipeline_run_id": 1}),
            "set by the pipeline itself",
        ),
    ],
)
def test_bad_step_options_are_refused(make: Any, words: str) -> None:
    with pytest.raises(PipelineError, match=words):
        make()


# -- running ----------------------------------------------------------------------------------


def test_dummy_pipeline_runs_end_to_end_and_is_recorded(tmp_path: Path, store: RunStore) -> None:
    p = Pipeline("sketch", root=tmp_path)
    p >> DummyStep("Collect") >> [DummyStep("A"), DummyStep("B", delay=0.05)] >> DummyStep("Out")
    result = run(p, store)
    assert result.status == RunStatus.SUCCEEDED and result.ok
    assert [s.status for s in result.steps] == [StepStatus.SUCCEEDED] * 4
    assert result["B"].duration is not None and result["B"].duration >= 0.04
    assert is_version(result.run_id[:24])  # starts with its time-ordered version
    stored = store.get_run(result.run_id)
    assert stored.status == RunStatus.SUCCEEDED
    assert [s.name for s in stored.steps] == ["Collect", "A", "B", "Out"]
    assert stored.steps[3].upstream == ["A", "B"]
    assert (
        result.output_dir == tmp_path / "outputs" / "pipeline_executions" / "sketch" / result.run_id
    )


def test_a_failing_step_fails_the_run_skips_downstream_and_lets_other_branches_finish(
    tmp_path: Path, store: RunStore
) -> None:
    log: list[Any] = []
    p = Pipeline("p", root=tmp_path)
    start = DummyStep("start")
    bad, after_bad = Boom("bad"), Recorder("after bad", log)
    good, after_good = Recorder("good", log, delay=0.1), Recorder("after good", log)
    join = Recorder("join", log)
    p >> start >> [bad >> after_bad, good >> after_good] >> join
    result = run(p, store)
    # Then the run is FAILED (never reported as success)
    assert result.status == RunStatus.FAILED and not result.ok
    assert result["bad"].status == StepStatus.FAILED
    assert result["bad"].error is not None
    assert result["bad"].error.name == "ValueError"
    assert "bad broke" in result["bad"].error.message
    # And the failed step's downstream is skipped, the independent branch went on
    assert result["after bad"].status == StepStatus.SKIPPED
    assert "'bad' failed" in result["after bad"].detail
    assert result["join"].status == StepStatus.SKIPPED
    assert result["good"].status == result["after good"].status == StepStatus.SUCCEEDED
    assert [entry[0] for entry in log] == ["good", "after good"]
    assert store.get_run(result.run_id).status == RunStatus.FAILED


def test_raise_on_failure_raises_with_the_result(tmp_path: Path, store: RunStore) -> None:
    p = Pipeline("p", root=tmp_path)
    p >> Boom("bad")
    with pytest.raises(PipelineFailed, match="bad broke") as caught:
        run(p, store, raise_on_failure=True)
    assert caught.value.result.status == RunStatus.FAILED
    ok = Pipeline("ok", root=tmp_path)
    ok >> DummyStep("fine")
    assert run(ok, store, raise_on_failure=True).ok


def test_on_error_handler_runs_exactly_once_even_when_parallel_steps_fail(
    tmp_path: Path, store: RunStore
) -> None:
    # Given two parallel steps that both fail and share one handler chain
    log: list[Any] = []
    p = Pipeline("p", root=tmp_path, max_parallel=4)
    left, right = Boom("left"), Boom("right")
    alert, cleanup = Recorder("alert", log), Recorder("cleanup", log)
    p >> DummyStep("start") >> [left, right] >> DummyStep("end")
    left.on_error >> alert >> cleanup
    right.on_error >> alert
    result = run(p, store)
    # Then the handler chain ran once, in order, and the run is still FAILED
    assert [entry[0] for entry in log] == ["alert", "cleanup"]
    assert result["alert"].status == result["cleanup"].status == StepStatus.SUCCEEDED
    assert result["alert"].role == "on_error"
    assert result.status == RunStatus.FAILED
    assert alert.parameters["pipeline_failed_step"] in {"left", "right"}
    assert "broke" in alert.parameters["pipeline_error"]


def test_handlers_of_steps_that_did_not_fail_are_skipped(tmp_path: Path, store: RunStore) -> None:
    log: list[Any] = []
    p = Pipeline("p", root=tmp_path)
    a = DummyStep("a")
    p >> a
    a.on_error >> Recorder("alert", log)
    result = run(p, store)
    assert result.ok
    assert result["alert"].status == StepStatus.SKIPPED
    assert "no step it handles failed" in result["alert"].detail
    assert log == []


def test_a_failing_handler_keeps_the_run_failed(tmp_path: Path, store: RunStore) -> None:
    p = Pipeline("p", root=tmp_path)
    a = Boom("a")
    p >> a
    a.on_error >> Boom("alert") >> DummyStep("after alert")
    result = run(p, store)
    assert result.status == RunStatus.FAILED
    assert result["alert"].status == StepStatus.FAILED
    assert result["after alert"].status == StepStatus.SKIPPED


def test_retries_with_delay_then_success(tmp_path: Path, store: RunStore) -> None:
    p = Pipeline("p", root=tmp_path)
    flaky = Boom("flaky", failures=2, retries=2, retry_delay=0.1)
    p >> flaky >> DummyStep("after")
    started = time.monotonic()
    result = run(p, store)
    assert result.ok
    assert flaky.calls == 3
    assert result["flaky"].attempts == 3
    assert result["flaky"].error is None
    assert "succeeded on attempt 3" in result["flaky"].detail
    assert time.monotonic() - started >= 0.2  # two delays of 0.1 s


def test_retries_exhausted_fail_the_step(tmp_path: Path, store: RunStore) -> None:
    p = Pipeline("p", root=tmp_path)
    broken = Boom("broken", retries=1)
    p >> broken
    result = run(p, store)
    assert result.status == RunStatus.FAILED
    assert broken.calls == 2
    assert result["broken"].attempts == 2
    assert result["broken"].status == StepStatus.FAILED


def test_a_step_over_its_timeout_fails_with_step_timeout(tmp_path: Path, store: RunStore) -> None:
    p = Pipeline("p", root=tmp_path)
    p >> DummyStep("slow", delay=30, timeout=0.2) >> DummyStep("after")
    started = time.monotonic()
    result = run(p, store)
    assert time.monotonic() - started < 10
    assert result.status == RunStatus.FAILED
    error = result["slow"].error
    assert error is not None and error.name == "StepTimeout"
    assert "timeout of 0.2 s" in error.message
    assert result["after"].status == StepStatus.SKIPPED


def test_cancel_stops_running_steps_and_ends_cancelled(tmp_path: Path, store: RunStore) -> None:
    p = Pipeline("p", root=tmp_path)
    p >> DummyStep("long", delay=30) >> DummyStep("next")
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    result = run(p, store, cancel=cancel)
    assert time.monotonic() - started < 10
    assert result.status == RunStatus.CANCELLED
    assert result["long"].status == StepStatus.CANCELLED
    assert result["next"].status == StepStatus.CANCELLED
    assert store.get_run(result.run_id).status == RunStatus.CANCELLED


def test_interrupting_the_caller_cancels_the_run(tmp_path: Path, store: RunStore) -> None:
    # Given a run in the main thread, When the user interrupts it (Ctrl-C, kernel interrupt)
    p = Pipeline("p", root=tmp_path)
    p >> DummyStep("long", delay=30)
    threading.Timer(0.3, _thread.interrupt_main).start()
    result = run(p, store)
    # Then the run is cancelled cleanly and recorded so
    assert result.status == RunStatus.CANCELLED
    assert store.get_run(result.run_id).status == RunStatus.CANCELLED


def test_cancel_requested_through_the_store_is_picked_up(tmp_path: Path, store: RunStore) -> None:
    # Given a run whose id we learn from its first progress event
    from naas_lab_ext.pipelines.options import RunOptions
    from naas_lab_ext.pipelines.runner import PipelineRun

    p = Pipeline("p", root=tmp_path)
    p >> DummyStep("long", delay=30)
    seen: list[str] = []
    runner = PipelineRun(
        p.validate(),
        store=store,
        options=RunOptions(heartbeat_interval=0.1),
        on_event=lambda result, step: seen.append(result.run_id),
    )
    # When another process asks the store to cancel it
    threading.Timer(0.3, lambda: store.request_cancel(runner.run_id)).start()
    result = runner.execute()
    # Then the run ends CANCELLED
    assert result.status == RunStatus.CANCELLED
    assert seen[0] == runner.run_id


def test_parallel_branches_overlap_and_max_parallel_bounds_them(
    tmp_path: Path, store: RunStore
) -> None:
    def overlaps(log: list[Any]) -> int:
        events = sorted([(s, 1) for _, s, _ in log] + [(e, -1) for _, _, e in log])
        peak = current = 0
        for _, change in events:
            current += change
            peak = max(peak, current)
        return peak

    log: list[Any] = []
    wide = Pipeline("wide", root=tmp_path, max_parallel=3)
    wide >> [Recorder(f"r{i}", log, delay=0.2) for i in range(3)]
    assert run(wide, store).ok
    assert overlaps(log) == 3

    log2: list[Any] = []
    narrow = Pipeline("narrow", root=tmp_path)
    narrow >> [Recorder(f"n{i}", log2, delay=0.1) for i in range(3)]
    assert run(narrow, store, max_parallel=1).ok
    assert overlaps(log2) == 1


def test_run_parameters_reach_every_step_over_its_own(tmp_path: Path, store: RunStore) -> None:
    log: list[Any] = []
    p = Pipeline("p", root=tmp_path)
    step = Recorder("r", log)
    p >> step
    result = run(p, store, parameters={"days": 3})
    assert step.parameters["days"] == 3
    assert step.parameters["pipeline_run_id"] == result.run_id
    assert step.parameters["pipeline_output_path"] == str(result.output_dir)
    assert store.get_run(result.run_id).parameters == {"days": 3}
    for bad, words in [({"pipeline_run_id": 1}, "set by the pipeline"), ({"a b": 1}, "valid")]:
        with pytest.raises(InvalidInput, match=words):
            run(p, store, parameters=bad)


def test_progress_callback_sees_every_change(tmp_path: Path, store: RunStore) -> None:
    seen: list[tuple[str, str]] = []
    p = Pipeline("p", root=tmp_path)
    p >> DummyStep("a") >> DummyStep("b")
    run_result = p.run(
        store=store,
        progress=lambda result, step: seen.append(
            (step.name if step else "run", (step or result).status.value)
        ),
    )
    assert seen[0] == ("run", "RUNNING")
    assert ("a", "RUNNING") in seen and ("a", "SUCCEEDED") in seen
    assert seen[-1] == ("run", "SUCCEEDED")
    assert run_result.ok


def test_default_progress_prints_lines(
    tmp_path: Path, store: RunStore, capsys: pytest.CaptureFixture[str]
) -> None:
    p = Pipeline("p", root=tmp_path)
    p >> Boom("bad")
    p.run(store=store)
    out = capsys.readouterr().out
    assert "RUNNING   bad" in out
    assert "FAILED    bad" in out and "ValueError" in out
    last = out.strip().splitlines()[-1]
    assert " p " in last and "FAILED in" in last


def test_result_object_reports_in_text_html_and_json(tmp_path: Path, store: RunStore) -> None:
    p = Pipeline("p", root=tmp_path)
    p >> DummyStep("ok") >> Boom("bad")
    result = run(p, store)
    assert "FAILED" in str(result) and "bad broke" in str(result)
    assert "<table>" in result._repr_html_() and "bad broke" in result._repr_html_()
    data = result.to_json(relative_to=tmp_path)
    assert data["status"] == "FAILED"
    assert data["steps"][1]["error"]["name"] == "ValueError"
    assert data["output_dir"] == f"outputs/pipeline_executions/p/{result.run_id}"
    assert result.failed_steps[0].name == "bad"
    with pytest.raises(KeyError):
        result["nope"]


def test_spec_round_trip_rebuilds_the_same_dag(tmp_path: Path) -> None:
    product = make_product(tmp_path)
    write_notebook(product / "models" / "a.ipynb", "1")
    p = Pipeline("p", root=product)
    a = NotebookStep("A", "models/a.ipynb", parameters={"days": 7}, timeout=5, retries=1)
    b, c = DummyStep("B", delay=0.5), DummyStep("C")
    p >> a >> [b, c] >> End()
    c.on_error >> DummyStep("Alert")
    spec = p.to_spec()
    rebuilt = pipeline_from_spec(spec, root=product)
    assert build_plan(rebuilt, rebuilt.product_root()).to_spec() == spec
    assert {e["kind"] for e in spec["edges"]} == {"next", "on_error"}


# -- retention --------------------------------------------------------------------------------


def test_retention_keeps_the_last_n_executions(tmp_path: Path, store: RunStore) -> None:
    ids = []
    for _ in range(4):
        p = Pipeline("daily", root=tmp_path, keep_last=2)
        p >> DummyStep("a")
        ids.append(run(p, store).run_id)
    runs, total = store.list_runs(product_root=tmp_path, pipeline="daily")
    assert total == 2
    assert [r.run_id for r in runs] == ids[:-3:-1]
    folders = sorted(p.name for p in (tmp_path / "outputs/pipeline_executions/daily").iterdir())
    assert folders == sorted(ids[-2:])


def test_retention_by_age_prunes_old_executions(tmp_path: Path, store: RunStore) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from naas_lab_ext.pipelines.store.orm import RunRow

    old = Pipeline("weekly", root=tmp_path)
    old >> DummyStep("a")
    old_run = run(old, store)
    old_id = old_run.run_id
    assert old_run.created_at is not None
    with store._write() as session:
        session.execute(
            update(RunRow)
            .where(RunRow.id == old_id)
            .values(created_at=old_run.created_at - timedelta(days=10))
        )
    (tmp_path / "outputs/pipeline_executions/weekly" / old_id / "keep.txt").write_text("x")
    new = Pipeline("weekly", root=tmp_path, keep_days=7)
    new >> DummyStep("a")
    new_id = run(new, store).run_id
    runs, _ = store.list_runs(product_root=tmp_path, pipeline="weekly")
    assert [r.run_id for r in runs] == [new_id]
    assert not (tmp_path / "outputs/pipeline_executions/weekly" / old_id).exists()


def test_retention_never_touches_other_pipelines_or_running_runs(
    tmp_path: Path, store: RunStore
) -> None:
    other = Pipeline("other", root=tmp_path)
    other >> DummyStep("a")
    other_id = run(other, store).run_id
    for _ in range(2):
        p = Pipeline("mine", root=tmp_path, keep_last=1)
        p >> DummyStep("a")
        run(p, store)
    assert store.get_run(other_id).ok
    assert (tmp_path / "outputs/pipeline_executions/other" / other_id).is_dir()


class FakeExecutor(Executor):
    """Runs notebook jobs without kernels: records them, writes the copy, or fails to start."""

    def __init__(self, broken: set[str] | None = None) -> None:
        self.prepared: list[str] = []
        self.started: list[NotebookJob] = []
        self.broken = broken or set()

    def prepare(self, job: NotebookJob) -> None:
        self.prepared.append(job.step)

    def start(self, job: NotebookJob, done: Any) -> None:
        if job.step in self.broken:
            raise OSError(f"no resources for {job.step}")
        self.started.append(job)
        job.output_path.write_text("{}")
        done(JobOutcome(ok=True))

    def kill(self, job: NotebookJob) -> None:
        raise AssertionError("nothing to kill")


def test_the_executor_gets_each_notebook_job_with_its_parameters_and_environment(
    tmp_path: Path, store: RunStore
) -> None:
    from naas_lab_ext.pipelines.options import RunOptions
    from naas_lab_ext.pipelines.runner import PipelineRun

    product = make_product(tmp_path)
    write_notebook(product / "models" / "a.ipynb", "1")
    p = Pipeline("p", root=product)
    first = NotebookStep("First", "models/a.ipynb", parameters={"days": 7, "region": "EU"})
    (
        p
        >> first
        >> NotebookStep("Second", "models/a.ipynb")
        >> NotebookStep("Third", "models/a.ipynb")
    )
    executor = FakeExecutor()
    result = PipelineRun(
        p.validate(),
        store=store,
        parameters={"days": 1},
        executor=executor,
        options=RunOptions(prestart=2),
    ).execute()
    assert result.ok
    assert [job.step for job in executor.started] == ["First", "Second", "Third"]
    assert executor.prepared[:2] == ["Second", "Third"]  # kernels started ahead
    job = executor.started[0]
    assert job.parameters == {
        "days": 1,
        "region": "EU",
        "pipeline_output_path": str(result.output_dir),
        "pipeline_run_id": result.run_id,
    }
    assert job.cwd == (product / "models").resolve()
    assert job.env["NAAS_RUN_ID"] == result.run_id
    assert result.run_id.startswith(job.env["NAAS_RUN_VERSION"])
    assert job.env["NAAS_STEP"] == "First"
    assert job.env["NAAS_PRODUCT_ROOT"] == str(product.resolve())
    assert "NAAS_PIPELINE_DESCRIBE" not in job.env
    assert job.output_path == result.output_dir / "First.a.ipynb"  # type: ignore[operator]


def test_an_executor_that_cannot_start_a_job_fails_that_step(
    tmp_path: Path, store: RunStore
) -> None:
    from naas_lab_ext.pipelines.runner import PipelineRun

    product = make_product(tmp_path)
    write_notebook(product / "models" / "a.ipynb", "1")
    p = Pipeline("p", root=product)
    p >> NotebookStep("A", "models/a.ipynb") >> DummyStep("After")
    result = PipelineRun(p.validate(), store=store, executor=FakeExecutor({"A"})).execute()
    assert result.status == RunStatus.FAILED
    assert result["A"].error is not None and result["A"].error.name == "OSError"
    assert result["After"].status == StepStatus.SKIPPED
