"""Reopening an archived space within its ten years (docs/lifecycle.md, "Reopen").

The holder asks for their space again (the space-request route): the space turns REOPENING in
one conditional write with the reopening's access-log entry, and the reopen workflow starts (one
execution per reopening, named after the space and its version: asking twice starts nothing
twice). The workflow's `restore` step stores its task token on the tombstone and asks S3 for a
copy of the Deep Archive object; S3's restore-completed event (`on_restored`) resumes it; then
`rehydrate` puts every item and object back as archived (each put conditional: a retried step
writes nothing twice), the space ACTIVE, its closure gone (out of the purge index), and deletes
the archive object, whose content is hot again.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from typing import IO, BinaryIO, Final, cast

from healthspace.kernel.clock import Clock
from healthspace.kernel.errors import Conflict, HealthSpaceError
from healthspace.lifecycle.archive import SPOOL_BYTES, space_of_archive
from healthspace.lifecycle.archive_format import ArchiveCorrupt, ArchiveReader
from healthspace.lifecycle.closures import ClosureState
from healthspace.lifecycle.model import REOPENING_OBJECT, Closure
from healthspace.lifecycle.ports import ArchiveObjects, ClosureStore, SpaceItems, Workflows
from healthspace.records.access import AccessPolicy, Caller
from healthspace.records.access_log import AccessLog
from healthspace.records.model import Action, Author, Role, Space, SpaceStatus
from healthspace.records.spaces import Spaces

# How long S3 keeps the restored copy: the rehydration reads it within minutes of the event;
# a day more covers retries.
RESTORE_DAYS: Final = 2
REQUEST_TRIES: Final = 3


@dataclass(frozen=True)
class Rehydrated:
    items: int
    objects: int


@dataclass(eq=False)
class Reopenings:
    store: ClosureStore
    items: SpaceItems
    objects: ArchiveObjects
    workflows: Workflows
    spaces: Spaces
    log: AccessLog
    clock: Clock

    @property
    def policy(self) -> AccessPolicy:
        return self.spaces.policy

    def request(self, caller: Caller) -> ClosureState | None:
        """The caller's own space, archived, starts reopening (REOPENING, 202); a space already
        reopening answers so and starts nothing twice. None: the caller holds no archived
        space (the space request goes on as it did: an opposed enrollment)."""
        try:
            access, space = self.policy.resolve_any(caller, None)
        except HealthSpaceError:
            return None
        if access.role is not Role.HOLDER:
            return None
        return self.reopen(space, access.caller.as_author, access.role)

    def reopen(self, space: Space, author: Author, role: Role) -> ClosureState | None:
        """Reopen `space` for whoever the caller checked (the holder's space request above,
        the helpline after its identity checks: role SYSTEM, the operator as author); the same
        answers. None: the space is open (nothing to reopen)."""
        for _ in range(REQUEST_TRIES):
            if space.status is SpaceStatus.REOPENING:
                self.workflows.start_reopen(space.space_id, space.version)
                return self._state(space)
            if space.status is not SpaceStatus.ARCHIVED:
                if space.status.closed:
                    raise Conflict("this space is being archived or deleted: ask again later")
                return None
            closure = self.store.get_closure(space.space_id)
            if closure is None or closure.archive is None:
                raise Conflict("this space is being archived: ask again later")
            if self.clock.now() >= closure.purge_after:
                raise Conflict("this space's ten years of archive are over: it is being purged")
            entry = self.log.entry_of(space.space_id, author, role, Action.UPDATE, REOPENING_OBJECT)
            if self.items.begin_reopening(space, entry):
                reopening = space.model_copy(
                    update={"status": SpaceStatus.REOPENING, "version": space.version + 1}
                )
                self.workflows.start_reopen(space.space_id, reopening.version)
                return self._state(reopening)
            space = self._space(space.space_id)
        raise Conflict("the space changed while it was being reopened: try again")

    def restore(self, space_id: str, token: str) -> bool:
        """The workflow's waiting step: its token on the tombstone, then S3's restore asked
        for. True if the copy was already there (the workflow is resumed at once)."""
        space, closure = self._tombstone(space_id)
        if space.status is not SpaceStatus.REOPENING or closure.archive is None:
            raise HealthSpaceError("this space is not reopening")
        self.items.put_closure(closure.model_copy(update={"restore_token": token}))
        ref = closure.archive
        if self.objects.request_restore(ref.key, ref.version_id, RESTORE_DAYS):
            self.workflows.resume(token)
            return True
        return False

    def on_restored(self, key: str) -> bool:
        """S3's restore-completed event for an archive object: resume the workflow waiting."""
        space_id = space_of_archive(key)
        closure = self.store.get_closure(space_id) if space_id else None
        if closure is None or closure.restore_token is None:
            return False
        return self.workflows.resume(closure.restore_token)

    def rehydrate(self, space_id: str) -> Rehydrated:
        """Everything back as archived, the space ACTIVE; safe to run again."""
        space = self._space(space_id)
        if space.status is SpaceStatus.ACTIVE:
            return Rehydrated(0, 0)
        closure = self.store.get_closure(space_id)
        if space.status is not SpaceStatus.REOPENING or closure is None or not closure.archive:
            raise HealthSpaceError("this space is not reopening")
        ref = closure.archive
        items = objects = 0
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as copy:
            source = self.objects.open_archive(ref.key, ref.version_id)
            try:
                digest = _copy_hashing(source, cast(IO[bytes], copy))
            finally:
                source.close()
            if digest != ref.sha256:
                raise ArchiveCorrupt("the restored archive is not the one recorded")
            copy.seek(0)
            reader = ArchiveReader(cast(IO[bytes], copy), space_id, self.spaces.space_key(space))
            reader.verify()
            for kind, data in reader.items():
                items += self.items.restore_item(space_id, kind, data)
            for key, stream, size in reader.objects():
                objects += self.objects.put_object_if_absent(key, stream, size)
        if not self.items.finish_reopening(space):
            raise Conflict("the space changed while it was being reopened")
        self.objects.delete_archive(ref.key, ref.version_id)
        return Rehydrated(items, objects)

    def abandon(self, space_id: str) -> bool:
        """The workflow's catch (the restore never came, the archive would not read): the space
        back to ARCHIVED and whatever was put back deleted again (the archive object is still
        there: it is deleted only once the space is ACTIVE). The holder may ask again."""
        space = self._space(space_id)
        if space.status is not SpaceStatus.REOPENING:
            return False
        if not self.items.abandon_reopening(space):
            return False
        self.items.clear_hot_items(space_id)
        self.objects.delete_space_objects(space_id)
        return True

    def _state(self, space: Space) -> ClosureState:
        return ClosureState(space.space_id, space.status, self.store.get_closure(space.space_id))

    def _space(self, space_id: str) -> Space:
        space = self.store.get_space(space_id)
        if space is None:
            raise HealthSpaceError("no space by this id")
        return space

    def _tombstone(self, space_id: str) -> tuple[Space, Closure]:
        space = self._space(space_id)
        closure = self.store.get_closure(space_id)
        if closure is None:
            raise HealthSpaceError("no closure for this space")
        return space, closure


def _copy_hashing(source: BinaryIO, sink: IO[bytes]) -> str:
    """Copy `source` into `sink` in chunks; the SHA-256 of what went through."""
    digest = hashlib.sha256()
    while chunk := source.read(1024 * 1024):
        digest.update(chunk)
        sink.write(chunk)
    return digest.hexdigest()
