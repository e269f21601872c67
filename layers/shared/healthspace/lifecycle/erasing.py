"""Running a space's deletion to its end (docs/lifecycle.md): the deletion workflow's step for an
express deletion, and the purge sweep's for each archive whose term has come (lifecycle.purge).

Its data key is destroyed first (the crypto-shred: lifecycle.deletions for a request, here for a
term). Then each step is idempotent, so that any run may crash and the next finish: every
object version under the space's prefix (both buckets), every item of its partition (and its
documents' DOCREFs), its people's visits and grants; the confirmation of an express deletion;
last, in one transaction, the space item, the closure (its dated index entry), the deletion
made tombstone and the audit record. Counts are added page by page once deleted: a rerun counts
only what it deletes itself, and a finished deletion answers "already purged", counting nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from healthspace.enrollment.codes import pseudonym
from healthspace.kernel.clock import Clock
from healthspace.kernel.observability import logger
from healthspace.lifecycle.deletion_model import DeletionAudit, DeletionReason, Erasure
from healthspace.lifecycle.deletion_ports import (
    DeletionConfirmations,
    DeletionStore,
    SpaceObjects,
)
from healthspace.lifecycle.deletions import new_deletion
from healthspace.records.model import Role, Space, SpaceStatus

# The states the purge at term takes: archived, or closed whose archive never finished.
PURGEABLE = frozenset({SpaceStatus.CLOSED, SpaceStatus.ARCHIVED})


@dataclass(frozen=True)
class Erased:
    """One run of `erase`: what it found, and what it deleted (this run only)."""

    outcome: Erasure
    objects: int = 0
    items: int = 0


@dataclass(eq=False)
class SpaceEraser:
    store: DeletionStore
    objects: SpaceObjects
    confirmations: DeletionConfirmations
    clock: Clock
    # The key of the audit's pseudonyms (the enrollment codes' pepper), read when first needed.
    pepper: Callable[[], bytes]
    _pepper: bytes | None = field(default=None, init=False, repr=False)

    def erase(self, space_id: str, term: bool = False) -> Erased:
        """Run a space's deletion to its end (idempotent). `term`: the purge sweep found it in
        the dated index: an archive (or a closed space) whose ten years have passed is
        shredded first; a deletion already under way goes on either way."""
        space = self.store.get_space(space_id)
        if space is None:
            done = self.store.get_deletion(space_id)
            return Erased(Erasure.ALREADY if done and done.done else Erasure.ABSENT)
        if space.status is not SpaceStatus.DELETING:
            if not (term and self._due(space)):
                return Erased(Erasure.NOT_DUE)
            deletion = new_deletion(space, DeletionReason.TERM, Role.SYSTEM, self.clock)
            if not self.store.shred(space, deletion, None):
                return Erased(Erasure.NOT_DUE)  # changed meanwhile: the next sweep sees it
            space = space.model_copy(
                update={
                    "status": SpaceStatus.DELETING,
                    "wrapped_key": None,
                    "version": space.version + 1,
                }
            )
        return self._erase(space)

    def _erase(self, space: Space) -> Erased:
        space_id = space.space_id
        objects = items = 0
        for deleted in self.objects.erase(space_id):
            self.store.count_erased(space_id, objects=deleted)
            objects += deleted
        for deleted in self.store.erase_items(space_id):
            self.store.count_erased(space_id, items=deleted)
            items += deleted
        for deleted in self.store.erase_people(space_id, self.store.people_of(space)):
            self.store.count_erased(space_id, items=deleted)
            items += deleted
        deletion = self.store.get_deletion(space_id)
        if deletion is None:  # the shred writes it with the space: a space DELETING has one
            raise RuntimeError("a deleting space without its deletion")
        closure = self.store.get_closure(space_id)
        last = 2 if closure else 1  # the space item and the closure, in the last transaction
        now = self.clock.now()
        express = deletion.reason is DeletionReason.REQUEST
        final = deletion.model_copy(
            update={
                "status": SpaceStatus.DELETED if express else SpaceStatus.PURGED,
                "deleted_at": now,
                "items": deletion.items + last,
            }
        )
        if express and not deletion.confirmed:
            # Before the last write, which forgets who the holder was: a crash after the
            # confirmation sends it again (twice rather than never).
            if not self.confirmations.confirm(space.holder_ins, final):
                logger.warning(
                    "deletion unconfirmed: nobody to reach", extra={"space_id": space_id}
                )
            self.store.mark_confirmed(space_id)
        audit = DeletionAudit(
            pseudonym=self.pseudonym(space_id),
            reason=final.reason,
            closed_at=closure.closed_at if closure else None,
            requested_at=final.requested_at,
            deleted_at=now,
            objects=final.objects,
            items=final.items,
        )
        if not self.store.finish(space, final, audit):
            return Erased(Erasure.ALREADY)
        return Erased(Erasure.DONE, objects, items + last)

    def pseudonym(self, space_id: str) -> str:
        """The audit's name for a space: a keyed HMAC (the pepper), never the id itself."""
        if self._pepper is None:
            self._pepper = self.pepper()
        return pseudonym(self._pepper, f"space:{space_id}")

    def _due(self, space: Space) -> bool:
        if space.status not in PURGEABLE:
            return False
        closure = self.store.get_closure(space.space_id)
        return closure is not None and closure.purge_after <= self.clock.now()
