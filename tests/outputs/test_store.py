"""Versioned outputs: save, load, versions, latest, never-overwrite, retention (in process)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from naas_lab_ext.core import files
from naas_lab_ext.core.clock import to_version
from naas_lab_ext.core.errors import Conflict, InvalidInput, NotFound
from naas_lab_ext.outputs.store import OutputStore

pd = pytest.importorskip("pandas")

T0 = datetime(2026, 11, 23, 8, 0, 0, tzinfo=timezone.utc)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def tick(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(product: Path, clock: Clock) -> OutputStore:
    return OutputStore(product, environ={}, clock=clock)


def frame() -> object:
    return pd.DataFrame({"city": ["Paris", "Lyon"], "sales": [10.5, 3.25], "units": [3, 1]})


# -- each supported type ---------------------------------------------------------------------


def test_bytes_round_trip_and_layout(store: OutputStore, product: Path) -> None:
    saved = store.save(b"\x00\x01binary", "raw/blobs/data.bin")
    version = to_version(T0)
    assert saved.version == version
    assert saved.path == product / "outputs/raw/blobs" / version / "data.bin"
    assert saved.latest_path == product / "outputs/raw/blobs/latest/data.bin"
    assert saved.size == 8
    assert store.load("raw/blobs/data.bin") == b"\x00\x01binary"
    assert store.load("raw/blobs/data.bin", version) == b"\x00\x01binary"
    assert store.versions("raw/blobs/data.bin") == [version]
    assert store.versions("raw/blobs") == [version]
    assert store.latest_path("raw/blobs/data.bin") == saved.latest_path
    assert store.datasets() == ["raw/blobs"]


def test_text_round_trip(store: OutputStore) -> None:
    store.save("héllo\nwörld", "raw/notes/notes.txt")
    assert store.load("raw/notes/notes.txt") == "héllo\nwörld"
    # An unknown extension loads as bytes unless asked for text
    store.save("plain", "raw/notes/notes.dat")
    assert store.load("raw/notes/notes.dat") == b"plain"
    assert store.load("raw/notes/notes.dat", kind="text") == "plain"


def test_json_round_trip(store: OutputStore) -> None:
    data = {"a": [1, 2.5, None, True], "b": {"c": "d"}}
    store.save(data, "published/summary/summary.json")
    assert store.load("published/summary/summary.json") == data


def test_a_file_path_is_copied_not_linked(store: OutputStore, tmp_path: Path) -> None:
    source = tmp_path / "report.pdf"
    source.write_bytes(b"%PDF-1.7 fake")
    saved = store.save(source, "published/report/report.pdf")
    assert store.load("published/report/report.pdf") == b"%PDF-1.7 fake"
    # The user's file stays theirs: not the same file, still writable
    assert not os.path.samefile(source, saved.path)
    assert source.stat().st_mode & stat.S_IWUSR
    source.write_bytes(b"changed later")
    assert store.load("published/report/report.pdf") == b"%PDF-1.7 fake"


def test_link_true_hard_links_a_file_path(store: OutputStore, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * 1000)
    saved = store.save(source, "raw/big/big.bin", link=True)
    assert os.path.samefile(source, saved.path)
    assert store.load("raw/big/big.bin") == b"x" * 1000


@pytest.mark.parametrize("extension", [".csv", ".tsv", ".parquet", ".xlsx"])
def test_dataframe_round_trip(store: OutputStore, extension: str) -> None:
    if extension == ".parquet":
        pytest.importorskip("pyarrow")
    if extension == ".xlsx":
        pytest.importorskip("openpyxl")
    name = f"clean/sales/sales{extension}"
    store.save(frame(), name)
    loaded = store.load(name)
    pd.testing.assert_frame_equal(loaded, frame())


def test_dataframe_options_reach_pandas(store: OutputStore) -> None:
    store.save(frame(), "clean/sales/semicolon.csv", sep=";")
    assert store.load("clean/sales/semicolon.csv", kind="text").startswith("city;sales;units")
    pd.testing.assert_frame_equal(store.load("clean/sales/semicolon.csv", sep=";"), frame())


def test_a_meaningful_index_is_kept(store: OutputStore) -> None:
    indexed = frame().set_index("city")  # type: ignore[attr-defined]
    store.save(indexed, "clean/by_city/by_city.csv")
    pd.testing.assert_frame_equal(store.load("clean/by_city/by_city.csv", index_col=0), indexed)


@pytest.mark.parametrize(
    ("obj", "name", "words"),
    [
        (object(), "raw/x/x.bin", "Cannot save a builtins.object"),
        ({"a": 1}, "raw/x/x.txt", "Cannot save a builtins.dict"),
        ({"a": {1, 2}}, "raw/x/x.json", "cannot be saved as JSON"),
        ([float("nan")], "raw/x/x.json", "cannot be saved as JSON"),
        ("text", "raw/x/x.parquet", "binary format"),
        (b"x", "raw/x", "layer/dataset/file.ext"),
        (b"x", "raw/x/y/z.bin", "layer/dataset/file.ext"),
        (b"x", "raw/../x.bin", "single folder name"),
        (b"x", "raw/.hidden/x.bin", "not allowed"),
        (b"x", "pipeline_executions/p/x.bin", "reserved"),
        (b"x", 42, "not int"),
    ],
)
def test_what_cannot_be_saved_is_a_clear_error(
    store: OutputStore, product: Path, obj: object, name: str, words: str
) -> None:
    with pytest.raises(InvalidInput, match=words):
        store.save(obj, name)
    assert not (product / "outputs").exists()


def test_a_dataframe_in_an_unknown_format_is_an_error(store: OutputStore) -> None:
    with pytest.raises(InvalidInput, match=r"\.csv, \.tsv, \.parquet"):
        store.save(frame(), "clean/x/x.txt")
    with pytest.raises(InvalidInput, match="only when saving a DataFrame"):
        store.save(b"x", "clean/x/x.bin", sep=";")


def test_a_missing_file_path_is_not_found(store: OutputStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        store.save(tmp_path / "nope.csv", "raw/x/x.csv")


def test_a_str_that_names_a_file_warns(store: OutputStore, tmp_path: Path) -> None:
    source = tmp_path / "data.csv"
    source.write_text("a,b\n")
    with pytest.warns(UserWarning, match="pathlib.Path"):
        store.save(str(source), "raw/x/x.txt")
    assert store.load("raw/x/x.txt") == str(source)


def test_loading_what_does_not_exist(store: OutputStore) -> None:
    with pytest.raises(NotFound, match="Nothing was saved"):
        store.load("raw/none/none.csv")
    store.save(b"1", "raw/one/one.bin")
    with pytest.raises(NotFound, match="its versions are"):
        store.load("raw/one/one.bin", "2020-01-01T00.00.00.000Z")
    with pytest.raises(InvalidInput, match="not a version"):
        store.load("raw/one/one.bin", "last-tuesday")
    with pytest.raises(InvalidInput, match="kind"):
        store.load("raw/one/one.bin", kind="pickle")


# -- versions, latest, never overwrite -------------------------------------------------------


def test_each_save_is_a_new_version_and_latest_follows(store: OutputStore, clock: Clock) -> None:
    for day in range(3):
        store.save(f"day {day}", "raw/daily/daily.txt")
        clock.tick(days=1)
    versions = store.versions("raw/daily/daily.txt")
    assert versions == [to_version(T0 + timedelta(days=d)) for d in range(3)]
    assert store.load("raw/daily/daily.txt") == "day 2"
    assert store.load("raw/daily/daily.txt", versions[0]) == "day 0"


def test_latest_is_a_link_or_reflink_and_versions_are_read_only(store: OutputStore) -> None:
    saved = store.save(b"x" * 4096, "raw/big/big.bin")
    assert saved.latest_method in {"hardlink", "reflink"}
    if saved.latest_method == "hardlink":
        assert os.path.samefile(saved.path, saved.latest_path)
    for path in (saved.path, saved.latest_path):
        assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_two_saves_in_one_millisecond_get_two_versions(store: OutputStore) -> None:
    # The clock does not move: the second save must not overwrite the first
    first = store.save(b"first", "raw/fast/fast.bin")
    second = store.save(b"second", "raw/fast/fast.bin")
    assert second.version > first.version
    assert store.load("raw/fast/fast.bin", first.version) == b"first"
    assert store.load("raw/fast/fast.bin") == b"second"


def test_a_clock_going_back_still_makes_the_newest_version(
    store: OutputStore, clock: Clock
) -> None:
    first = store.save(b"first", "raw/skew/skew.bin")
    clock.tick(hours=-1)
    second = store.save(b"second", "raw/skew/skew.bin")
    assert second.version > first.version
    assert store.load("raw/skew/skew.bin") == b"second"


def test_a_pinned_version_is_never_overwritten(store: OutputStore) -> None:
    version = "2026-01-01T00.00.00.000Z"
    store.save(b"original", "raw/pin/pin.bin", version=version)
    with pytest.raises(Conflict, match="never overwritten"):
        store.save(b"other", "raw/pin/pin.bin", version=version)
    assert store.load("raw/pin/pin.bin", version) == b"original"
    assert store.versions("raw/pin") == [version]


def test_a_run_version_is_shared_by_the_run_outputs(product: Path, clock: Clock) -> None:
    # Given a step kernel of a pipeline run (the engine sets NAAS_RUN_VERSION)
    run_version = "2026-11-23T07.59.00.000Z"
    env = {"NAAS_RUN_ID": "run-1", "NAAS_RUN_VERSION": run_version}
    run = OutputStore(product, environ=env, clock=clock)
    # When the run saves several files, at different times
    run.save(b"a", "raw/orders/orders.csv")
    clock.tick(minutes=5)
    run.save(b"b", "raw/orders/customers.csv")
    run.save(b"c", "clean/orders/orders.parquet")
    # Then they all have the run's version
    assert run.versions("raw/orders") == [run_version]
    assert run.versions("clean/orders") == [run_version]
    assert sorted(p.name for p in (product / "outputs/raw/orders" / run_version).iterdir()) == [
        "customers.csv",
        "orders.csv",
    ]
    # And saving the same file twice in one run is a conflict
    with pytest.raises(Conflict):
        run.save(b"again", "raw/orders/orders.csv")


def test_an_older_run_does_not_take_latest_from_a_newer_version(
    product: Path, store: OutputStore
) -> None:
    store.save(b"new", "raw/late/late.bin")  # at T0
    old_run = OutputStore(product, environ={"NAAS_RUN_VERSION": to_version(T0 - timedelta(1))})
    saved = old_run.save(b"old", "raw/late/late.bin")
    assert saved.latest_method == "unchanged"
    assert saved.latest_version == to_version(T0)
    assert store.load("raw/late/late.bin") == b"new"


def test_a_stale_latest_is_refreshed_when_read(store: OutputStore, product: Path) -> None:
    # Given a version published but latest left behind (a crash between the two steps)
    store.save(b"v1", "raw/heal/heal.bin")
    newer = "2030-01-01T00.00.00.000Z"
    folder = product / "outputs/raw/heal"
    (folder / newer).mkdir()
    (folder / newer / "heal.bin").write_bytes(b"v2")
    assert (folder / "latest/heal.bin").read_bytes() == b"v1"
    # When latest is read, it is brought up to date first
    assert store.load("raw/heal/heal.bin") == b"v2"
    assert (folder / "latest/heal.bin").read_bytes() == b"v2"


def test_crash_leftovers_are_invisible_and_cleaned(store: OutputStore, product: Path) -> None:
    store.save(b"good", "raw/left/left.bin")
    folder = product / "outputs/raw/left"
    # Given a dead writer's temporary file and an empty version folder
    dead = files.temp_path(folder, "left.bin")
    dead = dead.with_name(dead.name.replace(f"-{os.getpid()}-", "-999999999-"))
    dead.write_bytes(b"partial")
    empty = folder / "2030-01-01T00.00.00.000Z"
    empty.mkdir()
    # Then readers never see them
    assert store.versions("raw/left") == store.versions("raw/left/left.bin")
    assert len(store.versions("raw/left")) == 1
    assert store.load("raw/left/left.bin") == b"good"
    # And the next save removes them
    store.save(b"next", "raw/left/left.bin")
    assert not dead.exists()
    assert not empty.exists()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".naas-tmp")) == []


def test_a_live_writers_temp_file_is_left_alone(store: OutputStore, product: Path) -> None:
    store.save(b"good", "raw/live/live.bin")
    folder = product / "outputs/raw/live"
    mine = files.temp_path(folder, "live.bin")  # this (living) process's name
    mine.write_bytes(b"in progress")
    store.save(b"next", "raw/live/live.bin")
    assert mine.exists()


# -- retention -------------------------------------------------------------------------------


def save_days(store: OutputStore, clock: Clock, days: int, **kwargs: int) -> list[str]:
    versions = []
    for day in range(days):
        versions.append(store.save(f"day {day}", "raw/kept/kept.txt", **kwargs).version)
        clock.tick(days=1)
    return versions


def test_keep_prunes_the_oldest(store: OutputStore, clock: Clock) -> None:
    made = save_days(store, clock, 5, keep=3)
    assert store.versions("raw/kept") == made[-3:]
    assert store.load("raw/kept/kept.txt") == "day 4"


def test_retention_from_product_json(product: Path, store: OutputStore, clock: Clock) -> None:
    manifest = json.loads((product / "product.json").read_text())
    manifest["outputs"] = {"keep_versions": 2}
    (product / "product.json").write_text(json.dumps(manifest))
    made = save_days(store, clock, 4)
    assert store.versions("raw/kept") == made[-2:]


def test_retention_from_the_environment(product: Path, clock: Clock) -> None:
    store = OutputStore(product, environ={"NAAS_OUTPUTS_KEEP": "1"}, clock=clock)
    made = save_days(store, clock, 3)
    assert store.versions("raw/kept") == made[-1:]


def test_no_retention_keeps_everything(store: OutputStore, clock: Clock) -> None:
    made = save_days(store, clock, 6)
    assert store.versions("raw/kept") == made


def test_retention_never_removes_the_version_just_saved(
    product: Path, store: OutputStore, clock: Clock
) -> None:
    save_days(store, clock, 3)
    old = to_version(T0 - timedelta(days=30))
    saved = OutputStore(product, environ={"NAAS_RUN_VERSION": old}).save(
        b"late run", "raw/kept/kept.txt", keep=2
    )
    assert saved.path.is_file()
    assert old in store.versions("raw/kept")
    assert len(saved.pruned) == 2


def test_prune_by_hand(store: OutputStore, clock: Clock) -> None:
    made = save_days(store, clock, 4)
    assert store.prune("raw/kept", 1) == made[:3]
    assert store.versions("raw/kept") == made[3:]
    with pytest.raises(NotFound):
        store.prune("raw/none", 1)
    with pytest.raises(InvalidInput):
        store.prune("raw/kept", -1)


@pytest.mark.parametrize("keep", [-1, True, "3"])
def test_a_bad_keep_is_an_error(store: OutputStore, keep: object) -> None:
    with pytest.raises(InvalidInput, match="keep"):
        store.save(b"x", "raw/x/x.bin", keep=keep)  # type: ignore[arg-type]


# -- several files in one dataset ------------------------------------------------------------


def test_latest_holds_each_file_from_its_newest_version(
    store: OutputStore, clock: Clock, product: Path
) -> None:
    store.save(b"a1", "raw/multi/a.bin")
    clock.tick(seconds=1)
    store.save(b"b1", "raw/multi/b.bin")
    clock.tick(seconds=1)
    store.save(b"a2", "raw/multi/a.bin")
    latest: Callable[[str], bytes] = lambda f: (  # noqa: E731
        product / "outputs/raw/multi/latest" / f
    ).read_bytes()
    assert (latest("a.bin"), latest("b.bin")) == (b"a2", b"b1")
    assert len(store.versions("raw/multi")) == 3
    assert len(store.versions("raw/multi/b.bin")) == 1


def test_threads_saving_at_once_lose_nothing(product: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store = OutputStore(product, environ={})

    def save_many(tag: int) -> list[str]:
        return [store.save(f"{tag}-{n}" * 1000, "raw/threads/t.txt").version for n in range(10)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        made = [v for versions in pool.map(save_many, range(4)) for v in versions]
    assert sorted(made) == store.versions("raw/threads") and len(set(made)) == 40
    newest = store.versions("raw/threads")[-1]
    assert store.load("raw/threads/t.txt") == store.load("raw/threads/t.txt", newest)
