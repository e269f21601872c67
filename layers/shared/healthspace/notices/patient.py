"""What the patient is told of the acts on their file, and the treating doctor of an emergency.

Every act is already an access-log entry, written with the act itself: the entries are the
outbox. The table's stream brings each new entry to the notices function, which asks this module
whether someone is told and tells them. Nothing is sent from inside a request, so a slow or
failing mail provider never slows or fails a read, and no act goes untold because a send failed
after the write.

The patient is told by email, with no health content: not the document, not its category, not
the professional (a specialist's name says something of an illness) — only that a professional
opened or added to the file, and where to see who and what (the access history). One email per
kind, professional and day: a consultation reads many documents, the patient hears of it once.
A break-glass access is told to the patient and, in their professional inbox, to the treating
doctor. Nobody is told of what the patient's side may not see yet: a document held for its
announcement (its release is told), a minor's confidential document (never to the parents).

At least once, duplicates avoided: a notice is claimed (conditional put, with a lease) before it
is sent and marked sent after; a send that fails drops the claim and the stream retries; a
function that dies while sending leaves a claim whose lease expires, and the retry sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from healthspace.care.access import CONSENT_OBJECT
from healthspace.care.ports import CareRecords
from healthspace.enrollment.messages import (
    Message,
    MessageSettings,
    for_representative,
    life_message,
    notice_message,
    paris_date,
)
from healthspace.enrollment.model import Channel, Enrollment
from healthspace.kernel.clock import Clock
from healthspace.kernel.entity import Entity, Page
from healthspace.records.access import document_facts, entry_facts, visible_to_patient
from healthspace.records.holds import RELEASED_OBJECT
from healthspace.records.model import (
    CLOSURE_OBJECT,
    DEATH_REGISTRY_ID,
    SUSPENSION_OBJECT,
    AccessLogEntry,
    Action,
    ActorKind,
    Author,
    Role,
    Space,
)
from healthspace.records.ports import Store


class NoticeKind(StrEnum):
    ACCESS = "access"  # a professional read or wrote
    DOCUMENT = "document"  # a new document, or a held one released
    EMERGENCY = "emergency"  # a break-glass access
    CONSENT = "consent"  # a professional recorded the patient's consent to their access
    SUSPENSION = "suspension"  # operators suspended the space (identity fraud): its holder
    DEATH = "death"  # the death registry closed a child's space: its representatives


# A space's life: told through the enrollment's channels (email, SMS or letter), once per entry.
LIFE_NOTICES = frozenset({NoticeKind.SUSPENSION, NoticeKind.DEATH})


@dataclass(frozen=True)
class Notice:
    """What one access-log entry tells the patient."""

    kind: NoticeKind
    entry: AccessLogEntry

    @property
    def key(self) -> str:
        """One notice per kind, actor and day in France: the acts of a consultation are one; a
        change of the space's life, one per entry."""
        if self.kind in LIFE_NOTICES:
            return f"{self.kind.value}#{self.entry.entry_id}"
        day = paris_date(self.entry.at).isoformat()
        return f"{self.kind.value}#{self.entry.actor.id}#{day}"


def notice_for(entry: AccessLogEntry) -> Notice | None:
    """The notice an act calls for, if any. The patient's own acts and their representatives'
    are not told back to them; the system's are not either (a migration is announced by its own
    campaign), except a held document's release, which is news."""
    if entry.emergency_reason is not None:
        return Notice(NoticeKind.EMERGENCY, entry)
    if entry.object.type == RELEASED_OBJECT:
        return Notice(NoticeKind.DOCUMENT, entry)
    if entry.object.type == CONSENT_OBJECT:  # so that a consent never given is soon revoked
        return Notice(NoticeKind.CONSENT, entry)
    if entry.object.type == SUSPENSION_OBJECT and entry.action is Action.CREATE:
        return Notice(NoticeKind.SUSPENSION, entry)
    if entry.object.type == CLOSURE_OBJECT and entry.actor.id == DEATH_REGISTRY_ID:
        return Notice(NoticeKind.DEATH, entry)
    if entry.actor.kind is not ActorKind.PROFESSIONAL:
        return None
    if entry.object.type == "document" and entry.action is Action.CREATE:
        return Notice(NoticeKind.DOCUMENT, entry)
    return Notice(NoticeKind.ACCESS, entry)


