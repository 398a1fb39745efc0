"""Synchronising __templates__ from sources: atomic swap, failing sources, git, recovery."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.core.errors import Conflict, InvalidInput
from naas_lab_ext.templates import sync as templates_sync
from naas_lab_ext.templates.sources import (
    SyncCancelled,
    TemplateSource,
    embedded_templates,
    redact,
    unique_names,
)
from naas_lab_ext.templates.sync import MARKER, process_lock, sync_templates
from tests.template_factory import write_template

GIT = [
    "git",
    "-c",
    "user.name=Test",
    "-c",
    "user.email=test@example.com",
    "-c",
    "commit.gpgsign=false",
]


def folder_source(path: Path, name: str = "team") -> TemplateSource:
    return TemplateSource(name, "folder", str(path))


def notebooks(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.ipynb"))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "root"
    path.mkdir()
    return path


@pytest.fixture
def team(tmp_path: Path) -> Path:
    source = tmp_path / "team-templates"
    write_template(source / "Pandas/Pandas_Read_CSV.ipynb")
    write_template(source / "Gmail/Gmail_Send.ipynb", title="Gmail - Send")
    return source


def test_embedded_default_set_lands_in_its_folder(root: Path) -> None:
    result = sync_templates(root, [TemplateSource.embedded()])
    assert result.ok
    target = root / "__templates__"
    expected = sorted(
        p.relative_to(embedded_templates()).as_posix()
        for p in embedded_templates().rglob("*.ipynb")
    )
    assert len(expected) >= 15
    assert notebooks(target / "default") == expected
    assert result.sources[0].notebooks == len(expected)
    marker = json.loads((target / MARKER).read_text())
    assert marker["generator"] == "naas_lab_ext"
    # Files are read-only on disk too, and keep the source's modification time
    some = next((target / "default").rglob("*.ipynb"))
    assert stat.S_IMODE(some.stat().st_mode) == 0o444
    original = embedded_templates() / some.relative_to(target / "default")
    assert some.stat().st_mtime_ns == original.stat().st_mtime_ns
    # Nothing is left beside the folder
    assert sorted(p.name for p in root.iterdir()) == ["__templates__"]


def test_folder_source_skips_hidden_files_symlinks_and_caches(
    root: Path, team: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password", encoding="utf-8")
    (team / "leak.txt").symlink_to(secret)
    (team / "Linked").symlink_to(tmp_path)
    write_template(team / ".ipynb_checkpoints/x-checkpoint.ipynb")
    (team / ".git").mkdir()
    (team / ".git/config").write_text("[core]", encoding="utf-8")
    (team / "__pycache__").mkdir()
    (team / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")

    result = sync_templates(root, [folder_source(team)])
    copied = root / "__templates__" / "team"
    assert sorted(p.relative_to(copied).as_posix() for p in copied.rglob("*")) == [
        "Gmail",
        "Gmail/Gmail_Send.ipynb",
        "Pandas",
        "Pandas/Pandas_Read_CSV.ipynb",
        "data.csv",
    ]
    assert sorted(result.sources[0].skipped) == ["Linked: symbolic link", "leak.txt: symbolic link"]
    assert result.sources[0].files == 3


def test_subdir_takes_one_folder_of_a_source(root: Path, team: Path) -> None:
    source = TemplateSource("gmail", "folder", str(team), subdir="Gmail")
    sync_templates(root, [source])
    assert notebooks(root / "__templates__" / "gmail") == ["Gmail_Send.ipynb"]


def test_a_failing_source_keeps_its_previous_templates_and_reports_why(
    root: Path, team: Path, tmp_path: Path
) -> None:
    # Given a first sync of two sources
    other = tmp_path / "other"
    write_template(other / "One.ipynb")
    sync_templates(root, [folder_source(team), folder_source(other, "other")])
    # When one source disappears and the other changes
    moved = shutil.move(str(team), str(tmp_path / "moved"))
    write_template(other / "Two.ipynb")
    result = sync_templates(root, [folder_source(team), folder_source(other, "other")])
    # Then the failing source keeps its templates and says why; the other is refreshed
    failed, fine = result.sources
    assert not failed.ok and failed.kept_previous
    assert "does not exist" in (failed.error or "")
    assert fine.ok and not fine.kept_previous
    assert not result.ok
    target = root / "__templates__"
    assert notebooks(target / "team") == notebooks(Path(moved))
    assert notebooks(target / "other") == ["One.ipynb", "Two.ipynb"]


def test_a_source_failing_at_its_first_sync_gives_an_empty_folder_and_an_error(
    root: Path, tmp_path: Path
) -> None:
    result = sync_templates(root, [folder_source(tmp_path / "missing")])
    assert not result.sources[0].ok
    assert not result.sources[0].kept_previous
    assert not (root / "__templates__" / "team").exists()


def init_bare_repo(tmp_path: Path, files: dict[str, Any]) -> tuple[Path, Path]:
    """A work repo with ``files`` committed, and a bare clone of it; return both."""
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run([*GIT, "init", "-q", "-b", "main", str(work)], check=True)
    for name, kwargs in files.items():
        write_template(work / name, **kwargs)
    subprocess.run([*GIT, "-C", str(work), "add", "."], check=True)
    subprocess.run([*GIT, "-C", str(work), "commit", "-qm", "templates"], check=True)
    bare = tmp_path / "templates.git"
    subprocess.run([*GIT, "clone", "-q", "--bare", str(work), str(bare)], check=True)
    return work, bare


def commit_and_push(work: Path, message: str) -> str:
    subprocess.run([*GIT, "-C", str(work), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(work), "commit", "-qm", message], check=True)
    subprocess.run([*GIT, "-C", str(work), "push", "-q", "origin", "main"], check=True)
    done = subprocess.run(
        [*GIT, "-C", str(work), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_source_from_a_local_bare_repository(root: Path, tmp_path: Path) -> None:
    work, bare = init_bare_repo(tmp_path, {"Slack/Slack_Post.ipynb": {"title": "Slack - Post"}})
    subprocess.run([*GIT, "-C", str(work), "remote", "add", "origin", str(bare)], check=True)
    source = TemplateSource.parse(f"file://{bare}")
    assert (source.kind, source.name) == ("git", "templates")

    result = sync_templates(root, [source])
    status = result.sources[0]
    assert status.ok, status.error
    assert notebooks(root / "__templates__/templates") == ["Slack/Slack_Post.ipynb"]
    assert not (root / "__templates__/templates/.git").exists()

    # When the repository gets a new commit, the next sync brings it
    write_template(work / "Slack/Slack_Read.ipynb", title="Slack - Read")
    head = commit_and_push(work, "more")
    result = sync_templates(root, [source])
    assert result.sources[0].revision == head
    assert notebooks(root / "__templates__/templates") == [
        "Slack/Slack_Post.ipynb",
        "Slack/Slack_Read.ipynb",
    ]

    # When the repository becomes unreachable, the templates stay and the error is reported
    shutil.rmtree(bare)
    result = sync_templates(root, [source])
    assert result.sources[0].kept_previous
    assert "git clone failed" in (result.sources[0].error or "")
    assert len(notebooks(root / "__templates__/templates")) == 2


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_source_branch_and_subdir(root: Path, tmp_path: Path) -> None:
    work, bare = init_bare_repo(tmp_path, {"a/One.ipynb": {}, "b/Two.ipynb": {}})
    subprocess.run([*GIT, "-C", str(work), "checkout", "-qb", "next"], check=True)
    write_template(work / "a/Three.ipynb")
    subprocess.run([*GIT, "-C", str(work), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(work), "commit", "-qm", "next"], check=True)
    subprocess.run([*GIT, "-C", str(work), "push", "-q", str(bare), "next"], check=True)
    source = TemplateSource.parse(
        {"url": f"file://{bare}", "ref": "next", "subdir": "a", "name": "nxt"}
    )
    result = sync_templates(root, [source])
    assert result.ok, result.sources[0].error
    assert notebooks(root / "__templates__/nxt") == ["One.ipynb", "Three.ipynb"]


def test_readers_never_see_a_half_copied_folder(
    root: Path, team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a synced folder
    sync_templates(root, [folder_source(team)])
    listed = root / "__templates__" / "team" / "Pandas"
    before = sorted(os.listdir(listed))
    for n in range(30):
        write_template(team / f"Pandas/Extra_{n:02d}.ipynb")
    after = sorted(os.listdir(team / "Pandas"))
    # And a copy slow enough to be observed half-way
    real_copy = shutil.copyfile

    def slow_copy(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.005)
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(templates_sync.shutil, "copyfile", slow_copy)
    # When a sync runs while a reader keeps listing the folder
    seen: list[list[str]] = []
    worker = threading.Thread(target=sync_templates, args=(root, [folder_source(team)]))
    worker.start()
    while worker.is_alive():
        seen.append(sorted(os.listdir(listed)))
    worker.join()
    seen.append(sorted(os.listdir(listed)))
    # Then every listing is the complete old folder or the complete new one
    assert all(listing in (before, after) for listing in seen)
    assert seen[0] == before and seen[-1] == after


def test_a_crash_before_the_swap_leaves_the_folder_unchanged(
    root: Path, team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_templates(root, [folder_source(team)])
    before = notebooks(root / "__templates__")
    write_template(team / "New.ipynb")

    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(templates_sync, "swap_in", crash)
    with pytest.raises(OSError, match="disk full"):
        sync_templates(root, [folder_source(team)])
    assert notebooks(root / "__templates__") == before
    assert sorted(p.name for p in root.iterdir()) == ["__templates__"]  # staging removed


def test_two_renames_when_the_atomic_exchange_is_unavailable(root: Path, team: Path) -> None:
    sync_templates(root, [folder_source(team)], exchange=False)
    write_template(team / "New.ipynb")
    sync_templates(root, [folder_source(team)], exchange=False)
    assert "team/New.ipynb" in notebooks(root / "__templates__")
    assert sorted(p.name for p in root.iterdir()) == ["__templates__"]


def test_recovery_after_a_crash_between_the_two_renames(root: Path, team: Path) -> None:
    # Given a crash that left the previous tree aside and a half-built new one
    sync_templates(root, [folder_source(team)])
    aside = root / ".__templates__.old-deadbeef"
    (root / "__templates__").rename(aside)
    (root / ".__templates__.new-cafebabe").mkdir()
    # When the next sync fails for its source, it still has the previous templates to keep
    result = sync_templates(root, [folder_source(root / "nowhere")])
    assert result.sources[0].kept_previous
    assert notebooks(root / "__templates__/team") == notebooks(team)
    assert sorted(p.name for p in root.iterdir()) == ["__templates__"]


def test_a_users_own_templates_folder_is_moved_aside_not_deleted(root: Path, team: Path) -> None:
    content = write_template(root / "__templates__/My_Own.ipynb").read_text()
    result = sync_templates(root, [folder_source(team)])
    assert result.warnings and "moved to" in result.warnings[0]
    backups = [p for p in root.iterdir() if p.name.startswith("__templates__.backup-")]
    assert len(backups) == 1
    assert (backups[0] / "My_Own.ipynb").read_text() == content
    assert notebooks(root / "__templates__") == [
        "team/Gmail/Gmail_Send.ipynb",
        "team/Pandas/Pandas_Read_CSV.ipynb",
    ]


def test_a_file_named_like_the_folder_is_a_conflict(root: Path, team: Path) -> None:
    (root / "__templates__").write_text("not a folder", encoding="utf-8")
    with pytest.raises(Conflict, match="not a folder"):
        sync_templates(root, [folder_source(team)])
    assert (root / "__templates__").read_text() == "not a folder"


def test_another_process_syncing_is_a_conflict(root: Path, team: Path, tmp_path: Path) -> None:
    lock = tmp_path / "sync.lock"
    with process_lock(lock), pytest.raises(Conflict, match="already"):
        sync_templates(root, [folder_source(team)], lock_path=lock)
    assert sync_templates(root, [folder_source(team)], lock_path=lock).ok


def test_a_stopped_sync_changes_nothing(root: Path, team: Path) -> None:
    sync_templates(root, [folder_source(team)])
    before = notebooks(root / "__templates__")
    write_template(team / "New.ipynb")
    stop = threading.Event()
    stop.set()
    with pytest.raises(SyncCancelled):
        sync_templates(root, [folder_source(team)], stop=stop)
    assert notebooks(root / "__templates__") == before
    assert sorted(p.name for p in root.iterdir()) == ["__templates__"]


def test_parse_sources(tmp_path: Path) -> None:
    assert TemplateSource.parse(
        "https://github.com/jupyter-naas/awesome-notebooks.git"
    ) == TemplateSource(
        "awesome-notebooks", "git", "https://github.com/jupyter-naas/awesome-notebooks.git"
    )
    assert TemplateSource.parse("git@github.com:team/nb.git").kind == "git"
    assert TemplateSource.parse("ssh://git@host/team/nb").name == "nb"
    local = TemplateSource.parse("shared/templates", base=tmp_path)
    assert (local.kind, local.location, local.name) == (
        "folder",
        str(tmp_path / "shared/templates"),
        "templates",
    )
    assert TemplateSource.parse({"path": "/srv/x", "name": "ours"}).name == "ours"
    with pytest.raises(InvalidInput, match="Unknown template source option"):
        TemplateSource.parse({"url": "/x", "branch": "main"})
    with pytest.raises(InvalidInput, match="no url"):
        TemplateSource.parse({"name": "x"})
    with pytest.raises(InvalidInput):
        TemplateSource.parse({"url": "/x", "name": "../escape"})


def test_unique_names_and_redaction() -> None:
    a = TemplateSource("nb", "folder", "/a")
    b = TemplateSource("nb", "folder", "/b")
    assert [s.name for s in unique_names([a, b, b])] == ["nb", "nb-2", "nb-3"]
    assert (
        redact("https://user:s3cret@host.example/repo.git")
        == "https://user:***@host.example/repo.git"
    )
    assert redact("/local/path") == "/local/path"
    assert "s3cret" not in json.dumps(TemplateSource.parse("https://u:s3cret@h/r.git").to_json())
