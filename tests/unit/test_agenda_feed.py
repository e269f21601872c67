"""The calendar feed with in-memory fakes: the secret shown once and stored as its digest, a new
link revoking the old, what a calendar sees by default and by choice, RFC 5545 as the
`icalendar` parser reads it (UIDs stable across versions, TZID with its VTIMEZONE, a time on a
daylight-saving night, cancelled ones as such), a closed space's 404 and the day's one trace."""

from __future__ import annotations

from datetime import datetime

import pytest
from icalendar import Calendar

from healthspace.agenda.appointments import AppointmentFacts, Appointments
from healthspace.agenda.feed import Feeds
from healthspace.agenda.feed_model import FeedOptions, token_digest
from healthspace.kernel.errors import Forbidden, NotFound, PreconditionFailed
from healthspace.records.access import Access
from healthspace.records.model import Role, SpaceStatus
from tests.agenda_fakes import FakeAgendaStore


@pytest.fixture
def agenda_store(store):
    return FakeAgendaStore(store)


@pytest.fixture
def appointments(agenda_store, medical_file, clock):
    return Appointments(agenda_store, medical_file.history, clock, medical_file.ids)


@pytest.fixture
def feeds(agenda_store, store, medical_file, clock):
    return Feeds(agenda_store, agenda_store, store, medical_file.history, clock)


@pytest.fixture
def on_alice(spaces, alice):
    return Access(caller=alice, space_id=spaces["alice"].space_id, role=Role.HOLDER)


def add(appointments, access, start, end, zone="Europe/Paris", **more):
    return appointments.add(
        access,
        AppointmentFacts(
            start_local=datetime.fromisoformat(start),
            end_local=datetime.fromisoformat(end),
            time_zone=zone,
            professional_name="Dr Lefèvre",
            **more,
        ),
    ).appointment


def parsed(feed: bytes):
    calendar = Calendar.from_ical(feed)
    return calendar, {str(e["UID"]).split("@")[0]: e for e in calendar.walk("VEVENT")}


def test_the_secret_is_shown_once_and_kept_as_its_digest(feeds, agenda_store, on_alice):
    feed, token = feeds.renew(on_alice, FeedOptions())
    assert feed.token_sha256 == token_digest(token) and token not in feed.model_dump_json()
    assert "token_sha256" not in feed.to_api()
    second, newer = feeds.renew(on_alice, FeedOptions())
    assert second.version == 2
    with pytest.raises(NotFound):
        feeds.calendar(token)
    assert feeds.calendar(newer).startswith(b"BEGIN:VCALENDAR")
    feeds.revoke(on_alice, 2)
    with pytest.raises(NotFound):
        feeds.calendar(newer)
    with pytest.raises(NotFound):
        feeds.get(on_alice)


def test_by_default_a_calendar_shows_only_a_medical_appointment(feeds, appointments, on_alice):
    # 28 November 2026 today (FakeClock); an appointment on the night clocks go forward.
    booked = add(
        appointments,
        on_alice,
        "2027-03-28T03:30",
        "2027-03-28T04:00",
        reason="Suivi oncologie",
        facility="Institut Curie",
        place="Paris 5e",
    )
    overseas = add(appointments, on_alice, "2027-01-05T08:00", "2027-01-05T08:30", "Indian/Reunion")
    cancelled = add(appointments, on_alice, "2027-01-06T08:00", "2027-01-06T08:30")
    appointments.cancel(on_alice, cancelled.appointment_id, None)
    _, token = feeds.renew(on_alice, FeedOptions())
    body = feeds.calendar(token)
    calendar, events = parsed(body)
    event = events[booked.appointment_id]
    assert str(event["SUMMARY"]) == "Rendez-vous médical"
    for word in (b"oncologie", b"Curie", b"Lef", b"Paris 5e"):
        assert word not in body
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.start.utcoffset().total_seconds() == 2 * 3600  # summer time from 03:00
    assert event.start == booked.start
    assert {str(t["TZID"]) for t in calendar.walk("VTIMEZONE")} == {
        "Europe/Paris",
        "Indian/Reunion",
    }
    assert events[overseas.appointment_id].start == overseas.start
    assert str(events[cancelled.appointment_id]["STATUS"]) == "CANCELLED"
    assert str(event["STATUS"]) == "CONFIRMED" and event["SEQUENCE"] == 0


def test_a_change_keeps_the_uid_and_counts_its_sequence(feeds, appointments, on_alice):
    booked = add(appointments, on_alice, "2027-01-12T09:30", "2027-01-12T10:00")
    appointments.edit(
        on_alice,
        booked.appointment_id,
        AppointmentFacts(
            start_local=datetime(2027, 1, 12, 11),
            end_local=datetime(2027, 1, 12, 11, 30),
            time_zone="Europe/Paris",
            professional_name="Dr Lefèvre",
        ),
        1,
    )
    _, token = feeds.renew(on_alice, FeedOptions())
    event = parsed(feeds.calendar(token))[1][booked.appointment_id]
    assert event["SEQUENCE"] == 1
    assert event.start.hour == 11


def test_what_the_patient_chooses_to_show(feeds, appointments, on_alice):
    booked = add(
        appointments,
        on_alice,
        "2027-01-12T09:30",
        "2027-01-12T10:00",
        reason="Bilan",
        facility="CHU",
        place="Nantes",
    )
    options = FeedOptions(show_professional=True, show_place=True, show_reason=True, language="en")
    _, token = feeds.renew(on_alice, options)
    event = parsed(feeds.calendar(token))[1][booked.appointment_id]
    assert str(event["SUMMARY"]) == "Medical appointment - Dr Lefèvre"
    assert (str(event["LOCATION"]), str(event["DESCRIPTION"])) == ("CHU, Nantes", "Bilan")


def test_changing_options_needs_the_version(feeds, on_alice):
    feeds.renew(on_alice, FeedOptions())
    with pytest.raises(PreconditionFailed):
        feeds.change(on_alice, FeedOptions(show_place=True), 5)
    assert feeds.change(on_alice, FeedOptions(show_place=True), 1).options.show_place


def test_a_closed_space_answers_nothing(feeds, store, on_alice):
    _, token = feeds.renew(on_alice, FeedOptions())
    space = store.spaces[on_alice.space_id]
    store.spaces[on_alice.space_id] = space.model_copy(update={"status": SpaceStatus.CLOSED})
    with pytest.raises(NotFound):
        feeds.calendar(token)


def test_a_days_fetches_are_traced_once(feeds, store, clock, on_alice):
    _, token = feeds.renew(on_alice, FeedOptions())
    for _ in range(3):
        feeds.calendar(token)
    clock.advance(days=1)
    feeds.calendar(token)
    reads = [e for e in store.log if e.object.type == "agenda/feed" and e.action.value == "READ"]
    assert [(e.actor.id, e.at.date().isoformat()) for e in reads] == [
        ("calendar-feed", "2026-11-28"),
        ("calendar-feed", "2026-11-29"),
    ]


def test_the_link_is_the_patients_side(feeds, on_alice):
    professional = Access(
        caller=on_alice.caller, space_id=on_alice.space_id, role=Role.PROFESSIONAL
    )
    with pytest.raises(Forbidden):
        feeds.renew(professional, FeedOptions())
