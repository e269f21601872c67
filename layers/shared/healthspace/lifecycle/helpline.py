"""The helpline, for people without a computer: an operator, after checking the caller's
identity, acts on the caller's space for them, audited with the operator's id, and the caller
gets a receipt by post (a letter in the mail house's batch, as the opposition's receipt).

One shape for every act (`HelplineAction`): the operators' route and the CLI take an action, the
caller's INS and birth date, and what the operator checked; `HelplineDesk.act` dispatches to the
action's use case (`_ACTS`): closing, express deletion, reopening, the summary or the file sent
by post (docs/lifecycle.md). Reading a space for a letter is traced in its history as a download
by the operator; the letter goes to the address on file only (a caller cannot have it sent
elsewhere), and a space that is not ACTIVE (closed, suspended) sends nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from healthspace.enrollment.messages import (
    Message,
    MessageSettings,
    for_representative,
    life_message,
)
from healthspace.enrollment.model import Channel, Contact, Enrollment
from healthspace.kernel.errors import Conflict, Forbidden
from healthspace.kernel.observability import logger
from healthspace.lifecycle.closures import Closures, ClosureState
from healthspace.lifecycle.deletions import DeletionState, Requester
from healthspace.lifecycle.messages import helpline_letter
from healthspace.lifecycle.model import ClosureReason, operator_author
from healthspace.lifecycle.summary import Summaries
from healthspace.lifecycle.suspensions import space_for_operator
from healthspace.records.access import Access, visible_to_patient
from healthspace.records.model import Author, ItemFacts, Role, Space, SpaceStatus
from healthspace.records.spaces import Spaces

Compose = Callable[[Channel], Message]


class Letters(Protocol):
    """Messages to a person through their enrollment's channels (the mail house's batch for a
    letter): the adapter is enrollment's notifier."""

    def send(self, enrollment: Enrollment, kind: str, compose: Compose) -> Channel:
        """Send through the first channel of the recipient that takes it; the channel used."""
        ...

    def send_enclosed(
        self, enrollment: Enrollment, kind: str, message: Message, enclosure: bytes
    ) -> str:
        """A letter by post (the enrollment's recipient must have an address) with a printed
        PDF enclosed, in the mail house's batch; the letter's id."""
        ...

    def flush(self) -> None:
        """Hand the buffered letters to the mail house."""
        ...


class Contacts(Protocol):
    def get_enrollment(self, ins: str) -> Enrollment | None: ...


class Deleting(Protocol):
    """lifecycle.deletions.Deletions: the crypto-shred, then the deletion workflow."""

    def request(self, requester: Requester, space_id: str) -> DeletionState: ...


class Reopening(Protocol):
    """lifecycle.reopen.Reopenings: an archived space back, through the reopen workflow."""

    def reopen(self, space: Space, author: Author, role: Role) -> ClosureState | None: ...


class HelplineAction(StrEnum):
    """What an operator may do for a caller."""

    CLOSE = "CLOSE"  # close the space (kept ten years); a receipt by post
    DELETE = "DELETE"  # express deletion; a receipt by post naming the last copy's date
    REOPEN = "REOPEN"  # an archived space back (within its ten years); a receipt by post
    SEND_SUMMARY = "SEND_SUMMARY"  # the International Patient Summary, printed, by post
    SEND_FILE = "SEND_FILE"  # the summary and the list of the documents, printed, by post


class IdentityCheck(StrEnum):
    """What the operator checked of the caller, beyond the INS and birth date every request
    matches against the space (recorded in the audit with the operator's id)."""

    IDENTITY_QUESTIONS = "IDENTITY_QUESTIONS"  # the questions of the helpline's procedure
    POSTAL_ADDRESS = "POSTAL_ADDRESS"  # the address on file, where the receipt goes
    CALLBACK = "CALLBACK"  # called back on the number on file


@dataclass(frozen=True)
class HelplineRequest:
    operator_id: str
    action: HelplineAction
    ins: str
    birth_date: date
    checks: frozenset[IdentityCheck]


class ActState(Protocol):
    """What an act leaves: the space's state as the act's own answer says it."""

    @property
    def space_id(self) -> str: ...

    @property
    def status(self) -> SpaceStatus: ...

    def to_api(self) -> dict[str, object]: ...


