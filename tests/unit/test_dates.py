"""kernel.dates: the latest day that has begun somewhere, what "not in the future" allows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from healthspace.kernel.dates import is_minor, latest_day, months_after


def test_a_day_is_allowed_once_it_has_begun_somewhere():
    # 10:00 UTC on 7 December: already the 8th on the Line Islands (UTC+14)
    assert latest_day(datetime(2026, 12, 7, 10, 0, tzinfo=UTC)) == date(2026, 12, 8)
    # 09:59 UTC: the 8th has begun nowhere yet
    assert latest_day(datetime(2026, 12, 7, 9, 59, tzinfo=UTC)) == date(2026, 12, 7)


def test_the_moment_s_own_zone_does_not_matter():
    paris = timezone(timedelta(hours=1))
    moment = datetime(2026, 12, 8, 0, 30, tzinfo=paris)  # 23:30 UTC on the 7th
    assert latest_day(moment) == latest_day(moment.astimezone(UTC)) == date(2026, 12, 8)


def test_an_age_in_months_falls_on_the_birth_day_or_the_first_of_the_next_month():
    assert months_after(date(2025, 1, 15), 8) == date(2025, 9, 15)
    assert months_after(date(2024, 1, 31), 1) == date(2024, 3, 1)  # no 31 February
    assert months_after(date(2024, 12, 31), 2) == date(2025, 3, 1)
    assert months_after(date(2024, 2, 29), 12) == date(2025, 3, 1)
    assert months_after(date(2024, 2, 29), 48) == date(2028, 2, 29)
    # coming of age follows the same rule
    assert is_minor(date(2008, 2, 29), date(2026, 2, 28))
    assert not is_minor(date(2008, 2, 29), date(2026, 3, 1))
