"""A space's deletion: asked for (express deletion) or due (purge at term), its dates and what
it deleted; and the audit record it leaves (docs/lifecycle.md, "Express deletion" and "Purge at
term"). No health data, no name, no INS: dates, counts, a role, a keyed pseudonym."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from pydantic import AwareDatetime

from healthspace.kernel.entity import Entity
from healthspace.records.model import Role, SpaceStatus

# What a deletion request's body must say, so that a stray request deletes nothing.
DELETE_CONFIRMATION: Final = "DELETE"
# DynamoDB point-in-time recovery keeps 35 days of the table: the longest-lived copy of what a
# deletion removes (docs/lifecycle.md's table). S3 keeps nothing: every version is deleted.
LAST_COPY_DAYS: Final = 35
# How long a deletion may take before it is gone from the table, as promised while it runs: the
# workflow runs it within minutes; a failed run is retried, then the next daily sweep takes it.
DELETION_DELAY: Final = timedelta(days=1)
# The audit record of a deletion is kept five years (the limitation period of an action, Code
# civil 2224): proof that it was done, without anything of the space.
AUDIT_YEARS: Final = 5


class DeletionReason(StrEnum):
    REQUEST = "REQUEST"  # express deletion: the holder, a child's representative, the helpline
    TERM = "TERM"  # the end of the ten years of archive (purge at term)


class Deletion(Entity):
    """A space's deletion, stored beside it (`SPACE#<space>`/`DELETION`) from its crypto-shred
    on; once done, with the counts, it is the space's tombstone (dates only)."""

    private = frozenset({"space_id", "objects", "items", "confirmed"})
    space_id: str
    reason: DeletionReason
    requested_at: AwareDatetime
    requested_by: Role  # HOLDER, LEGAL_REPRESENTATIVE, or SYSTEM (the purge, the helpline)
    status: SpaceStatus  # DELETING, then DELETED (asked for) or PURGED (at term)
    deleted_at: AwareDatetime | None = None
    objects: int = 0  # object versions deleted (both buckets)
    items: int = 0  # table items deleted
    confirmed: bool = False  # the person was sent the confirmation

    @property
    def done(self) -> bool:
        return self.status in (SpaceStatus.DELETED, SpaceStatus.PURGED)

    @property
    def last_copy_gone_by(self) -> datetime:
        """When the last readable copy of anything the space held is gone: its deletion (or,
        while it runs, the latest it will be done) plus DynamoDB's 35 days of point-in-time
        recovery. Every S3 version is deleted by its id, and the data key went first."""
        deleted = self.deleted_at or self.requested_at + DELETION_DELAY
        return deleted + timedelta(days=LAST_COPY_DAYS)

    def to_api(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "reason": self.reason.value,
            "requested_at": self.requested_at.isoformat(),
            "requested_by": self.requested_by.value,
            "deleted_at": self.deleted_at.isoformat() if self.deleted_at else None,
            "last_copy_gone_by": self.last_copy_gone_by.isoformat(),
        }


class DeletionAudit(Entity):
    """What a finished deletion leaves for operators: a keyed pseudonym of the space id (the
    pepper's HMAC: it tells two audits of one space apart from others' without naming it), the
    dates and the counts. Kept AUDIT_YEARS (the table's TTL)."""

    pseudonym: str
    reason: DeletionReason
    closed_at: AwareDatetime | None = None
    requested_at: AwareDatetime
    deleted_at: AwareDatetime
    objects: int
    items: int


class Erasure(StrEnum):
    """What one run of a space's deletion found and did."""

    DONE = "done"  # this run finished it
    ALREADY = "already purged"  # a previous run did: nothing done, nothing counted
    NOT_DUE = "not due"  # open again, or its term not come: nothing done
    ABSENT = "absent"  # no such space: nothing done
