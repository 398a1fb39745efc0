"""How an object becomes a file, and a file an object, chosen by the file's extension.

pandas is imported only when a DataFrame is saved or a table file is loaded, so notebooks that
never touch tables do not pay for it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from ..core.errors import InvalidInput

Writer = Callable[[Path], None]
LoadKind = Literal["auto", "bytes", "text", "json", "dataframe"]
LOAD_KINDS: tuple[str, ...] = ("auto", "bytes", "text", "json", "dataframe")

#: Table formats a DataFrame can be saved as, and the optional package each needs.
TABLE_FORMATS: dict[str, str | None] = {
    ".csv": None,
    ".tsv": None,
    ".parquet": "pyarrow",
    ".pq": "pyarrow",
    ".xlsx": "openpyxl",
}
#: Formats that are binary: text cannot be saved under these extensions.
BINARY_TABLES = frozenset({".parquet", ".pq", ".xlsx"})
#: Extensions :func:`read` returns as ``str`` by default.
TEXT_EXTENSIONS = frozenset(
    {".txt", ".md", ".html", ".htm", ".sql", ".yaml", ".yml", ".xml", ".log", ".toml", ".ini"}
)
CHUNK = 1 << 20

SUPPORTED = (
    "bytes, str, a pathlib.Path to a file, a pandas DataFrame (.csv, .tsv, .parquet, .xlsx) "
    "or JSON-able data (dict, list, numbers, bool, None; as .json)"
)


def _is_dataframe(obj: Any) -> bool:
    # A DataFrame can only exist if pandas is already imported: never import it to check.
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(obj, pandas.DataFrame)


def _needs(package: str, extension: str) -> None:
    if importlib.util.find_spec(package) is None:
        raise InvalidInput(
            f"Saving or loading '{extension}' files needs the package '{package}': "
            f"install it (pip install {package}) or use .csv.",
            field="name",
        )


def _write_bytes(data: bytes | bytearray | memoryview) -> Writer:
    def write(path: Path) -> None:
        view = memoryview(data).cast("B")
        with path.open("xb") as out:
            # Chunks keep memory flat and let a crash land mid-file (what the tests check).
            for start in range(0, len(view), CHUNK):
                out.write(view[start : start + CHUNK])

    return write


def _json_text(obj: Any) -> str:
    try:
        return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"This {type(obj).__name__} cannot be saved as JSON ({exc}). Save JSON-able data "
            "(dict, list, str, numbers, bool, None; no NaN or infinity), or pick another format.",
            field="obj",
        ) from None


def _dataframe_writer(frame: Any, extension: str, options: dict[str, Any]) -> Writer:
    if extension not in TABLE_FORMATS:
        raise InvalidInput(
            f"A DataFrame cannot be saved as '{extension or 'a file without extension'}': "
            f"use one of {', '.join(TABLE_FORMATS)}.",
            field="name",
        )
    package = TABLE_FORMATS[extension]
    if package:
        _needs(package, extension)
    pandas = sys.modules["pandas"]
    if extension in {".csv", ".tsv", ".xlsx"}:
        # A plain 0..n-1 index carries no data: leave it out so load() gives back the same
        # columns. Any other index is kept (pass index_col=0 to load it back as the index).
        plain = isinstance(frame.index, pandas.RangeIndex) and frame.index.name is None
        options.setdefault("index", not plain)
    if extension == ".tsv":
        options.setdefault("sep", "\t")

    def write(path: Path) -> None:
        if extension in {".csv", ".tsv"}:
            frame.to_csv(path, **options)
        elif extension == ".xlsx":
            frame.to_excel(path, **options)
        else:
            frame.to_parquet(path, **options)

    return write


def writer_for(obj: Any, filename: str, options: dict[str, Any]) -> Writer:
    """The function that writes ``obj`` as ``filename`` (by type, then extension).

    ``options`` go to the pandas writer (e.g. ``sep=";"``). Raises :class:`InvalidInput` for
    an object or an extension that cannot be saved, saying what can.
    """
    extension = Path(filename).suffix.lower()
    if _is_dataframe(obj):
        return _dataframe_writer(obj, extension, dict(options))
    if options:
        raise InvalidInput(
            f"Options ({', '.join(sorted(options))}) apply only when saving a DataFrame.",
            field="options",
        )
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return _write_bytes(obj)
    if isinstance(obj, str):
        if extension in BINARY_TABLES:
            raise InvalidInput(
                f"Text cannot be saved as '{extension}' (a binary format): save a DataFrame, "
                "bytes, or a pathlib.Path to the file.",
                field="obj",
            )
        return _write_bytes(obj.encode("utf-8"))
    if extension == ".json" and (
        obj is None or isinstance(obj, (dict, list, tuple, int, float, bool))
    ):
        return _write_bytes(_json_text(obj).encode("utf-8"))
    raise InvalidInput(
        f"Cannot save a {type(obj).__module__}.{type(obj).__qualname__} as "
        f"'{filename}': save {SUPPORTED}.",
        field="obj",
    )


def _default_kind(extension: str) -> str:
    if extension in TABLE_FORMATS:
        return "dataframe"
    if extension == ".json":
        return "json"
    if extension in TEXT_EXTENSIONS:
        return "text"
    return "bytes"


def read(path: Path, kind: str = "auto", options: dict[str, Any] | None = None) -> Any:
    """Read a saved file back: tables as DataFrames, .json as data, text as ``str``, else bytes.

    ``kind`` forces one of ``bytes``, ``text``, ``json``, ``dataframe``; ``options`` go to the
    pandas reader (e.g. ``index_col=0``).
    """
    options = dict(options or {})
    if kind not in LOAD_KINDS:
        raise InvalidInput(
            f"kind='{kind}' is not known: use one of {', '.join(LOAD_KINDS)}.", field="kind"
        )
    extension = path.suffix.lower()
    chosen = _default_kind(extension) if kind == "auto" else kind
    if chosen != "dataframe" and options:
        raise InvalidInput(
            f"Options ({', '.join(sorted(options))}) apply only when loading a DataFrame.",
            field="options",
        )
    if chosen == "bytes":
        return path.read_bytes()
    if chosen == "text":
        return path.read_text(encoding="utf-8")
    if chosen == "json":
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(
                f"'{path.name}' is not valid JSON ({exc}); load it with kind='bytes'.",
                field="kind",
            ) from None
    if importlib.util.find_spec("pandas") is None:
        raise InvalidInput(
            f"Loading '{path.name}' as a DataFrame needs pandas: install it (pip install pandas) "
            "or load it with kind='bytes'.",
            field="kind",
        )
    import pandas

    if extension in (".parquet", ".pq"):
        _needs("pyarrow", extension)
        return pandas.read_parquet(path, **options)
    if extension == ".xlsx":
        _needs("openpyxl", extension)
        return pandas.read_excel(path, **options)
    if extension == ".tsv":
        options.setdefault("sep", "\t")
    if extension in (".csv", ".tsv") or kind == "dataframe":
        return pandas.read_csv(os.fspath(path), **options)
    raise InvalidInput(  # pragma: no cover - every extension is handled above
        f"'{path.name}' cannot be read as a DataFrame.", field="kind"
    )
