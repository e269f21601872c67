"""Reminders before appointments, exactly once (healthspace.agenda.reminders), on in-memory fakes
with the table's conditions: runs twice, late, at once, dying between the send and the mark;
edits, cancellations and closures racing the job; the nights clocks change; overseas."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from healthspace.agenda.model import Appointment, AppointmentStatus, instant, start_slot
from healthspace.agenda.reminder_model import (
    Lead,
    MarkerState,
    ReminderChannel,
    ReminderSettings,
    reminder_message,
)
from healthspace.agenda.reminders import LEASE, RETRY_WINDOW, Outcome, ReminderJob
from healthspace.enrollment.messages import sms_segments
from healthspace.enrollment.model import Channel, Contact
from healthspace.kernel.errors import BadRequest
from healthspace.notices.patient import NotSent, Undeliverable
from healthspace.records.model import ActorKind, Author, SpaceStatus
from tests.fakes import FakeClock, FakeEnrollmentStore
from tests.reminder_fakes import FakeAgenda, FakeReminderStore
from tests.unit.conftest import ALICE_INS, CHILD_INS
from tests.unit.test_messages import SITE
from tests.unit.test_notices import FakeMailer, enrollment

ALICE_EMAIL = "alice.martin@example.org"
ALICE_MOBILE = "+33612345678"
ALICE = Author(kind=ActorKind.PATIENT, id="sub-alice", display_name="Alice Martin")
# What an appointment may say that a reminder never does.
SECRETS = ("Oncologie", "Dr Cancérologue", "Institut Curie", "chimiothérapie")


class World:
    """Alice's space and her daughter's, their contacts, the agenda, the job on a clock."""

    def __init__(self, store, spaces, clock: FakeClock) -> None:
        self.medical, self.spaces, self.clock = store, spaces, clock
        self.agenda = FakeAgenda()
        self.reminders = FakeReminderStore(self.agenda, store)
        self.contacts = FakeEnrollmentStore(store)
        alice = enrollment(ALICE_INS, "Alice", date(1985, 6, 1), ALICE_EMAIL)
        alice = alice.model_copy(
            update={"recipient": Contact(email=ALICE_EMAIL, mobile=ALICE_MOBILE)}
        )
        self.contacts.enrollments[ALICE_INS] = alice
        self.contacts.enrollments[CHILD_INS] = enrollment(
            CHILD_INS, "Léa", date(2015, 6, 1), ALICE_EMAIL
        )
        self.mailer = FakeMailer()
        self.job = self.new_job()
        self.serial = 0
        self.want("alice", Lead.P1D, Lead.PT1H)

    def new_job(self) -> ReminderJob:
        return ReminderJob(
            store=self.reminders,
            appointments=self.agenda,
            spaces=self.medical,
            contacts=self.contacts,
            mailer=self.mailer,
            clock=self.clock,
            settings=SITE,
        )

    def space_id(self, who: str) -> str:
        return str(self.spaces[who].space_id)

    def want(
        self, who: str, *leads: Lead, channel: ReminderChannel = ReminderChannel.EMAIL
    ) -> None:
        space_id = self.space_id(who)
        self.reminders.settings[space_id] = ReminderSettings(
            space_id=space_id, leads=leads, channel=channel, version=1
        )

    def book(
        self, who: str, wall: datetime, time_zone: str = "Europe/Paris", **changes: object
    ) -> Appointment:
        self.serial += 1
        now = self.clock.now()
        appointment = Appointment(
            space_id=self.space_id(who),
            appointment_id=f"A{self.serial:025d}",
            version=1,
            created_at=now,
            updated_at=now,
            status=AppointmentStatus.BOOKED,
            start_local=wall,
            end_local=wall + timedelta(minutes=30),
            time_zone=time_zone,
            professional_name=SECRETS[1],
            facility=SECRETS[2],
            place=SECRETS[2],
            reason=SECRETS[0],
            notes=SECRETS[3],
            booked_by=ALICE,
        )
        appointment = appointment.model_copy(update=changes)
        self.agenda.put(appointment)
        return appointment

    def edit(self, appointment: Appointment, **changes: object) -> Appointment:
        edited = appointment.model_copy(update={**changes, "version": appointment.version + 1})
        self.agenda.put(edited)
        return edited

    def since(self, text: str) -> None:
        """The job ran last at `text` (UTC)."""
        self.clock.current = self.reminders.at = at(text)

    def run_at(self, at: datetime) -> dict[Outcome, int]:
        self.clock.current = at
        return self.job.run().outcomes

    @property
    def sent(self) -> list[tuple[str, str]]:
        return [(to, message.body) for to, message in self.mailer.sent]


@pytest.fixture
def world(store, spaces, clock) -> World:
    w = World(store, spaces, clock)
    w.since("2027-03-11T08:55:00")  # most tests' reminders are due at 09:00 UTC that day
    return w


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ------------------------------------------------------------------ once


def test_a_reminder_due_is_sent_once_with_the_date_and_time_and_nothing_else(world) -> None:
    """Given an appointment at 10:00 in Paris on 12 March (09:00 UTC) and Alice asking for a
    reminder a day before, when the job runs past 09:00 UTC on the 11th, then one email tells
    her of a medical appointment on Friday 12 March at 10:00, and names no reason, specialty,
    professional, place or note."""
    world.book("alice", datetime(2027, 3, 12, 10, 0))
    assert world.run_at(at("2027-03-11T08:58:00")) == {}
    outcomes = world.run_at(at("2027-03-11T09:01:00"))
    assert outcomes == {Outcome.SENT: 1}
    [(to, body)] = world.sent
    assert to == ALICE_EMAIL
    assert "vous avez un rendez-vous médical le vendredi 12 mars 2027 à 10 h." in body
    assert not [secret for secret in SECRETS if secret in body]
    [marker] = world.reminders.markers.values()
    assert marker.state is MarkerState.SENT and marker.lead is Lead.P1D


def test_a_run_again_at_the_same_time_and_a_run_at_once_send_nothing_more(world) -> None:
    world.book("alice", datetime(2027, 3, 12, 10, 0))
    before = world.reminders.at
    assert world.run_at(at("2027-03-11T09:01:00")) == {Outcome.SENT: 1}
    assert world.run_at(at("2027-03-11T09:01:00")) == {}  # the same instant: nothing due
    # A second run that started with the same cursor as the first (two at once).
    world.reminders.at = before
    assert world.new_job().run().outcomes == {Outcome.ALREADY: 1}
    assert len(world.sent) == 1


def test_a_late_run_catches_up_every_slot_it_missed(world) -> None:
    """Given no run for three hours, when the job runs, then every reminder due meanwhile is
    sent, but none for an appointment that has begun; each slot of each lead time is read
    once (a Query each, whatever the table holds)."""
    world.since("2027-03-10T07:00:00")
    world.want("alice", Lead.PT3H, Lead.PT1H)
    world.book("alice", datetime(2027, 3, 10, 13, 0))  # 12:00 UTC: 3 h before is 09:00
    world.book("alice", datetime(2027, 3, 10, 11, 30))  # 10:30 UTC: due 07:30 and 09:30
    world.book("alice", datetime(2027, 3, 10, 10, 30))  # 09:30 UTC: begun, 1 h before 08:30
    world.reminders.queries.clear()
    outcomes = world.run_at(at("2027-03-10T10:00:00"))
    assert outcomes == {Outcome.SENT: 3, Outcome.LATE: 1}
    dues = [at("2027-03-10T07:00:00") + timedelta(minutes=5 * n) for n in range(3 * 60 // 5)]
    expected = [start_slot(due + lead.delta) for due in dues for lead in Lead]
    assert sorted(world.reminders.queries) == sorted(expected)
    assert world.reminders.at == at("2027-03-10T10:00:00")


def test_a_run_after_a_day_of_outage_catches_up_one_day_at_most(world) -> None:
    world.reminders.at = at("2027-03-01T00:00:00")
    report_now = at("2027-03-10T07:05:00")
    world.clock.current = report_now
    report = world.job.run()
    assert report.since == report_now - timedelta(days=1)
    assert world.reminders.at == report_now


def test_a_run_short_of_time_stops_and_the_next_one_goes_on(world) -> None:
    world.since("2027-03-10T07:00:00")
    world.want("alice", Lead.PT1H)
    world.book("alice", datetime(2027, 3, 10, 9, 10))  # due 07:10 UTC
    world.book("alice", datetime(2027, 3, 10, 9, 40))  # due 07:40 UTC
    world.clock.current = at("2027-03-10T08:00:00")
    left = iter([100.0, 10.0])  # time for one hand-off
    report = world.job.run(seconds_left=lambda: next(left, 10.0))
    assert report.stopped_early and report.outcomes == {Outcome.SENT: 1}
    assert world.reminders.at == report.until == at("2027-03-10T07:40:00")
    assert world.job.run().outcomes == {Outcome.SENT: 1}
    assert len(world.sent) == 2


# ------------------------------------------------------------------ dying, failing


def test_a_run_that_dies_between_the_send_and_the_mark_never_sends_twice(world) -> None:
    """Given the table failing right after the provider took the message, the run dies with
    its cursor unmoved; the next runs sweep the same slots (the marker stops the repeat), find
    the marker in flight, then, past its lease, in doubt: the one email stays one."""
    world.book("alice", datetime(2027, 3, 12, 10, 0))
    world.reminders.settle_fails = True
    before = world.reminders.at
    with pytest.raises(ConnectionError):
        world.run_at(at("2027-03-11T09:01:00"))
    assert len(world.sent) == 1 and world.reminders.at == before
    assert world.run_at(at("2027-03-11T09:06:00")) == {
        Outcome.IN_FLIGHT: 1,
        Outcome.ALREADY: 1,
    }
    assert world.run_at(at("2027-03-11T09:01:00") + LEASE) == {Outcome.IN_DOUBT: 1}
    assert world.run_at(at("2027-03-11T09:01:00") + LEASE * 2) == {}
    assert len(world.sent) == 1
    [marker] = world.reminders.markers.values()
    assert marker.state is MarkerState.IN_DOUBT


def test_a_send_without_an_answer_is_never_sent_again(world) -> None:
    world.book("alice", datetime(2027, 3, 12, 10, 0))
    world.mailer.failures.append(TimeoutError("the provider did not answer"))
    assert world.run_at(at("2027-03-11T09:01:00")) == {Outcome.UNCONFIRMED: 1}
    assert world.run_at(at("2027-03-11T09:01:00") + LEASE) == {Outcome.IN_DOUBT: 1}
    assert world.sent == []


def test_a_refusal_by_the_provider_is_sent_at_the_next_run(world) -> None:
    world.book("alice", datetime(2027, 3, 12, 10, 0))
    world.mailer.failures.append(NotSent("email: Throttling"))
    assert world.run_at(at("2027-03-11T09:01:00")) == {Outcome.RETRY: 1}
    assert world.run_at(at("2027-03-11T09:06:00")) == {Outcome.SENT: 1}
    assert len(world.sent) == 1
    [marker] = world.reminders.markers.values()
    assert (marker.state, marker.attempts) == (MarkerState.SENT, 2)


def test_a_refusal_is_dropped_past_its_window_or_once_the_appointment_is_cancelled(
    world,
) -> None:
    first = world.book("alice", datetime(2027, 3, 12, 10, 0))
    world.book("alice", datetime(2027, 3, 12, 10, 30))
    world.mailer.failures += [NotSent("Throttling"), NotSent("Throttling")]
    assert world.run_at(at("2027-03-11T09:31:00")) == {Outcome.RETRY: 2}
    world.edit(first, status=AppointmentStatus.CANCELLED)
    assert world.run_at(at("2027-03-11T09:36:00")) == {Outcome.DROPPED: 1, Outcome.SENT: 1}
    assert len(world.sent) == 1  # the one at 10:30

    world.book("alice", datetime(2027, 3, 12, 11, 0))
    world.mailer.failures.append(NotSent("Throttling"))
    assert world.run_at(at("2027-03-11T10:01:00")) == {Outcome.RETRY: 1}
    late = at("2027-03-11T10:00:00") + RETRY_WINDOW + timedelta(minutes=1)
    assert world.run_at(late) == {Outcome.DROPPED: 1}
    assert len(world.sent) == 1


def test_an_address_the_provider_refuses_for_good_is_not_tried_again(world) -> None:
    world.book("alice", datetime(2027, 3, 12, 10, 0))
    world.mailer.failures.append(Undeliverable("InvalidParameterValue"))
    assert world.run_at(at("2027-03-11T09:01:00")) == {Outcome.UNDELIVERABLE: 1}
    assert world.run_at(at("2027-03-11T09:06:00")) == {}
    assert world.sent == []


# ------------------------------------------------------------------ never stale


def test_a_moved_appointment_is_reminded_at_its_new_time_only(world) -> None:
    appointment = world.book("alice", datetime(2027, 3, 12, 10, 0))
    world.edit(appointment, start_local=datetime(2027, 3, 12, 15, 0))
    assert world.run_at(at("2027-03-11T09:01:00")) == {}
    assert world.run_at(at("2027-03-11T14:01:00")) == {Outcome.SENT: 1}
    [(_, body)] = world.sent
    assert "à 15 h." in body


def test_a_cancelled_or_declined_appointment_sends_nothing(world) -> None:
    cancelled = world.book("alice", datetime(2027, 3, 12, 10, 0))
    declined = world.book("alice", datetime(2027, 3, 12, 10, 0))
    world.edit(cancelled, status=AppointmentStatus.CANCELLED)
    world.edit(declined, status=AppointmentStatus.DECLINED)
    assert world.run_at(at("2027-03-11T09:01:00")) == {}
    assert world.sent == []


def test_a_cancellation_racing_the_hand_off_sends_nothing(world) -> None:
    """The index was read, the appointment checked, then cancelled before the hand-off's
    transaction: its check on the index entry fails, nothing is sent."""
    appointment = world.book("alice", datetime(2027, 3, 12, 10, 0))

    def cancel() -> None:
        world.reminders.before_hand_off = None
        world.edit(appointment, status=AppointmentStatus.CANCELLED)

    world.reminders.before_hand_off = cancel
    assert world.run_at(at("2027-03-11T09:01:00")) == {Outcome.STALE: 1}
    assert world.sent == [] and world.reminders.markers == {}


def test_an_edit_in_place_racing_the_hand_off_still_reminds_once(world) -> None:
    """Notes edited between the check and the hand-off: the same start, a new version; the job
    checks again and hands over at the new version."""
    appointment = world.book("alice", datetime(2027, 3, 12, 10, 0))

    def edit_notes() -> None:
        world.reminders.before_hand_off = None
        world.edit(appointment, notes="apporter la carte Vitale")

    world.reminders.before_hand_off = edit_notes
    assert world.run_at(at("2027-03-11T09:01:00")) == {Outcome.SENT: 1}
    [marker] = world.reminders.markers.values()
    assert marker.indexed_version == 2


def test_a_move_racing_the_hand_off_reminds_at_the_new_time_only(world) -> None:
    appointment = world.book("alice", datetime(2027, 3, 12, 10, 0))

    def move() -> None:
        world.reminders.before_hand_off = None
        world.edit(appointment, start_local=datetime(2027, 3, 12, 16, 0))

    world.reminders.before_hand_off = move
    assert world.run_at(at("2027-03-11T09:01:00")) == {Outcome.STALE: 1}
    assert world.run_at(at("2027-03-11T15:01:00")) == {Outcome.SENT: 1}
    assert len(world.sent) == 1


# ------------------------------------------------------------------ who is reminded


def test_a_closed_space_sends_nothing_even_when_closed_during_the_run(world) -> None:
    world.book("alice", datetime(2027, 3, 12, 10, 0))
    world.book("alice", datetime(2027, 3, 12, 10, 0))
    space_id = world.space_id("alice")

    def close() -> None:
        world.reminders.before_hand_off = None
        space = world.medical.spaces[space_id]
        world.medical.spaces[space_id] = space.model_copy(update={"status": SpaceStatus.CLOSED})

    world.reminders.before_hand_off = close
    assert world.run_at(at("2027-03-11T09:01:00")) == {Outcome.CLOSED: 2}
    assert world.sent == []


def test_only_the_lead_times_chosen_are_sent_and_none_without_settings(world) -> None:
    world.want("alice", Lead.PT3H)
    world.book("alice", datetime(2027, 3, 12, 10, 0))
    world.book("child", datetime(2027, 3, 12, 10, 0))  # Léa's space: no settings
    assert world.run_at(at("2027-03-11T09:01:00")) == {Outcome.NOT_WANTED: 2}
    assert world.run_at(at("2027-03-12T06:01:00")) == {
        Outcome.SENT: 1,
        Outcome.NOT_WANTED: 1,
    }
    assert len(world.sent) == 1


def test_a_childs_reminder_goes_to_the_representative_and_names_the_child(world) -> None:
    world.since("2027-03-11T16:40:00")
    world.want("child", Lead.P1D)
    world.book("child", datetime(2027, 3, 12, 17, 45))
    assert world.run_at(at("2027-03-11T16:46:00")) == {Outcome.SENT: 1}
    [(to, body)] = world.sent
    assert to == ALICE_EMAIL
    assert "Léa a un rendez-vous médical le vendredi 12 mars 2027 à 17 h 45." in body
    assert "représentant légal de Léa" in body


def test_an_sms_reminder_goes_to_the_mobile_in_one_short_message(world) -> None:
    world.since("2027-03-12T07:55:00")
    world.want("alice", Lead.PT1H, channel=ReminderChannel.SMS)
    world.book("alice", datetime(2027, 3, 12, 10, 0))
    assert world.run_at(at("2027-03-12T08:01:00")) == {Outcome.SENT: 1}
    [(to, body)] = world.sent
    assert to == f"sms:{ALICE_INS}"
    assert sms_segments(body) == 1
    assert "rendez-vous médical le vendredi 12 mars 2027 à 10 h" in body
    assert not [secret for secret in SECRETS if secret in body]


def test_a_channel_the_contact_no_longer_has_sends_nothing(world) -> None:
    world.since("2027-03-12T07:55:00")
    world.want("child", Lead.PT1H, channel=ReminderChannel.SMS)  # Léa's contact: email only
    world.book("child", datetime(2027, 3, 12, 10, 0))
    assert world.run_at(at("2027-03-12T08:01:00")) == {Outcome.UNREACHABLE: 1}


# ------------------------------------------------------------------ clocks and time zones


def test_on_the_night_clocks_go_forward_2_30_cannot_be_booked_and_3_30_is_an_hour_after(
    world,
) -> None:
    """28 March 2027 in Paris: 02:00 CET becomes 03:00 CEST. 02:30 is nobody's time: the
    appointments' rule refuses it. An appointment at 03:30 (01:30 UTC) reminded an hour before
    is reminded at 00:30 UTC, 01:30 on the clock: sixty minutes before, not two wall hours."""
    with pytest.raises(BadRequest, match="does not exist"):
        instant(datetime(2027, 3, 28, 2, 30), "Europe/Paris")
    world.want("alice", Lead.PT1H)
    world.clock.current = world.reminders.at = at("2027-03-28T00:00:00")
    world.book("alice", datetime(2027, 3, 28, 3, 30))
    assert world.run_at(at("2027-03-28T00:29:59")) == {}
    assert world.run_at(at("2027-03-28T00:30:30")) == {Outcome.SENT: 1}
    [(_, body)] = world.sent
    assert "le dimanche 28 mars 2027 à 3 h 30." in body


def test_on_the_night_clocks_go_back_2_30_is_its_first_occurrence(world) -> None:
    """31 October 2027 in Paris: 03:00 CEST becomes 02:00 CET, 02:30 happens twice. The rule:
    the first (summer time, 00:30 UTC); its reminder an hour before comes at 23:30 UTC."""
    assert instant(datetime(2027, 10, 31, 2, 30), "Europe/Paris") == at("2027-10-31T00:30:00")
    world.want("alice", Lead.PT1H)
    world.clock.current = world.reminders.at = at("2027-10-30T23:00:00")
    world.book("alice", datetime(2027, 10, 31, 2, 30))
    assert world.run_at(at("2027-10-30T23:29:00")) == {}
    assert world.run_at(at("2027-10-30T23:31:00")) == {Outcome.SENT: 1}
    assert world.run_at(at("2027-10-31T01:31:00")) == {}  # the second 02:30: nothing more
    [(_, body)] = world.sent
    assert "le dimanche 31 octobre 2027 à 2 h 30." in body


@pytest.mark.parametrize(
    ("time_zone", "wall", "lead", "due", "words"),
    [
        # Guadeloupe: UTC-4, no daylight saving. 09:00 local is 13:00 UTC.
        (
            "America/Guadeloupe",
            datetime(2027, 3, 12, 9, 0),
            Lead.P1D,
            "2027-03-11T13:00:00",
            "le vendredi 12 mars 2027 à 9 h.",
        ),
        # La Réunion: UTC+4, no daylight saving. 08:15 local is 04:15 UTC.
        (
            "Indian/Reunion",
            datetime(2027, 3, 12, 8, 15),
            Lead.PT3H,
            "2027-03-12T01:15:00",
            "le vendredi 12 mars 2027 à 8 h 15.",
        ),
        # La Réunion, the night Paris changes its clocks: nothing changes there.
        (
            "Indian/Reunion",
            datetime(2027, 3, 28, 2, 30),
            Lead.PT1H,
            "2027-03-27T21:30:00",
            "le dimanche 28 mars 2027 à 2 h 30.",
        ),
        # Nouméa (UTC+11): the day before in UTC.
        (
            "Pacific/Noumea",
            datetime(2027, 3, 12, 7, 0),
            Lead.PT1H,
            "2027-03-11T19:00:00",
            "le vendredi 12 mars 2027 à 7 h.",
        ),
    ],
)
def test_overseas_reminders_come_at_their_own_time_and_say_their_local_time(
    world, time_zone: str, wall: datetime, lead: Lead, due: str, words: str
) -> None:
    world.want("alice", lead)
    world.clock.current = world.reminders.at = at(due) - timedelta(minutes=10)
    world.book("alice", wall, time_zone)
    assert world.run_at(at(due) - timedelta(seconds=1)) == {}
    assert world.run_at(at(due) + timedelta(seconds=1)) == {Outcome.SENT: 1}
    [(_, body)] = world.sent
    assert words in body


def test_the_message_in_every_channel_and_for_a_child_says_no_more_than_when() -> None:
    person = enrollment(ALICE_INS, "Alice", date(1985, 6, 1), ALICE_EMAIL)
    child = enrollment(CHILD_INS, "Léa", date(2015, 6, 1), ALICE_EMAIL)
    start = at("2027-03-12T09:00:00")
    for who in (person, child):
        for channel in (Channel.EMAIL, Channel.SMS):
            message = reminder_message(who, start, "Europe/Paris", channel, SITE)
            assert "10 h" in message.body and "12 mars 2027" in message.body
            assert "Rappel" in message.subject
            if channel is Channel.SMS:
                assert sms_segments(message.body) == 1
