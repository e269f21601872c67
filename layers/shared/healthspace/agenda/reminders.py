"""Reminders before appointments, each handed over exactly once (docs/reminders.md).

The patient chooses lead times from a menu and a channel of their enrollment's contact
(`ReminderSettingsUseCase`). A scheduled job (`ReminderJob.run`, every five minutes) hands over
every reminder due since its cursor:

1. Pending markers first (a sparse index of the HANDED and RETRY ones, a few items): a RETRY is
   handed over again if still due; a HANDED whose lease ran out is IN_DOUBT (its run died while
   calling the provider): never sent again.
2. Then, from the cursor to now, slot by slot, for each lead time L, the appointments starting
   in the slot L later (the start index, `STARTS#<slot>`: a Query, never a Scan; the cost
   follows what is due, not the table's size). Each due reminder wanted by the space's settings,
   of an appointment still booked at that start, is handed over: its marker written
   once, in one transaction with the checks that the appointment's index entry is at the
   version read (a change or a cancellation since fails it) and that the space is ACTIVE (a closed
   one sends nothing). Only the writer of the marker calls the provider: two runs at once, or a
   run again, hand nothing over twice.
3. The provider's answer settles the marker (SENT, UNDELIVERABLE, or RETRY when it answered
   that it took nothing). The cursor then moves to where the run got to; a run that dies moves
   nothing, and the next one sweeps the same slots again (their markers stop every repeat).

What remains at the provider (SES, SNS: no idempotency key): a run that dies after the hand-off
and before the answer is recorded leaves a HANDED marker; whether the message went out is
unknown, and it is never sent again (at most once there: IN_DOUBT, counted). The window is the
provider's call; the job stops handing over when its time runs short, so Lambda's timeout does
not open it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, Protocol

from healthspace.agenda.model import SLOT_MINUTES, Appointment, start_slot
from healthspace.agenda.reminder_model import (
    REMINDERS_OBJECT,
    IndexedStart,
    Lead,
    Marker,
    MarkerState,
    ReminderChannel,
    ReminderSettings,
    channels_of,
    reminder_message,
)
from healthspace.enrollment.messages import Message, MessageSettings
from healthspace.enrollment.model import Channel, Contact, Enrollment
from healthspace.kernel.clock import Clock
from healthspace.kernel.errors import BadRequest, Forbidden, PreconditionFailed
from healthspace.notices.patient import Contacts, Mailer, NotSent, Undeliverable
from healthspace.records.access import Access
from healthspace.records.access_log import AccessLog
from healthspace.records.model import AccessLogEntry, Action, Role, Space, SpaceStatus

SLOT: Final = timedelta(minutes=SLOT_MINUTES)
# A first run (no cursor yet) looks back one slot.
FIRST_RUN: Final = SLOT
# A run catches up at most this much (a day of outage): older reminders are too late.
MAX_CATCH_UP: Final = timedelta(days=1)
# A HANDED marker is another run's, sending, until its lease ends: longer than the function's
# timeout (template.yaml, RemindersFunction: 240 s), so a live run's is never taken as in doubt.
LEASE: Final = timedelta(minutes=10)
# A reminder the provider did not take is tried again at each run for this long after its due
# time (and never once its appointment has begun).
RETRY_WINDOW: Final = timedelta(hours=1)
# The job hands nothing over with less than this left before its timeout.
STOP_MARGIN_SECONDS: Final = 30.0
MESSAGE_KIND: Final = "reminder"
# Hand-offs of one reminder in one run when the appointment changes in between.
HAND_OFF_TRIES: Final = 3


class HandOff(StrEnum):
    HANDED = "handed"  # this run wrote the marker: it calls the provider
    ALREADY = "already"  # the marker exists (an earlier or a concurrent run)
    STALE = "stale"  # the appointment changed, was cancelled or moved since it was indexed
    CLOSED = "closed"  # the space is no longer ACTIVE


class Outcome(StrEnum):
    """What became of one reminder in one run (each is a metric)."""

    SENT = "sent"
    ALREADY = "already"
    NOT_WANTED = "not-wanted"  # the space's settings do not ask for this lead time
    STALE = "stale"
    CLOSED = "closed"
    LATE = "late"  # its appointment has begun
    UNREACHABLE = "unreachable"  # no contact for the chosen channel
    UNDELIVERABLE = "undeliverable"
    RETRY = "retry"  # the provider took nothing: tried again next run
    UNCONFIRMED = "unconfirmed"  # the provider's call failed without an answer: maybe sent
    IN_FLIGHT = "in-flight"  # another run is sending it
    IN_DOUBT = "in-doubt"  # a run died while sending it: never sent again
    DROPPED = "dropped"  # a retry no longer due


class ReminderStore(Protocol):
    """The reminders' items (adapters/dynamodb/reminders.py)."""

    def get_settings(self, space_id: str) -> ReminderSettings | None: ...

    def put_settings(
        self, settings: ReminderSettings, expected_version: int, audit: AccessLogEntry
    ) -> None:
        """With its access-log entry, on condition the stored version is `expected_version`
        (0: none yet; PreconditionFailed otherwise) and the space is active (SpaceClosed)."""
        ...

    def cursor(self) -> datetime | None:
        """Every reminder due before it was handled."""
        ...

    def advance_cursor(self, to: datetime) -> None:
        """Move the cursor forward (never back: a slower run ending later keeps the later)."""
        ...

    def starting_in(self, slot: str) -> Iterator[IndexedStart]:
        """The start index's entries of one slot (agenda.model.start_slot), every page."""
        ...

    def hand_off(self, marker: Marker, previous: Marker | None) -> HandOff:
        """Write the marker (new; or, for a retry, in place of `previous`, unchanged since
        read), in one transaction with the checks that the appointment's start index entry is
        at `marker.indexed_version` and that the space is ACTIVE."""
        ...

    def get_marker(self, space_id: str, key: str) -> Marker | None: ...

    def settle(self, marker: Marker, handed: Marker) -> bool:
        """Replace `handed` (if unchanged since read) by `marker`; False if another run did."""
        ...

    def pending(self) -> Iterator[Marker]:
        """Every HANDED or RETRY marker (a sparse index: the few in flight or to retry)."""
        ...


