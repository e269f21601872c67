"""Archiving a closed space (docs/lifecycle.md, "Archive for ten years"): the archive workflow's
three steps, each safe to run again.

1. `write`: one object per space in the archive bucket (archive_format), in Deep Archive, and
   verified: S3 checks the SHA-256 sent with the object and answers it back on a HEAD, compared
   with the one computed while writing (a Deep Archive object cannot be read before a restore).
   A retried step finds the object under its key and writes nothing.
2. `settle`: in one conditional write, the space ARCHIVED and its closure's ArchiveRef; if the
   space is no longer CLOSED (an express deletion started), the object written is deleted.
3. `clear`: only once ARCHIVED (the archive verified and recorded), the hot items and the
   documents' objects (every version) are deleted. The tombstone stays: the space item with its
   wrapped key, the closure, the grants.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO, Final, cast

from healthspace.agenda.ports import AppointmentStore
from healthspace.care.ports import CareRecords
from healthspace.kernel.clock import Clock
from healthspace.kernel.errors import HealthSpaceError
from healthspace.lifecycle.archive_format import ArchiveWriter
from healthspace.lifecycle.content import ContentStore, StoredContent
from healthspace.lifecycle.fhir_bundle import write_bundle
from healthspace.lifecycle.model import ArchiveRef, Closure
from healthspace.lifecycle.ports import (
    ArchiveObjects,
    ClosureStore,
    SpaceItems,
    StoredArchive,
    Workflows,
)
from healthspace.records.model import Space, SpaceStatus

# Up to this size an archive is built in memory, past it in a temporary file (Lambda's /tmp).
SPOOL_BYTES: Final = 64 * 1024 * 1024
SETTLE_TRIES: Final = 3
# The archive's entry holding the file as a FHIR R4 Bundle (sealed like the items).
BUNDLE_ENTRY: Final = "bundle.json"


class ArchiveNotVerified(HealthSpaceError, code="ARCHIVE_NOT_VERIFIED"):
    """S3 does not answer for the archive what was written: nothing is deleted."""


def archive_key(space_id: str, closed_at: datetime) -> str:
    """One key per closure: a space closed again after a reopening gets a new archive."""
    return f"spaces/{space_id}/archive-{closed_at.astimezone(UTC):%Y%m%dT%H%M%SZ}.tar"


def space_of_archive(key: str) -> str | None:
    parts = key.split("/")
    if len(parts) == 3 and parts[0] == "spaces" and parts[2].startswith("archive-"):
        return parts[1]
    return None


@dataclass(eq=False)
class Archives:
    store: ClosureStore
    items: SpaceItems
    objects: ArchiveObjects
    data_key: Callable[[Space], bytes]  # records.spaces.Spaces.space_key (created if none yet)
    workflows: Workflows
    clock: Clock
    # What the archive's FHIR Bundle is read from (the export's mapping, lifecycle.fhir_bundle).
    content: ContentStore
    care: CareRecords
    agenda: AppointmentStore | None = None  # the appointments in the Bundle

    def start(self, closure: Closure) -> None:
        """The archive workflow of a closure just written (the table's stream): one execution
        per closure, so a record delivered twice starts nothing twice."""
        self.workflows.start_archive(closure.space_id, closure.closed_at)

    def write(self, space_id: str) -> ArchiveRef | None:
        """The space's archive, written and verified; None if the space is not CLOSED (being
        deleted: nothing to archive) and has no archive yet."""
        tombstone = self._tombstone(space_id)
        if tombstone is None:  # deleted, or purged, meanwhile: nothing to archive
            return None
        space, closure = tombstone
        if closure.archive is not None:
            return closure.archive
        if space.status is not SpaceStatus.CLOSED:
            return None
        key = archive_key(space_id, closure.closed_at)
        found = self.objects.find_archive(key)
        if found is None:
            found = self._write(space, key)
        return self._ref(found)

    def _write(self, space: Space, key: str) -> StoredArchive:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as sink:
            writer = ArchiveWriter(sink, space.space_id, self.data_key(space), self.clock.now())
            self._entries(writer, space)
            sha256, size, manifest = writer.finish()
            sink.seek(0)
            counts = manifest["counts"]
            metadata = {
                "sha256": sha256,
                "documents": str(counts["objects"]),
                "items": str(counts["items"]),
                "format": str(manifest["format_version"]),
            }
            stored = self.objects.put_archive(key, cast(BinaryIO, sink), size, sha256, metadata)
        if stored.sha256 != sha256 or stored.size != size:
            self.objects.delete_archive(key, stored.version_id)
            raise ArchiveNotVerified("the archive stored is not the one written")
        return stored

    def _entries(self, writer: ArchiveWriter, space: Space) -> None:
        """What the archive holds: the file as a FHIR R4 Bundle (the export's, everything in
        it: no side's filter), readable without our code; each kind of table item as one sealed
        entry, what a reopening puts back exactly; each object as one entry, its bytes as
        stored (the documents' ciphertext)."""
        content = StoredContent(
            space=space,
            care=self.care.get_care_record(space.space_id),
            store=self.content,
            now=self.clock.now(),
            agenda=self.agenda,
        )
        bundle: list[bytes] = []
        write_bundle(content, bundle.append, self.clock.now())
        writer.add_sealed(BUNDLE_ENTRY, b"".join(bundle))
        kinds: dict[str, list[bytes]] = {}
        for kind, data in self.items.hot_items(space.space_id):
            kinds.setdefault(kind, []).append(data)
        for kind, lines in sorted(kinds.items()):
            writer.add_items(kind, lines)
        for key, size in self.objects.space_objects(space.space_id):
            stream = self.objects.open_object(key)
            try:
                writer.add_object(key, stream, size)
            finally:
                stream.close()

    def _ref(self, stored: StoredArchive) -> ArchiveRef:
        """What the tombstone keeps, from what S3 answers (HEAD): the object verified."""
        if stored.metadata.get("sha256") != stored.sha256:
            raise ArchiveNotVerified("the archive's checksum is not the one recorded with it")
        return ArchiveRef(
            key=stored.key,
            version_id=stored.version_id,
            sha256=stored.sha256,
            size=stored.size,
            documents=int(stored.metadata.get("documents", "0")),
            items=int(stored.metadata.get("items", "0")),
            archived_at=self.clock.now(),
        )

    def settle(self, space_id: str, ref: ArchiveRef) -> bool:
        """ARCHIVED, the ArchiveRef on the closure, in one write; True once it is so. A space
        no longer CLOSED (an express deletion) loses the object written for it: False."""
        for _ in range(SETTLE_TRIES):
            found = self._tombstone(space_id)
            recorded = found[1].archive if found is not None else None
            if recorded is not None and recorded.version_id == ref.version_id:
                return True  # a retried step: done already
            if found is None or recorded is not None or found[0].status is not SpaceStatus.CLOSED:
                self.objects.delete_archive(ref.key, ref.version_id)  # not this one's to keep
                return False
            space, closure = found
            if self.items.archive_space(space, closure.model_copy(update={"archive": ref})):
                return True
        raise HealthSpaceError("the space kept changing while it was being archived")

    def clear(self, space_id: str) -> dict[str, int]:
        """The hot items and the documents' objects, once the space is ARCHIVED: never
        before its archive is verified and recorded."""
        found = self._tombstone(space_id)
        if found is None or found[0].status is not SpaceStatus.ARCHIVED or not found[1].archive:
            return {"items": 0, "objects": 0}
        items = self.items.clear_hot_items(space_id)
        objects = self.objects.delete_space_objects(space_id)
        return {"items": items, "objects": objects}

    def _tombstone(self, space_id: str) -> tuple[Space, Closure] | None:
        """The space and its closure; None once either is gone (an express deletion, a purge,
        a reopening that removed the closure)."""
        space = self.store.get_space(space_id)
        closure = self.store.get_closure(space_id)
        if space is None or closure is None:
            return None
        return space, closure
