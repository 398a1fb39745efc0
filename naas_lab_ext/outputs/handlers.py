"""REST handlers of a product's outputs (routes under ``/naas-lab-ext/outputs``)."""

from __future__ import annotations

import mimetypes
import os
import urllib.parse
from typing import BinaryIO

from jupyter_server.auth.decorator import authorized
from tornado import iostream, web

from ..rest import NaasHandler, Routes, route
from .listing import list_datasets, list_versions, version_file

#: Bytes read per step when streaming a file download.
DOWNLOAD_CHUNK = 1 << 20


class OutputsHandler(NaasHandler):
    """The datasets of a product's outputs, with their newest versions (paged)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        page, keep = await self.blocking(
            list_datasets,
            self.root,
            self.query_text("product"),
            offset=self.query_int("offset", 0),
            limit=self.query_int("limit", 50),
            versions=self.query_int("versions", 5),
        )
        self.reply(page.to_json("datasets", keep_versions=keep))


class OutputVersionsHandler(NaasHandler):
    """The versions of one dataset, newest first (paged)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        page = await self.blocking(
            list_versions,
            self.root,
            self.query_text("product"),
            self.query_text("dataset"),
            offset=self.query_int("offset", 0),
            limit=self.query_int("limit", 50),
        )
        self.reply(page.to_json("versions"))


class OutputFileHandler(NaasHandler):
    """Download one file of one version (or of ``latest``)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        path = await self.blocking(
            version_file,
            self.root,
            self.query_text("product"),
            self.query_text("dataset"),
            self.query_text("version", "latest"),
            self.query_text("file"),
        )
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        quoted = urllib.parse.quote(path.name)
        # Always an attachment: an output (e.g. HTML) must never render in the server's origin.
        self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quoted}")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Type", mime)  # before the first flush sends the headers
        with path.open("rb") as stream:
            self.set_header("Content-Length", str(await self.blocking(_size, stream)))
            try:
                while chunk := await self.blocking(stream.read, DOWNLOAD_CHUNK):
                    self.write(chunk)
                    await self.flush()
            except iostream.StreamClosedError:
                return  # the client went away: nothing to answer
        self.finish(set_content_type=mime)


def _size(stream: BinaryIO) -> int:
    return int(os.fstat(stream.fileno()).st_size)


def routes() -> Routes:
    return [
        (route("outputs"), OutputsHandler),
        (route("outputs", "versions"), OutputVersionsHandler),
        (route("outputs", "file"), OutputFileHandler),
    ]
