"""The template REST API through a real Jupyter server (jp_fetch)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.products.scaffold import ProductSpec, create_product
from tests.template_factory import write_template

CSV = "team/Pandas/Pandas_Read_CSV.ipynb"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "sources" / "team"
    write_template(
        folder / "Pandas/Pandas_Read_CSV.ipynb",
        title="Pandas - Read CSV",
        tags=("pandas", "csv"),
        parameters='csv_path = "data.csv"  # the file to read\nsep: str = ","',
    )
    write_template(
        folder / "Pandas/Pandas_Join_Tables.ipynb",
        title="Pandas - Join Tables",
        tags=("pandas", "join"),
        description="Merge two tables.",
        parameters="how = 'left'",
    )
    write_template(
        folder / "Gmail/Gmail_Send_Email.ipynb",
        title="Gmail - Send Email",
        tags=("gmail", "email"),
        description="Send an email.",
        parameters=None,
        body=("# attach the csv report",),
    )
    (folder / "Broken.ipynb").write_text("{oops", encoding="utf-8")
    return folder


@pytest.fixture
def jp_server_config(
    jp_server_config: dict[str, Any], source: Path, tmp_path: Path
) -> dict[str, Any]:
    return {
        **jp_server_config,
        "NaasLabExtApp": {
            "template_sources": [str(source), {"url": "/x", "branch": "main"}],
            "templates_include_default": False,
            "templates_index_dir": str(tmp_path / "index"),
            "templates_sync_interval": 0,
        },
    }


async def sync(api: Any) -> dict[str, Any]:
    status, body = await api("POST", "templates", "sync", body={"wait": True})
    assert status == 200, body
    return body  # type: ignore[no-any-return]


async def test_sync_reports_sources_templates_and_broken_notebooks(
    api: Any, tmp_path: Path
) -> None:
    # Before the first sync there is nothing, and the status says so
    status, before = await api("GET", "templates", "sync")
    assert status == 200
    assert before["last"] is None and before["templates"] == 0 and before["running"] is False
    assert before["interval"] == 0 and before["next_sync_at"] is None
    assert [s["name"] for s in before["sources"]] == ["team"]
    assert "branch" in before["config_errors"][0]  # the bad entry is reported, not fatal

    body = await sync(api)
    last = body["last"]
    assert last["ok"] is True
    assert body["templates"] == last["templates"] == 3
    assert [s["name"] for s in last["sources"]] == ["team"]
    assert last["sources"][0]["notebooks"] == 4
    assert last["index"]["added"] == 3
    assert body["broken"] == [{"id": "team/Broken.ipynb", "error": body["broken"][0]["error"]}]
    # The index lives where it was configured, outside the root
    assert list((tmp_path / "index").glob("templates-*.sqlite"))


async def test_sync_in_the_background(api: Any) -> None:
    status, body = await api("POST", "templates", "sync")
    assert status == 202
    # answered at once: the sync runs (or, 3 small templates, has already finished)
    assert body["running"] is True or body["last"] is not None
    for _ in range(200):
        status, body = await api("GET", "templates", "sync")
        if not body["running"]:
            break
        await asyncio.sleep(0.05)
    assert body["last"]["ok"] is True and body["templates"] == 3


@pytest.mark.parametrize(
    ("body", "field"), [({"wait": "yes"}, "wait"), ({"now": True}, "now"), ([], None)]
)
async def test_sync_bad_input(api: Any, body: Any, field: str | None) -> None:
    status, answer = await api("POST", "templates", "sync", body=body)
    assert status == 400
    assert answer["field"] == field


async def test_search_ranks_filters_and_pages(api: Any) -> None:
    await sync(api)
    status, page = await api("GET", "templates", params={"q": "csv"})
    assert status == 200
    assert [i["id"] for i in page["items"]] == [CSV, "team/Gmail/Gmail_Send_Email.ipynb"]
    first = page["items"][0]
    assert first == {
        "id": CSV,
        "title": "Pandas - Read CSV",
        "tool": "Pandas",
        "action": "Read CSV",
        "tags": ["pandas", "csv"],
        "author": "Ada Lovelace",
        "description": "Reads a CSV file into a DataFrame.",
        "cell_count": 4,
        "has_parameters": True,
        "source": "team",
    }
    status, page = await api(
        "GET", "templates", params=[("tool", "pandas"), ("tag", "pandas"), ("tag", "join")]
    )
    assert [i["title"] for i in page["items"]] == ["Pandas - Join Tables"]
    status, page = await api("GET", "templates", params={"limit": "2", "offset": "1"})
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 2, 1, 2)
    assert {(f["name"], f["count"]) for f in page["facets"]["tools"]} == {
        ("Pandas", 2),
        ("Gmail", 1),
    }
    assert {"name": "pandas", "count": 2} in page["facets"]["tags"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "abc"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"q": "x" * 300}, "q"),
    ],
)
async def test_search_bad_input(api: Any, params: dict[str, str], field: str) -> None:
    status, body = await api("GET", "templates", params=params)
    assert status == 400
    assert body["field"] == field and body["message"]


async def test_get_one_template_for_the_preview(api: Any) -> None:
    await sync(api)
    status, body = await api("GET", "templates", "notebooks", *CSV.split("/"))
    assert status == 200, body
    assert body["id"] == CSV and body["title"] == "Pandas - Read CSV"
    assert body["path"] == f"__templates__/{CSV}"
    assert [c["cell_type"] for c in body["cells"]] == ["markdown", "markdown", "code", "code"]
    assert body["cells"][2]["tags"] == ["parameters"]
    assert body["parameters"] == [
        {"name": "csv_path", "type": "None", "default": '"data.csv"', "help": "the file to read"},
        {"name": "sep", "type": "str", "default": '","', "help": ""},
    ]
    assert body["size"] > 0 and body["modified"]


@pytest.mark.parametrize(
    ("template_id", "status", "field"),
    [
        ("team/Missing.ipynb", 404, "id"),
        ("team/../../secret.ipynb", 400, "id"),
        ("team/Pandas", 400, "id"),
        (".naas-templates.json", 400, "id"),
        ("team/Broken.ipynb", 400, "id"),
    ],
)
async def test_get_bad_ids(api: Any, template_id: str, status: int, field: str) -> None:
    await sync(api)
    code, body = await api("GET", "templates", "notebooks", template_id)
    assert code == status, body
    assert body["field"] == field


async def test_open_in_lab_gives_a_new_copy_each_time(api: Any, root: Path) -> None:
    await sync(api)
    status, first = await api("POST", "templates", "open", body={"id": CSV})
    assert status == 201, first
    assert first == {"template": CSV, "path": "Pandas_Read_CSV.ipynb", "product": None}
    status, second = await api("POST", "templates", "open", body={"id": CSV})
    assert second["path"] == "Pandas_Read_CSV_(1).ipynb"
    status, named = await api("POST", "templates", "open", body={"id": CSV, "name": "mine"})
    assert named["path"] == "mine.ipynb"
    # the same cells; the copy gets the kernel metadata Lab writes on open (finding 7)
    copy = json.loads((root / "Pandas_Read_CSV.ipynb").read_bytes())
    original = json.loads((root / "__templates__" / CSV).read_bytes())
    assert copy["cells"] == original["cells"]
    assert copy["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "id"),
        ({"id": ""}, 400, "id"),
        ({"id": CSV, "extra": 1}, 400, "extra"),
        ({"id": "team/Nope.ipynb"}, 404, "id"),
        ({"id": "/etc/passwd"}, 400, "id"),
        ({"id": CSV, "name": "a/b"}, 400, "name"),
        ({"id": 3}, 400, "id"),
    ],
)
async def test_open_in_lab_bad_input(api: Any, body: Any, status: int, field: str) -> None:
    await sync(api)
    code, answer = await api("POST", "templates", "open", body=body)
    assert code == status, answer
    assert answer["field"] == field


async def test_open_in_lab_refuses_a_body_that_is_not_json(api: Any) -> None:
    code, answer = await api("POST", "templates", "open", raw=b"{not json")
    assert code == 400 and "not valid JSON" in answer["message"]


async def test_add_to_models(api: Any, root: Path) -> None:
    await sync(api)
    create_product(root, ProductSpec(name="sales"), framework_version="t", git=False)
    status, body = await api(
        "POST", "templates", "add-to-models", body={"id": CSV, "product": "sales"}
    )
    assert status == 201, body
    assert body == {
        "template": CSV,
        "path": "sales/models/Pandas_Read_CSV.ipynb",
        "product": "sales",
        "requirements": [],
        "missing_requirements": [],
    }
    status, again = await api(
        "POST", "templates", "add-to-models", body={"id": CSV, "product": "sales"}
    )
    assert again["path"] == "sales/models/Pandas_Read_CSV_(1).ipynb"
    status, product = await api("GET", "products", "sales")
    assert "Pandas_Read_CSV.ipynb" in product["models"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"id": CSV}, 400, "product"),
        ({"id": CSV, "product": "nowhere"}, 404, "product"),
        ({"id": CSV, "product": "../up"}, 400, "product"),
        ({"id": CSV, "product": "__templates__/team"}, 403, "product"),
        ({"product": "sales"}, 400, "id"),
    ],
)
async def test_add_to_models_bad_input(api: Any, body: Any, status: int, field: str) -> None:
    await sync(api)
    code, answer = await api("POST", "templates", "add-to-models", body=body)
    assert code == status, answer
    assert answer["field"] == field


async def test_add_to_models_offers_the_templates_requirements(
    api: Any, root: Path, source: Path
) -> None:
    """UI finding 10: the packages the template needs, added to requirements.txt on request."""
    write_template(
        source / "Excel/Excel_Export_Report.ipynb",
        title="Excel - Export Report",
        description="Writes a report.\n\n**Requirements:** `pandas>=2.0`",
        body=("!pip install -q openpyxl>=3.1 pandas  # for .xlsx", "import openpyxl"),
    )
    await sync(api)
    create_product(root, ProductSpec(name="sales"), framework_version="t", git=False)
    requirements = root / "sales" / "requirements.txt"
    requirements.write_text("# mine\nPandas==2.2.0\nrequests", encoding="utf-8")
    template = "team/Excel/Excel_Export_Report.ipynb"
    status, body = await api(
        "POST", "templates", "add-to-models", body={"id": template, "product": "sales"}
    )
    assert status == 201, body
    assert body["requirements"] == ["pandas>=2.0", "openpyxl>=3.1"]
    assert body["missing_requirements"] == ["openpyxl>=3.1"]
    status, added = await api(
        "POST", "templates", "requirements", body={"id": template, "product": "sales"}
    )
    assert status == 200, added
    assert added == {
        "path": "sales/requirements.txt",
        "requirements": ["pandas>=2.0", "openpyxl>=3.1"],
        "added": ["openpyxl>=3.1"],
    }
    assert requirements.read_text(encoding="utf-8") == (
        "# mine\nPandas==2.2.0\nrequests\nopenpyxl>=3.1\n"
    )
    # asked again: nothing more to add
    status, again = await api(
        "POST", "templates", "requirements", body={"id": template, "product": "sales"}
    )
    assert again["added"] == []
    code, answer = await api(
        "POST", "templates", "requirements", body={"id": template, "product": "nowhere"}
    )
    assert code == 404 and answer["field"] == "product"


def damage(index_file: Path) -> None:
    """Garbage over every page but the header, as a disk fault or a stray writer would."""
    with closing(sqlite3.connect(index_file)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = index_file.stat().st_size
    with index_file.open("r+b") as handle:
        handle.seek(4096)
        handle.write(b"\xa5" * (size - 4096))


async def test_an_index_damaged_while_serving_is_rebuilt_not_a_500(
    api: Any, tmp_path: Path
) -> None:
    await sync(api)
    _, before = await api("GET", "templates", params={"q": "csv"})
    [index_file] = (tmp_path / "index").glob("templates-*.sqlite")
    damage(index_file)
    # several requests at once, each in a thread of its own: none fails, one rebuild
    answers = await asyncio.gather(
        *(api("GET", "templates", params={"q": "csv"}) for _ in range(4)),
        api("GET", "templates", "sync"),
        api("GET", "templates", "notebooks", CSV),
    )
    assert [status for status, _ in answers] == [200] * 6, answers
    assert all(page["items"] == before["items"] for _, page in answers[:4])
    assert answers[4][1]["templates"] == 3
    assert answers[5][1]["title"] == "Pandas - Read CSV"
