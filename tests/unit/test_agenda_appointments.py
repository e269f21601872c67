"""The appointments' rules with in-memory fakes: wall times on daylight-saving nights and in
the overseas time zones, the start index's slots, overlaps shown, versions, cancel and decline,
a professional's booking under the care rules, the month's cap, and the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from healthspace.agenda.appointments import AppointmentFacts, Appointments
from healthspace.agenda.model import AppointmentStatus, instant, start_slot
from healthspace.care.access import CareAccess, ProfessionalCaller
from healthspace.care.matrices import Profession
from healthspace.care.record import CareTeam, GrantKind, PatientSettings
from healthspace.care.rules import decide_space_access, designate_treating_doctor, grant_access
from healthspace.directory.lookup import Directory
from healthspace.kernel.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    LimitReached,
    NotFound,
    PreconditionFailed,
    SpaceClosed,
)
from healthspace.records.access import Access
from healthspace.records.model import ActorKind, Category, Role, SpaceStatus
from infra.local.demo.directory import DEMO_EXTRACT
from infra.local.demo.people import TREATING_DOCTOR
from tests.agenda_fakes import FakeAgendaStore
from tests.fakes import FakeDirectory
from tests.unit.test_care_access import pro
from tests.unit.test_directory import run

PARIS = "Europe/Paris"


def wall(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- times


def test_a_wall_time_that_does_not_exist_is_refused_naming_the_change():
    # 29 March 2026 in Paris: 02:00 becomes 03:00.
    with pytest.raises(BadRequest, match="does not exist in Europe/Paris"):
        instant(wall("2026-03-29T02:30"), PARIS)
    assert instant(wall("2026-03-29T03:00"), PARIS) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert instant(wall("2026-03-29T01:59"), PARIS) == datetime(2026, 3, 29, 0, 59, tzinfo=UTC)


def test_a_wall_time_that_exists_twice_is_its_first_occurrence():
    # 25 October 2026 in Paris: 03:00 becomes 02:00; 02:30 happens in summer time first.
    assert instant(wall("2026-10-25T02:30"), PARIS) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert instant(wall("2026-10-25T03:30"), PARIS) == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "utc_hour"),
    [
        ("America/Guadeloupe", 13),  # UTC-4, no daylight saving
        ("America/Cayenne", 12),  # UTC-3
        ("Indian/Reunion", 5),  # UTC+4
        ("Indian/Mayotte", 6),  # UTC+3
        ("Pacific/Noumea", 22),  # UTC+11, the day before in UTC
        ("Pacific/Tahiti", 19),  # UTC-10
    ],
)
def test_overseas_wall_times(zone, utc_hour):
    at = instant(wall("2026-03-29T09:00"), zone)
    assert at.hour == utc_hour
    assert at.date().isoformat() == ("2026-03-28" if zone == "Pacific/Noumea" else "2026-03-29")


def test_only_frances_time_zones_are_taken():
    with pytest.raises(BadRequest, match="time_zone must be one of"):
        instant(wall("2026-05-04T09:00"), "Europe/London")


def test_the_start_slot_is_the_utc_five_minutes_the_start_falls_in():
    assert start_slot(datetime(2026, 3, 29, 1, 4, 59, tzinfo=UTC)) == "2026-03-29T01:00"
    assert start_slot(datetime(2026, 3, 29, 1, 5, tzinfo=UTC)) == "2026-03-29T01:05"
    assert start_slot(instant(wall("2026-10-25T02:30"), PARIS)) == "2026-10-25T00:30"


# --- use cases


@pytest.fixture
def agenda_store(store):
    return FakeAgendaStore(store)


@pytest.fixture
def appointments(agenda_store, medical_file, clock):
    return Appointments(agenda_store, medical_file.history, clock, medical_file.ids)


@pytest.fixture
def on_alice(spaces, alice):
    return Access(caller=alice, space_id=spaces["alice"].space_id, role=Role.HOLDER)


def facts(start="2027-01-12T09:30", end="2027-01-12T10:00", **more) -> AppointmentFacts:
    return AppointmentFacts(
        start_local=wall(start),
        end_local=wall(end),
        time_zone=PARIS,
        **{"professional_name": "Dr Lefèvre", **more},
    )


def test_overlaps_are_shown_never_refused(appointments, on_alice):
    first = appointments.add(on_alice, facts())
    second = appointments.add(on_alice, facts("2027-01-12T09:45", "2027-01-12T10:30"))
    third = appointments.add(on_alice, facts("2027-01-12T10:00", "2027-01-12T10:15"))
    assert second.overlaps == (first.appointment.appointment_id,)
    assert third.overlaps == (second.appointment.appointment_id,)  # ends meeting is no overlap
    page = appointments.in_range(
        on_alice, datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC), 10, None
    )
    assert [len(listed.overlaps) for listed in page.items] == [1, 2, 1]


def test_a_cancelled_appointment_overlaps_nothing_and_leaves_the_start_index(
    appointments, agenda_store, on_alice
):
    first = appointments.add(on_alice, facts()).appointment
    cancelled = appointments.cancel(on_alice, first.appointment_id, first.version)
    assert (cancelled.status, cancelled.version) == (AppointmentStatus.CANCELLED, 2)
    assert all(not entries for entries in agenda_store.starts.values())
    assert appointments.add(on_alice, facts()).overlaps == ()
    with pytest.raises(Conflict):
        appointments.cancel(on_alice, first.appointment_id, None)


def test_an_edit_needs_the_current_version_and_moves_the_start_index(
    appointments, agenda_store, on_alice
):
    added = appointments.add(on_alice, facts()).appointment
    with pytest.raises(PreconditionFailed):
        appointments.edit(on_alice, added.appointment_id, facts(), 9)
    moved = appointments.edit(
        on_alice, added.appointment_id, facts("2027-01-13T14:00", "2027-01-13T14:20"), 1
    ).appointment
    assert moved.version == 2
    key = (added.space_id, added.appointment_id)
    assert {slot for slot, e in agenda_store.starts.items() if key in e} == {"2027-01-13T13:00"}
    assert agenda_store.starts["2027-01-13T13:00"][key][1] == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_local": wall("2027-01-12T09:30")}, "end must be after start"),
        ({"end_local": wall("2027-01-13T09:31")}, "at most 12 hours"),
        ({"professional_name": None}, "say whom you see"),
    ],
)
def test_impossible_appointments_change_nothing(appointments, store, on_alice, changes, message):
    before = len(store.log)
    with pytest.raises(BadRequest, match=message):
        appointments.add(on_alice, AppointmentFacts(**{**facts().fields(), **changes}))
    assert len(store.log) == before


def test_a_month_is_full_at_its_cap(agenda_store, medical_file, clock, on_alice):
    capped = Appointments(agenda_store, medical_file.history, clock, medical_file.ids, None, 2)
    capped.add(on_alice, facts())
    capped.add(on_alice, facts())
    with pytest.raises(LimitReached):
        capped.add(on_alice, facts())
    capped.add(on_alice, facts("2027-02-12T09:30", "2027-02-12T10:00"))


def test_every_read_and_write_is_traced(appointments, store, on_alice):
    added = appointments.add(on_alice, facts()).appointment
    appointments.get(on_alice, added.appointment_id)
    appointments.in_range(on_alice, None, None, 10, None)
    appointments.cancel(on_alice, added.appointment_id, None)
    traced = [
        (e.action.value, e.object.id) for e in store.log if e.object.type.startswith("agenda")
    ]
    assert traced == [
        ("CREATE", added.appointment_id),
        ("READ", added.appointment_id),
        ("READ", None),
        ("DELETE", added.appointment_id),
    ]


def test_a_closed_space_writes_nothing(appointments, store, on_alice):
    space = store.spaces[on_alice.space_id]
    store.spaces[on_alice.space_id] = space.model_copy(update={"status": SpaceStatus.CLOSED})
    with pytest.raises(SpaceClosed):
        appointments.add(on_alice, facts())


def test_ranges_are_bounded(appointments, on_alice):
    start = datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(BadRequest, match="after"):
        appointments.in_range(on_alice, start, start, 10, None)
    with pytest.raises(BadRequest, match="400 days"):
        appointments.in_range(on_alice, start, start + timedelta(days=401), 10, None)
    with pytest.raises(BadRequest, match="limit"):
        appointments.in_range(on_alice, start, start + timedelta(days=1), 101, None)


# --- a professional's booking


def professional_on(space_id, who, team, now) -> CareAccess:
    settings = PatientSettings()
    decision = decide_space_access(who, settings, team, now, None)
    caller = ProfessionalCaller(professional=who, display_name="Claire Dubois")
    return CareAccess(caller, space_id, Role.PROFESSIONAL, decision, settings)


def test_a_treating_doctor_books_and_the_patient_declines(appointments, on_alice, clock):
    doctor = pro(11)
    team = designate_treating_doctor(CareTeam(), PatientSettings(), doctor, clock.now())
    on_file = professional_on(on_alice.space_id, doctor, team, clock.now())
    booked = appointments.add(on_file, facts()).appointment
    assert booked.booked_by.kind is ActorKind.PROFESSIONAL
    assert booked.booked_by.rpps == doctor.rpps
    with pytest.raises(Forbidden):  # changing it is the patient's
        appointments.cancel(on_file, booked.appointment_id, None)
    declined = appointments.decline(on_alice, booked.appointment_id, 1)
    assert declined.status is AppointmentStatus.DECLINED
    own = appointments.add(on_alice, facts()).appointment
    with pytest.raises(Conflict, match="cancel it"):
        appointments.decline(on_alice, own.appointment_id, None)


def test_a_professional_sees_only_their_own_bookings(appointments, on_alice, clock):
    doctor, nurse = pro(12), pro(13, Profession.INFIRMIER)
    team = designate_treating_doctor(CareTeam(), PatientSettings(), doctor, clock.now())
    team = grant_access(
        team, PatientSettings(), nurse.rpps, GrantKind.TEAM, "full", clock.now(), None
    )
    by_doctor = professional_on(on_alice.space_id, doctor, team, clock.now())
    by_nurse = professional_on(on_alice.space_id, nurse, team, clock.now())
    mine = appointments.add(by_doctor, facts()).appointment
    patients = appointments.add(on_alice, facts()).appointment
    listed = appointments.in_range(
        by_doctor, datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC), 10, None
    )
    assert [a.appointment.appointment_id for a in listed.items] == [mine.appointment_id]
    with pytest.raises(NotFound):
        appointments.get(by_doctor, patients.appointment_id)
    with pytest.raises(NotFound):
        appointments.get(by_nurse, mine.appointment_id)
    assert appointments.get(by_doctor, mine.appointment_id).appointment == mine


def test_booking_follows_the_care_rules_as_adding_a_report(appointments, on_alice, clock):
    doctor, stranger = pro(14), pro(15)
    team = grant_access(
        CareTeam(),
        PatientSettings(),
        doctor.rpps,
        GrantKind.CONSENT,
        frozenset({Category.BIOLOGY}),  # a consent that does not reach reports
        clock.now(),
        None,
    )
    with pytest.raises(Forbidden):
        appointments.add(professional_on(on_alice.space_id, doctor, team, clock.now()), facts())
    # Break-glass only reads.
    settings = PatientSettings()
    decision = decide_space_access(stranger, settings, CareTeam(), clock.now(), "malaise")
    caller = ProfessionalCaller(professional=stranger, display_name="Urgentiste")
    emergency = CareAccess(caller, on_alice.space_id, Role.PROFESSIONAL, decision, settings)
    with pytest.raises(Forbidden, match="emergency"):
        appointments.add(emergency, facts())


def test_a_professional_named_by_rpps_comes_with_the_directorys_name(
    agenda_store, medical_file, clock, on_alice
):
    """Never a bare number: the list and the answers name the professional (one batch read)."""
    directory = FakeDirectory()
    run(directory, DEMO_EXTRACT.read_text(encoding="utf-8"))
    named = Appointments(
        agenda_store, medical_file.history, clock, medical_file.ids, directory=Directory(directory)
    )
    doctor = TREATING_DOCTOR
    added = named.add(on_alice, facts(professional_name=None, professional_rpps=doctor.rpps))
    listed = named.in_range(
        on_alice, datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC), 10, None
    ).items[0]
    for answer in (added.to_api(), listed.to_api()):
        assert (
            answer["professional"]["display_name"]
            == f"Dr {doctor.given_name} {doctor.family_name.upper()}"
        )
        assert answer["professional"]["in_directory"] is True
    by_name = named.add(on_alice, facts("2027-01-13T09:30", "2027-01-13T10:00"))
    assert "professional" not in by_name.to_api()
