"""The reminders' shapes: the patient's settings, a reminder due, its sent marker, and the words
of the message (plain French, no health content).

A lead time is elapsed time before the appointment's instant (agenda.model.instant, its UTC
start): "one hour before" is sixty minutes of real time, "one day before" twenty-four hours. On
the night clocks go forward, an appointment at 03:30 in Paris (01:30 UTC) is reminded an hour
before at 01:30 local (00:30 UTC): the wall clock shows two hours less, the patient waits one.
The wall time 02:30 does not exist that night and no appointment can be booked then
(agenda.model.instant refuses it). On the night clocks go back, 02:30 is its first occurrence
(summer time, fold=0), reminded at 01:30 summer time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import Field

from healthspace.enrollment.messages import (
    SENDER_NAME,
    Message,
    MessageSettings,
    for_representative,
    french_date,
    sms_segments,
    to_gsm7,
)
from healthspace.enrollment.model import Channel, Enrollment
from healthspace.kernel.entity import Entity

# The reminders' object in the access history (agenda/reminders).
REMINDERS_OBJECT: Final = "agenda/reminders"


class Lead(StrEnum):
    """The menu of lead times (ISO 8601 durations), longest first."""

    P7D = "P7D"
    P2D = "P2D"
    P1D = "P1D"
    PT3H = "PT3H"
    PT1H = "PT1H"

    @property
    def delta(self) -> timedelta:
        return _DELTAS[self]


_DELTAS: Final = {
    Lead.P7D: timedelta(days=7),
    Lead.P2D: timedelta(days=2),
    Lead.P1D: timedelta(days=1),
    Lead.PT3H: timedelta(hours=3),
    Lead.PT1H: timedelta(hours=1),
}


class ReminderChannel(StrEnum):
    """How a reminder reaches the patient: the enrollment's email address or mobile number."""

    EMAIL = "EMAIL"
    SMS = "SMS"

    @property
    def channel(self) -> Channel:
        return Channel.EMAIL if self is ReminderChannel.EMAIL else Channel.SMS


def channels_of(enrollment: Enrollment | None) -> tuple[ReminderChannel, ...]:
    """The channels the enrollment's contact offers (a minor's: the representative's)."""
    if enrollment is None:
        return ()
    contact = enrollment.recipient
    offered = {ReminderChannel.EMAIL: contact.email, ReminderChannel.SMS: contact.mobile}
    return tuple(channel for channel, value in offered.items() if value)


class ReminderSettings(Entity):
    """A space's reminders: the lead times chosen (none: no reminder), the channel, and whether
    the prevention calendar may remind too (its items, agenda.prevention). Version 0: never
    saved, the defaults."""

    private = frozenset({"space_id"})
    space_id: str
    leads: tuple[Lead, ...] = Field(default=(), max_length=len(Lead))
    channel: ReminderChannel = ReminderChannel.EMAIL
    prevention: bool = True
    version: int = 0
    updated_at: datetime | None = None


class IndexedStart(NamedTuple):
    """One entry of the appointments' start index (STARTS#<slot>): a BOOKED appointment, its
    start and the version it was indexed at."""

    space_id: str
    appointment_id: str
    start: datetime
    version: int


class MarkerState(StrEnum):
    """A reminder's life once handed over. HANDED and RETRY are pending (the job looks at
    them again); the others are final."""

    HANDED = "HANDED"  # handed over: the provider is being called (until `lease_until`)
    RETRY = "RETRY"  # the provider answered and took nothing (throttled): sent again later
    SENT = "SENT"  # the provider took it
    UNDELIVERABLE = "UNDELIVERABLE"  # the provider refused the address for good
    IN_DOUBT = "IN_DOUBT"  # handed, and no answer recorded: maybe sent, never sent again
    DROPPED = "DROPPED"  # a retry no longer due (too late, cancelled, closed, not wanted)

    @property
    def pending(self) -> bool:
        return self in (MarkerState.HANDED, MarkerState.RETRY)


class Marker(Entity):
    """The sent marker of one reminder: one per appointment, start and lead time, written once
    (the hand-off). `attempts` counts hand-offs (a RETRY is handed again); each change of state
    is conditioned on the one read."""

    space_id: str
    appointment_id: str
    start: datetime
    lead: Lead
    state: MarkerState
    channel: ReminderChannel
    indexed_version: int  # the appointment's version when handed over
    handed_at: datetime
    lease_until: datetime
    attempts: int = 1

    @property
    def due(self) -> datetime:
        return self.start - self.lead.delta

    @property
    def key(self) -> str:
        return reminder_key(self.appointment_id, self.start, self.lead)


