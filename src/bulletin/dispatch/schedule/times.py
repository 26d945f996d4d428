"""Send times: parsed in a time zone, stored in UTC, shown in local time; SendGrid's scheduling rules.

``parse_at("2021-07-05 09:00", "Europe/Brussels", now)`` gives 07:00 UTC. A local time that does not
exist (the hour skipped when the clocks go forward) is an error; one that happens twice (the hour
repeated when the clocks go back) is read as the first of the two, and a note says so.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ...errors import BulletinError, ConfigError, Option, Part, Phrase
from ...words import count

WINDOW = dt.timedelta(hours=72)  # SendGrid: send_at at most 72 hours ahead
HANDOVER = dt.timedelta(hours=71)  # handed over an hour early: sending a large list takes time
CANCEL_CUTOFF = dt.timedelta(minutes=10)  # SendGrid: no cancelling within 10 minutes of send_at
SAFE_LEAD = dt.timedelta(minutes=15)  # --safe: time left to cancel and send again after a crash
LATE_LIMIT = dt.timedelta(hours=24)  # a hand-over missed by more than this waits for the user
FAR_AHEAD = dt.timedelta(days=366)  # --at further ahead than this is refused: surely a mistyped year
NOW_VARIABLE = "BULLETIN_NOW"  # tests only: a fixed "now" (ISO 8601, UTC) for the command line

Clock = Callable[[], dt.datetime]
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ONE_DIGIT_HOUR = re.compile(r"^(\d{4}-\d{2}-\d{2}[ T])(\d:\d{2})")  # "2021-07-05 9:00" -> "2021-07-05 09:00"
EXAMPLE = '"2021-07-05 09:00"'


@dataclass(frozen=True)
class SendTime:
    """A send time: the UTC instant, the zone it is shown in, and a note when the local time was ambiguous."""

    utc: dt.datetime
    zone: str
    note: str | None = None

    def iso(self) -> str:
        """As stored in the ledger: UTC, ISO 8601, seconds."""
        return stored(self.utc)

    def text(self) -> str:
        """'Mon 2021-07-05 09:00 CEST (Europe/Brussels), 07:00 UTC'."""
        return local_text(self.utc, self.zone)


def zone_of(name: str, where: str | Option = Option.TZ) -> ZoneInfo:
    """The zone called ``name``, or a clear error naming it as ``where`` (an input, or a key of bulletin.yaml)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        same = [z for z in available_timezones() if z.casefold() == name.strip().casefold()]
        hint = f"did you mean {same[0]}?" if same else "use a name like Europe/Brussels or UTC"
        given: Part = (where, name) if isinstance(where, Option) else f"{where} {name}"
        raise ConfigError(Phrase(given, f": unknown time zone ({hint})")) from None


def parse_at(text: str, zone: str, now: dt.datetime) -> SendTime:
    """Read a time to send at: 'YYYY-MM-DD HH:MM' (local to ``zone``) or ISO 8601, with or without an offset."""
    tz = zone_of(zone)
    given = text.strip()
    at: Part = (Option.AT, f'"{given}"')  # the input, named as the caller names it: at="…" (the CLI: --at "…")
    if _DATE_ONLY.match(given):
        raise BulletinError(Phrase(at, f": give a time as well as the date, like {EXAMPLE}"))
    try:
        value = dt.datetime.fromisoformat(_ONE_DIGIT_HOUR.sub(r"\g<1>0\g<2>", given))
    except ValueError:
        raise BulletinError(Phrase(at, f" is not a date and time: write it like {EXAMPLE} (YYYY-MM-DD HH:MM, in {zone})")) from None
    note = None
    try:
        if value.tzinfo is None:
            value, note = _localise(value, tz, given)
        utc = value.astimezone(dt.UTC)
        shown = local_text(utc, zone)
    except OverflowError:  # in year 1 or 9999, where converting to another zone leaves the calendar
        utc = (dt.datetime.min if value.year == 1 else dt.datetime.max).replace(tzinfo=dt.UTC)
        shown = _as_written(value, zone)
    if utc <= now:
        raise BulletinError(Phrase(at, f" is in the past: that is {shown}, and it is now {local_text(now, zone)}"))
    if utc - now > FAR_AHEAD:  # a mistyped year (2201): it would wait in the ledger for ever
        raise BulletinError(Phrase(at, f" is more than a year ahead: {shown}. Is the year right? A send can be scheduled at most a year ahead"))
    return SendTime(utc, zone, note)


