"""Read what a template notebook says about itself: title, tool, tags, author, description.

Templates follow the awesome-notebooks conventions: a first markdown cell with a level-1
heading ``# Tool - Action``, then lines ``**Tags:** #pandas #csv``, ``**Author:** [Name](url)``
and ``**Description:** ...``, and a code cell tagged ``parameters`` (papermill). Anything
missing gets a sensible fallback (the file name, the folder name), so any notebook is listed.

Parsing reads the JSON (nbformat's reader upgrades old formats) without the full JSON-schema
validation, which is 4x slower and not needed to list a notebook; the structural checks that
matter here (cells, types, sources) are done below. A notebook that fails them raises
:class:`BrokenTemplate`, which the index logs and skips. nbformat itself is imported only for
an old format: importing it loads jsonschema, which takes a second a search must not wait.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from .names import is_text

#: Cell text kept for full-text search, per notebook (a data dump in a cell is not useful text).
BODY_LIMIT = 100_000
#: How many of the first markdown cells are searched for the header fields, at least: every
#: markdown cell before the first code cell is too (awesome-notebooks gives each field a cell
#: of its own, after a logo: the description is often the 6th), up to :data:`MAX_HEADER_CELLS`.
HEADER_CELLS = 4
MAX_HEADER_CELLS = 20
FIELD_LINE = re.compile(
    r"^\s*(?:[-*]\s*)?\*\*\s*(?P<key>[A-Za-z][A-Za-z ]{1,30}?)\s*:?\s*\*\*\s*:?\s*(?P<value>.*)$"
)
HEADING = re.compile(r"^\s{0,3}(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
#: HTML tags and comments to drop; a ``<layer>``-style placeholder is text and stays.
HTML_TAG = re.compile(
    r"<!--.*?-->|</?(?:a|abbr|b|big|blockquote|br|center|code|div|details|em|font|h[1-6]|hr|i"
    r"|img|kbd|li|ol|p|pre|s|small|span|strong|sub|summary|sup|table|tbody|td|th|thead|tr|u"
    r"|ul)(?:\s[^<>]*)?/?>",
    re.IGNORECASE | re.DOTALL,
)
MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
TAG_CHARS = re.compile(r"[^\w.+-]", re.UNICODE)
TOOL_SEPARATORS = (" - ", " \u2013 ", " \u2014 ")  # hyphen, en dash, em dash


class BrokenTemplate(ValueError):
    """The file is not a notebook that can be listed (bad JSON or structure)."""


@dataclass(frozen=True)
class TemplateCell:
    """One cell, as the preview shows it (no outputs)."""

    cell_type: str
    source: str
    tags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"cell_type": self.cell_type, "source": self.source, "tags": list(self.tags)}


@dataclass(frozen=True)
class TemplateHeader:
    """What a template says about itself in its first markdown cells."""

    title: str
    tool: str
    action: str
    tags: tuple[str, ...]
    author: str
    description: str


def source_of(template_id: str) -> str:
    """The source a template comes from: the first folder of its id."""
    return template_id.split("/", 1)[0] if "/" in template_id else ""


@dataclass(frozen=True)
class TemplateMeta(TemplateHeader):
    """What the index stores about a template: its header and its cells."""

    cells: tuple[TemplateCell, ...]

    @property
    def has_parameters(self) -> bool:
        return any("parameters" in cell.tags for cell in self.cells)

    @property
    def body(self) -> str:
        """The text of every cell, for full-text search."""
        return "\n".join(cell.source for cell in self.cells)[:BODY_LIMIT]


def _text(source: Any) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    raise BrokenTemplate("a cell source is neither text nor a list of lines")


def read_cells(text: str) -> tuple[TemplateCell, ...]:
    """The cells of notebook JSON ``text``; :class:`BrokenTemplate` if it is not a notebook."""
    try:
        data = json.loads(text)
        major = data.get("nbformat", 1)  # as nbformat's reader (not an object: not a notebook)
        if major != 4:
            # Old formats (v3 and before) are upgraded by nbformat, as Jupyter does on open.
            import nbformat
            from nbformat import reader

            data = nbformat.convert(reader.reads(text), 4)
    except BrokenTemplate:
        raise
    except Exception as exc:  # nbformat raises a variety of errors for non-notebooks
        raise BrokenTemplate(f"not a notebook ({type(exc).__name__}: {exc})") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise BrokenTemplate("the notebook has no list of cells")
    result: list[TemplateCell] = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise BrokenTemplate(f"cell {index} has no cell_type")
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        raw_tags = metadata.get("tags") if isinstance(metadata, dict) else None
        tags = (
            tuple(t for t in raw_tags if isinstance(t, str)) if isinstance(raw_tags, list) else ()
        )
        found = TemplateCell(cell["cell_type"], _text(cell.get("source", "")), tags)
        if not all(map(is_text, (found.cell_type, found.source, *found.tags))):
            raise BrokenTemplate(
                f"cell {index} holds text that is not valid Unicode (a lone surrogate such as "
                "\\ud800 in its JSON): fix the notebook in its source"
            )
        result.append(found)
    return tuple(result)


def plain(markdown: str) -> str:
    """Markdown/HTML reduced to plain words: images and tags dropped, links to their text."""
    text = MD_IMAGE.sub("", markdown)
    text = HTML_TAG.sub("", text)
    text = MD_LINK.sub(r"\1", text)
    text = MD_EMPHASIS.sub("", text)
    return " ".join(text.split())


def parse_tags(value: str) -> tuple[str, ...]:
    """``#pandas #csv`` or ``pandas, csv`` → ``("pandas", "csv")`` (lower case, unique)."""
    value = plain(value)
    words = re.findall(r"#([^\s#,;]+)", value) if "#" in value else re.split(r"[\s,;]+", value)
    tags: list[str] = []
    for word in words:
        tag = TAG_CHARS.sub("", word.lower()).strip(".-+")
        if tag and tag not in tags:
            tags.append(tag)
    return tuple(tags)


