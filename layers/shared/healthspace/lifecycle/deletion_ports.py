"""What a space's deletion and the purge at term need of the outside world (beside ports.py,
the closures')."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Protocol

from healthspace.lifecycle.deletion_model import Deletion, DeletionAudit
from healthspace.lifecycle.model import Closure
from healthspace.records.model import AccessLogEntry, Space


class DeletionStore(Protocol):
    """Spaces' deletions on the health space table (adapters/dynamodb/deletions.py)."""

    def get_space(self, space_id: str) -> Space | None: ...

    def get_closure(self, space_id: str) -> Closure | None: ...

    def get_deletion(self, space_id: str) -> Deletion | None: ...

    def shred(self, space: Space, deletion: Deletion, audit: AccessLogEntry | None) -> bool:
        """The crypto-shred, in one transaction: the space item DELETING without its wrapped
        data key (its version plus one) if still at `space.version`, the deletion written
        (indexed by the day it was asked for, so the daily sweep finds it whatever happens to
        its workflow), the history's entry. False if the space changed: nothing written."""
        ...

    def people_of(self, space: Space) -> set[str]:
        """The INS of everyone with a grant on the space (its holder included)."""
        ...

    def erase_people(self, space_id: str, people: set[str]) -> Iterator[int]:
        """Delete the people's visits to the space, then their grants on it; yields the
        number of items deleted, person after person (idempotent)."""
        ...

    def erase_items(self, space_id: str) -> Iterator[int]:
        """Delete every item of the space's partition but the space, its closure and its
        deletion (the last transaction's), each document's DOCREF with it; yields the number
        deleted, page after page (idempotent: a rerun finds what is left)."""
        ...

    def count_erased(self, space_id: str, objects: int = 0, items: int = 0) -> None:
        """Add to the deletion's counts (each page's, once it is deleted)."""
        ...

    def mark_confirmed(self, space_id: str) -> None: ...

    def finish(self, space: Space, deletion: Deletion, audit: DeletionAudit) -> bool:
        """Last, in one transaction: the space item deleted, the closure deleted (its dated
        index entry with it), the deletion done and out of the index (the tombstone), the
        audit record written. False if another run finished first: nothing written."""
        ...

    def due(self, day: date) -> Iterator[str]:
        """The ids of the spaces whose purge (or deletion) is indexed on `day`: one Query of
        the dated index per page, never a Scan."""
        ...

    def sweep_cursor(self) -> date | None:
        """The last day the purge sweep has swept entirely."""
        ...

    def set_sweep_cursor(self, day: date) -> None: ...


class SpaceObjects(Protocol):
    """The space's objects in S3 (the documents bucket and the archive bucket)."""

    def erase(self, space_id: str) -> Iterator[int]:
        """Delete every version and delete marker under `spaces/<space_id>/` in both buckets,
        each by its version id; yields the number deleted, page after page (idempotent)."""
        ...


class DeletionRunner(Protocol):
    """Starts a space's deletion now (the deletion workflow); the daily sweep is its net."""

    def start(self, space_id: str) -> None: ...


class DeletionConfirmations(Protocol):
    """Tells a space's holder (a child's representative) that it is deleted, with the date its
    last copy is gone, by their usual channel (email, SMS or the mail house's letter)."""

    def confirm(self, holder_ins: str, deletion: Deletion) -> bool:
        """False if the holder has no known way to be reached (no enrollment)."""
        ...


class SweepFiles(Protocol):
    """The purge sweep's manifests, in the operations bucket."""

    def put_json(self, key: str, value: object) -> None: ...

    def get_json(self, key: str) -> object: ...