class Outcome(StrEnum):
    """What became of one entry (each is a metric)."""

    SENT = "sent"
    ALREADY_SENT = "already-sent"  # the same notice went out earlier (same kind, actor, day)
    NOT_TOLD = "not-told"  # an act nobody is told of
    HIDDEN = "hidden"  # about something the patient's side may not see (yet)
    UNREACHABLE = "unreachable"  # no email address for this space
    UNDELIVERABLE = "undeliverable"  # the provider refused the address for good
    CLOSED = "closed"  # the space is closed: nothing more is sent for it


class ProfessionalNotice(Entity):
    """A notice in a professional's inbox (GET /pro/notices): a break-glass access to the file
    of a patient they are the treating doctor of. It names the patient, whom they care for, and
    the professional who opened the file, so that they can follow up; not the stated reason,
    which stays in the patient's history."""

    notice_id: str
    at: datetime
    kind: NoticeKind
    patient_ins: str
    patient_given_name: str
    patient_family_name: str
    patient_birth_date: date
    by: Author


class Contacts(Protocol):
    """Whom to tell for a space: its holder's enrollment carries the contact (a legal
    representative's for a minor)."""

    def get_enrollment(self, ins: str) -> Enrollment | None: ...


class Mailer(Protocol):
    def send_email(self, address: str, message: Message) -> str:
        """Hand the message to the provider; its reference. Raises Undeliverable when the
        address can never receive it, anything else when a retry may succeed."""
        ...

    def send(
        self, enrollment: Enrollment, kind: str, compose: Callable[[Channel], Message]
    ) -> Channel:
        """Through the first of the enrollment's channels that takes it (a letter goes in the
        mail house's batch at `flush`); the channel used."""
        ...

    def flush(self) -> None: ...


class Undeliverable(Exception):
    """The provider refused the address itself: retrying changes nothing."""


class NotSent(RuntimeError):
    """The provider answered and took nothing (throttling, configuration, no channel of the
    contact accepted it): a retry may succeed and cannot make a second copy. Any other failure
    of a send (a timeout, a lost connection) leaves the message's fate unknown."""


class NoticeClaims(Protocol):
    """One claim per notice and space, so that a notice goes out once."""

    def is_sent(self, space_id: str, key: str) -> bool: ...
    def claim(self, space_id: str, key: str, now: datetime, lease: timedelta) -> bool:
        """True if this caller may send: nobody claimed it, or a claim's lease ran out."""
        ...

    def mark_sent(self, space_id: str, key: str, now: datetime) -> None: ...
    def drop(self, space_id: str, key: str) -> None: ...


class ProfessionalInbox(Protocol):
    def deliver(self, rpps: str, notice: ProfessionalNotice) -> None:
        """Idempotent: the same notice_id delivered twice is one notice."""
        ...

    def list(self, rpps: str, limit: int, cursor: str | None) -> Page[ProfessionalNotice]: ...


class NoticeStore(Store, CareRecords, Protocol):
    """What the notices read of the table: the entry's item, and the care record (its treating
    doctor)."""