class AppointmentReader(Protocol):
    def get_appointment(self, space_id: str, appointment_id: str) -> Appointment | None: ...


class SpaceReader(Protocol):
    def get_space(self, space_id: str) -> Space | None: ...


def _manages_reminders(access: Access) -> None:
    """The holder and a legal representative choose how they are reminded; nobody else."""
    if access.role not in (Role.HOLDER, Role.LEGAL_REPRESENTATIVE):
        raise Forbidden("only the holder or a legal representative chooses the reminders")


@dataclass(frozen=True)
class ReminderChoice:
    """What the settings page shows: the settings and the channels the contact offers."""

    settings: ReminderSettings
    channels: tuple[ReminderChannel, ...]


@dataclass(eq=False)
class ReminderSettingsUseCase:
    """GET/PUT /me/agenda/reminders: read and change a space's reminders, both traced."""

    store: ReminderStore
    spaces: SpaceReader
    contacts: Contacts
    log: AccessLog
    clock: Clock

    def read(self, access: Access) -> ReminderChoice:
        _manages_reminders(access)
        choice = self._choice(access.space_id)
        self.log.trace(access, Action.READ, REMINDERS_OBJECT)
        return choice

    def change(
        self,
        access: Access,
        leads: tuple[Lead, ...],
        channel: ReminderChannel,
        prevention: bool,
        expected_version: int | None,
    ) -> ReminderChoice:
        """Replace the settings (If-Match: the version read; without it, whatever is stored).
        Lead times are kept once each, longest first; a channel the contact does not offer is
        refused when a lead time is asked for."""
        _manages_reminders(access)
        current = self._choice(access.space_id)
        version = current.settings.version
        if expected_version is not None and expected_version != version:
            raise PreconditionFailed(
                "the reminders were changed since you read them; reload and try again"
            )
        chosen = tuple(lead for lead in Lead if lead in leads)
        if chosen and channel not in current.channels:
            offered = ", ".join(current.channels) or "none"
            raise BadRequest(
                f"channel {channel.value} is not among this space's contacts (offered: "
                f"{offered}); add it to the contact details first"
            )
        settings = ReminderSettings(
            space_id=access.space_id,
            leads=chosen,
            channel=channel,
            prevention=prevention,
            version=version + 1,
            updated_at=self.clock.now(),
        )
        entry = self.log.entry(access, Action.UPDATE, REMINDERS_OBJECT)
        self.store.put_settings(settings, version, entry)
        return ReminderChoice(settings, current.channels)

    def _choice(self, space_id: str) -> ReminderChoice:
        settings = self.store.get_settings(space_id) or ReminderSettings(space_id=space_id)
        space = self.spaces.get_space(space_id)
        enrollment = self.contacts.get_enrollment(space.holder_ins) if space else None
        return ReminderChoice(settings, channels_of(enrollment))


