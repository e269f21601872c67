"""What the lifecycle needs of the outside world."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol

from healthspace.kernel.entity import Page
from healthspace.lifecycle.export_model import Export
from healthspace.lifecycle.model import Closure
from healthspace.records.model import AccessLogEntry, Space, SpaceStatus


class ClosureStore(Protocol):
    """Spaces' closures, on the health space table."""

    def get_space(self, space_id: str) -> Space | None:
        """The space as last written (a consistent read: it follows a lost race)."""
        ...

    def get_closure(self, space_id: str) -> Closure | None: ...

    def close_space(self, space: Space, closure: Closure, audit: AccessLogEntry) -> bool:
        """Write the space CLOSED (its version plus one), its closure and the closure's
        access-log entry, in one transaction, if the stored space is still at `space.version`;
        False otherwise (another closure, a new data key since it was read): nothing written."""
        ...

    def set_status(self, space: Space, status: SpaceStatus, audit: AccessLogEntry) -> bool:
        """Write the space at `status` (its version plus one) and the access-log entry of the
        change, in one transaction, if the stored space is still at `space.version`; False
        otherwise: nothing written (a suspension, its lifting)."""
        ...


class SuspensionTimer(Protocol):
    """The suspension workflow (Step Functions): one execution per suspension."""

    def start(self, space_id: str, version: int) -> None:
        """Start the wait of the suspension that left the space at `version`: named after both,
        so that starting it again (a retried request) starts nothing."""
        ...


class ExportStore(Protocol):
    """Exports of spaces (lifecycle.exports), on the health space table, each kept two days."""

    def start_export(self, export: Export, audit: AccessLogEntry, now: datetime) -> bool:
        """Write the new export with its access-log entry, on condition that no other export of
        its space is running (one whose build started less than BUILD_DEADLINE ago and is not
        done): False then, nothing written."""
        ...

    def get_export(self, space_id: str, export_id: str) -> Export | None: ...
    def list_exports(self, space_id: str, limit: int, cursor: str | None) -> Page[Export]:
        """A page of the space's exports, newest first."""
        ...

    def claim_export(self, export: Export) -> bool:
        """Write the export RUNNING on condition that it is still PENDING: of two deliveries of
        its message at once, one builds; False for the other, nothing written."""
        ...

    def put_export(self, export: Export, done: bool = False) -> None:
        """Write the export's progress; `done`: it is READY or FAILED, and no longer keeps
        another export of its space from starting."""
        ...


class ZipUpload(Protocol):
    """A file written part by part (an S3 multipart upload): what is written goes out in parts,
    never held whole. zipfile writes to it as to a stream it cannot seek."""

    def write(self, data: bytes) -> int: ...
    def flush(self) -> None: ...


class ExportFiles(Protocol):
    """Where exports' ZIPs are written and handed out (the downloads bucket, which expires them
    after a day)."""

    def open(self, key: str) -> ZipUpload: ...
    def complete(self, upload: ZipUpload) -> int:
        """Finish the file; its size in bytes."""
        ...

    def abort(self, upload: ZipUpload) -> None:
        """Give the file up: none of its parts is kept."""
        ...

    def link(self, key: str, filename: str, expires_in: int) -> str:
        """A presigned GET of the file, as an attachment named `filename`."""
        ...


class SpaceItems(Protocol):
    """A closed space's table items, as the archive and the reopening move them (the space item
    and the closure, the tombstone, are never among them)."""

    def hot_items(self, space_id: str) -> Iterator[tuple[str, bytes]]:
        """(kind, the item serialised as stored) of every item of the space but the space item
        and its closure, and nothing outside its partition (DOCREF items follow documents)."""
        ...

    def clear_hot_items(self, space_id: str) -> int:
        """Delete what hot_items yields, and the documents' DOCREF items; how many were."""
        ...

    def restore_item(self, space_id: str, kind: str, data: bytes) -> bool:
        """Put back one item as hot_items gave it (and a document's DOCREF item) unless it is
        there already (conditional put); True if it was written."""
        ...

    def archive_space(self, space: Space, closure: Closure) -> bool:
        """The space ARCHIVED (version + 1) and its closure with its archive, in one write, on
        condition that the space is still CLOSED at `space.version`."""
        ...

    def put_closure(self, closure: Closure) -> None:
        """The closure as given (it must exist): the reopening's task token on the tombstone."""
        ...

    def begin_reopening(self, space: Space, audit: AccessLogEntry) -> bool:
        """ARCHIVED at `space.version` -> REOPENING (+1), with the access-log entry."""
        ...

    def abandon_reopening(self, space: Space) -> bool:
        """REOPENING at `space.version` -> ARCHIVED (+1) (a later restore stores a new token)."""
        ...

    def finish_reopening(self, space: Space) -> bool:
        """REOPENING at `space.version` -> ACTIVE (+1), and the closure deleted (the space
        leaves the purge index), in one transaction."""
        ...


@dataclass(frozen=True)
class StoredArchive:
    """An archive object as S3 answers for it (a HEAD: a Deep Archive object has no GET)."""

    key: str
    version_id: str
    sha256: str  # hex, from S3's own checksum of the object (ChecksumSHA256)
    size: int
    metadata: dict[str, str]


class ArchiveObjects(Protocol):
    """The documents bucket (a space's objects) and the archive bucket."""

    def space_objects(self, space_id: str) -> Iterator[tuple[str, int]]:
        """(key, size) of the current version of every object under spaces/<space_id>/."""
        ...

    def open_object(self, key: str) -> BinaryIO: ...

    def put_object_if_absent(self, key: str, stream: BinaryIO, size: int) -> bool:
        """Put back an object unless one is under its key; True if written."""
        ...

    def delete_space_objects(self, space_id: str) -> int:
        """Every version of every object under spaces/<space_id>/; how many were deleted."""
        ...

    def find_archive(self, key: str) -> StoredArchive | None: ...

    def put_archive(
        self, key: str, stream: BinaryIO, size: int, sha256: str, metadata: dict[str, str]
    ) -> StoredArchive:
        """Written in Deep Archive with its SHA-256 for S3 to check (it refuses other bytes)."""
        ...

    def delete_archive(self, key: str, version_id: str) -> None: ...

    def request_restore(self, key: str, version_id: str, days: int) -> bool:
        """Ask S3 for a temporary copy (standard tier); True if one is already there."""
        ...

    def open_archive(self, key: str, version_id: str) -> BinaryIO:
        """The restored copy's bytes."""
        ...


class Workflows(Protocol):
    """The archive and reopen state machines."""

    def start_archive(self, space_id: str, closed_at: datetime) -> None:
        """Idempotent: one execution per space's closure (named after it)."""
        ...

    def start_reopen(self, space_id: str, version: int) -> None:
        """Idempotent: one execution per reopening (named after the space and its version)."""
        ...

    def resume(self, token: str) -> bool:
        """The waiting task's success; False if that task no longer waits."""
        ...
