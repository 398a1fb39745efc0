"""Scaffolding a product: the layout, the rendered files, atomicity, never overwriting."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from naas_lab_ext.core.errors import Conflict, InvalidInput
from naas_lab_ext.products import scaffold as layout
from naas_lab_ext.products.manifest import STANDARD_FOLDERS, get_product, list_products
from naas_lab_ext.products.scaffold import ProductSpec, create_product

SPEC = ProductSpec(
    name="sales-report",
    title='Sales "Weekly" Report',
    description="Weekly sales by region, for the sales team.",
    contact_name="Ada Lovelace",
    contact_email="ada@example.com",
)

HAS_GIT = shutil.which("git") is not None


def create(root: Path, spec: ProductSpec = SPEC, **kwargs: object) -> layout.CreatedProduct:
    return create_product(root, spec, framework_version="9.9.9", **kwargs)  # type: ignore[arg-type]


def test_layout_has_every_folder_and_file(tmp_path: Path) -> None:
    # Given an empty root, When a product is created
    created = create(tmp_path)
    product = tmp_path / "sales-report"
    # Then every standard folder exists, with a README saying what belongs there
    for folder in STANDARD_FOLDERS:
        assert (product / folder).is_dir(), folder
        assert (product / folder / "README.md").read_text().strip(), folder
    for name in [
        "README.md",
        "requirements.txt",
        "setup.ipynb",
        "product.json",
        ".gitignore",
        "inputs/params.json",
        "models/__pipeline__.ipynb",
        "tests/test_product.py",
        ".github/workflows/tests.yml",
        ".github/ISSUE_TEMPLATE/bug_report.md",
        ".github/ISSUE_TEMPLATE/enhancement.md",
        ".github/pull_request_template.md",
    ]:
        assert (product / name).is_file(), name
    assert not (product / "dot-gitignore").exists()
    assert not (product / "dot-github").exists()
    assert created.readme == "sales-report/README.md"
    assert created.product.path == "sales-report"
    assert created.product.models == ["__pipeline__.ipynb"]
    assert set(created.product.folders) == set(STANDARD_FOLDERS)
    # no staging folder is left behind
    assert [p.name for p in tmp_path.iterdir()] == ["sales-report"]


def test_readme_and_manifest_are_filled_from_the_form(tmp_path: Path) -> None:
    create(tmp_path)
    product = tmp_path / "sales-report"
    readme = (product / "README.md").read_text()
    assert readme.startswith('# Sales "Weekly" Report\n')
    assert "Weekly sales by region, for the sales team." in readme
    assert "Ada Lovelace <ada@example.com>" in readme
    assert "## Installation" in readme and "## Usage" in readme
    assert "{{" not in readme
    manifest = json.loads((product / "product.json").read_text())
    assert manifest["name"] == "sales-report"
    assert manifest["title"] == 'Sales "Weekly" Report'
    assert manifest["contact"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert manifest["framework"] == "naas_lab_ext"
    assert manifest["framework_version"] == "9.9.9"
    assert manifest["created_at"].endswith("Z")
    assert json.loads((product / "inputs" / "params.json").read_text()) == {
        "environment": "development"
    }


def test_notebooks_are_valid_and_titled(tmp_path: Path) -> None:
    create(tmp_path)
    product = tmp_path / "sales-report"
    for name in ["setup.ipynb", "models/__pipeline__.ipynb"]:
        notebook = nbformat.read(product / name, as_version=4)
        nbformat.validate(notebook)
        # a title with quotes is substituted inside the cells, the JSON stays valid
        assert 'Sales "Weekly" Report' in notebook.cells[0].source
        assert all("{{" not in cell.source for cell in notebook.cells)
    setup = nbformat.read(product / "setup.ipynb", as_version=4)
    code = "\n".join(c.source for c in setup.cells if c.cell_type == "code")
    assert "requirements.txt" in code and "SCHEDULES" in code and "DEPENDENCIES" in code
    # it deploys through the notebook calls; the starter schedule is one edit away
    assert "install_requirements()" in code and "schedule(pipeline" in code
    assert '# ("models/__pipeline__.ipynb", "0 8 * * *", "UTC"),' in code
    # every code cell is valid Python
    for cell in setup.cells:
        if cell.cell_type == "code":
            compile(cell.source, "setup.ipynb", "exec")


def test_gitignore_keeps_outputs_out(tmp_path: Path) -> None:
    create(tmp_path)
    gitignore = (tmp_path / "sales-report" / ".gitignore").read_text()
    assert "outputs/*" in gitignore and ".ipynb_checkpoints/" in gitignore


def test_github_practices_come_with_the_product(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    create(tmp_path)
    github = tmp_path / "sales-report" / ".github"
    # The workflow runs the product's tests on push
    workflow = yaml.safe_load((github / "workflows" / "tests.yml").read_text())
    assert "push" in workflow[True]  # YAML 1.1 reads the key `on` as True
    steps = workflow["jobs"]["tests"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert any(u.startswith("actions/setup-python@") for u in uses)
    commands = "\n".join(step.get("run", "") for step in steps)
    assert "pip install -r requirements.txt pytest" in commands
    assert "python -m pytest tests" in commands
    # Issue templates (bug, enhancement) and a pull-request template, titled for the product
    for name, label in [("bug_report.md", "bug"), ("enhancement.md", "enhancement")]:
        text = (github / "ISSUE_TEMPLATE" / name).read_text()
        front = yaml.safe_load(text.split("---")[1])
        assert front["labels"] == label
        assert 'Sales "Weekly" Report' in front["about"]
    assert "pytest tests" in (github / "pull_request_template.md").read_text()


def test_readme_says_how_to_deploy(tmp_path: Path) -> None:
    create(tmp_path)
    readme = (tmp_path / "sales-report" / "README.md").read_text()
    assert "## Deploy" in readme and "**Deploy product**" in readme
    assert "naas-lab deploy <product folder>" in readme
    assert "outputs/deployments/<deployment id>/" in readme


def test_example_test_of_the_product_passes(tmp_path: Path) -> None:
    create(tmp_path)
    product = tmp_path / "sales-report"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=product,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


@pytest.mark.skipif(not HAS_GIT, reason="git is not installed")
def test_product_is_a_git_repository_with_an_initial_commit(tmp_path: Path) -> None:
    created = create(tmp_path)
    product = tmp_path / "sales-report"
    assert created.git_commit and len(created.git_commit) == 40
    log = subprocess.run(
        ["git", "-C", str(product), "log", "--format=%an <%ae>|%s"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert log == 'Ada Lovelace <ada@example.com>|Create data product Sales "Weekly" Report'
    status = subprocess.run(
        ["git", "-C", str(product), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status == ""  # everything committed
    tracked = subprocess.run(
        ["git", "-C", str(product), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "outputs/README.md" in tracked and "product.json" in tracked
    assert created.product.is_git


def test_git_can_be_disabled(tmp_path: Path) -> None:
    created = create(tmp_path, git=False)
    assert created.git_commit is None
    assert not (tmp_path / "sales-report" / ".git").exists()


def test_without_git_the_product_is_still_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layout.shutil, "which", lambda _name: None)
    created = create(tmp_path)
    assert created.git_commit is None
    assert any("git is not installed" in w for w in created.warnings)
    assert (tmp_path / "sales-report" / "product.json").is_file()


def test_title_defaults_from_the_name(tmp_path: Path) -> None:
    created = create(tmp_path, ProductSpec(name="weekly_sales-report"))
    assert created.product.manifest is not None
    assert created.product.manifest.title == "Weekly Sales Report"
    readme = (tmp_path / "weekly_sales-report" / "README.md").read_text()
    assert "_Add who to contact about this product._" in readme


def test_created_in_a_parent_folder(tmp_path: Path) -> None:
    created = create(tmp_path, ProductSpec(name="churn", parent="products/marketing"))
    assert created.product.path == "products/marketing/churn"
    assert (tmp_path / "products" / "marketing" / "churn" / "product.json").is_file()


def test_an_existing_empty_folder_becomes_the_product(tmp_path: Path) -> None:
    (tmp_path / "sales-report").mkdir()
    create(tmp_path)
    assert (tmp_path / "sales-report" / "product.json").is_file()


def test_an_existing_folder_with_content_is_never_touched(tmp_path: Path) -> None:
    target = tmp_path / "sales-report"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(Conflict, match="not empty"):
        create(tmp_path)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert (target / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sales-report"]


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "sales-report").write_text("a file")
    with pytest.raises(Conflict, match="file"):
        create(tmp_path)
    assert (tmp_path / "sales-report").read_text() == "a file"


def test_a_symlink_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "sales-report")
    with pytest.raises(Conflict):
        create(tmp_path)
    assert list((tmp_path / "elsewhere").iterdir()) == []


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (ProductSpec(name=""), "name"),
        (ProductSpec(name="../evil"), "name"),
        (ProductSpec(name="a/b"), "name"),
        (ProductSpec(name="ok", parent="../outside"), "parent"),
        (ProductSpec(name="ok", parent="/tmp"), "parent"),
        (ProductSpec(name="ok", parent="__templates__"), "parent"),
        (ProductSpec(name="ok", contact_email="not-an-email"), "contact_email"),
        (ProductSpec(name="ok", title="x" * 121), "title"),
        (ProductSpec(name="ok", description="x" * 2001), "description"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    tmp_path: Path, spec: ProductSpec, field: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        create(tmp_path, spec)
    assert info.value.field == field
    assert list(tmp_path.iterdir()) == []


def test_a_parent_symlinked_outside_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    os.symlink(outside, root / "escape")
    with pytest.raises(InvalidInput, match="outside"):
        create(root, ProductSpec(name="p", parent="escape"))
    assert list(outside.iterdir()) == []


def test_products_do_not_nest(tmp_path: Path) -> None:
    create(tmp_path)
    with pytest.raises(InvalidInput, match="cannot be nested"):
        create(tmp_path, ProductSpec(name="inner", parent="sales-report/models"))


def test_a_failure_half_way_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a skeleton render that fails after some files were written
    real_render = layout._render_notebook
    calls = {"n": 0}

    def failing_render(source: Path, values: dict[str, str]) -> str:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real_render(source, values)

    monkeypatch.setattr(layout, "_render_notebook", failing_render)
    # When the product is created, Then the error surfaces and no folder is left at all
    with pytest.raises(OSError, match="disk full"):
        create(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_appearing_during_creation_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given someone creates the target with content while the product is being built
    real_render = layout.render_skeleton

    def racing_render(destination: Path, spec: ProductSpec, manifest: layout.Manifest) -> None:
        real_render(destination, spec, manifest)
        (tmp_path / "sales-report").mkdir()
        (tmp_path / "sales-report" / "theirs.txt").write_text("theirs")

    monkeypatch.setattr(layout, "render_skeleton", racing_render)
    with pytest.raises(Conflict, match="appeared"):
        create(tmp_path, git=False)
    assert [p.name for p in (tmp_path / "sales-report").iterdir()] == ["theirs.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["sales-report"]


def test_spec_from_json_refuses_unknown_and_non_text_fields() -> None:
    with pytest.raises(InvalidInput, match="Unknown field"):
        ProductSpec.from_json({"name": "x", "colour": "red"})
    with pytest.raises(InvalidInput, match="must be text"):
        ProductSpec.from_json({"name": 3})
    with pytest.raises(InvalidInput, match="JSON object"):
        ProductSpec.from_json(["x"])
    assert ProductSpec.from_json({"name": "x", "title": None}).title == ""


def test_list_and_get_products(tmp_path: Path) -> None:
    create(tmp_path)
    create(tmp_path, ProductSpec(name="churn", parent="team"))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "product.json").write_text("{not json")
    # folders that are not searched
    hidden = tmp_path / ".hidden" / "p"
    hidden.mkdir(parents=True)
    (hidden / "product.json").write_text('{"name": "p"}')
    templates = tmp_path / "__templates__" / "t"
    templates.mkdir(parents=True)
    (templates / "product.json").write_text('{"name": "t"}')

    products = list_products(tmp_path)
    assert [p.path for p in products] == ["broken", "sales-report", "team/churn"]
    broken_info = products[0]
    assert (
        broken_info.manifest is None and broken_info.error and "cannot be read" in broken_info.error
    )
    assert get_product(tmp_path, "team/churn").manifest.title == "Churn"  # type: ignore[union-attr]


def test_list_respects_max_depth(tmp_path: Path) -> None:
    create(tmp_path, ProductSpec(name="deep", parent="a/b/c"))
    assert [p.path for p in list_products(tmp_path, max_depth=4)] == ["a/b/c/deep"]
    assert list_products(tmp_path, max_depth=2) == []


def test_manifest_round_trip_keeps_unknown_keys() -> None:
    # Given a product.json with settings this module does not know (e.g. outputs retention)
    from naas_lab_ext.products.manifest import Manifest

    data = {
        "name": "p",
        "title": "P",
        "outputs": {"keep_versions": 3},
        "owner_team": "data",
    }
    # When it is read and written back
    written = Manifest.from_json(data).to_json()
    # Then nothing the user wrote is lost
    assert written["outputs"] == {"keep_versions": 3}
    assert written["owner_team"] == "data"
    assert written["framework"] == "naas_lab_ext"
    assert "extra" not in written