@dataclass
class RunReport:
    """One run: the reminders' outcomes, the due times it covered, whether it stopped short."""

    since: datetime
    until: datetime
    outcomes: dict[Outcome, int] = field(default_factory=dict)
    stopped_early: bool = False

    def count(self, outcome: Outcome) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


@dataclass(frozen=True)
class _Due:
    """A reminder found due, with what its checks read."""

    indexed: IndexedStart
    lead: Lead
    space: Space
    appointment: Appointment
    enrollment: Enrollment
    channel: ReminderChannel


@dataclass(eq=False)
class ReminderJob:
    store: ReminderStore
    appointments: AppointmentReader
    spaces: SpaceReader
    contacts: Contacts
    mailer: Mailer
    clock: Clock
    settings: MessageSettings
    lease: timedelta = LEASE
    retry_window: timedelta = RETRY_WINDOW
    max_catch_up: timedelta = MAX_CATCH_UP

    def run(self, seconds_left: Callable[[], float] | None = None) -> RunReport:
        """Hand over what is due; `seconds_left`: the invocation's remaining time."""
        now = self.clock.now()
        since = max(self.store.cursor() or now - FIRST_RUN, now - self.max_catch_up)
        report = RunReport(since=since, until=since)
        wanted: dict[str, ReminderSettings | None] = {}  # per space, for this run

        def out_of_time() -> bool:
            return seconds_left is not None and seconds_left() < STOP_MARGIN_SECONDS

        for marker in self.store.pending():
            report.count(self._resolve(marker, now, wanted))
        # Slot by slot of due time; each slot, every lead time: the start slot L later.
        # Time is checked before each hand-off: a run never starts a provider call that
        # Lambda's timeout could cut. Stopped within a slot, the cursor stays at its start (the
        # markers stop the repeat of what was handed over).
        slot = _floor(since)
        while slot < now and not report.stopped_early:
            low, high = max(since, slot), min(now, slot + SLOT)
            for lead in Lead:
                for indexed in self.store.starting_in(start_slot(slot + lead.delta)):
                    if not low <= indexed.start - lead.delta < high:
                        continue
                    if out_of_time():
                        report.stopped_early = True
                        break
                    report.count(self._remind(indexed, lead, now, wanted))
                if report.stopped_early:
                    break
            else:
                report.until = high
            slot += SLOT
        if report.until > since:
            self.store.advance_cursor(report.until)
        return report

    # --- one reminder

    def _remind(
        self,
        indexed: IndexedStart,
        lead: Lead,
        now: datetime,
        wanted: dict[str, ReminderSettings | None],
    ) -> Outcome:
        handed = HandOff.STALE
        for _ in range(HAND_OFF_TRIES):
            due = self._check(indexed, lead, now, wanted)
            if isinstance(due, Outcome):
                return due
            marker = Marker(
                space_id=indexed.space_id,
                appointment_id=indexed.appointment_id,
                start=indexed.start,
                lead=lead,
                state=MarkerState.HANDED,
                channel=due.channel,
                indexed_version=due.indexed.version,
                handed_at=now,
                lease_until=now + self.lease,
            )
            handed = self.store.hand_off(marker, None)
            if handed is HandOff.HANDED:
                return self._deliver(marker, due)
            if handed is not HandOff.STALE:
                break
            # Changed between the check and the hand-off: checked again (an edit of its
            # notes keeps the reminder; a move or a cancellation ends it).
        return _HANDOFF_OUTCOMES[handed]

    def _check(
        self,
        indexed: IndexedStart,
        lead: Lead,
        now: datetime,
        wanted: dict[str, ReminderSettings | None],
    ) -> _Due | Outcome:
        """Whether the reminder is still to send, and to whom: its appointment not begun,
        the settings asking for it, the space active, the appointment booked at the indexed
        start, a contact on the chosen channel."""
        if indexed.start <= now:
            return Outcome.LATE
        if indexed.space_id not in wanted:
            wanted[indexed.space_id] = self.store.get_settings(indexed.space_id)
        settings = wanted[indexed.space_id]
        if settings is None or lead not in settings.leads:
            return Outcome.NOT_WANTED
        space = self.spaces.get_space(indexed.space_id)
        if space is None or space.status is not SpaceStatus.ACTIVE:
            return Outcome.CLOSED
        appointment = self.appointments.get_appointment(indexed.space_id, indexed.appointment_id)
        if appointment is None or not appointment.booked or appointment.start != indexed.start:
            return Outcome.STALE
        # Edited in place since it was indexed (its notes): the same reminder, at the version
        # read, which the hand-off checks the index still holds.
        indexed = indexed._replace(version=appointment.version)
        enrollment = self.contacts.get_enrollment(space.holder_ins)
        if enrollment is None or settings.channel not in channels_of(enrollment):
            return Outcome.UNREACHABLE
        return _Due(indexed, lead, space, appointment, enrollment, settings.channel)

    def _deliver(self, marker: Marker, due: _Due) -> Outcome:
        """Call the provider, then settle the marker by its answer. Without an answer (a
        timeout), the marker stays HANDED: a later run finds it in doubt, and sends nothing."""
        appointment, enrollment = due.appointment, due.enrollment

        def compose(channel: Channel) -> Message:
            return reminder_message(
                enrollment, appointment.start, appointment.time_zone, channel, self.settings
            )

        answer = hand_to_provider(self.mailer, marker.channel, enrollment, compose)
        if answer is None:  # no answer: maybe sent; left HANDED, found in doubt later
            return Outcome.UNCONFIRMED
        return self._settle(marker, answer, _ANSWERS[answer])

    def _settle(self, marker: Marker, state: MarkerState, outcome: Outcome) -> Outcome:
        settled = marker.model_copy(update={"state": state})
        return outcome if self.store.settle(settled, marker) else Outcome.ALREADY

    # --- pending markers

    def _resolve(
        self, listed: Marker, now: datetime, wanted: dict[str, ReminderSettings | None]
    ) -> Outcome:
        """A pending marker: a HANDED one past its lease is in doubt (never sent again); a
        RETRY one is handed over again while still due, else dropped."""
        marker = self.store.get_marker(listed.space_id, listed.key)  # the index lags
        if marker is None or not marker.state.pending:
            return Outcome.ALREADY
        if marker.state is MarkerState.HANDED:
            if now < marker.lease_until:
                return Outcome.IN_FLIGHT
            return self._settle(marker, MarkerState.IN_DOUBT, Outcome.IN_DOUBT)
        if now - marker.due > self.retry_window:
            return self._settle(marker, MarkerState.DROPPED, Outcome.DROPPED)
        indexed = IndexedStart(
            marker.space_id, marker.appointment_id, marker.start, marker.indexed_version
        )
        due = self._check(indexed, marker.lead, now, wanted)
        if isinstance(due, Outcome):
            return self._settle(marker, MarkerState.DROPPED, Outcome.DROPPED)
        again = marker.model_copy(
            update={
                "state": MarkerState.HANDED,
                "channel": due.channel,
                "indexed_version": due.indexed.version,
                "handed_at": now,
                "lease_until": now + self.lease,
                "attempts": marker.attempts + 1,
            }
        )
        handed = self.store.hand_off(again, marker)
        if handed is HandOff.HANDED:
            return self._deliver(again, due)
        if handed in (HandOff.STALE, HandOff.CLOSED):
            self._settle(marker, MarkerState.DROPPED, Outcome.DROPPED)
        return _HANDOFF_OUTCOMES[handed]


