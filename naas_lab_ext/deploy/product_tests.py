"""Step 1 of a deploy: the product's own tests, "tests to be performed before production".

``python -m pytest tests -q`` in the product (exit 5, no test collected, counts as passed), then
every notebook under ``tests/`` executed with papermill. They run in the environment JupyterLab
runs in, on the live product, within one time limit for the whole step. The report (pytest's
output and each notebook's outcome) and the executed test notebooks are kept in the live
product's ``outputs/deployments/<id>/``.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..core import env
from .commands import base_environment, run_command
from .notebooks import execute_notebook

REPORT_NAME = "tests.txt"
#: pytest's exit code when it collected no test.
NO_TESTS = 5
SKIPPED_FOLDERS = frozenset({".ipynb_checkpoints", "__pycache__"})


@dataclass
class TestsOutcome:
    """The product tests' verdict, a one-line summary and the report file."""

    passed: bool
    summary: str
    report: Path


def test_notebooks(tests: Path) -> list[Path]:
    """The notebooks under ``tests/`` (not in hidden or cache folders), sorted."""
    found = []
    for path in sorted(tests.rglob("*.ipynb")):
        relative = path.relative_to(tests).parts
        if any(part in SKIPPED_FOLDERS or part.startswith(".") for part in relative):
            continue
        if path.is_file() and not path.is_symlink():
            found.append(path)
    return found


def _has_python_tests(tests: Path) -> bool:
    return any(
        p.is_file() and not any(part.startswith(".") for part in p.relative_to(tests).parts)
        for p in tests.rglob("*.py")
    )


def run_product_tests(
    product: Path,
    report_dir: Path,
    *,
    timeout: float,
    stop: threading.Event | None = None,
) -> TestsOutcome:
    """Run the product's tests; the report goes to ``report_dir/tests.txt``."""
    report_dir.mkdir(parents=True, exist_ok=True)
    report = report_dir / REPORT_NAME
    tests = product / "tests"
    lines = [f"Product tests of {product}", ""]
    if not tests.is_dir():
        report.write_text("\n".join([*lines, "No tests/ folder: nothing to run."]) + "\n")
        return TestsOutcome(True, "no tests/ folder", report)
    began = time.monotonic()
    environment = base_environment({env.PRODUCT_ROOT: str(product)})
    failures: list[str] = []
    summary: list[str] = []

    def remaining() -> float:
        return max(1.0, timeout - (time.monotonic() - began))

    if _has_python_tests(tests):
        lines += ["$ python -m pytest tests -q", ""]
        if importlib.util.find_spec("pytest") is None:
            failures.append("pytest is not installed")
            lines.append(
                "pytest is not installed in the environment JupyterLab runs in: install it "
                "(pip install pytest), or deploy with --skip-tests."
            )
        else:
            done = run_command(
                [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider"],
                cwd=product,
                environment={**environment, "PY_COLORS": "0"},
                timeout=remaining(),
                stop=stop,
            )
            lines.append(done.output.rstrip())
            last = done.output.strip().splitlines()[-1:] or [""]
            verdict = last[0].strip("= ").strip()
            if done.timed_out:
                failures.append(f"pytest took longer than {timeout:.0f} s and was stopped")
            elif done.returncode in (0, NO_TESTS):
                summary.append(verdict or "pytest passed")
            else:
                failures.append(f"pytest: {verdict or f'exit code {done.returncode}'}")
        lines.append("")
    for notebook in test_notebooks(tests):
        relative = notebook.relative_to(product).as_posix()
        if failures and "took longer" in failures[-1]:
            lines.append(f"{relative}: not run (out of time)")
            continue
        executed = execute_notebook(
            notebook,
            report_dir / notebook.relative_to(product),
            cwd=notebook.parent,
            environment=environment,
            timeout=remaining(),
            stop=stop,
        )
        if executed.ok:
            lines.append(f"{relative}: passed ({executed.seconds:.1f} s)")
        else:
            reason = executed.reason(timeout)
            lines.append(f"{relative}: FAILED: {reason}")
            if executed.outcome.error is not None and executed.outcome.error.traceback:
                lines.append(executed.outcome.error.traceback)
            failures.append(f"{relative}: {reason}")
    notebooks = len(test_notebooks(tests))
    if notebooks:
        summary.append(f"{notebooks} test notebook(s) run")
    verdict = "; ".join(failures) if failures else "; ".join(summary) or "no tests"
    lines += ["", f"Result: {'FAILED: ' if failures else 'passed: '}{verdict}"]
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return TestsOutcome(not failures, verdict, report)
