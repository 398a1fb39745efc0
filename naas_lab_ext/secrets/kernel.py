"""What a process prints, masked: once ``secret.get()`` returned a value in it, that value is
shown as ``***``.

In a Jupyter kernel (ipykernel) every output leaves through the kernel's session: streams
(stdout, stderr, and what subprocesses write to the kernel's file descriptors), errors and
their tracebacks, execution results, displayed data and the replies to ``execute`` and
``inspect``. The session's ``send`` is wrapped, so each of them is masked whole, however a
``print`` was split. Elsewhere (plain Python, pytest), ``sys.stdout`` and ``sys.stderr`` are
wrapped (tracebacks go there).
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from .masking import MIN_MASKED, Masker

__all__ = ["masker", "reveal"]

#: The kernel messages whose content may show a value.
MASKED_MESSAGES = frozenset(
    {
        "stream",
        "error",
        "execute_result",
        "display_data",
        "update_display_data",
        "execute_reply",
        "inspect_reply",
    }
)

_lock = threading.Lock()
_revealed: set[str] = set()
_masker = Masker()
_installed = False


def masker() -> Masker:
    """Masks every value revealed in this process so far."""
    return _masker


def reveal(value: str) -> None:
    """``value`` was handed to this process's code: mask it in all it prints from now on."""
    global _masker
    if not isinstance(value, str) or len(value) < MIN_MASKED:
        return
    with _lock:
        if value not in _revealed:
            _revealed.add(value)
            _masker = Masker(_revealed)
        _install()


def _message_type(message: Any) -> str | None:
    if isinstance(message, str):
        return message
    if isinstance(message, dict):
        header = message.get("header")
        kind = header.get("msg_type") if isinstance(header, dict) else None
        return kind or message.get("msg_type")
    return None


def _wrap_session(session: Any) -> None:
    original = session.send

    def send(
        stream: Any,
        msg_or_type: Any,
        content: Any = None,
        parent: Any = None,
        ident: Any = None,
        buffers: Any = None,
        track: bool = False,
        header: Any = None,
        metadata: Any = None,
    ) -> Any:
        if _message_type(msg_or_type) in MASKED_MESSAGES:
            if isinstance(msg_or_type, dict) and "content" in msg_or_type:
                msg_or_type = {**msg_or_type, "content": _masker.data(msg_or_type["content"])}
            elif content is not None:
                content = _masker.data(content)
        return original(
            stream,
            msg_or_type,
            content=content,
            parent=parent,
            ident=ident,
            buffers=buffers,
            track=track,
            header=header,
            metadata=metadata,
        )

    session.send = send


class MaskedStream:
    """A text stream whose writes are masked; everything else is the wrapped stream's."""

    def __init__(self, stream: Any) -> None:
        self._masked_stream = stream

    def write(self, text: Any) -> int:
        if isinstance(text, str):
            self._masked_stream.write(_masker.text(text))
            return len(text)
        return int(self._masked_stream.write(text))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._masked_stream, name)


def _kernel_session() -> Any:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    kernel = getattr(shell, "kernel", None)
    return getattr(kernel, "session", None)


def _install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    session = _kernel_session()
    if session is not None:
        _wrap_session(session)
        return
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, MaskedStream):
            setattr(sys, name, MaskedStream(stream))