_HANDOFF_OUTCOMES: Final = {
    HandOff.ALREADY: Outcome.ALREADY,
    HandOff.STALE: Outcome.STALE,
    HandOff.CLOSED: Outcome.CLOSED,
}


_ANSWERS: Final = {
    MarkerState.SENT: Outcome.SENT,
    MarkerState.UNDELIVERABLE: Outcome.UNDELIVERABLE,
    MarkerState.RETRY: Outcome.RETRY,
}


def hand_to_provider(
    mailer: Mailer,
    channel: ReminderChannel,
    enrollment: Enrollment,
    compose: Callable[[Channel], Message],
) -> MarkerState | None:
    """One reminder to the provider, once its marker is written (the appointments' and the
    prevention's): the state its answer settles the marker in, None without an answer (a
    timeout: maybe sent, the marker stays HANDED and is never sent again)."""
    try:
        if channel is ReminderChannel.EMAIL:
            mailer.send_email(str(enrollment.recipient.email), compose(Channel.EMAIL))
        else:  # the enrollment's mobile number only: never a letter, never the email
            only_sms = enrollment.model_copy(
                update={"recipient": Contact(mobile=enrollment.recipient.mobile)}
            )
            mailer.send(only_sms, MESSAGE_KIND, compose)
    except Undeliverable:
        return MarkerState.UNDELIVERABLE
    except NotSent:
        return MarkerState.RETRY
    except Exception:
        return None
    return MarkerState.SENT


def _floor(at: datetime) -> datetime:
    """The start of the slot `at` falls in."""
    return at.replace(minute=at.minute - at.minute % SLOT_MINUTES, second=0, microsecond=0)
