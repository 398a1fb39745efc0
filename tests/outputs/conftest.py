"""Fixtures of the outputs tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def product(tmp_path: Path) -> Path:
    """A bare product folder (a product.json, nothing else)."""
    root = tmp_path / "product"
    root.mkdir()
    (root / "product.json").write_text(json.dumps({"name": "product", "title": "Product"}))
    return root
