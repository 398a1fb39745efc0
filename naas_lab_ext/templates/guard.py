"""Keep the templates folder read-only for everything that goes through the contents manager.

The file browser, the notebook editor, uploads and other server extensions (real-time
collaboration, for instance) all write through the server's contents manager. This module
wraps the writing methods of that one object — whatever its class, sync or async — so that a
save, rename, delete, upload, copy into, new file or checkpoint inside ``__templates__``
answers 403 with a message saying how to get an editable copy. Reading is unchanged, except
that the models it returns say ``writable: false``, which JupyterLab shows as read-only.

Only the template sync writes into the folder, and it writes to disk directly. A refusal is
the domain's :class:`~naas_lab_ext.core.errors.Forbidden`, which ``refuse`` (given by the app:
the server's one error mapper) turns into what the contents manager answers with.
"""

from __future__ import annotations

import functools
import inspect
import logging
import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.errors import Forbidden, NaasError
from ..core.paths import is_inside
from .sources import DEFAULT_FOLDER

log = logging.getLogger(__name__)

#: Contents-manager methods that write, and the arguments naming where they write.
WRITERS: dict[str, tuple[str, ...]] = {
    "save": ("path",),
    "new": ("path",),
    "new_untitled": ("path",),
    "copy": ("to_path",),
    "update": ("path", "model.path"),
    "rename": ("old_path", "new_path"),
    "rename_file": ("old_path", "new_path"),
    "delete": ("path",),
    "delete_file": ("path",),
    "create_checkpoint": ("path",),
    "restore_checkpoint": ("path",),
    "delete_checkpoint": ("path",),
}
READERS = ("get",)
#: Listing checkpoints creates the checkpoints folder (FileCheckpoints does): templates have
#: none, so it is answered without calling the manager.
NO_CHECKPOINTS = "list_checkpoints"


def read_only_message(path: str, folder: str = DEFAULT_FOLDER) -> str:
    """What the user reads when a write inside the templates folder is refused."""
    return (
        f"'{path}' is in {folder}/: templates are read-only: use Open in Lab to get an "
        "editable copy."
    )


def is_template_path(api_path: str, folder: str = DEFAULT_FOLDER) -> bool:
    """True when the ``/``-separated ``api_path`` (relative to the templates folder's parent)
    is the templates folder, something inside it, or one of the sync's hidden work folders.

    ``.`` and ``..`` are resolved first, so ``a/../__templates__/x`` is recognised.
    """
    parts: list[str] = []
    for part in api_path.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    if not parts:
        return False
    top = parts[0]
    return top == folder or top.startswith(f".{folder}.")


