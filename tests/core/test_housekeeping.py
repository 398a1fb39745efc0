"""The housekeeping thread runs every cleaner at start and then periodically; one that fails
is logged and does not stop the others."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from naas_lab_ext.core.housekeeping import Housekeeping


def test_it_runs_at_start_then_periodically_and_survives_a_failing_cleaner(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    leftovers: list[Path] = []

    def clean() -> list[str]:
        current = list(leftovers)  # what the round sees when it starts
        removed = [p.name for p in current if p.exists()]
        for path in current:
            path.unlink(missing_ok=True)
        return removed

    def broken() -> list[str]:
        raise OSError("permission denied")

    leftovers.append(tmp_path / "first")
    leftovers[-1].write_text("x")
    chores = Housekeeping({"broken": broken, "files": clean}, interval=0.05)
    chores.start()
    try:
        deadline = time.monotonic() + 10
        # (the first round over, not just its file gone: the next leftover is a later round's)
        while chores.rounds < 1:
            assert time.monotonic() < deadline, "the first round never ran"
            time.sleep(0.01)
        assert not (tmp_path / "first").exists()
        # A leftover that appears later goes at a later round
        leftovers.append(tmp_path / "later")
        leftovers[-1].write_text("x")
        while (tmp_path / "later").exists():
            assert time.monotonic() < deadline, "no later round ran"
            time.sleep(0.01)
    finally:
        chores.stop()
    assert chores.rounds >= 2
    assert "Removing the leftovers of broken failed" in caplog.text
    rounds = chores.rounds
    time.sleep(0.2)
    assert chores.rounds == rounds  # stopped


def test_one_round_says_what_each_cleaner_removed() -> None:
    chores = Housekeeping({"a": lambda: ["x", "y"], "b": lambda: []}, interval=60)
    assert chores.run_once() == {"a": ["x", "y"], "b": []}
    with pytest.raises(ValueError, match="more than 0"):
        Housekeeping({}, interval=0)
