"""The prevention calendar of a space: read for its holder or a representative, each item's
status set by the patient with its version, the profile's vaccinations marking items done
(healthspace.agenda.prevention.calendar, over in-memory ports)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from healthspace.agenda.prevention.calendar import OBJECT_TYPE, PreventionCalendar
from healthspace.agenda.prevention.model import State, Status
from healthspace.kernel.errors import BadRequest, NotFound, PreconditionFailed, SpaceClosed
from healthspace.records.model import Action, Author, ProfileEntry, SpaceStatus
from tests.prevention_fakes import FakeAppointments, FakePreventionStore

# The clock of tests/fakes.py: 28 November 2026. Alice (a woman) was born on 1 June 1985, her
# child Léa (a girl) on 1 June 2015, Bob (a man) on 1 January 1979 (tests/unit/conftest.py).


@pytest.fixture
def statuses(store):
    return FakePreventionStore(store)


@pytest.fixture
def appointments():
    return FakeAppointments()


@pytest.fixture
def calendar(store, statuses, appointments, medical_file, clock):
    return PreventionCalendar(
        store=statuses,
        spaces=store,
        profile=store,
        appointments=appointments,
        log=medical_file.history,
        clock=clock,
    )


@pytest.fixture
def as_alice(medical_file, alice, spaces):
    return medical_file.spaces.policy.resolve(alice, None)


@pytest.fixture
def for_child(medical_file, alice, spaces):
    return medical_file.spaces.policy.resolve(alice, spaces["child"].space_id)


def every(calendar, access, **query):
    items, cursor = [], None
    while True:
        page = calendar.read(access, limit=10, cursor=cursor, **query)
        items += page.items
        if page.next_cursor is None:
            return {i.item_id: i for i in items}
        cursor = page.next_cursor


def add_vaccination(medical_file, access, vaccine: str, on: str):
    return medical_file.profile.add_entry(access, "vaccinations", {"vaccine": vaccine, "date": on})


class TestReading:
    def test_the_holder_reads_their_calendar_in_pages_in_the_order_windows_open(
        self, calendar, as_alice, store
    ):
        items = every(calendar, as_alice)
        starts = [i.occurrence.start for i in items.values()]
        assert starts == sorted(starts)
        assert items["checkup-45-50"].state is State.UPCOMING  # she is 41
        assert items["screening-cervical-5"].state is State.DUE  # the HPV test of 37 to 41
        assert items["exam-8-days"].state is State.PAST
        assert all(i.status is Status.TO_PLAN and i.version == 0 for i in items.values())
        reads = [e for e in store.log if e.object.type == OBJECT_TYPE]
        assert reads and all(e.action is Action.READ for e in reads)

    def test_a_range_keeps_the_items_whose_window_meets_it(self, calendar, as_alice):
        items = every(calendar, as_alice, start=date(2026, 11, 1), end=date(2026, 11, 30))
        assert all(
            i.occurrence.start <= date(2026, 11, 30) and i.occurrence.last_day >= date(2026, 11, 1)
            for i in items.values()
        )
        assert "screening-cervical-5" in items and "exam-8-days" not in items

    def test_a_representative_reads_their_childs_calendar(self, calendar, for_child):
        items = every(calendar, for_child)
        # Léa is 11: the examination between 11 and 13 years is due
        assert items["exam-years-11-13"].state is State.DUE
        assert items["vacc-hpv-1"].state is State.DUE
        assert "screening-breast-1" in items  # a girl: the breast screening at 50

    def test_a_man_has_no_breast_or_cervical_item(self, calendar, medical_file, bob, spaces):
        items = every(calendar, medical_file.spaces.policy.resolve(bob, None))
        assert not [i for i in items if "breast" in i or "cervical" in i]

    @pytest.mark.parametrize("cursor", ["x", "2026-13-45.exam-8-days", "2026-01-01.A", ""])
    def test_a_cursor_that_is_not_ours_is_refused(self, calendar, as_alice, cursor):
        with pytest.raises(BadRequest):
            calendar.read(as_alice, cursor=cursor)

    def test_a_range_that_ends_before_it_begins_is_refused(self, calendar, as_alice):
        with pytest.raises(BadRequest):
            calendar.read(as_alice, start=date(2026, 2, 1), end=date(2026, 1, 1))


class TestStatuses:
    def test_the_patient_marks_an_item_done_with_its_version(self, calendar, as_alice, store):
        done = calendar.set_status(
            as_alice, "screening-cervical-5", Status.DONE, 0, done_on=date(2026, 10, 2)
        )
        assert (done.status, done.done_on, done.version) == (Status.DONE, date(2026, 10, 2), 1)
        audit = store.log[-1]
        assert (audit.action, audit.object.type, audit.object.id) == (
            Action.UPDATE,
            OBJECT_TYPE,
            "screening-cervical-5",
        )
        # the next HPV test counts from that day
        assert every(calendar, as_alice)["screening-cervical-6"].occurrence.start == date(
            2031, 10, 2
        )
        again = calendar.set_status(as_alice, "screening-cervical-5", Status.NOT_DONE, 1)
        assert (again.status, again.done_on, again.version) == (Status.NOT_DONE, None, 2)

    def test_a_stale_version_is_refused_and_changes_nothing(self, calendar, as_alice, statuses):
        calendar.set_status(as_alice, "checkup-45-50", Status.NOT_DONE, 0)
        with pytest.raises(PreconditionFailed):
            calendar.set_status(as_alice, "checkup-45-50", Status.TO_PLAN, 0)
        assert statuses.list_prevention(as_alice.space_id)[0].status is Status.NOT_DONE

    def test_planned_names_an_appointment_of_this_agenda(
        self, calendar, as_alice, appointments, statuses
    ):
        with pytest.raises(BadRequest, match="appointment_id"):
            calendar.set_status(as_alice, "checkup-45-50", Status.PLANNED, 0)
        with pytest.raises(BadRequest, match="no appointment"):
            calendar.set_status(
                as_alice, "checkup-45-50", Status.PLANNED, 0, appointment_id="01APPT"
            )
        assert statuses.list_prevention(as_alice.space_id) == []
        appointments.known.add((as_alice.space_id, "01APPT"))
        planned = calendar.set_status(
            as_alice, "checkup-45-50", Status.PLANNED, 0, appointment_id="01APPT"
        )
        assert (planned.status, planned.appointment_id) == (Status.PLANNED, "01APPT")

    @pytest.mark.parametrize(
        ("status", "fields"),
        [
            (Status.DONE, {}),
            (Status.DONE, {"done_on": date(2026, 12, 25)}),  # after today
            (Status.DONE, {"done_on": date(1985, 5, 31)}),  # before her birth
            (Status.TO_PLAN, {"done_on": date(2026, 1, 1)}),
            (Status.NOT_DONE, {"appointment_id": "01APPT"}),
        ],
    )
    def test_a_status_that_says_something_impossible_is_refused(
        self, calendar, as_alice, statuses, status, fields
    ):
        with pytest.raises(BadRequest):
            calendar.set_status(as_alice, "checkup-45-50", status, 0, **fields)
        assert statuses.list_prevention(as_alice.space_id) == []

    def test_an_item_not_in_the_holders_calendar_is_not_found(
        self, calendar, medical_file, bob, spaces
    ):
        as_bob = medical_file.spaces.policy.resolve(bob, None)
        for item_id in ("screening-breast-1", "screening-colorectal-99", "exam-month-1"):
            with pytest.raises(NotFound):
                calendar.set_status(as_bob, item_id, Status.NOT_DONE, 0)

    def test_a_closed_space_is_written_no_more(self, calendar, as_alice, store):
        space = store.spaces[as_alice.space_id]
        store.spaces[space.space_id] = space.model_copy(update={"status": SpaceStatus.CLOSED})
        with pytest.raises(SpaceClosed):
            calendar.set_status(as_alice, "checkup-45-50", Status.NOT_DONE, 0)


class TestTheProfilesVaccinations:
    def test_a_vaccination_in_the_profile_marks_its_item_done(
        self, calendar, medical_file, for_child
    ):
        entry = add_vaccination(medical_file, for_child, "Gardasil 9", "2026-09-15")
        item = every(calendar, for_child)["vacc-hpv-1"]
        assert (item.status, item.done_on) == (Status.DONE, date(2026, 9, 15))
        assert item.evidence is not None and item.evidence.entry_id == entry.entry_id
        assert item.to_api()["profile_entry_id"] == entry.entry_id
        # a status the patient set before gives way to what the profile records
        planned = calendar.set_status(for_child, "vacc-menacwy-teen", Status.NOT_DONE, 0)
        assert planned.status is Status.NOT_DONE
        add_vaccination(medical_file, for_child, "Nimenrix", "2026-10-01")
        assert every(calendar, for_child)["vacc-menacwy-teen"].status is Status.DONE

    def test_a_minors_secret_vaccination_fills_nothing_for_their_representative(
        self, calendar, store, for_child, clock
    ):
        secret = ProfileEntry(
            section="vaccinations",
            entry_id="01SECRET",
            version=1,
            created_at=clock.now(),
            updated_at=clock.now(),
            author=Author.professional("10000000009"),
            fields={"vaccine": "Gardasil 9", "date": "2026-09-15"},
            space_id=for_child.space_id,
            confidential_from_representatives=True,
        )
        store.profile[(for_child.space_id, "vaccinations", "01SECRET")] = secret
        assert every(calendar, for_child)["vacc-hpv-1"].status is Status.TO_PLAN

    def test_the_answer_carries_the_window_the_rule_and_its_source(self, calendar, for_child):
        answer = every(calendar, for_child)["exam-month-9"].to_api()
        assert answer["window"] == {"from": "2016-02-01", "to": "2016-02-29"}
        assert answer["rule"].startswith("Au cours du neuvième mois")
        assert answer["source"]["year"] == 2025
        assert (answer["kind"], answer["state"], answer["version"]) == ("EXAMINATION", "PAST", 0)


def test_today_is_the_day_in_paris(calendar, for_child, clock):
    # Léa turns 11 on 1 June 2026: the examination "entre 11 et 13 ans" opens that day
    clock.current = datetime(2026, 5, 31, 21, 59, tzinfo=UTC)  # 23:59 in Paris, 31 May
    assert every(calendar, for_child)["exam-years-11-13"].state is State.UPCOMING
    clock.current = datetime(2026, 5, 31, 22, 0, tzinfo=UTC)  # midnight in Paris
    assert every(calendar, for_child)["exam-years-11-13"].state is State.DUE
