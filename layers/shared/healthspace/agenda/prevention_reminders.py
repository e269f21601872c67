"""Prevention reminders: a space's contact is told, once, when an item of the prevention calendar
opens for its holder (docs/reminders.md "Prevention reminders", docs/prevention.md).

A daily job (`PreventionReminderJob.run`). For each day from its cursor to today, for each age
at which an item of the catalogue first opens (a few dozen distinct ages), the birth dates that
reach that age that day, and for each the ACTIVE spaces whose holder was born then (the index of
spaces by birth date, `BORN#<day>`: one Query per birth date, never a Scan; the cost follows the
births of a day, not the number of spaces). Each item opening that day for the holder (their sex
where it matters) is handed over exactly once, through the reminders' own protocol: a
`PreventionMarker` under the reminders' markers, written once in one transaction with the check
that the space is ACTIVE, the provider called only by its writer, the marker settled by its
answer (agenda.reminders.hand_to_provider).

Nothing is sent when the settings' `prevention` flag is off, when the patient already marked the
item DONE, NOT_DONE or PLANNED, or when the space is not ACTIVE. The words are the same for
everyone ("Une étape de prévention est à prévoir dans votre espace santé"): no item, no age, no
first name.

Only an item's first window is told: a series' next occurrences (screenings every two years)
open from the dates the patient gave, which no index by birth date finds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final, Protocol

from healthspace.agenda.prevention.calendar import TODAY_ZONE
from healthspace.agenda.prevention.catalogue import CATALOGUE
from healthspace.agenda.prevention.due import occurrences
from healthspace.agenda.prevention.model import Age, Definition, Status
from healthspace.agenda.prevention.ports import PreventionStore
from healthspace.agenda.reminder_model import (
    MarkerState,
    PreventionMarker,
    ReminderChannel,
    ReminderSettings,
    channels_of,
    prevention_message,
)
from healthspace.agenda.reminders import (
    LEASE,
    STOP_MARGIN_SECONDS,
    HandOff,
    SpaceReader,
    hand_to_provider,
)
from healthspace.enrollment.messages import Message, MessageSettings
from healthspace.enrollment.model import Channel
from healthspace.kernel.clock import Clock
from healthspace.kernel.identifiers import sex_of
from healthspace.notices.patient import Contacts, Mailer
from healthspace.records.model import SpaceStatus

# A late job catches up this many days at most (a week of outage); older openings are not told.
MAX_CATCH_UP_DAYS: Final = 7
# What the patient said that makes a reminder pointless.
_SETTLED: Final = frozenset({Status.DONE, Status.NOT_DONE, Status.PLANNED})


class Told(StrEnum):
    """What became of one opening in one run (each is a metric)."""

    SENT = "sent"
    ALREADY = "already"
    OFF = "off"  # the settings' prevention flag is off
    SETTLED = "settled"  # the patient marked it DONE, NOT_DONE or PLANNED
    CLOSED = "closed"
    UNREACHABLE = "unreachable"
    UNDELIVERABLE = "undeliverable"
    RETRY = "retry"  # the provider took nothing: the day is swept again next run
    UNCONFIRMED = "unconfirmed"


class PreventionReminderStore(Protocol):
    """The reminders' items the prevention job uses (adapters/dynamodb/reminders.py)."""

    def get_settings(self, space_id: str) -> ReminderSettings | None: ...

    def born_on(self, day: date) -> Iterator[str]:
        """The ACTIVE spaces whose holder was born on `day` (the BORN#<day> index), every
        page."""
        ...

    def prevention_cursor(self) -> date | None:
        """Every day before it was handled."""
        ...

    def advance_prevention_cursor(self, to: date) -> None:
        """Forward only."""
        ...

    def get_prevention_marker(self, space_id: str, item_id: str) -> PreventionMarker | None: ...

    def hand_off_prevention(
        self, marker: PreventionMarker, previous: PreventionMarker | None
    ) -> HandOff:
        """Write the marker (new, or in place of `previous`, a RETRY unchanged since read) in
        one transaction with the check that the space is ACTIVE."""
        ...

    def settle_prevention(self, marker: PreventionMarker, handed: PreventionMarker) -> bool: ...


@dataclass(frozen=True)
class Opening:
    """A catalogue item whose first window opens at `age`."""

    definition: Definition
    age: Age


def openings(catalogue: Sequence[Definition] = CATALOGUE) -> dict[Age, list[Definition]]:
    """The catalogue's items by the age at which their first window opens."""
    found: dict[Age, list[Definition]] = {}
    for definition in catalogue:
        found.setdefault(definition.at, []).append(definition)
    return found


def born_reaching(age: Age, day: date) -> list[date]:
    """The birth dates of those who reach `age` on `day` (none, one, or several: one month
    after 29, 30 and 31 January is 1 March; agenda.prevention.model.Age.on)."""
    approx = day - timedelta(days=365 * age.years + 30 * age.months + age.days)
    slack = 12 * age.years + age.months + 10  # the approximation's error, and more
    near = (approx + timedelta(days=offset) for offset in range(-slack, 12))
    return sorted(birth for birth in near if age.on(birth) == day)


