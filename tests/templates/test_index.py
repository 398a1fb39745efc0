"""The SQLite FTS5 index: incremental refresh, broken notebooks, ranked search."""

from __future__ import annotations

import logging
import os
import random
from pathlib import Path

import pytest

from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.templates.index import TemplateIndex
from naas_lab_ext.templates.search import META_MASK_SQL, fts_query, match_mask, prefixes
from naas_lab_ext.templates.table import Table, Words, bit_string, mask_of, rowids_of
from tests.benchmarks.bench_templates import generate_corpus
from tests.template_factory import write_template


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "__templates__"


@pytest.fixture
def index(tmp_path: Path) -> TemplateIndex:
    idx = TemplateIndex(tmp_path / "index" / "templates.sqlite")
    yield idx  # type: ignore[misc]
    idx.close()


def library(folder: Path) -> None:
    write_template(
        folder / "src/Pandas/Pandas_Read_CSV.ipynb",
        title="Pandas - Read CSV",
        tags=("pandas", "csv", "input"),
        description="Read a CSV file.",
    )
    write_template(
        folder / "src/Pandas/Pandas_Join_Tables.ipynb",
        title="Pandas - Join Tables",
        tags=("pandas", "join"),
        description="Merge two tables.",
    )
    write_template(
        folder / "src/Gmail/Gmail_Send_Email.ipynb",
        title="Gmail - Send Email",
        tags=("gmail", "email", "notification"),
        description="Send an email with an attachment.",
        # The body mentions csv: it must rank below the template whose title says CSV.
        body=("attachment = 'report.csv'  # a csv file, csv export, csv csv csv",),
    )


def test_refresh_adds_then_only_rereads_changed_files(folder: Path, index: TemplateIndex) -> None:
    library(folder)
    first = index.refresh(folder)
    assert (first.added, first.updated, first.removed, first.unchanged) == (3, 0, 0, 0)
    assert index.count() == 3

    # When nothing changed, nothing is re-read
    again = index.refresh(folder)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert not again.changed

    # When a file is touched without changing its content, the hash says it is the same
    touched = folder / "src/Pandas/Pandas_Read_CSV.ipynb"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    assert index.refresh(folder).updated == 0

    # When one file changes and one is removed
    write_template(touched, title="Pandas - Read CSV Files", tags=("pandas", "csv"))
    (folder / "src/Gmail/Gmail_Send_Email.ipynb").unlink()
    report = index.refresh(folder)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 1, 1)
    assert index.get("src/Pandas/Pandas_Read_CSV.ipynb").title == "Pandas - Read CSV Files"  # type: ignore[union-attr]
    assert index.get("src/Gmail/Gmail_Send_Email.ipynb") is None
    assert [i.id for i in index.search("email").items] == []


def test_broken_notebook_is_skipped_with_a_warning_and_listed(
    folder: Path, index: TemplateIndex, caplog: pytest.LogCaptureFixture
) -> None:
    library(folder)
    broken = folder / "src/Broken/Broken.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"cells": [', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        report = index.refresh(folder)
    assert report.added == 3
    assert [b.id for b in report.broken] == ["src/Broken/Broken.ipynb"]
    assert "src/Broken/Broken.ipynb" in caplog.text
    assert [b.id for b in index.broken()] == ["src/Broken/Broken.ipynb"]
    # An unchanged broken file is not re-read (no second warning)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        index.refresh(folder)
    assert "Broken.ipynb" not in caplog.text
    # When it is fixed, it is listed and no longer broken
    write_template(broken, title="Fixed - Now", tags=("fixed",))
    assert index.refresh(folder).added == 1
    assert index.broken() == []
    assert index.search("fixed").total == 1