@dataclass(frozen=True)
class Posted:
    """A letter with an enclosure sent for a caller: when, and its id in the mail house's
    batch (the operator can tell the caller when to expect it)."""

    space_id: str
    status: SpaceStatus
    sent_at: datetime
    letter_id: str

    def to_api(self) -> dict[str, object]:
        return {
            "space_id": self.space_id,
            "status": self.status.value,
            "sent_at": self.sent_at.isoformat(),
            "letter_id": self.letter_id,
        }


@dataclass(frozen=True)
class HelplineOutcome:
    action: HelplineAction
    state: ActState
    receipt: str | None  # the channel the receipt or letter went by (post when an address)
    changed: bool = False  # this act changed the space or sent something (the log)

    def to_api(self) -> dict[str, object]:
        return {"action": self.action.value, **self.state.to_api(), "receipt": self.receipt}


@dataclass(frozen=True)
class HelplineReader:
    """The operator, as the space's history names them when they read it for a letter."""

    operator_id: str

    @property
    def as_author(self) -> Author:
        return operator_author(self.operator_id)

    @property
    def via(self) -> str | None:
        return None


@dataclass(frozen=True)
class ByPost(Access):
    """The helpline reading a space to print it for its letter: traced as the operator (role
    SYSTEM), it sees what the letter's recipient sees (a child's representative: not the
    minor's secrets, CSP L. 1111-5; nobody: a document held for announcement)."""

    recipient_role: Role = Role.HOLDER

    def sees(self, item: ItemFacts, now: datetime) -> bool:
        return visible_to_patient(item, self.recipient_role, now)


