"""Automatic creation of every insured person's space, unless they oppose it with their code.

See docs/enrollment.md for the records, the operations bucket and the wave timer.
"""

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import EmailStr, Field, field_validator, model_validator

from healthspace.kernel.dates import is_minor
from healthspace.kernel.entity import Entity

_MOBILE = re.compile(r"^(?:\+33|0033|0)([67]\d{8})$|^(\+[1-9]\d{7,14})$")


class EnrollmentStatus(StrEnum):
    PENDING = "PENDING"
    OPPOSED = "OPPOSED"
    ACTIVE = "ACTIVE"


class Decision(StrEnum):
    OPPOSED = "OPPOSED"
    ACTIVE = "ACTIVE"


class Channel(StrEnum):
    """How a code reaches its recipient, in order of preference."""

    EMAIL = "email"
    SMS = "sms"
    POST = "post"


AddressLine = Annotated[str, Field(min_length=1, max_length=38)]  # AFNOR NF Z10-011


class PostalAddress(Entity):
    lines: Annotated[tuple[AddressLine, ...], Field(min_length=1, max_length=4)]
    postal_code: Annotated[str, Field(pattern=r"^\d{5}$")]
    city: Annotated[str, Field(min_length=1, max_length=38)]


def normalize_mobile(value: str) -> str:
    """E.164 form of a mobile number (French 06/07 numbers, or any international one)."""
    compact = re.sub(r"[\s.\-()]", "", value)
    match = _MOBILE.match(compact)
    if not match:
        raise ValueError("mobile must be a French 06/07 number or an international +... number")
    return f"+33{match.group(1)}" if match.group(1) else match.group(2)


class Contact(Entity):
    email: EmailStr | None = None
    mobile: str | None = None
    address: PostalAddress | None = None

    @field_validator("mobile")
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        return normalize_mobile(value) if value else None

    @property
    def channel(self) -> Channel | None:
        """Email, else SMS, else a letter."""
        if self.email:
            return Channel.EMAIL
        if self.mobile:
            return Channel.SMS
        if self.address:
            return Channel.POST
        return None


class Citizen(Entity):
    """One person of an insured-persons file, validated."""

    ins: str
    birth_date: date
    given_name: Annotated[str, Field(min_length=1, max_length=100)]
    family_name: Annotated[str, Field(min_length=1, max_length=100)]
    contact: Contact
    representatives: tuple[str, ...] = ()

    def is_minor(self, today: date) -> bool:
        return is_minor(self.birth_date, today)


class Enrollment(Entity):
    """A person's way to a space: notified with a code, then opposed or activated."""

    ins: str
    birth_date: date
    given_name: str
    family_name: str
    wave_id: str
    deadline: datetime
    status: EnrollmentStatus
    recipient: Contact  # the person's own contact, or a legal representative's for a minor
    representatives: tuple[str, ...] = ()
    code_digest: str
    code_issued_at: datetime
    # When the code was handed to SES, SNS or the mail house. None until then: a crash between
    # the write and the send leaves it None, and the timer never activates someone never told.
    notified_at: datetime | None = None
    created_at: datetime
    version: int = 1
    space_id: str | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None  # "self", "operator:<id>" or "timer"

    private = frozenset({"code_digest"})

    @model_validator(mode="after")
    def _reachable(self) -> "Enrollment":
        if self.recipient.channel is None:
            raise ValueError("an enrollment needs a way to reach its recipient")
        return self


class WaveStatus(StrEnum):
    WAITING = "WAITING"
    ACTIVATING = "ACTIVATING"
    DONE = "DONE"


class Wave(Entity):
    wave_id: str
    created_at: datetime
    deadline: datetime
    status: WaveStatus = WaveStatus.WAITING


class WaveCounts(Entity):
    notified: int = 0
    opposed: int = 0
    activated_early: int = 0
    activated: int = 0
    failed: int = 0
    unnotified: int = 0  # pending at the deadline but never told: left for a new wave

    @property
    def opposition_rate(self) -> float:
        return self.opposed / self.notified if self.notified else 0.0


class Receipt(Entity):
    """Proof of a decision, for the person (downloadable) or sent by post (assisted)."""

    receipt_id: str
    decision: Decision
    decided_at: datetime
    given_name: str
    family_name: str
    birth_date: date
    decided_by: str

    def with_link(self, link: str) -> dict[str, Any]:
        """The receipt as the APIs answer it, with the link to its PDF."""
        return {**self.to_api(), "receipt_url": link}


class CodeRequestReceipt(Entity):
    """Proof that a new code was asked for (a lost code): the request alone, when it came and its
    reference. It never says whether the details matched anyone, so its PDF is the same for
    everyone but for these two (and the language asked for)."""

    request_id: str
    received_at: datetime
    language: Literal["fr", "en"] = "fr"

    def with_link(self, link: str) -> dict[str, Any]:
        return {**self.to_api(), "receipt_url": link}


class EnrollmentLogEntry(Entity):
    """What happened to an enrollment, by whom: kept with it (and shown to the person once
    their space exists)."""

    entry_id: str
    ins: str
    at: datetime
    action: str  # NOTIFIED, CODE_REISSUED, OPPOSED, ACTIVATED
    actor: str  # "self", "operator:<id>", "timer", "import"
    channel: Channel | None = None