def test_hidden_files_symlinks_and_non_notebooks_are_not_indexed(
    folder: Path, index: TemplateIndex, tmp_path: Path
) -> None:
    library(folder)
    write_template(folder / "src/.ipynb_checkpoints/Pandas_Read_CSV-checkpoint.ipynb")
    write_template(folder / ".hidden.ipynb")
    outside = write_template(tmp_path / "outside.ipynb", title="Secret - Outside")
    (folder / "src/link.ipynb").symlink_to(outside)
    (folder / "src/notes.txt").write_text("csv", encoding="utf-8")
    index.refresh(folder)
    assert index.count() == 3
    assert index.search("secret").total == 0


def test_title_and_tool_rank_above_body_text(folder: Path, index: TemplateIndex) -> None:
    library(folder)
    index.refresh(folder)
    ids = [item.id for item in index.search("csv").items]
    assert ids[0] == "src/Pandas/Pandas_Read_CSV.ipynb"
    assert "src/Gmail/Gmail_Send_Email.ipynb" in ids  # found by its body, ranked after


def test_tool_weighs_more_than_body(folder: Path, index: TemplateIndex) -> None:
    write_template(folder / "s/a.ipynb", title="Slack - Post", body=("# gmail gmail gmail",))
    write_template(folder / "s/b.ipynb", title="Gmail - Read inbox", tags=())
    index.refresh(folder)
    assert [i.id for i in index.search("gmail").items] == ["s/b.ipynb", "s/a.ipynb"]


def test_a_title_match_ranks_above_a_body_repeating_the_word(
    folder: Path, index: TemplateIndex
) -> None:
    # Given a template naming "excel" only in its title, and one repeating it in its
    # description and body text (bm25 alone ranks the second first: it saturates)
    write_template(folder / "s/title.ipynb", title="Export - Excel", tags=(), description="")
    write_template(
        folder / "s/body.ipynb",
        title="Pandas - Write",
        tags=(),
        description="excel export",
        body=tuple("df.to_excel('excel.xlsx')  # excel" for _ in range(8)),
    )
    for n in range(10):
        write_template(folder / f"s/other{n}.ipynb", title=f"Other - Thing {n}", tags=("misc",))
    index.refresh(folder)
    assert [i.id for i in index.search("excel").items] == ["s/title.ipynb", "s/body.ipynb"]
    assert [i.id for i in index.search("exc").items] == ["s/title.ipynb", "s/body.ipynb"]


def test_pages_put_together_give_the_whole_ranking(folder: Path, index: TemplateIndex) -> None:
    # Given templates in every tier: the word in the title, in the tool, in the body only
    for n in range(6):
        write_template(folder / f"s/title{n}.ipynb", title=f"Report - Sales report {n}")
        write_template(folder / f"s/body{n}.ipynb", title=f"Gmail - Send {n}", body=("report",))
    write_template(folder / "s/tool.ipynb", title="Reporting - Weekly", tags=("report",))
    index.refresh(folder)
    whole = [i.id for i in index.search("report", limit=200).items]
    assert len(whole) == 13
    # When the results are read one page at a time, whatever the page size
    for size in (1, 2, 5):
        paged = []
        for offset in range(0, 13, size):
            paged += [i.id for i in index.search("report", limit=size, offset=offset).items]
        # Then the pages put together are the whole ranking, in the same order
        assert paged == whole, size
    assert set(whole[:7]) == {*(f"s/title{n}.ipynb" for n in range(6)), "s/tool.ipynb"}


