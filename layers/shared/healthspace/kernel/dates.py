"""Calendar rules several contexts rely on, each defined once."""

from __future__ import annotations

import calendar
from datetime import date, datetime


def add_month(moment: datetime) -> datetime:
    """The same time one calendar month later; the day is clamped (31 January -> 28/29 February)."""
    year, month = moment.year + moment.month // 12, moment.month % 12 + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def is_minor(birth_date: date, today: date) -> bool:
    """Under 18 on `today` (one born on 29 February comes of age on 1 March)."""
    try:
        adult_on = birth_date.replace(year=birth_date.year + 18)
    except ValueError:
        adult_on = date(birth_date.year + 18, 3, 1)
    return today < adult_on
