"""Step 2 of a deploy: the production copy, and later the declared dependencies in it.

The copy freezes what production runs read: ``models/``, ``utils/``, ``inputs/``,
``requirements.txt``, ``setup.ipynb``, ``product.json`` and ``README.md``; never ``outputs/``
(runs write into the live product's) and never ``.git``. Only regular files are copied: a
symbolic link that leads outside the product is skipped (production runs get the product's
files, nothing else), one inside it is copied as the file it points to.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import InvalidInput
from ..core.paths import is_inside
from .declarations import product_path

#: What the copy holds, beside the declared dependencies.
FOLDERS = ("models", "utils", "inputs")
FILES = ("requirements.txt", "setup.ipynb", "product.json", "README.md")
#: Never copied, wherever they are.
SKIPPED = frozenset({".git", ".ipynb_checkpoints", "__pycache__", "outputs"})


@dataclass
class Copied:
    """What a copy did: files copied, links skipped (they lead outside the product)."""

    files: int = 0
    skipped: list[str] = field(default_factory=list)

    def add(self, other: Copied) -> None:
        self.files += other.files
        self.skipped += other.skipped

    def summary(self) -> str:
        text = f"{self.files} file(s)"
        if self.skipped:
            shown = ", ".join(self.skipped[:5]) + (", ..." if len(self.skipped) > 5 else "")
            text += f"; skipped {len(self.skipped)} link(s) leading outside the product: {shown}"
        return text


def _copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)  # content only: the copy is the deployment's own
    shutil.copymode(source, target)


def copy_tree(product: Path, relative: str, copy_root: Path) -> Copied:
    """Copy ``product/relative`` (a file or a folder) into ``copy_root/relative``: regular
    files only, links that leave the product skipped, hidden and cache folders left out."""
    copied = Copied()
    source = product / relative
    if source.is_symlink() and not is_inside(product, source):
        copied.skipped.append(relative)
        return copied
    if source.is_file():
        _copy_file(source, copy_root / relative)
        copied.files += 1
        return copied
    if not source.is_dir():
        return copied
    for folder, dirnames, filenames in os.walk(source, followlinks=False):
        here = Path(folder)
        keep = []
        for name in sorted(dirnames):
            path = here / name
            if name in SKIPPED or name.startswith("."):
                continue
            if path.is_symlink():
                # A linked folder is not followed (it could loop); say so if it leaves.
                if not is_inside(product, path):
                    copied.skipped.append(path.relative_to(product).as_posix())
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            path = here / name
            rel = path.relative_to(product).as_posix()
            if path.is_symlink() and not is_inside(product, path):
                copied.skipped.append(rel)
                continue
            if not path.is_file():  # sockets, fifos, dangling links
                continue
            _copy_file(path, copy_root / rel)
            copied.files += 1
    return copied


def freeze(product: Path, copy_root: Path) -> Copied:
    """Make the production copy of ``product`` in ``copy_root`` (which must not exist)."""
    copy_root.mkdir(parents=True)
    copied = Copied()
    for name in (*FOLDERS, *FILES):
        copied.add(copy_tree(product, name, copy_root))
    for name in FOLDERS:
        (copy_root / name).mkdir(exist_ok=True)
    return copied


def dependency_path(declared: str, product: Path, copy_root: Path) -> str:
    """A declared dependency as a path relative to the product: relative as declared, or
    absolute inside the copy (setup.ipynb runs there) or the live product. Refuses anything
    else, and anything that leads outside the product."""
    try:
        relative = product_path(declared, copy_root, what="dependency", field_name="dependency")
    except InvalidInput:
        relative = product_path(declared, product, what="dependency", field_name="dependency")
    parts = relative.split("/")
    if parts[0] == "outputs" or ".git" in parts:
        raise InvalidInput(
            f"The dependency '{declared}' cannot be copied: outputs/ and .git are never part "
            "of a production copy (runs write into the live product's outputs/).",
            field="dependency",
        )
    source = product / relative
    if not source.exists() and not source.is_symlink():
        raise InvalidInput(
            f"The dependency '{relative}' does not exist in the product: add it, or remove "
            "its dependency() line from setup.ipynb.",
            field="dependency",
        )
    if not is_inside(product, source):
        raise InvalidInput(
            f"The dependency '{relative}' leads outside the product (a symbolic link): "
            "production runs only get the product's own files. Copy the file into the product.",
            field="dependency",
        )
    return relative


def git_commit(product: Path) -> tuple[str | None, bool]:
    """The commit the product's repository is at, and whether the product has uncommitted
    changes; (None, False) when it is not in a git repository (or git is missing)."""
    if shutil.which("git") is None:
        return None, False

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(product), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"},
        )
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
    except (OSError, subprocess.SubprocessError):
        return None, False
    try:
        dirty = bool(git("status", "--porcelain", "--", "."))
    except (OSError, subprocess.SubprocessError):
        dirty = False
    return commit, dirty