def test_many_code_only_matches_are_ordered_by_metadata_then_title(
    folder: Path, index: TemplateIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given more code-only matches than are worth ranking by bm25
    monkeypatch.setattr("naas_lab_ext.templates.search.RANK_LIMIT", 2)
    for name in ("c", "a", "b"):
        write_template(folder / f"s/{name}.ipynb", title=f"Tool - {name}", body=("pivot table",))
    write_template(folder / "s/d.ipynb", title="Tool - d", description="a pivot", body=("table",))
    index.refresh(folder)
    # Then those with a word in their metadata come first, the others by title
    ids = [i.id for i in index.search("pivot table").items]
    assert ids == ["s/d.ipynb", "s/a.ipynb", "s/b.ipynb", "s/c.ipynb"]
    assert [i.id for i in index.search("pivot table", limit=1, offset=2).items] == ["s/b.ipynb"]


def test_more_query_words_in_the_title_rank_first(folder: Path, index: TemplateIndex) -> None:
    write_template(folder / "s/a.ipynb", title="Gmail - Read inbox", description="send email")
    write_template(folder / "s/b.ipynb", title="Gmail - Send email", description="")
    index.refresh(folder)
    assert [i.id for i in index.search("gmail send").items] == ["s/b.ipynb", "s/a.ipynb"]


def test_matching_ids_lists_every_match_unranked(folder: Path, index: TemplateIndex) -> None:
    library(folder)
    index.refresh(folder)
    assert sorted(index.matching_ids("pandas")) == [
        "src/Pandas/Pandas_Join_Tables.ipynb",
        "src/Pandas/Pandas_Read_CSV.ipynb",
    ]
    assert len(index.matching_ids("csv")) == 3  # titles, parameters and code alike
    assert index.matching_ids("") == []


def test_prefix_matching_follows_typing(folder: Path, index: TemplateIndex) -> None:
    library(folder)
    index.refresh(folder)
    for typed in ("p", "pa", "pan", "pand", "panda", "pandas"):
        assert index.search(typed).total >= 2, typed
    assert [i.title for i in index.search("pandas jo").items] == ["Pandas - Join Tables"]
    assert index.search("pandas xyz").total == 0


def test_filters_facets_and_paging(folder: Path, index: TemplateIndex) -> None:
    library(folder)
    index.refresh(folder)
    everything = index.search()
    assert everything.total == 3
    assert [i.title for i in everything.items] == sorted(i.title for i in everything.items)
    assert everything.tools == [("Pandas", 2), ("Gmail", 1)]  # most frequent first
    assert everything.tags[0] == ("pandas", 2)
    assert everything.tags[1:] == sorted(everything.tags[1:], key=lambda f: f[0])  # ties by name

    by_tool = index.search(tools=["pandas"])  # case-insensitive
    assert {i.tool for i in by_tool.items} == {"Pandas"}
    # The tool facet ignores the tool filter (switching tool stays possible)
    assert {name for name, _count in by_tool.tools} == {"Pandas", "Gmail"}
    # The tag facet counts what the filters leave
    assert {name for name, _count in by_tool.tags} == {"pandas", "csv", "input", "join"}

    by_tags = index.search(tags=["pandas", "#CSV"])
    assert [i.title for i in by_tags.items] == ["Pandas - Read CSV"]

    page = index.search(limit=2, offset=2)
    assert page.total == 3
    assert len(page.items) == 1
    assert page.items[0].title == everything.items[2].title


@pytest.mark.parametrize(
    "typed", ['"', "AND", "NEAR(", "title:x", "*", "csv OR", "'; DROP TABLE templates; --", "é"]
)
def test_fts_syntax_typed_by_users_is_plain_text(
    folder: Path, index: TemplateIndex, typed: str
) -> None:
    library(folder)
    index.refresh(folder)
    index.search(typed)  # no error
    assert index.count() == 3


def test_diacritics_and_case_are_ignored(folder: Path, index: TemplateIndex) -> None:
    write_template(folder / "s/cafe.ipynb", title="Café - Résumé", tags=("données",))
    index.refresh(folder)
    assert index.search("cafe resume").total == 1
    assert index.search("DONNEES").total == 1


def test_fts_query_quotes_every_word_as_a_prefix() -> None:
    assert fts_query('read "csv" AND') == '"read"* AND "csv"* AND "and"*'
    # a code token is a phrase of its words, the last one a prefix
    assert fts_query("read_csv Café") == '"read csv"* AND "cafe"*'
    # a word is searched as the prefix it shares with its stem
    assert fts_query("scraping websites") == '"scrap"* AND "websit"*'
    assert fts_query("  ") == ""
    assert fts_query("re csv") == '({title tool tags} : "re"*) AND "csv"*'


def test_first_keystrokes_match_titles_tools_and_tags_not_body(
    folder: Path, index: TemplateIndex
) -> None:
    write_template(folder / "s/a.ipynb", title="Slack - Post", tags=("chat",), body=("grab()",))
    write_template(folder / "s/b.ipynb", title="Gmail - Read", tags=("email",))
    index.refresh(folder)
    assert [i.id for i in index.search("gr").items] == []  # "grab" is only in a body
    assert [i.id for i in index.search("gra").items] == ["s/a.ipynb"]
    assert [i.id for i in index.search("gm").items] == ["s/b.ipynb"]
    assert [i.id for i in index.search("ch").items] == ["s/a.ipynb"]  # a tag


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"query": "x" * 201}, "q"),
    ],
)
def test_bad_search_input(index: TemplateIndex, kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidInput) as caught:
        index.search(**kwargs)
    assert caught.value.field == field


