"""The agenda as an iCalendar feed (RFC 5545), through the `icalendar` library.

What a subscribed calendar shows is what the patient chose (FeedOptions): by default each
appointment is "Rendez-vous médical" at its time, nothing else; no reason, no specialty, no
professional, no place. A phone's calendar, its cloud, and whoever glances at the screen see
no more than that. Each event keeps its UID (the appointment's id) across versions, with
SEQUENCE its number of changes, so that a calendar updates it rather than adding a copy; times
carry their TZID with the VTIMEZONE the calendar needs (computed from the zone's rules for the
span the feed covers); a cancelled or declined appointment stays, STATUS:CANCELLED, so that a
calendar removes or strikes it out rather than keeping a stale one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from healthspace.agenda.feed_model import FeedOptions
from healthspace.agenda.model import Appointment, AppointmentStatus

PRODID: Final = "-//Health space//Agenda//FR"
UID_DOMAIN: Final = "agenda.health-space"
SUMMARY: Final = {"fr": "Rendez-vous médical", "en": "Medical appointment"}
CALENDAR_NAME: Final = {"fr": "Mes rendez-vous médicaux", "en": "My medical appointments"}
# How often a subscribed calendar should ask again (RFC 7986 REFRESH-INTERVAL).
REFRESH: Final = timedelta(hours=6)
_STATUS: Final = {
    AppointmentStatus.BOOKED: "CONFIRMED",
    AppointmentStatus.CANCELLED: "CANCELLED",
    AppointmentStatus.DECLINED: "CANCELLED",
}


def calendar(
    appointments: Sequence[Appointment],
    options: FeedOptions,
    now: datetime,
    names: Mapping[str, str] | None = None,
) -> bytes:
    """The feed's body (text/calendar, UTF-8, CRLF lines folded at 75 octets); `names`: the
    directory's names of the professionals named by RPPS (show_professional only)."""
    feed = Calendar()
    feed.add("prodid", PRODID)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", CALENDAR_NAME[options.language])
    feed.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    feed.add("x-published-ttl", REFRESH)
    for appointment in appointments:
        feed.add_component(_event(appointment, options, now, names or {}))
    if appointments:
        first = min(a.start for a in appointments).date() - timedelta(days=1)
        last = max(a.end for a in appointments).date() + timedelta(days=366)
        feed.add_missing_timezones(first_date=first, last_date=last)
    return bytes(feed.to_ical())


def _event(
    appointment: Appointment, options: FeedOptions, now: datetime, names: Mapping[str, str]
) -> Event:
    tz = ZoneInfo(appointment.time_zone)
    event = Event()
    event.add("uid", f"{appointment.appointment_id}@{UID_DOMAIN}")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("last-modified", appointment.updated_at.astimezone(UTC))
    event.add("created", appointment.created_at.astimezone(UTC))
    event.add("sequence", appointment.version - 1)
    event.add("dtstart", appointment.start_local.replace(tzinfo=tz))
    event.add("dtend", appointment.end_local.replace(tzinfo=tz))
    event.add("status", _STATUS[appointment.status])
    event.add("transp", "OPAQUE")
    event.add("class", "PRIVATE")
    event.add("summary", _summary(appointment, options, names))
    place = ", ".join(filter(None, (appointment.facility, appointment.place)))
    if options.show_place and place:
        event.add("location", place)
    if options.show_reason and appointment.reason:
        event.add("description", appointment.reason)
    return event


def _summary(appointment: Appointment, options: FeedOptions, names: Mapping[str, str]) -> str:
    summary = SUMMARY[options.language]
    rpps = appointment.professional_rpps
    who = appointment.professional_name or (names.get(rpps) if rpps else None)
    if options.show_professional and who:
        return f"{summary} - {who}"
    return summary