class TemplateGuard:
    """Refuses writes inside the templates folder on one contents manager."""

    def __init__(
        self,
        contents_manager: Any,
        *,
        server_root: Path,
        templates_dir: Path,
        refuse: Callable[[NaasError], Exception] = lambda error: error,
    ) -> None:
        self.cm = contents_manager
        #: Turns the refusal into the exception the contents manager's callers expect.
        self.refuse = refuse
        self.server_root = Path(server_root)
        self.templates_dir = Path(templates_dir)
        relative = self.templates_dir.relative_to(self.server_root).as_posix()
        #: The templates folder's parent as an API path ("" when it is the server root).
        self.parent = relative.rsplit("/", 1)[0] if "/" in relative else ""
        self.folder = self.templates_dir.name
        self._originals: dict[str, Any] = {}

    # -- the rule -------------------------------------------------------------------------
    def protects(self, api_path: str) -> bool:
        """True when ``api_path`` (relative to the server root) is in the templates folder,
        by its name or, for file-based managers, through a symbolic link that leads there."""
        return self.protects_by_name(api_path) or self._leads_inside(api_path)

    def protects_by_name(self, api_path: str) -> bool:
        """True when ``api_path`` names the templates folder or something inside it."""
        if not isinstance(api_path, str):
            return False
        path = posixpath.normpath("/" + api_path.replace("\\", "/")).lstrip("/")
        if self.parent:
            if not path.startswith(self.parent + "/"):
                return False
            path = path[len(self.parent) + 1 :]
        return is_template_path(path, self.folder)

    def _leads_inside(self, api_path: str) -> bool:
        get_os_path = getattr(self.cm, "_get_os_path", None)
        if get_os_path is None:
            return False
        try:
            os_path = Path(get_os_path(api_path.strip("/")))
        except Exception:  # outside the root, bad path: the manager itself will refuse it
            return False
        return is_inside(self.templates_dir, os_path)

    def check(self, method: str, arguments: dict[str, Any]) -> None:
        """Refuse (403 for a server) a call that would write inside the templates folder."""
        for name in WRITERS[method]:
            if name == "model.path":
                model = arguments.get("model")
                value = model.get("path") if isinstance(model, dict) else None
            elif name == "to_path" and arguments.get("to_path") is None:
                # copy(from_path) without a destination copies into from_path's folder.
                source = str(arguments.get("from_path") or "").strip("/")
                value = source.rsplit("/", 1)[0] if "/" in source else ""
            else:
                value = arguments.get(name)
            if isinstance(value, str) and self.protects(value):
                log.info("Refused %s of '%s': templates are read-only", method, value)
                message = read_only_message(value.strip("/"), self.folder)
                raise self.refuse(Forbidden(message, field="path"))

    def mark_read_only(self, model: Any) -> Any:
        if isinstance(model, dict):
            if self.protects(str(model.get("path", ""))):
                model["writable"] = False
            if model.get("type") == "directory" and isinstance(model.get("content"), list):
                # By name only: the flag guides the UI, and a link inside a listing is still
                # refused when written to; resolving every entry would cost a syscall each.
                for child in model["content"]:
                    if isinstance(child, dict) and self.protects_by_name(str(child.get("path"))):
                        child["writable"] = False
        return model

    # -- wrapping -------------------------------------------------------------------------
    def install(self) -> None:
        """Wrap the manager's methods (on the instance: its class is left alone)."""
        for method in (*WRITERS, *READERS, NO_CHECKPOINTS):
            original = getattr(self.cm, method, None)
            if original is None or method in self._originals:
                continue
            self._originals[method] = original
            setattr(self.cm, method, self._wrap(method, original))
        log.debug("Templates folder %s is read-only in %s", self.templates_dir, type(self.cm))

    def uninstall(self) -> None:
        for method in self._originals:
            # Removing the instance attribute brings back the class's method.
            self.cm.__dict__.pop(method, None)
        self._originals.clear()

    def _wrap(self, method: str, original: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(original)
        is_async = inspect.iscoroutinefunction(original)
        reader = method in READERS
        if method == NO_CHECKPOINTS:
            return self._wrap_list_checkpoints(original, signature, is_async)

        if is_async:

            @functools.wraps(original)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                if not reader:
                    self.check(method, _bind(signature, args, kwargs))
                result = await original(*args, **kwargs)
                return self.mark_read_only(result) if reader else result

            return async_wrapper

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not reader:
                self.check(method, _bind(signature, args, kwargs))
            result = original(*args, **kwargs)
            if reader and inspect.isawaitable(result):
                return self._mark_later(result)
            return self.mark_read_only(result) if reader else result

        return wrapper

    def _wrap_list_checkpoints(
        self, original: Callable[..., Any], signature: inspect.Signature, is_async: bool
    ) -> Callable[..., Any]:
        def protected(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
            path = _bind(signature, args, kwargs).get("path")
            return isinstance(path, str) and self.protects(path)

        if is_async:

            @functools.wraps(original)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                return [] if protected(args, kwargs) else await original(*args, **kwargs)

            return async_wrapper

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return [] if protected(args, kwargs) else original(*args, **kwargs)

        return wrapper

    async def _mark_later(self, awaitable: Any) -> Any:
        return self.mark_read_only(await awaitable)


def _bind(
    signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The call's arguments by name (defaults included); empty for a call that does not fit
    the signature, which the original method then refuses with its own TypeError."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return {}
    bound.apply_defaults()
    return dict(bound.arguments)
