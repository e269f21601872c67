"""Calendar rules several contexts rely on, each defined once."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Final

from pydantic import AwareDatetime, BeforeValidator


def add_month(moment: datetime) -> datetime:
    """The same time one calendar month later; the day is clamped (31 January -> 28/29 February)."""
    year, month = moment.year + moment.month // 12, moment.month % 12 + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


# The earliest time zone on Earth (UTC+14, the Line Islands): a calendar day has begun
# somewhere once it has begun there. Wallis-et-Futuna (UTC+12) is France's earliest.
_EARLIEST_ZONE: Final = timedelta(hours=14)


def latest_day(now: datetime) -> date:
    """The latest calendar day that has begun somewhere at `now`: what "not in the future" allows
    for a day a person gives in their own time zone (a document dated today just after
    midnight in Paris is dated tomorrow in UTC)."""
    return (now.astimezone(UTC) + _EARLIEST_ZONE).date()


def months_after(day: date, months: int) -> date:
    """The day a person born on `day` is `months` months old: the same day of the month, or,
    where that month has no such day, the first of the next (one born on 29 February is a year
    old on 1 March, one born on 31 January a month old on 1 March). Ages in the law and the
    prevention calendar count this way (healthspace.agenda.prevention)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    if day.day <= calendar.monthrange(year, month + 1)[1]:
        return date(year, month + 1, day.day)
    return date(year, month + 2, 1)  # never December, which has every day


def is_minor(birth_date: date, today: date) -> bool:
    """Under 18 on `today` (one born on 29 February comes of age on 1 March)."""
    return today < months_after(birth_date, 18 * 12)


def _written(value: Any) -> Any:
    """Dates and times come as text (ISO 8601) or as such objects: pydantic would take a number
    as seconds since 1970, so that `"birth_date": 0` read as 1 January 1970."""
    if not isinstance(value, str | date):
        raise ValueError("a date or time is written in ISO 8601 (YYYY-MM-DD, ...T12:00:00Z)")
    return value


# The date and time types of what people and partners send.
IsoDate = Annotated[date, BeforeValidator(_written)]
IsoDateTime = Annotated[datetime, BeforeValidator(_written)]
AwareIsoDateTime = Annotated[AwareDatetime, BeforeValidator(_written)]
