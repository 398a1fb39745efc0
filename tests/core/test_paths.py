"""Resolution of user-given paths inside the root: every escape is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from naas_lab_ext.core.errors import Forbidden, InvalidInput, NotFound
from naas_lab_ext.core.paths import (
    MAX_PATH_BYTES,
    TEMPLATES_FOLDER,
    refuse_read_only,
    resolve_inside,
    to_api_path,
    validate_name,
)


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


# -- names no file system takes, and loops: a 400 naming the field, never an OSError ------------


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("a" * 256, "256 bytes"),
        ("sales/" + "é" * 128, "256 bytes"),  # 128 characters, 256 bytes
        ("日本語" * 86 + "/x", "bytes"),
        ("a\x00b", "NUL"),
        ("a\r\nb", "control character"),
        ("a\x1bb", "control character"),
        ("a\x85b", "control character"),
        ("sales/\ud800", "lone surrogate"),
        ("a/" * 200, "levels"),
        (("b" * 250 + "/") * 17, "bytes"),
    ],
)
def test_unusable_names_are_refused_naming_the_field(tmp_path: Path, path: str, words: str) -> None:
    with pytest.raises(InvalidInput) as info:
        resolve_inside(tmp_path, path, field="parent")
    assert info.value.field == "parent"
    assert words in info.value.message
    info.value.message.encode("utf-8")  # the message itself is valid text


def test_255_bytes_is_still_a_name(tmp_path: Path) -> None:
    assert resolve_inside(tmp_path, "é" * 127 + "a") == tmp_path / ("é" * 127 + "a")


def test_a_path_too_long_under_the_root_is_refused(tmp_path: Path) -> None:
    # Given a path short enough alone, too long once joined to the root's own path
    path = "/".join(["d" * 200] * 20) + "/" + "e" * 60
    assert len(path) < MAX_PATH_BYTES < len(str(tmp_path)) + len(path)
    with pytest.raises(InvalidInput, match="too long"):
        resolve_inside(tmp_path, path)


def test_a_loop_of_symlinks_is_refused_not_raised(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for path in ("loop", "loop/x"):
        with pytest.raises(InvalidInput, match="cannot be used") as info:
            resolve_inside(tmp_path, path, field="product")
        assert info.value.field == "product"


# -- the read-only templates folder, on the real path -----------------------------------------


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A root with __templates__/src, a link to the folder and a link to a folder inside it."""
    (tmp_path / TEMPLATES_FOLDER / "src").mkdir(parents=True)
    (tmp_path / "tpl").symlink_to(tmp_path / TEMPLATES_FOLDER)
    (tmp_path / "src-link").symlink_to(tmp_path / TEMPLATES_FOLDER / "src")
    (tmp_path / "mine").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    "path",
    ["__templates__", "__templates__/new", "tpl", "tpl/new/deeper", "src-link", "src-link/x"],
)
def test_paths_into_the_templates_folder_are_read_only(linked: Path, path: str) -> None:
    target = resolve_inside(linked, path, field="parent")
    with pytest.raises(Forbidden, match="read-only") as info:
        refuse_read_only(linked, target, [TEMPLATES_FOLDER], field="parent", spelled=path)
    assert info.value.field == "parent"
    assert path in info.value.message


@pytest.mark.parametrize("path", ["", "mine", "mine/new", "__templates__x", "tpl-not"])
def test_other_paths_are_writable(linked: Path, path: str) -> None:
    refuse_read_only(linked, resolve_inside(linked, path), [TEMPLATES_FOLDER], field="parent")