class PreventionMarker(Entity):
    """The sent marker of one prevention reminder: one per space and catalogue item, ever (its
    window opens once in a life). Written once by the hand-off, settled by the provider's
    answer, as an appointment's `Marker`; never pending in the job's sparse index (a daily job
    that finds it HANDED leaves it: maybe sent, never sent again)."""

    space_id: str
    item_id: str
    opens_on: date
    state: MarkerState
    channel: ReminderChannel
    handed_at: datetime
    lease_until: datetime
    attempts: int = 1

    @property
    def key(self) -> str:
        return prevention_key(self.item_id)


def prevention_key(item_id: str) -> str:
    """`PREVENTION#<item_id>`: never an appointment's key (those begin with a ULID)."""
    return f"PREVENTION#{item_id}"


def reminder_key(appointment_id: str, start: datetime, lead: Lead) -> str:
    """`<appt>#<start, UTC, Z>#<lead>`: an appointment moved to another time is a new reminder;
    one edited in place (its notes) is the same, and is not sent again."""
    return f"{appointment_id}#{start:%Y-%m-%dT%H:%M:%SZ}#{lead.value}"


# --- the message

_WEEKDAYS: Final = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def local_time(start: datetime, time_zone: str) -> datetime:
    """The appointment's wall time in its own time zone."""
    return start.astimezone(ZoneInfo(time_zone))


def when(start: datetime, time_zone: str) -> str:
    """« jeudi 12 mars 2027 à 9 h 30 », in the appointment's time zone."""
    local = local_time(start, time_zone)
    day = f"{_WEEKDAYS[local.weekday()]} {french_date(local.date())}"
    minutes = f" {local.minute:02d}" if local.minute else ""
    return f"{day} à {local.hour} h{minutes}"


def reminder_message(
    enrollment: Enrollment,
    start: datetime,
    time_zone: str,
    channel: Channel,
    settings: MessageSettings,
) -> Message:
    """The reminder: only that a medical appointment is due, and when (the appointment's own
    time zone). Never the reason, the specialty, the professional or the place: a glance at a
    locked phone, or a shared mailbox, must learn nothing of anyone's health."""
    minor = for_representative(enrollment)
    name = enrollment.given_name
    at = when(start, time_zone)
    fact = (
        f"{name} a un rendez-vous médical le {at}."
        if minor
        else f"vous avez un rendez-vous médical le {at}."
    )
    site = settings.public_site_url.rstrip("/")
    short_site = site.removeprefix("https://").removeprefix("http://")
    subject = f"Rappel : rendez-vous médical le {at}"
    if channel is Channel.SMS:
        candidates = (
            f"Assurance Maladie : rappel, {fact} Pour le voir ou l'annuler : {short_site}",
            f"Rappel : {fact} {short_site}",
        )
        folded = [to_gsm7(text) for text in candidates]
        fits = [text for text in folded if sms_segments(text) == 1]
        return Message(subject, (fits or folded[-1:])[0])
    paragraphs = [
        "Bonjour," if minor else f"Bonjour {name},",
        *([f"Vous recevez ce message en tant que représentant légal de {name}."] if minor else []),
        f"Rappel : {fact}",
        f"Pour le voir, le modifier ou l'annuler, connectez-vous sur {site} (Agenda).",
        "Vous recevez ce rappel parce qu'il a été demandé dans l'espace santé. Pour ne plus en "
        "recevoir, changez les rappels dans l'agenda.",
        "Ce message ne contient aucune information de santé. Ne répondez pas à ce message.",
        SENDER_NAME,
    ]
    return Message(subject, "\n\n".join(paragraphs))


def prevention_message(channel: Channel, settings: MessageSettings) -> Message:
    """A prevention step opens: the same neutral words for everyone, the holder or a child. No
    item, no age, no first name: that a child of the household is due for an examination, or
    that someone turned fifty, is nobody else's to read."""
    site = settings.public_site_url.rstrip("/")
    short_site = site.removeprefix("https://").removeprefix("http://")
    fact = "Une étape de prévention est à prévoir dans votre espace santé."
    subject = "Une étape de prévention est à prévoir"
    if channel is Channel.SMS:
        candidates = (f"Assurance Maladie : {fact} {short_site}", f"{fact} {short_site}")
        folded = [to_gsm7(text) for text in candidates]
        fits = [text for text in folded if sms_segments(text) == 1]
        return Message(subject, (fits or folded[-1:])[0])
    paragraphs = [
        "Bonjour,",
        fact,
        f"Pour la voir, connectez-vous sur {site} (Agenda, Prévention).",
        "Vous recevez ce message parce que les rappels de prévention sont activés dans l'espace "
        "santé. Pour ne plus en recevoir, désactivez-les dans les rappels de l'agenda.",
        "Ce message ne contient aucune information de santé. Ne répondez pas à ce message.",
        SENDER_NAME,
    ]
    return Message(subject, "\n\n".join(paragraphs))
