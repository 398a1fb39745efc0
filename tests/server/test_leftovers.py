"""What killed processes left (a product creation's staging folder, a template copy's
temporary file, an output save's and a params.json write's temporary files, kernels' and DAG
reads' temporary folders) is removed when the server starts, by the capability that made it;
what live processes are writing is kept."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext import leftovers
from naas_lab_ext.core import files
from naas_lab_ext.core.housekeeping import Housekeeping
from naas_lab_ext.products.catalog import ProductCatalog
from naas_lab_ext.products.scaffold import ProductSpec, create_product

HOST = socket.gethostname().replace("-", "_")


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=30)
    return process.pid


def temp(folder: Path, pid: int, suffix: str, *, host: str = HOST, tree: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{files.TEMP_PREFIX}{host}-{pid}-0123456789ab-{suffix}"
    if tree:
        path.mkdir()
        (path / "README.md").write_text("half made")
    else:
        path.write_bytes(b"partial")
    return path


def scatter(root: Path, scratch: Path) -> tuple[list[Path], list[Path]]:
    """Leftovers of killed processes, and files live processes are writing: (stale, kept)."""
    create_product(root, ProductSpec(name="sales", parent="team"), framework_version="1", git=False)
    product = root / "team" / "sales"
    dataset = product / "outputs" / "raw" / "orders"
    gone = dead_pid()
    stale = [
        temp(root / "team", gone, "churn", tree=True),  # a product creation
        temp(root, gone, "copy.ipynb"),  # Open in Lab
        temp(product / "models", gone, "copy.ipynb"),  # Add to models
        temp(dataset, gone, "orders.csv"),  # a save
        temp(dataset / "latest", gone, "orders.csv"),  # its latest
        temp(dataset, gone, "pruned", tree=True),  # a pruned version
        temp(product / "inputs", gone, "params.json"),  # a params.json write
    ]
    for name in (f"naas-k-{gone}-0123456789", f"naas-describe-{gone}-abc_12de"):
        (scratch / name).mkdir(parents=True)
        stale.append(scratch / name)
    # Being written: by this process, or on another host a moment ago
    kept = [
        files.temp_path(dataset, "orders.csv"),
        files.temp_path(root, "copy.ipynb"),
        temp(dataset, 4242, "orders.csv", host="another_host"),
        temp(root / "team", 4242, "churn", host="another_host", tree=True),
    ]
    kept[0].write_bytes(b"being written")
    kept[1].write_bytes(b"being written")
    (scratch / "naas-k-0123456789ab").mkdir()  # no pid: fresh, kept
    kept.append(scratch / "naas-k-0123456789ab")
    return stale, kept


def test_each_capability_removes_its_leftovers(tmp_path: Path) -> None:
    root, scratch = tmp_path / "root", tmp_path / "scratch"
    root.mkdir()
    stale, kept = scatter(root, scratch)
    catalog = ProductCatalog(root, framework_version="1", git=False)
    chores = Housekeeping(leftovers.cleaners(root, catalog, scratch=scratch), interval=60)
    removed = chores.run_once()
    assert not [p for p in stale if p.exists()]
    assert all(p.exists() for p in kept)
    # each capability says what it removed
    [staging] = removed["products"]
    assert staging.startswith("team/.naas-tmp-") and staging.endswith("-churn")
    assert len(removed["templates"]) == 2 and len(removed["runtime"]) == 1
    assert len(removed["outputs"]) == 3 and len(removed["pipelines"]) == 2
    assert all(r.startswith("team/sales: raw/orders/") for r in removed["outputs"])
    # the product itself is whole
    assert (root / "team" / "sales" / "product.json").is_file()
    # once an hour has passed, what another host left goes too (ours, being written, stays)
    later = time.time() + files.STALE_AFTER_SECONDS + 1
    assert files.remove_stale_temps(root / "team" / "sales" / "outputs/raw/orders", now=later)
    assert kept[0].exists()


@pytest.fixture
def scattered(
    jp_root_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Path], list[Path]]:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # kernels' folders go here
    return scatter(Path(jp_root_dir), scratch)


@pytest.fixture
def jp_server_config(
    jp_server_config: dict[str, Any], scattered: tuple[list[Path], list[Path]]
) -> dict[str, Any]:
    # the leftovers are on disk before the server starts
    return {**jp_server_config, "NaasLabExtApp": {"templates_sync_at_start": False}}


async def test_the_server_removes_them_when_it_starts(
    api: Any, scattered: tuple[list[Path], list[Path]], jp_serverapp: Any
) -> None:
    stale, kept = scattered
    status, _ = await api("GET", "status")
    assert status == 200
    # When the server calls the start hook (it does once its event loop runs)
    [extension] = jp_serverapp.extension_manager.extension_apps["naas_lab_ext"]
    await extension._start_jupyter_server_extension(jp_serverapp)
    deadline = time.monotonic() + 30
    while any(p.exists() for p in stale):
        assert time.monotonic() < deadline, [p for p in stale if p.exists()]
        await asyncio.sleep(0.05)
    assert all(p.exists() for p in kept)
    status, products = await api("GET", "products")
    assert [p["path"] for p in products["products"]] == ["team/sales"]


def test_a_killed_vault_writer_leaves_nothing_for_long(tmp_path: Path) -> None:
    from naas_lab_ext.secrets.location import SecretsConfig
    from naas_lab_ext.secrets.storage import write_json

    root = tmp_path / "root"
    root.mkdir()
    config = SecretsConfig(
        backend="file", folder=tmp_path / "vault", key_file=tmp_path / "keys" / "secrets.key"
    )
    # the vault's writes go through the same temporary names housekeeping knows
    write_json(config.folder / "secrets.json", {"values": {}})
    assert [p.name for p in config.folder.iterdir()] == ["secrets.json"]
    gone = dead_pid()
    stale = [temp(config.folder, gone, "secrets.json"), temp(config.key_file.parent, gone, "key")]
    being_written = files.temp_path(config.folder, "index.json")
    being_written.write_bytes(b"{}")
    catalog = ProductCatalog(root, framework_version="1", git=False)
    removed = Housekeeping(
        leftovers.cleaners(root, catalog, scratch=tmp_path / "scratch", secrets=config),
        interval=60,
    ).run_once()
    assert sorted(removed["secrets"]) == sorted(p.name for p in stale)
    assert not [p for p in stale if p.exists()]
    assert being_written.exists() and (config.folder / "secrets.json").exists()
    # a server with no vault has no such cleaner
    assert "secrets" not in leftovers.cleaners(root, catalog)
