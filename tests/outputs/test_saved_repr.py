"""What a notebook cell ending in ``save(...)`` shows: a short line, not the dataclass dump."""

from __future__ import annotations

from pathlib import Path

from naas_lab_ext.outputs.store import OutputStore


def test_saved_shows_a_short_repr_and_html(product: Path) -> None:
    store = OutputStore(product)
    saved = store.save({"a": 1}, "gold/kpis/data.json", version="2026-11-23T08.00.00.000Z")

    text = repr(saved)
    assert text == (
        "<Saved gold/kpis/data.json version 2026-11-23T08.00.00.000Z (13 B): "
        "outputs/gold/kpis/2026-11-23T08.00.00.000Z/data.json>"
    )
    assert str(product) not in text  # no absolute paths, no field dump
    assert "latest_method" not in text and len(text) < 160

    html = saved._repr_html_()
    assert "<b>gold/kpis/data.json</b>" in html
    assert "<code>2026-11-23T08.00.00.000Z</code>" in html
    assert str(product) not in html


def test_saved_repr_counts_pruned_versions_and_escapes_html(product: Path) -> None:
    store = OutputStore(product)
    store.save("x", "raw/a/f.txt", version="2026-11-23T08.00.00.000Z")
    saved = store.save("y" * 2500, "raw/a/f.txt", version="2026-11-24T08.00.00.000Z", keep=1)
    assert "(2.5 KB, 1 old version(s) removed)" in repr(saved)
    assert "<script>" not in type(saved)(**{**saved.__dict__, "name": "<script>/x/y"})._repr_html_()
