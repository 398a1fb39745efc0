from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from naas_lab_ext.core.clock import is_version, parse_version, to_version
from naas_lab_ext.core.errors import InvalidInput


def test_version_format_and_round_trip() -> None:
    moment = datetime(2026, 11, 23, 8, 0, 0, 123456, tzinfo=timezone.utc)
    version = to_version(moment)
    assert version == "2026-11-23T08.00.00.123Z"
    assert is_version(version)
    assert parse_version(version) == moment.replace(microsecond=123000)


def test_versions_sort_as_text_like_times() -> None:
    start = datetime(2026, 1, 1, 23, 59, 59, 999000, tzinfo=timezone.utc)
    moments = [start + timedelta(milliseconds=i * 7) for i in range(500)]
    versions = [to_version(m) for m in moments]
    assert sorted(versions) == versions


def test_other_timezones_are_converted_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    assert to_version(datetime(2026, 11, 23, 9, 0, tzinfo=paris)) == "2026-11-23T08.00.00.000Z"


@pytest.mark.parametrize("bad", ["", "latest", "2026-11-23T08:00:00.000Z", "2026-11-23T08.00.00Z"])
def test_bad_versions_are_refused(bad: str) -> None:
    assert not is_version(bad)
    with pytest.raises(InvalidInput):
        parse_version(bad)