def test_a_corrupt_index_file_is_rebuilt(folder: Path, tmp_path: Path) -> None:
    library(folder)
    path = tmp_path / "bad.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    index = TemplateIndex(path)
    try:
        assert index.refresh(folder).added == 3
        assert index.search("csv").total >= 1
    finally:
        index.close()


def test_the_index_is_shared_by_two_objects_on_one_file(folder: Path, tmp_path: Path) -> None:
    # Given a server and a CLI using the same index file
    library(folder)
    writer, reader = TemplateIndex(tmp_path / "i.sqlite"), TemplateIndex(tmp_path / "i.sqlite")
    try:
        writer.refresh(folder)
        assert reader.search().total == 3
        (folder / "src/Gmail/Gmail_Send_Email.ipynb").unlink()
        writer.refresh(folder)
        # Then the reader sees the change (its cached facet table follows the generation)
        assert reader.search().total == 2
    finally:
        writer.close()
        reader.close()


def test_bitmask_helpers_agree_with_plain_sets() -> None:
    rng = random.Random(3)
    for size in (0, 1, 7, 8, 9, 200, 3000):
        rowids = sorted(rng.sample(range(1, 3001), size))
        mask = mask_of(rowids)
        assert mask == sum(1 << r for r in rowids)
        assert rowids_of(mask) == rowids
        bits = bit_string(mask)
        assert [r for r in range(len(bits)) if bits[r] == "1"] == rowids


@pytest.mark.parametrize("density", [0.001, 0.05, 0.5, 1.0])
def test_by_title_gives_the_first_rows_of_a_mask_in_title_order(
    folder: Path, density: float
) -> None:
    # Given templates whose titles do not follow their rowids (sparse and dense masks take
    # different paths)
    rng = random.Random(5)
    rowids = list(range(1, 401))
    titles = {r: f"t{rng.randrange(10**6):07d}" for r in rowids}
    order = sorted(rowids, key=lambda r: (titles[r], r))
    table = Table(
        summary={},
        title_order=order,
        title_rank={r: n for n, r in enumerate(order)},
        tool_names={},
        tool_masks={},
        tag_masks={},
        all_mask=mask_of(rowids),
        title_tool_words=Words.build({}),
        metadata_words=Words.build({}),
    )
    chosen = [r for r in rowids if rng.random() < density]
    for count in (1, 10, 50, 1000):
        expected = sorted(chosen, key=lambda r: (titles[r], r))[:count]
        assert table.by_title(mask_of(chosen), count) == expected
    assert table.by_title(0, 10) == []


