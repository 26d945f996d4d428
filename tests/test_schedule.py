"""Send times: read in a zone, stored in UTC, shown locally; DST boundaries in Europe/Brussels; clear errors
through the command line that record and send nothing."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletin.cli import error_text, flagged, main
from bulletin.dispatch.schedule import run_scheduler
from bulletin.dispatch.schedule.times import clock_from_env, local_text, parse_at
from bulletin.errors import BulletinError, ConfigError

NOW = dt.datetime(2021, 3, 1, 12, 0, tzinfo=dt.UTC)
BXL = "Europe/Brussels"


def utc(text: str, zone: str = BXL) -> str:
    return parse_at(text, zone, NOW).iso()


@pytest.mark.parametrize(("given", "expected"), [
    ("2021-07-05 09:00", "2021-07-05T07:00:00+00:00"),  # summer: CEST, UTC+2
    ("2021-12-06 09:00", "2021-12-06T08:00:00+00:00"),  # winter: CET, UTC+1
    ("2021-07-05T09:00", "2021-07-05T07:00:00+00:00"),
    ("2021-07-05 09:00:30", "2021-07-05T07:00:30+00:00"),
    ("2021-07-05T09:00+02:00", "2021-07-05T07:00:00+00:00"),  # an explicit offset wins over the zone
    ("2021-07-05T07:00Z", "2021-07-05T07:00:00+00:00"),
    ("  2021-07-05 09:00 ", "2021-07-05T07:00:00+00:00"),
    ("2021-07-05 9:00", "2021-07-05T07:00:00+00:00"),  # as people write it
])
def test_times_are_read_in_the_zone_and_stored_in_utc(given: str, expected: str) -> None:
    assert utc(given) == expected


def test_the_default_zone_is_utc() -> None:
    assert utc("2021-07-05 09:00", "UTC") == "2021-07-05T09:00:00+00:00"


@pytest.mark.parametrize(("given", "expected"), [
    ("2021-03-28 01:59", "2021-03-28T00:59:00+00:00"),  # last minute of CET
    ("2021-03-28 03:00", "2021-03-28T01:00:00+00:00"),  # first minute of CEST
    ("2021-03-27 09:00", "2021-03-27T08:00:00+00:00"),
    ("2021-03-29 09:00", "2021-03-29T07:00:00+00:00"),
])
def test_spring_forward_last_sunday_of_march(given: str, expected: str) -> None:
    assert utc(given) == expected


@pytest.mark.parametrize("given", ["2021-03-28 02:00", "2021-03-28 02:30", "2021-03-28 02:59"])
def test_a_time_the_clocks_skip_is_an_error(given: str) -> None:
    with pytest.raises(BulletinError) as caught:
        parse_at(given, BXL, NOW)
    assert str(caught.value).startswith(f'at="{given}" does not exist in Europe/Brussels: the clocks go forward that night')
    assert str(caught.value).endswith(f"e.g. 03:{given[-2:]}")
    assert error_text(caught.value).startswith(f'--at "{given}" does not exist in Europe/Brussels')  # the CLI names its flag


def test_a_time_the_clocks_repeat_is_the_first_and_says_so() -> None:
    first = parse_at("2021-10-31 02:30", BXL, NOW)  # last Sunday of October: 03:00 CEST -> 02:00 CET
    assert first.iso() == "2021-10-31T00:30:00+00:00"  # 02:30 CEST, the first of the two
    assert first.note == ('"2021-10-31 02:30" happens twice in Europe/Brussels (the clocks go back that night): using the first, '
                          '02:30 CEST = 00:30 UTC. For the second (01:30 UTC), write at="2021-10-31T02:30+01:00"')
    assert flagged(first.note).endswith('For the second (01:30 UTC), write --at "2021-10-31T02:30+01:00"')  # the CLI's words
    second = parse_at("2021-10-31T02:30+01:00", BXL, NOW)
    assert (second.iso(), second.note) == ("2021-10-31T01:30:00+00:00", None)
    assert second.text() == "Sun 2021-10-31 02:30 CET (Europe/Brussels), 01:30 UTC"


@pytest.mark.parametrize(("given", "expected"), [
    ("2021-10-31 01:59", "2021-10-30T23:59:00+00:00"),  # CEST, before the repeated hour
    ("2021-10-31 03:00", "2021-10-31T02:00:00+00:00"),  # CET, after it
])
def test_fall_back_last_sunday_of_october(given: str, expected: str) -> None:
    found = parse_at(given, BXL, NOW)
    assert (found.iso(), found.note) == (expected, None)


def test_times_are_shown_in_local_time_with_the_zone_name() -> None:
    assert local_text(dt.datetime(2021, 7, 5, 7, tzinfo=dt.UTC), BXL) == "Mon 2021-07-05 09:00 CEST (Europe/Brussels), 07:00 UTC"
    assert local_text(dt.datetime(2021, 12, 6, 8, tzinfo=dt.UTC), BXL) == "Mon 2021-12-06 09:00 CET (Europe/Brussels), 08:00 UTC"
    assert local_text(dt.datetime(2021, 7, 4, 22, 30, tzinfo=dt.UTC), BXL) == \
        "Mon 2021-07-05 00:30 CEST (Europe/Brussels), 2021-07-04 22:30 UTC"
    assert local_text(dt.datetime(2021, 7, 5, 7, tzinfo=dt.UTC), "UTC") == "Mon 2021-07-05 07:00 UTC"


@pytest.mark.parametrize(("given", "message"), [
    ("2021-02-28 09:00", ('--at "2021-02-28 09:00" is in the past: that is Sun 2021-02-28 09:00 CET (Europe/Brussels), 08:00 UTC, '
                         "and it is now Mon 2021-03-01 13:00 CET (Europe/Brussels), 12:00 UTC")),
    ("2021-03-01 13:00", ('--at "2021-03-01 13:00" is in the past: that is Mon 2021-03-01 13:00 CET (Europe/Brussels), 12:00 UTC, '
                         "and it is now Mon 2021-03-01 13:00 CET (Europe/Brussels), 12:00 UTC")),
    ("next monday 9am", '--at "next monday 9am" is not a date and time: write it like "2021-07-05 09:00" (YYYY-MM-DD HH:MM, in Europe/Brussels)'),
    ("2021-07-05 25:00", '--at "2021-07-05 25:00" is not a date and time: write it like "2021-07-05 09:00" (YYYY-MM-DD HH:MM, in Europe/Brussels)'),
    ("05/07/2021 09:00", '--at "05/07/2021 09:00" is not a date and time: write it like "2021-07-05 09:00" (YYYY-MM-DD HH:MM, in Europe/Brussels)'),
    ("2021-07-05", '--at "2021-07-05": give a time as well as the date, like "2021-07-05 09:00"'),
])
def test_past_and_unreadable_times_are_errors(given: str, message: str) -> None:
    """The messages as the CLI says them (--at "…"); the library names the argument (at="…")."""
    with pytest.raises(BulletinError) as caught:
        parse_at(given, BXL, NOW)
    assert error_text(caught.value) == message
    assert str(caught.value) == message.replace(f'--at "{given}"', f'at="{given}"')


@pytest.mark.parametrize(("given", "zone", "message"), [
    # a mistyped year would wait in the ledger for decades: refused, not scheduled
    ("2201-03-01 09:00", BXL, ('--at "2201-03-01 09:00" is more than a year ahead: Sun 2201-03-01 09:00 CET (Europe/Brussels), '
                               "08:00 UTC. Is the year right? A send can be scheduled at most a year ahead")),
    ("9999-12-31 23:59", "America/New_York", ('--at "9999-12-31 23:59" is more than a year ahead: 9999-12-31 23:59 America/New_York. '
                                              "Is the year right? A send can be scheduled at most a year ahead")),
    ("9999-12-31T23:59-05:00", BXL, ('--at "9999-12-31T23:59-05:00" is more than a year ahead: 9999-12-31 23:59 -05:00. '
                                     "Is the year right? A send can be scheduled at most a year ahead")),
    ("0001-01-01T00:00+05:00", BXL, ('--at "0001-01-01T00:00+05:00" is in the past: that is 0001-01-01 00:00 +05:00, '
                                     "and it is now Mon 2021-03-01 13:00 CET (Europe/Brussels), 12:00 UTC")),
    ("0001-01-01T00:00Z", "America/New_York", ('--at "0001-01-01T00:00Z" is in the past: that is 0001-01-01 00:00 UTC, '
                                               "and it is now Mon 2021-03-01 07:00 EST (America/New_York), 12:00 UTC")),
])
def test_times_out_of_range_are_errors(given: str, zone: str, message: str) -> None:
    with pytest.raises(BulletinError) as caught:
        parse_at(given, zone, NOW)
    assert error_text(caught.value) == message
    assert str(caught.value) == message.replace(f'--at "{given}"', f'at="{given}"')


def test_up_to_a_year_ahead_is_fine() -> None:
    assert utc("2022-03-01 09:00") == "2022-03-01T08:00:00+00:00"


def test_an_unknown_zone_is_an_error() -> None:
    with pytest.raises(ConfigError, match="^tz=Europe/Bruxelles: unknown time zone") as caught:
        parse_at("2021-07-05 09:00", "Europe/Bruxelles", NOW)
    assert error_text(caught.value).startswith("--tz Europe/Bruxelles: unknown time zone")
    with pytest.raises(ConfigError, match=r"^tz=europe/brussels: unknown time zone \(did you mean Europe/Brussels\?\)"):
        parse_at("2021-07-05 09:00", "europe/brussels", NOW)  # zone names are case-sensitive on Linux


def test_bulletin_now_fixes_the_clock_for_tests() -> None:
    assert clock_from_env({}) is None
    fixed = clock_from_env({"BULLETIN_NOW": "2021-07-05T07:00:00Z"})
    assert fixed is not None and fixed() == dt.datetime(2021, 7, 5, 7, tzinfo=dt.UTC)
    with pytest.raises(ConfigError, match="BULLETIN_NOW .* must be a time like 2021-07-05T07:00:00Z, got 'soon'"):
        clock_from_env({"BULLETIN_NOW": "soon"})


# --- through the command line: one message, exit 2, nothing recorded or sent -------------------


def send_at(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["send", "issues/example.yaml", "--list", "members", "--yes", *args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize(("args", "message"), [
    (("--at", "2021-03-28 02:30"), 'Error: --at "2021-03-28 02:30" does not exist in Europe/Brussels'),
    (("--at", "2021-02-01 09:00"), 'Error: --at "2021-02-01 09:00" is in the past'),
    (("--at", "tomorrow"), 'Error: --at "tomorrow" is not a date and time'),
    (("--at", "2021-07-05 09:00", "--tz", "Mars/Olympus"), "Error: --tz Mars/Olympus: unknown time zone"),
    (("--tz", "UTC"), "Error: --tz says which time zone --at is in: give --at too"),
])
def test_bad_times_on_the_command_line(tmp_project: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str) -> None:
    monkeypatch.setenv("BULLETIN_NOW", NOW.isoformat())
    code, output = send_at(*args)
    assert code == 2 and output.startswith(message) and output.count("\n") == 1, output
    assert not (tmp_project / ".bulletin").exists() and not (tmp_project / "outbox").exists()


def test_the_ambiguous_hour_through_the_command_line(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULLETIN_NOW", "2021-10-25T12:00:00Z")  # beyond the window: it waits, so it can be replaced
    code, output = send_at("--at", "2021-10-31 02:30")
    assert code == 0, output
    assert "Note: \"2021-10-31 02:30\" happens twice in Europe/Brussels (the clocks go back that night): using the first" in output
    assert "When: Sun 2021-10-31 02:30 CEST (Europe/Brussels), 00:30 UTC" in output
    code, output = send_at("--at", "2021-10-31T02:30+01:00", "--tz", "UTC")
    assert code == 0, output
    assert "This replaces dispatch 1" in output and "When: Sun 2021-10-31 01:30 UTC" in output


def test_tz_overrides_the_project_zone(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULLETIN_NOW", "2021-07-01T07:00:00Z")
    code, output = send_at("--at", "2021-07-05 09:00", "--tz", "America/New_York")
    assert code == 0, output
    assert "When: Mon 2021-07-05 09:00 EDT (America/New_York), 13:00 UTC" in output


def test_the_scheduler_loop_survives_errors_and_stops_when_asked() -> None:
    stop, calls, lines = threading.Event(), [], []

    def each() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConfigError("bulletin.yaml is not valid")
        if len(calls) == 2:
            raise OSError("disk full")
        stop.set()

    run_scheduler(interval=0, stop=stop, each=each, log=lines.append)
    assert len(calls) == 3
    assert lines == ["Error: bulletin.yaml is not valid", "Internal error: OSError: disk full"]