@dataclass(eq=False)
class PatientNotices:
    """Tells the patient (and, of an emergency, the treating doctor) of one access-log entry."""

    store: NoticeStore
    contacts: Contacts
    claims: NoticeClaims
    mailer: Mailer
    inbox: ProfessionalInbox
    clock: Clock
    settings: MessageSettings
    lease: timedelta = timedelta(minutes=5)

    def tell(self, entry: AccessLogEntry) -> Outcome:
        notice = notice_for(entry)
        if notice is None:
            return Outcome.NOT_TOLD
        if self.claims.is_sent(entry.space_id, notice.key):
            return Outcome.ALREADY_SENT
        space = self.store.get_space(entry.space_id)
        if space is None:
            return Outcome.UNREACHABLE
        if notice.kind in LIFE_NOTICES:
            return self._tell_life(notice, space)
        if space.status.closed:
            return Outcome.CLOSED  # its holder closed it: no mail, no doctor's notice
        if notice.kind is NoticeKind.EMERGENCY:
            self._tell_treating_doctor(notice, space)
        enrollment = self.contacts.get_enrollment(space.holder_ins)
        if enrollment is None or enrollment.recipient.email is None:
            return Outcome.UNREACHABLE
        if self._hidden(notice, enrollment):
            return Outcome.HIDDEN
        return self._send_once(notice, str(enrollment.recipient.email), enrollment)

    def _hidden(self, notice: Notice, enrollment: Enrollment) -> bool:
        """Whether the act is on an item the recipient's side may not see (the history leaves
        it out the same way)."""
        space_id, item = notice.entry.space_id, notice.entry.object
        if item.id is None:
            return False
        if item.type.startswith("document"):
            document = self.store.get_document(space_id, item.id)
            if document is None:  # deleted since: nothing new to see
                return notice.kind is NoticeKind.DOCUMENT
            facts = document_facts(document)
        elif item.type.startswith("profile/"):
            entry = self.store.get_profile_entry(
                space_id, item.type.removeprefix("profile/"), item.id
            )
            if entry is None:
                return False
            facts = entry_facts(entry)
        else:
            return False
        role = Role.LEGAL_REPRESENTATIVE if for_representative(enrollment) else Role.HOLDER
        return not visible_to_patient(facts, role, self.clock.now())

    def _tell_treating_doctor(self, notice: Notice, space: Space) -> None:
        """Whether or not the patient can be emailed: the doctor's inbox is ours."""
        doctor = self.store.get_care_record(space.space_id).team.treating_doctor
        if doctor is None or notice.entry.actor.rpps == doctor.rpps:
            return
        self.inbox.deliver(
            doctor.rpps,
            ProfessionalNotice(
                notice_id=f"{space.space_id}#{notice.key}",
                at=notice.entry.at,
                kind=notice.kind,
                patient_ins=space.holder_ins,
                patient_given_name=space.holder.given_name,
                patient_family_name=space.holder.family_name,
                patient_birth_date=space.holder.birth_date,
                by=notice.entry.actor,
            ),
        )

    def _tell_life(self, notice: Notice, space: Space) -> Outcome:
        """A suspension is told to the holder (a minor's to the representative); a death, to a
        child's representatives only (an adult's space has nobody else to tell). Through the
        enrollment's channels: a person without email is told by SMS or letter."""
        enrollment = self.contacts.get_enrollment(space.holder_ins)
        if enrollment is None:
            return Outcome.UNREACHABLE
        if notice.kind is NoticeKind.DEATH and not for_representative(enrollment):
            return Outcome.NOT_TOLD
        space_id, now = notice.entry.space_id, self.clock.now()
        if not self.claims.claim(space_id, notice.key, now, self.lease):
            return Outcome.ALREADY_SENT
        kind, at = notice.kind.value, notice.entry.at
        try:
            self.mailer.send(
                enrollment,
                kind,
                lambda channel: life_message(enrollment, kind, at, channel, self.settings),
            )
            self.mailer.flush()
        except Exception:
            self.claims.drop(space_id, notice.key)  # the stream retries this entry
            raise
        self.claims.mark_sent(space_id, notice.key, now)
        return Outcome.SENT

    def _send_once(self, notice: Notice, address: str, enrollment: Enrollment) -> Outcome:
        space_id, now = notice.entry.space_id, self.clock.now()
        if not self.claims.claim(space_id, notice.key, now, self.lease):
            return Outcome.ALREADY_SENT
        message = notice_message(enrollment, notice.kind.value, notice.entry.at, self.settings)
        try:
            self.mailer.send_email(address, message)
        except Undeliverable:
            self.claims.mark_sent(space_id, notice.key, now)  # a retry would fail the same way
            return Outcome.UNDELIVERABLE
        except Exception:
            self.claims.drop(space_id, notice.key)  # the stream retries this entry
            raise
        self.claims.mark_sent(space_id, notice.key, now)
        return Outcome.SENT