def test_a_group_too_large_for_bm25_is_ordered_by_title(
    folder: Path, index: TemplateIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given four templates naming "report" in their titles (bm25 puts the shortest first)
    titles = {
        "z": "Zeta - Report",
        "a": "Alpha - Weekly sales report for the whole team",
        "b": "Beta - Monthly report for finance and the board",
        "c": "Gamma - Quarterly report to share with investors",
    }
    for name, title in titles.items():
        write_template(folder / f"s/{name}.ipynb", title=title, tags=())
    write_template(folder / "s/body.ipynb", title="Aaa - Other", tags=(), body=("report",))
    index.refresh(folder)
    assert index.search("report").items[0].id == "s/z.ipynb"  # ranked by bm25
    # When the title group is larger than what bm25 ranks
    monkeypatch.setattr("naas_lab_ext.templates.search.RANK_LIMIT", 3)
    ids = [i.id for i in index.search("report").items]
    # Then it is ordered by title, still above the template naming it only in its code
    assert ids == ["s/a.ipynb", "s/b.ipynb", "s/c.ipynb", "s/z.ipynb", "s/body.ipynb"]
    assert [i.id for i in index.search("report", limit=2, offset=3).items] == ids[3:]


def test_word_bitmasks_agree_with_fts5_on_the_ranking_groups(
    folder: Path, index: TemplateIndex
) -> None:
    # Given varied templates (accents, "_" and "-" inside words, tags, descriptions)
    generate_corpus(folder, 60)
    write_template(
        folder / "s/odd.ipynb",
        title="Café_Data - Résumé été",
        tags=("data-lake", "naïve"),
        description="Crème brûlée ÉTÉ_2024 and x-ray",
    )
    index.refresh(folder)
    conn = index._connect()
    table = index.table(conn)
    queries = [
        *("r", "re", "rea", "read", "pandas", "dat", "data-l", "cafe", "resume", "ete"),
        *("creme", "brulee", "x", "ray", "naive", "2024"),
        "read data",
        "send email",
        "plot ch",
        "lake naive",
        "zzz",
        "é",
    ]
    for query in queries:
        words = prefixes(query)
        if "-" in query:
            continue  # a code token is a phrase for FTS5, its words apart in memory
        for words_of_group, columns in (
            (table.title_tool_words, "title tool"),
            (table.metadata_words, "title tool tags description"),
        ):
            # Then the in-memory words find exactly what FTS5 finds in those columns
            fts = match_mask(conn, META_MASK_SQL, fts_query(query, columns))
            assert words_of_group.every(words) == fts, (query, columns)
        any_fts = match_mask(
            conn, META_MASK_SQL, fts_query(query, "title tool tags description", any_word=True)
        )
        assert table.metadata_words.some(words) == any_fts, query


def test_a_file_damaged_while_read_is_rebuilt_once_from_the_folder(
    folder: Path, tmp_path: Path
) -> None:
    import sqlite3
    import threading

    library(folder)
    index = TemplateIndex(tmp_path / "damaged" / "templates.sqlite", folder=folder)
    index.refresh(folder)
    before = [i.id for i in index.search("csv").items]
    # a connection opened in each of several threads, then garbage over the file's pages
    index._connect().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = index.db_path.stat().st_size
    with index.db_path.open("r+b") as handle:
        handle.seek(4096)
        handle.write(b"\x00\xff" * ((size - 4096) // 2))
    with pytest.raises(sqlite3.DatabaseError):  # a plain connection sees the damage
        sqlite3.connect(index.db_path).execute("SELECT COUNT(*) FROM templates").fetchone()
    found: list[object] = []

    def read() -> None:
        try:
            found.append([i.id for i in index.search("csv").items])
        except Exception as exc:  # the assertion below shows it
            found.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [before] * 4
    assert index.repairs == 1 and index.count() == 3
    index.close()


def test_without_its_folder_a_damaged_index_starts_empty(tmp_path: Path, folder: Path) -> None:
    library(folder)
    index = TemplateIndex(tmp_path / "i.sqlite")
    index.refresh(folder)
    index._connect().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = index.db_path.stat().st_size
    with index.db_path.open("r+b") as handle:
        handle.seek(4096)
        handle.write(b"\x00\xff" * ((size - 4096) // 2))
    index._connect().close()  # the next read opens the file again and finds the damage
    index._local.conn = None
    assert index.count() == 0 and index.repairs == 1
    index.refresh(folder)  # the next refresh fills it
    assert index.count() == 3
    index.close()
