"""Prevention reminders (healthspace.agenda.prevention_reminders) on in-memory fakes with the
table's conditions: told once when an item's window opens, never again, never when the patient
turned them off or already settled the item, never for a closed space; a missed day caught up."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from healthspace.agenda.prevention.model import Age, ItemStatus, Status
from healthspace.agenda.prevention_reminders import (
    PreventionReminderJob,
    Told,
    born_reaching,
    openings,
)
from healthspace.agenda.reminder_model import (
    MarkerState,
    ReminderChannel,
    ReminderSettings,
    prevention_message,
)
from healthspace.enrollment.messages import sms_segments
from healthspace.enrollment.model import Channel
from healthspace.kernel.identifiers import make_ins
from healthspace.notices.patient import NotSent
from healthspace.records.model import ActorKind, Author, Holder, Role, SpaceStatus
from tests.fakes import FakeClock, FakeEnrollmentStore
from tests.prevention_fakes import FakePreventionStore
from tests.reminder_fakes import FakeAgenda, FakePreventionReminders, FakeReminderStore
from tests.unit.conftest import ALICE_INS
from tests.unit.test_messages import SITE
from tests.unit.test_notices import FakeMailer, enrollment

BABY_INS = make_ins("1260375000111")  # a boy
ALICE_EMAIL = "alice.martin@example.org"
# 8 months old on 28 November 2026: the examination "au cours du neuvième mois" opens.
BABY_BORN = date(2026, 3, 28)
NINTH_MONTH = "exam-month-9"


class World:
    def __init__(self, store, medical_file, clock: FakeClock) -> None:
        self.medical, self.clock = store, clock
        self.baby = medical_file.spaces.open_space(
            BABY_INS,
            Holder(given_name="Jules", family_name="Martin", birth_date=BABY_BORN),
            {ALICE_INS: Role.LEGAL_REPRESENTATIVE},
        ).space_id
        self.reminders = FakeReminderStore(FakeAgenda(), store)
        self.store = FakePreventionReminders(self.reminders, store)
        self.statuses = FakePreventionStore(store)
        self.contacts = FakeEnrollmentStore(store)
        self.contacts.enrollments[BABY_INS] = enrollment(BABY_INS, "Jules", BABY_BORN, ALICE_EMAIL)
        self.mailer = FakeMailer()

    def run(self, at: datetime | None = None) -> dict[Told, int]:
        if at is not None:
            self.clock.current = at
        job = PreventionReminderJob(
            store=self.store,
            statuses=self.statuses,
            spaces=self.medical,
            contacts=self.contacts,
            mailer=self.mailer,
            clock=self.clock,
            settings=SITE,
        )
        return job.run().told


@pytest.fixture
def world(store, medical_file, spaces, clock) -> World:
    clock.current = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    return World(store, medical_file, clock)


def test_a_child_reaching_the_ninth_month_is_told_once_in_neutral_words(world) -> None:
    assert world.run() == {Told.SENT: 1}
    [(address, message)] = world.mailer.sent
    assert address == ALICE_EMAIL
    assert "Une étape de prévention est à prévoir dans votre espace santé." in message.body
    for secret in ("Jules", "mois", "examen", "Examen", "vaccin"):
        assert secret not in message.body and secret not in message.subject
    marker = world.store.markers[(world.baby, NINTH_MONTH)]
    assert marker.state is MarkerState.SENT and marker.opens_on == date(2026, 11, 28)


def test_the_same_run_twice_tells_once(world) -> None:
    world.run()
    assert world.run() == {}  # the cursor: today is done
    world.store.at = None  # a second run at once, before the cursor moved: the marker
    assert world.run() == {Told.ALREADY: 1}
    assert len(world.mailer.sent) == 1


def test_prevention_reminders_turned_off_tell_nothing(world) -> None:
    world.reminders.settings[world.baby] = ReminderSettings(
        space_id=world.baby, prevention=False, version=1
    )
    assert world.run() == {Told.OFF: 1}
    assert world.mailer.sent == [] and world.store.markers == {}


@pytest.mark.parametrize("status", [Status.DONE, Status.NOT_DONE, Status.PLANNED])
def test_an_item_already_settled_tells_nothing(world, status: Status) -> None:
    author = Author(kind=ActorKind.PATIENT, id="sub-alice", display_name="Alice Martin")
    world.statuses.statuses[(world.baby, NINTH_MONTH)] = ItemStatus(
        space_id=world.baby,
        item_id=NINTH_MONTH,
        status=status,
        version=1,
        updated_at=world.clock.now(),
        updated_by=author,
        appointment_id="01J0000000000000000000000A" if status is Status.PLANNED else None,
        done_on=date(2026, 11, 20) if status is Status.DONE else None,
    )
    assert world.run() == {Told.SETTLED: 1}
    assert world.mailer.sent == []


def test_a_closed_space_tells_nothing_even_closed_during_the_run(world) -> None:
    def close() -> None:
        world.store.before_hand_off = None
        space = world.medical.spaces[world.baby]
        world.medical.spaces[world.baby] = space.model_copy(update={"status": SpaceStatus.CLOSED})

    world.store.before_hand_off = close
    assert world.run() == {Told.CLOSED: 1}
    world.store.at = None
    assert world.run() == {}  # closed: out of the index
    assert world.mailer.sent == []


def test_a_missed_day_is_caught_up_and_queries_follow_the_days_not_the_spaces(world) -> None:
    world.store.at = date(2026, 11, 25)
    world.run(datetime(2026, 11, 30, 6, 0, tzinfo=UTC))  # the 26th to the 30th
    assert [m for _, m in world.mailer.sent] and len(world.mailer.sent) == 1
    assert world.store.at == date(2026, 11, 30)
    days = 5
    per_day = len(world.store.born_queries) / days
    assert 25 <= per_day <= 40  # a few dozen birth dates a day, whatever the number of spaces


def test_a_late_job_catches_up_a_week_at_most(world) -> None:
    world.store.at = date(2026, 10, 1)
    world.run(datetime(2026, 12, 10, 6, 0, tzinfo=UTC))  # from the 3rd
    assert world.mailer.sent == []  # the 28 November is more than a week back


def test_a_refusal_by_the_provider_keeps_the_day_and_the_next_run_tells(world) -> None:
    world.mailer.failures.append(NotSent("throttled"))
    assert world.run() == {Told.RETRY: 1}
    assert world.store.at is None  # the day stays to sweep again
    assert world.run() == {Told.SENT: 1}
    assert world.store.markers[(world.baby, NINTH_MONTH)].attempts == 2


def test_a_run_short_of_time_leaves_the_day_to_the_next_run(world) -> None:
    job = PreventionReminderJob(
        store=world.store,
        statuses=world.statuses,
        spaces=world.medical,
        contacts=world.contacts,
        mailer=world.mailer,
        clock=world.clock,
        settings=SITE,
    )
    report = job.run(seconds_left=lambda: 5.0)
    assert report.stopped_early and world.mailer.sent == [] and world.store.at is None
    assert world.run() == {Told.SENT: 1}


def test_the_channel_chosen_is_used_and_the_text_fits_one_sms() -> None:
    text = prevention_message(Channel.SMS, SITE)
    assert sms_segments(text.body) == 1
    assert ReminderChannel.SMS.channel is Channel.SMS


def test_the_birth_dates_reaching_an_age_on_a_day_follow_the_calendar_rule() -> None:
    # One month after 29, 30, 31 January and 1 February 2026 is 1 March (no 29 February).
    assert born_reaching(Age(months=1), date(2026, 3, 1)) == [
        date(2026, 1, 29),
        date(2026, 1, 30),
        date(2026, 1, 31),
        date(2026, 2, 1),
    ]
    assert born_reaching(Age(months=1), date(2026, 2, 28)) == [date(2026, 1, 28)]
    assert born_reaching(Age(years=50), date(2027, 3, 1)) == [date(1977, 3, 1)]
    assert born_reaching(Age(years=119), date(2027, 3, 1)) == [date(1908, 2, 29), date(1908, 3, 1)]
    assert born_reaching(Age(days=7), date(2027, 3, 1)) == [date(2027, 2, 22)]


def test_every_age_of_the_catalogue_finds_its_birth_dates_every_day_of_a_leap_year() -> None:
    for age in openings():
        for offset in range(0, 366, 7):
            day = date(2028, 1, 1).fromordinal(date(2028, 1, 1).toordinal() + offset)
            for birth in born_reaching(age, day):
                assert age.on(birth) == day
            # every birth date is found on the day it reaches the age
            assert born_reaching(age, age.on(day)).count(day) == 1


def test_a_woman_turning_fifty_is_told_once_for_each_screening_opening(
    store, medical_file, clock
) -> None:
    clock.current = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
    world = World(store, medical_file, clock)
    alice_ins = make_ins("2770375000222")
    space = medical_file.spaces.open_space(
        alice_ins, Holder(given_name="Anne", family_name="Petit", birth_date=date(1977, 3, 1))
    )
    world.contacts.enrollments[alice_ins] = enrollment(
        alice_ins, "Anne", date(1977, 3, 1), "anne@example.org"
    )
    assert world.run() == {Told.SENT: 2}  # breast and colorectal
    assert {item for (s, item) in world.store.markers if s == space.space_id} == {
        "screening-breast-1",
        "screening-colorectal-1",
    }
