"""The one timestamp form: what utc_timestamp writes, parse_timestamp reads back."""

from datetime import datetime, timedelta, timezone

import pytest

from reconciler.domain.timestamps import parse_timestamp, utc_timestamp, utc_timestamp_of


@pytest.mark.parametrize("when", [datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc),
                                  datetime(2026, 12, 31, 23, 59, 59, 123000, tzinfo=timezone.utc)])
def test_what_the_formatter_writes_the_parser_reads_back(when: datetime) -> None:
    assert parse_timestamp(utc_timestamp(when, milliseconds=True)) == when


def test_an_offset_becomes_utc_and_a_bare_time_is_utc() -> None:
    assert parse_timestamp("2026-11-26T11:00:00+01:00") == datetime(2026, 11, 26, 10, tzinfo=timezone.utc)
    assert parse_timestamp("2026-11-26T10:00:00").utcoffset() == timedelta(0)
    assert parse_timestamp(" 2026-11-26T10:00:00z ") == datetime(2026, 11, 26, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01T00:00:00Z", None, 5])
def test_anything_else_is_a_value_error(text: object) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)  # type: ignore[arg-type]  # what a hostile file or server may send


@pytest.mark.parametrize("value", [None, 5])
def test_a_value_that_is_not_text_is_named_in_the_error(value: object) -> None:
    with pytest.raises(ValueError, match=f"^not a timestamp: {value}$"):
        parse_timestamp(value)  # type: ignore[arg-type]  # what a hostile file or server may send


def test_a_zone_can_be_required() -> None:
    with pytest.raises(ValueError, match="without a time zone"):
        parse_timestamp("2026-11-26T10:00:00", require_zone=True)


def test_the_formatter_writes_utc_with_a_z_whole_seconds_unless_asked():
    paris = timezone(timedelta(hours=1))
    assert utc_timestamp(datetime(2026, 11, 26, 11, 0, 5, 678000, tzinfo=paris)) == "2026-11-26T10:00:05Z"
    assert utc_timestamp(datetime(2026, 11, 26, 10, 0, 5, 678000), milliseconds=True) == "2026-11-26T10:00:05.678Z"
    assert utc_timestamp_of(1795687205.9) == "2026-11-26T10:00:05Z"


def test_the_formatter_writes_utc_on_a_machine_in_another_zone(machine_in_tokyo):
    assert utc_timestamp_of(1795687205) == "2026-11-26T10:00:05Z"
    assert utc_timestamp(datetime(2026, 11, 26, 10, 0, 5)) == "2026-11-26T10:00:05Z"  # naive: UTC, not local
    assert utc_timestamp(datetime(2026, 11, 26, 11, tzinfo=timezone(timedelta(hours=1)))) == "2026-11-26T10:00:00Z"
    parsed = parse_timestamp("2026-11-26T11:00:00+01:00")
    assert parsed.utcoffset() == timedelta(0) and parsed.hour == 10
