"""The import rules (import-linter contracts in pyproject.toml) hold, and bite: each rule is
broken on purpose in a copy of the code and `lint-imports` must say which contract broke."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
LAYERS = "Layers: core <- database <- rest <- events <- secrets <- products"
INDEPENDENT = "Capabilities are independent of each other"
NO_SERVER = "The domain knows no server"
GRAPH_BELOW_RUNNER = "pipelines: a pipeline is data, a runner runs it"
ACYCLIC = "No import circle, in any package, at any depth"

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (pip install -e .[dev])"
)


def copy_of_the_code(tmp_path: Path) -> Path:
    """The packages and pyproject.toml, without the built frontend and bundled notebooks."""
    skip = shutil.ignore_patterns("labextension", "bundled", "skeleton", "__pycache__")
    for package in ("naas_lab_ext", "naas_data_product"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=skip)
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def contracts(folder: Path) -> tuple[int, dict[str, bool]]:
    """lint-imports' exit code and, for each contract, whether it was kept."""
    env = {**os.environ, "PYTHONPATH": str(folder)}  # the copy, not the installed package
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    text = " ".join(done.stdout.split())  # the report wraps long contract names
    assert "Contracts:" in text, done.stdout + done.stderr
    kept = {}
    for name in (LAYERS, INDEPENDENT, NO_SERVER, GRAPH_BELOW_RUNNER, ACYCLIC):
        after = text.split(name, 1)[1]  # "<name>... KEPT" or "<name>... BROKEN"
        ends = {word: after.find(word) for word in ("KEPT", "BROKEN") if word in after}
        kept[name] = min(ends, key=ends.__getitem__) == "KEPT"
    return done.returncode, kept


def test_the_code_keeps_every_contract(tmp_path: Path) -> None:
    code, kept = contracts(copy_of_the_code(tmp_path))
    assert code == 0
    assert all(kept.values()), kept


LATE = "\n\ndef _deliberate() -> None:\n    {}  # noqa\n"


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # a late import that dodges a circle is a circle
        (
            "pipelines/graph.py",
            LATE.format("from .runner import PipelineRun"),
            {GRAPH_BELOW_RUNNER, ACYCLIC},
        ),
        ("templates/search.py", "\nfrom .index import TemplateIndex  # noqa\n", {ACYCLIC}),
        ("products/manifest.py", LATE.format("from ..templates import library"), {LAYERS}),
        ("templates/copies.py", "\nfrom ..pipelines import results  # noqa\n", {INDEPENDENT}),
        ("outputs/store.py", "\nimport tornado.web  # noqa\n", {NO_SERVER}),
        ("core/clock.py", LATE.format("from ..rest import route"), {LAYERS, NO_SERVER}),
        # secrets sit below products, and know no server outside their handlers
        ("secrets/vault.py", LATE.format("from ..products import manifest"), {LAYERS}),
        ("secrets/service.py", "\nimport tornado.web  # noqa\n", {NO_SERVER}),
        ("events/store.py", LATE.format("from ..secrets import vault"), {LAYERS}),
    ],
)
def test_a_rule_broken_on_purpose_is_caught(
    tmp_path: Path, module: str, line: str, broken: set[str]
) -> None:
    folder = copy_of_the_code(tmp_path)
    with (folder / "naas_lab_ext" / module).open("a", encoding="utf-8") as source:
        source.write(line)
    code, kept = contracts(folder)
    assert code != 0
    assert {name for name, ok in kept.items() if not ok} >= broken, kept