@dataclass(eq=False)
class HelplineDesk:
    spaces: Spaces
    closures: Closures
    contacts: Contacts
    letters: Letters
    settings: MessageSettings
    deletions: Deleting
    summaries: Summaries
    reopenings: Reopening

    def act(self, request: HelplineRequest) -> HelplineOutcome:
        if not request.checks:
            raise Forbidden("check the caller's identity first, and say how")
        space = space_for_operator(self.spaces, request.ins, request.birth_date)
        outcome = _ACTS[request.action](self, request, space)
        logger.info(
            "helpline act recorded",
            extra={
                "action": request.action.value,
                "space_id": space.space_id,
                "checks": sorted(check.value for check in request.checks),
                "changed": outcome.changed,
            },
        )
        return outcome

    def _close(self, request: HelplineRequest, space: Space) -> HelplineOutcome:
        """Close the caller's space (reason REQUEST, by the operator); the receipt by post. A
        closed space answers its closure and sends nothing again."""
        state = self.closures.close_as(
            space.space_id, operator_author(request.operator_id), ClosureReason.REQUEST
        )
        receipt = None
        closure = state.closure
        if state.closed_now and closure is not None:
            receipt = self._receipt(
                space,
                "closure-receipt",
                lambda letter, channel: life_message(
                    letter,
                    "closure-receipt",
                    closure.closed_at,
                    channel,
                    self.settings,
                    closure.purge_after,
                ),
            )
        return HelplineOutcome(request.action, state, receipt, state.closed_now)

    def _delete(self, request: HelplineRequest, space: Space) -> HelplineOutcome:
        """Delete the caller's space now (open, closed or archived): the same use case as the
        holder's (the crypto-shred, then the deletion workflow), role SYSTEM and the operator
        as author; the receipt by post names the day the last copy is gone. A deletion under
        way answers its state and sends nothing again; the workflow's confirmation follows
        when it is done, as for every deletion."""
        requester = Requester(role=Role.SYSTEM, author=operator_author(request.operator_id))
        state = self.deletions.request(requester, space.space_id)
        receipt = None
        deletion = state.deletion
        if state.started_now and deletion is not None:
            receipt = self._receipt(
                space,
                "deletion-receipt",
                lambda letter, channel: helpline_letter(
                    letter,
                    "deletion-receipt",
                    deletion.requested_at,
                    self.settings,
                    deletion.last_copy_gone_by,
                    channel,
                ),
            )
        return HelplineOutcome(request.action, state, receipt, state.started_now)

    def _reopen(self, request: HelplineRequest, space: Space) -> HelplineOutcome:
        """Reopen the caller's archived space: the same use case as the holder's space request
        (REOPENING at once, the reopen workflow restores the archive within about a day), role
        SYSTEM and the operator as author; the receipt by post. A reopening under way answers
        its state and sends nothing again; an open or suspended space has nothing to reopen."""
        author = operator_author(request.operator_id)
        state = self.reopenings.reopen(space, author, Role.SYSTEM)
        if state is None:
            raise Conflict(f"a {space.status.value.lower()} health space has nothing to reopen")
        started = space.status is SpaceStatus.ARCHIVED and state.status is SpaceStatus.REOPENING
        receipt = None
        if started:
            at = self.summaries.clock.now()
            receipt = self._receipt(
                space,
                "reopening-receipt",
                lambda letter, channel: helpline_letter(
                    letter, "reopening-receipt", at, self.settings, channel=channel
                ),
            )
        return HelplineOutcome(request.action, state, receipt, started)

    def _send_summary(self, request: HelplineRequest, space: Space) -> HelplineOutcome:
        return self._post_printed(request, space, "summary-by-post", with_documents=False)

    def _send_file(self, request: HelplineRequest, space: Space) -> HelplineOutcome:
        return self._post_printed(request, space, "file-by-post", with_documents=True)

    def _post_printed(
        self, request: HelplineRequest, space: Space, kind: str, *, with_documents: bool
    ) -> HelplineOutcome:
        """Print the summary (and the documents' list) for the caller and post it to the
        address on file, in the mail house's batch; the reading is traced in the space's
        history as a download by the operator. Each call sends a letter (a caller may ask
        twice: a lost letter)."""
        if space.status is not SpaceStatus.ACTIVE:
            raise Conflict(
                f"a {space.status.value.lower()} health space cannot be sent: "
                "only an active space's content is read"
            )
        enrollment = self.contacts.get_enrollment(space.holder_ins)
        if enrollment is None or enrollment.recipient.address is None:
            raise Conflict("no postal address on file for this space: nothing can go by post")
        letter = enrollment.model_copy(
            update={"recipient": Contact(address=enrollment.recipient.address)}
        )
        reader = ByPost(
            caller=HelplineReader(request.operator_id),
            space_id=space.space_id,
            role=Role.SYSTEM,
            recipient_role=(
                Role.LEGAL_REPRESENTATIVE if for_representative(enrollment) else Role.HOLDER
            ),
        )
        printed = self.summaries.printed(reader, with_documents=with_documents)
        now = self.summaries.clock.now()
        message = helpline_letter(letter, kind, now, self.settings)
        letter_id = self.letters.send_enclosed(letter, kind, message, printed)
        self.letters.flush()
        state = Posted(space.space_id, space.status, now, letter_id)
        return HelplineOutcome(request.action, state, Channel.POST.value, changed=True)

    def _receipt(
        self, space: Space, kind: str, compose: Callable[[Enrollment, Channel], Message]
    ) -> str | None:
        """The receipt of an act: by post when an address is on file (as the opposition's),
        else by the enrollment's channel; None for a space opened without an enrollment (demo,
        migration): nobody to write to."""
        enrollment = self.contacts.get_enrollment(space.holder_ins)
        if enrollment is None:
            return None
        recipient = enrollment.recipient
        letter = enrollment.model_copy(
            update={
                "recipient": Contact(address=recipient.address) if recipient.address else recipient
            }
        )
        channel = self.letters.send(letter, kind, lambda channel: compose(letter, channel))
        self.letters.flush()
        return channel.value


_ACTS: dict[HelplineAction, Callable[[HelplineDesk, HelplineRequest, Space], HelplineOutcome]] = {
    HelplineAction.CLOSE: HelplineDesk._close,
    HelplineAction.DELETE: HelplineDesk._delete,
    HelplineAction.REOPEN: HelplineDesk._reopen,
    HelplineAction.SEND_SUMMARY: HelplineDesk._send_summary,
    HelplineAction.SEND_FILE: HelplineDesk._send_file,
}
