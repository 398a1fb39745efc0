"""Example tests of this data product: run them with ``python -m pytest tests``."""

import json
from pathlib import Path

import nbformat

PRODUCT = Path(__file__).resolve().parents[1]


def test_params_are_a_json_object() -> None:
    params = json.loads((PRODUCT / "inputs" / "params.json").read_text(encoding="utf-8"))
    assert isinstance(params, dict), "inputs/params.json must hold a JSON object"


def test_every_notebook_is_valid() -> None:
    notebooks = sorted(PRODUCT.glob("*.ipynb")) + sorted((PRODUCT / "models").glob("*.ipynb"))
    assert notebooks, "the product has no notebook"
    for path in notebooks:
        nbformat.validate(nbformat.read(path, as_version=4))
