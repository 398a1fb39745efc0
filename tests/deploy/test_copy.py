"""The production copy: what it holds, what it never holds, links, dependencies, git."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.deploy.production_copy import dependency_path, freeze, git_commit
from naas_lab_ext.products.scaffold import ProductSpec, create_product


@pytest.fixture
def product(tmp_path: Path) -> Path:
    create_product(tmp_path, ProductSpec(name="sales"), framework_version="test", git=False)
    return tmp_path / "sales"


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_the_copy_holds_what_production_reads_and_nothing_else(
    product: Path, tmp_path: Path
) -> None:
    # Given a product with outputs, caches, hidden files and links
    (product / "outputs" / "raw").mkdir()
    (product / "outputs" / "raw" / "big.csv").write_text("a,b\n")
    (product / "models" / ".ipynb_checkpoints").mkdir()
    (product / "models" / ".ipynb_checkpoints" / "x-checkpoint.ipynb").write_text("{}")
    (product / "utils" / "__pycache__").mkdir()
    (product / "utils" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (product / "utils" / "helpers.py").write_text("X = 1\n")
    (product / ".git").mkdir()
    (product / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    (product / "inputs" / "leak.txt").symlink_to(secret)
    (product / "inputs" / "alias.json").symlink_to(product / "inputs" / "params.json")
    (product / "models" / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    # When it is frozen
    copy = tmp_path / "deployment" / "copy"
    copied = freeze(product, copy)
    # Then the copy has models, utils, inputs and the top files; no outputs, caches, .git
    assert files(copy) == [
        "README.md",
        "inputs/README.md",
        "inputs/alias.json",
        "inputs/params.json",
        "models/README.md",
        "models/__pipeline__.ipynb",
        "product.json",
        "requirements.txt",
        "setup.ipynb",
        "utils/README.md",
        "utils/helpers.py",
    ]
    # links inside the product are copied as files; links that leave it are skipped, and said
    assert not (copy / "inputs" / "alias.json").is_symlink()
    assert (copy / "inputs" / "alias.json").read_text() == (
        product / "inputs/params.json"
    ).read_text()
    assert sorted(copied.skipped) == ["inputs/leak.txt", "models/elsewhere"]
    assert "skipped 2 link(s) leading outside the product" in copied.summary()
    assert copied.files == 11


def test_a_dependency_is_a_path_of_the_product(product: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    (product / "assets" / "logo.png").write_bytes(b"png")
    # relative, or absolute in the live product or in the copy (setup.ipynb runs there)
    assert dependency_path("assets/logo.png", product, copy) == "assets/logo.png"
    assert dependency_path(str(product / "assets"), product, copy) == "assets"
    assert dependency_path(str(copy / "assets" / "logo.png"), product, copy) == "assets/logo.png"
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    (product / "assets" / "link.txt").symlink_to(secret)
    for bad, message in [
        ("assets/link.txt", "leads outside the product"),
        ("../secret.txt", "goes up with '..'"),
        (str(secret), "is outside the product"),
        ("", "Give the dependency"),
        ("assets/\x00", "not a usable dependency path"),
        ("a" * 4096, "not a usable dependency path"),
        ("a" * 300, "is 300 bytes long"),
        ("outputs/raw", "never part of a production copy"),
        (".git/config", "never part of a production copy"),
        ("assets/nothing.png", "does not exist in the product"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            dependency_path(bad, product, copy)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_git_commit_and_whether_the_product_has_changes(tmp_path: Path) -> None:
    created = create_product(tmp_path, ProductSpec(name="sales"), framework_version="test")
    product = tmp_path / "sales"
    assert git_commit(product) == (created.git_commit, False)
    (product / "models" / "new.ipynb").write_text("{}")
    assert git_commit(product) == (created.git_commit, True)
    plain = tmp_path / "plain"
    plain.mkdir()
    subprocess.run(["git", "init", "-q", str(tmp_path / "empty")], check=True)
    assert git_commit(tmp_path / "empty") == (None, False)  # a repository without commits
