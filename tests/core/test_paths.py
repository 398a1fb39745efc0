"""Resolution of user-given paths inside the root: every escape is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from naas_lab_ext.core.errors import InvalidInput, NotFound
from naas_lab_ext.core.paths import resolve_inside, to_api_path, validate_name


@pytest.mark.parametrize("name", ["sales", "sales-report", "Sales_2026", "a", "v1.2", "x" * 64])
def test_valid_names_are_accepted(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        ".",
        "..",
        "a/b",
        "a\\b",
        "-lead",
        "_lead",
        ".hidden",
        "sp ace",
        "é",
        "x" * 65,
        "end.",
    ],
)
def test_invalid_names_are_refused_with_a_message(name: str) -> None:
    with pytest.raises(InvalidInput) as info:
        validate_name(name)
    assert info.value.field == "name"
    assert info.value.message


def test_relative_path_resolves_under_root(tmp_path: Path) -> None:
    assert resolve_inside(tmp_path, "a/b") == tmp_path / "a" / "b"
    assert resolve_inside(tmp_path, "") == tmp_path
    assert resolve_inside(tmp_path, "./a//b/") == tmp_path / "a" / "b"


@pytest.mark.parametrize("path", ["../x", "a/../../x", "a/..", "/etc", "C:/x", "a\\b", "a\x00b"])
def test_escapes_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(InvalidInput):
        resolve_inside(tmp_path, path)


def test_symlink_leading_outside_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    os.symlink(outside, root / "link")
    with pytest.raises(InvalidInput, match="outside"):
        resolve_inside(root, "link")
    # a not-yet-existing path below the escaping link is refused too
    with pytest.raises(InvalidInput, match="outside"):
        resolve_inside(root, "link/new/deeper")


def test_dangling_symlink_outside_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(tmp_path / "nowhere", root / "dangling")
    with pytest.raises(InvalidInput):
        resolve_inside(root, "dangling/x")


def test_symlink_inside_root_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "alias")
    assert resolve_inside(tmp_path, "alias") == tmp_path / "alias"


def test_must_exist(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        resolve_inside(tmp_path, "missing", must_exist=True)


def test_to_api_path(tmp_path: Path) -> None:
    assert to_api_path(tmp_path, tmp_path) == ""
    assert to_api_path(tmp_path, tmp_path / "a" / "b") == "a/b"
