"""A space's closure: when, by whom (a role and a pseudonymous id, no health data), and until
when its archive is kept."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Final

from pydantic import AwareDatetime

from healthspace.kernel.entity import Entity

# The access-log objects of a closure (it stays in the space's history and its archive) and of a
# suspension by operators (created) or its lifting (deleted): records.model's, re-exported.
from healthspace.records.model import CLOSURE_OBJECT as CLOSURE_OBJECT
from healthspace.records.model import (
    DEATH_REGISTRY_ID,
    ActorKind,
    Author,
    Role,
)
from healthspace.records.model import SUSPENSION_OBJECT as SUSPENSION_OBJECT

# A closed space's data is kept ten years, then purged (Code de la santé publique, R1111-36).
RETENTION_YEARS: Final = 10
# The access-log object of a reopening (asked for by the holder; in the history it gets back).
REOPENING_OBJECT = "space/reopening"
# Who, besides the holder's side, changes a space's life: the death registry's import, an
# operator (by their pseudonymous id: the operators' pool's subject).
DEATH_REGISTRY = Author(
    kind=ActorKind.SYSTEM, id=DEATH_REGISTRY_ID, display_name="Registre des décès"
)
OPERATOR_PREFIX = "operator:"


def operator_author(operator_id: str) -> Author:
    return Author(
        kind=ActorKind.SYSTEM,
        id=f"{OPERATOR_PREFIX}{operator_id}",
        display_name="Assurance Maladie (conseiller)",
    )


# What a closure request's body must say, so that a stray request closes nothing.
CONFIRMATION = "CLOSE"


def add_years(moment: datetime, years: int) -> datetime:
    """The same time `years` later; 29 February becomes 1 March (a retention ends no earlier
    than its term)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        day = date(moment.year + years, 3, 1)
        return moment.replace(year=day.year, month=day.month, day=day.day)


class ClosureReason(StrEnum):
    """Why a space closed (docs/lifecycle.md): its holder's or representative's request (or a
    helpline operator's for a caller), the death registry's import, a suspension by operators
    nobody answered within its wait."""

    REQUEST = "REQUEST"
    DEATH = "DEATH"
    SUSPENSION_UNANSWERED = "SUSPENSION_UNANSWERED"


class ClosedBy(Entity):
    """Who closed the space: their role on it and their pseudonymous id (the identity
    provider's subject), never a name nor an INS."""

    private = frozenset({"id"})
    role: Role
    id: str


class ArchiveRef(Entity):
    """Where a closed space's archive object is (the archive bucket, docs/lifecycle.md) and what
    it holds: what the tombstone keeps so that a reopening finds it and a purge deletes it."""

    key: str
    version_id: str
    sha256: str
    size: int
    documents: int
    items: int
    archived_at: AwareDatetime


class Closure(Entity):
    """The closure of a space, stored beside it (the archive and the purge read it later). The
    space item holds the status, CLOSED; this holds the dates."""

    private = frozenset({"space_id", "restore_token"})
    space_id: str
    closed_at: AwareDatetime
    closed_by: ClosedBy
    purge_after: AwareDatetime
    reason: ClosureReason = ClosureReason.REQUEST
    # Set by the archive workflow once the archive object is written and verified.
    archive: ArchiveRef | None = None
    # The reopen workflow's task token while it waits for S3's restore (lifecycle.reopen).
    restore_token: str | None = None

    @classmethod
    def of(
        cls,
        space_id: str,
        closed_at: datetime,
        role: Role,
        subject: str,
        reason: ClosureReason = ClosureReason.REQUEST,
    ) -> Closure:
        return cls(
            space_id=space_id,
            closed_at=closed_at,
            closed_by=ClosedBy(role=role, id=subject),
            purge_after=add_years(closed_at, RETENTION_YEARS),
            reason=reason,
        )

    def to_api(self) -> dict[str, object]:
        return {
            "closed_at": self.closed_at.isoformat(),
            "closed_by": self.closed_by.to_api(),
            "reason": self.reason.value,
            "purge_after": self.purge_after.isoformat(),
        }
