"""The helpline, for people without a computer: an operator, after checking the caller's
identity, acts on the caller's space for them, audited with the operator's id, and the caller
gets a receipt by post (a letter in the mail house's batch, as the opposition's receipt).

One shape for every act (`HelplineAction`): the operators' route and the CLI take an action, the
caller's INS and birth date, and what the operator checked; `HelplineDesk.act` dispatches to the
action's use case. Closing is built; express deletion and reopening for a caller are added as an
action and a handler in `_ACTS` when their use cases land (docs/lifecycle.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from healthspace.enrollment.messages import Message, MessageSettings, life_message
from healthspace.enrollment.model import Channel, Contact, Enrollment
from healthspace.kernel.errors import Forbidden
from healthspace.kernel.observability import logger
from healthspace.lifecycle.closures import Closures, ClosureState
from healthspace.lifecycle.model import ClosureReason, operator_author
from healthspace.lifecycle.suspensions import space_for_operator
from healthspace.records.model import Space
from healthspace.records.spaces import Spaces

Compose = Callable[[Channel], Message]


class Letters(Protocol):
    """Messages to a person through their enrollment's channels (the mail house's batch for a
    letter): the adapter is enrollment's notifier."""

    def send(self, enrollment: Enrollment, kind: str, compose: Compose) -> Channel:
        """Send through the first channel of the recipient that takes it; the channel used."""
        ...

    def flush(self) -> None:
        """Hand the buffered letters to the mail house."""
        ...


class Contacts(Protocol):
    def get_enrollment(self, ins: str) -> Enrollment | None: ...


class HelplineAction(StrEnum):
    """What an operator may do for a caller (express deletion and reopening to come)."""

    CLOSE = "CLOSE"


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


@dataclass(frozen=True)
class HelplineOutcome:
    action: HelplineAction
    state: ClosureState
    receipt: str | None  # the channel the receipt went by (post when there is an address)

    def to_api(self) -> dict[str, object]:
        return {"action": self.action.value, **self.state.to_api(), "receipt": self.receipt}


@dataclass(eq=False)
class HelplineDesk:
    spaces: Spaces
    closures: Closures
    contacts: Contacts
    letters: Letters
    settings: MessageSettings

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
                "changed": outcome.state.closed_now,
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
        if state.closed_now and state.closure is not None:
            receipt = self._post_receipt(space, state)
        return HelplineOutcome(request.action, state, receipt)

    def _post_receipt(self, space: Space, state: ClosureState) -> str | None:
        enrollment = self.contacts.get_enrollment(space.holder_ins)
        if enrollment is None or state.closure is None:
            return None  # a space opened without enrollment (demo, migration): nobody to write to
        closure = state.closure
        recipient = enrollment.recipient
        letter = enrollment.model_copy(
            update={
                "recipient": Contact(address=recipient.address) if recipient.address else recipient
            }
        )
        channel = self.letters.send(
            letter,
            "closure-receipt",
            lambda channel: life_message(
                letter,
                "closure-receipt",
                closure.closed_at,
                channel,
                self.settings,
                closure.purge_after,
            ),
        )
        self.letters.flush()
        return channel.value


_ACTS: dict[HelplineAction, Callable[[HelplineDesk, HelplineRequest, Space], HelplineOutcome]] = {
    HelplineAction.CLOSE: HelplineDesk._close,
}