def split_title(title: str) -> tuple[str, str]:
    """``"Pandas - Read CSV"`` → ``("Pandas", "Read CSV")``; no separator → ``("", title)``."""
    for separator in TOOL_SEPARATORS:
        if separator in title:
            tool, action = title.split(separator, 1)
            return tool.strip(), action.strip()
    return "", title


def _header_fields(markdown_cells: list[str]) -> dict[str, str]:
    """``**Key:** value`` lines of the first markdown cells (a value may wrap onto next lines)."""
    fields: dict[str, str] = {}
    for source in markdown_cells:
        current: str | None = None
        for line in source.splitlines():
            match = FIELD_LINE.match(line)
            if match:
                key = match["key"].strip().lower()
                # The first occurrence wins; a repeated key (and its continuation) is ignored.
                current = None if key in fields else key
                if current:
                    fields[current] = match["value"].strip()
            elif current and line.strip() and not HEADING.match(line):
                fields[current] = f"{fields[current]} {line.strip()}".strip()
            else:
                current = None
    return fields


def _title(markdown_cells: list[str]) -> str:
    first_heading = ""
    for source in markdown_cells:
        for line in source.splitlines():
            match = HEADING.match(line)
            if not match:
                continue
            text = plain(match["text"])
            if match["hashes"] == "#" and text:
                return text
            first_heading = first_heading or text
    return first_heading


def header_cells(cells: tuple[TemplateCell, ...]) -> list[str]:
    """The markdown cells holding a template's header: the first :data:`HEADER_CELLS`, and
    every one before the first code cell (at most :data:`MAX_HEADER_CELLS`)."""
    markdown: list[str] = []
    leading, before_code = 0, True
    for cell in cells:
        if cell.cell_type == "markdown":
            markdown.append(cell.source)
            leading += before_code
        elif cell.cell_type == "code":
            before_code = False
        if len(markdown) >= MAX_HEADER_CELLS or (not before_code and len(markdown) >= HEADER_CELLS):
            break
    return markdown[: max(HEADER_CELLS, leading)]


def describe_cells(cells: tuple[TemplateCell, ...], template_id: str) -> TemplateMeta:
    """Build the metadata of a template from its cells and its id (path in the library)."""
    path = PurePosixPath(template_id)
    markdown = header_cells(cells)
    title = _title(markdown) or path.stem.replace("_", " ").strip() or path.name
    tool, action = split_title(title)
    if not tool and len(path.parts) >= 3:
        # <source>/<Tool>/<notebook>: the awesome-notebooks layout names the tool by folder.
        tool = path.parts[-2]
    fields = _header_fields(markdown)
    author = fields.get("author") or fields.get("authors") or ""
    return TemplateMeta(
        title=title,
        tool=tool,
        action=action,
        tags=parse_tags(fields.get("tags", "")),
        author=plain(author),
        description=plain(fields.get("description", "")),
        cells=cells,
    )


def parse_template(text: str, template_id: str) -> TemplateMeta:
    """Read the notebook JSON ``text`` of the template ``template_id``."""
    return describe_cells(read_cells(text), template_id)