def _as_written(value: dt.datetime, zone: str) -> str:
    """A time that cannot be converted, with the zone or offset it was given in."""
    text = f"{value.date().isoformat()} {value:%H:%M}"
    if value.tzinfo is None or isinstance(value.tzinfo, ZoneInfo):
        return f"{text} {zone}"
    return f"{text} {'UTC' if not value.utcoffset() else _offset(value)}"


def _localise(naive: dt.datetime, tz: ZoneInfo, given: str) -> tuple[dt.datetime, str | None]:
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != naive:  # the hour the clocks skip
        jump = (second.utcoffset() or dt.timedelta()) - (first.utcoffset() or dt.timedelta())
        later = (naive + abs(jump)).strftime("%H:%M")
        raise BulletinError(Phrase(
            (Option.AT, f'"{given}"'), f" does not exist in {tz.key}: the clocks go forward that night and skip that time. "
            f"Choose another time, e.g. {later}"
        ))
    if first.utcoffset() != second.utcoffset():  # the hour the clocks repeat
        other = second.astimezone(dt.UTC)
        return first, Phrase(
            f'"{given}" happens twice in {tz.key} (the clocks go back that night): using the first, '
            f"{first.strftime('%H:%M %Z')} = {first.astimezone(dt.UTC):%H:%M} UTC. For the second "
            f"({other:%H:%M} UTC), write ", (Option.AT, f'"{naive:%Y-%m-%dT%H:%M}{_offset(second)}"')
        )
    return first, None


def _offset(when: dt.datetime) -> str:
    minutes = int((when.utcoffset() or dt.timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def local_text(when: dt.datetime, zone: str) -> str:
    """'Mon 2021-07-05 09:00 CEST (Europe/Brussels), 07:00 UTC'; just the UTC time for zone UTC."""
    utc = when.astimezone(dt.UTC)
    if zone in ("UTC", "Etc/UTC"):
        return f"{utc:%a %Y-%m-%d %H:%M} UTC"
    local = utc.astimezone(zone_of(zone, "timezone"))
    utc_text = f"{utc:%H:%M}" if local.date() == utc.date() else f"{utc:%Y-%m-%d %H:%M}"
    return f"{local:%a %Y-%m-%d %H:%M %Z} ({zone}), {utc_text} UTC"


def stored(when: dt.datetime) -> str:
    """An instant as the ledger stores it: UTC, ISO 8601, whole seconds."""
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def read_stored(stamp: str) -> dt.datetime:
    """Inverse of ``stored``."""
    value = dt.datetime.fromisoformat(stamp)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def round_up(when: dt.datetime) -> dt.datetime:
    """The next whole minute (times people read are whole minutes)."""
    seconds = math.ceil(when.timestamp() / 60) * 60
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def minutes(delta: dt.timedelta) -> str:
    """'3 minutes', '2 hours 5 minutes', '4 days 1 hour'."""
    total = int(delta.total_seconds() // 60)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (mins, "minute")]
    shown = [count(n, unit) for n, unit in parts if n][:2]
    return " ".join(shown) or "less than a minute"


def clock_from_env(environ: Mapping[str, str] | None = None) -> Clock | None:
    """For tests of the command line: BULLETIN_NOW fixes "now" (ISO 8601, UTC if no offset); None otherwise."""
    env = os.environ if environ is None else environ
    value = env.get(NOW_VARIABLE, "").strip()
    if not value:
        return None
    try:
        fixed = read_stored(value).astimezone(dt.UTC)
        if not 2000 <= fixed.year <= 9000:  # times are computed up to years away: keep clear of datetime's limits
            raise ValueError(value)
    except (ValueError, OverflowError):
        raise ConfigError(f"{NOW_VARIABLE} (used by tests) must be a time like 2021-07-05T07:00:00Z, got '{value}'") from None
    return lambda: fixed