@dataclass
class PreventionRunReport:
    since: date
    until: date  # the last day handled, or the eve of `since`
    told: dict[Told, int] = field(default_factory=dict)
    queries: int = 0
    stopped_early: bool = False

    def count(self, what: Told) -> None:
        self.told[what] = self.told.get(what, 0) + 1


@dataclass(eq=False)
class PreventionReminderJob:
    store: PreventionReminderStore
    statuses: PreventionStore
    spaces: SpaceReader
    contacts: Contacts
    mailer: Mailer
    clock: Clock
    settings: MessageSettings
    catalogue: Sequence[Definition] = CATALOGUE
    lease: timedelta = LEASE

    def run(self, seconds_left: Callable[[], float] | None = None) -> PreventionRunReport:
        """Tell every opening of the days from the cursor to today (in metropolitan France);
        the first run handles today only. The cursor moves past the days swept to the end: a
        day with a reminder the provider did not take, or a run short of time (`seconds_left`:
        the invocation's remaining time), leaves the day to the next run (its markers stop the
        repeats)."""
        now = self.clock.now()
        today = now.astimezone(TODAY_ZONE).date()
        cursor = self.store.prevention_cursor()
        first = today if cursor is None else cursor + timedelta(days=1)
        first = max(first, today - timedelta(days=MAX_CATCH_UP_DAYS))
        report = PreventionRunReport(since=first, until=first - timedelta(days=1))
        day, settled = first, True
        while day <= today and not report.stopped_early:
            retried = report.told.get(Told.RETRY, 0)
            self._sweep(day, now, report, seconds_left)
            settled = settled and report.told.get(Told.RETRY, 0) == retried
            if settled and not report.stopped_early:
                report.until = day
            day += timedelta(days=1)
        if report.until >= first:
            self.store.advance_prevention_cursor(report.until)
        return report

    def _sweep(
        self,
        day: date,
        now: datetime,
        report: PreventionRunReport,
        seconds_left: Callable[[], float] | None,
    ) -> None:
        """Every opening of one day: per opening age, the holders born the day it is reached."""
        for age, definitions in openings(self.catalogue).items():
            for birth in born_reaching(age, day):
                report.queries += 1
                for space_id in self.store.born_on(birth):
                    if seconds_left is not None and seconds_left() < STOP_MARGIN_SECONDS:
                        report.stopped_early = True
                        return
                    for definition in definitions:
                        report.count(self._tell(space_id, definition, birth, day, now))

    def _tell(
        self, space_id: str, definition: Definition, birth: date, day: date, now: datetime
    ) -> Told:
        space = self.spaces.get_space(space_id)
        if space is None or space.status is not SpaceStatus.ACTIVE:
            return Told.CLOSED
        if space.holder.birth_date != birth:  # the index lags a correction
            return Told.CLOSED
        opened = occurrences(definition, birth, sex_of(space.holder_ins), {})
        if not opened or opened[0].start != day:  # the other sex's item
            return Told.OFF
        item_id = opened[0].item_id
        previous = self.store.get_prevention_marker(space_id, item_id)
        if previous is not None and previous.state is not MarkerState.RETRY:
            return Told.ALREADY
        settings = self.store.get_settings(space_id) or ReminderSettings(space_id=space_id)
        if not settings.prevention:
            return Told.OFF
        marked = {s.item_id: s.status for s in self.statuses.list_prevention(space_id)}
        if marked.get(item_id) in _SETTLED:
            return Told.SETTLED
        enrollment = self.contacts.get_enrollment(space.holder_ins)
        offered = channels_of(enrollment)
        if enrollment is None or not offered:
            return Told.UNREACHABLE
        channel: ReminderChannel = settings.channel if settings.channel in offered else offered[0]
        marker = PreventionMarker(
            space_id=space_id,
            item_id=item_id,
            opens_on=day,
            state=MarkerState.HANDED,
            channel=channel,
            handed_at=now,
            lease_until=now + self.lease,
            attempts=previous.attempts + 1 if previous else 1,
        )
        handed = self.store.hand_off_prevention(marker, previous)
        if handed is HandOff.CLOSED:
            return Told.CLOSED
        if handed is not HandOff.HANDED:
            return Told.ALREADY

        def compose(on: Channel) -> Message:
            return prevention_message(on, self.settings)

        answer = hand_to_provider(self.mailer, channel, enrollment, compose)
        if answer is None:
            return Told.UNCONFIRMED
        if not self.store.settle_prevention(marker.model_copy(update={"state": answer}), marker):
            return Told.ALREADY
        return _TOLD[answer]


_TOLD: Final = {
    MarkerState.SENT: Told.SENT,
    MarkerState.UNDELIVERABLE: Told.UNDELIVERABLE,
    MarkerState.RETRY: Told.RETRY,
}
