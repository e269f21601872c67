"""What the records need of the outside world: small Protocols, implemented by the adapters.
One per kind of item, so that a use case names only what it touches; `Store` is all of them
(the table adapter implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from healthspace.kernel.entity import Page
from healthspace.records.model import (
    EVERY_ENTRY,
    AccessLogEntry,
    Document,
    DocumentFilter,
    HistoryFilter,
    PersonAccess,
    ProfileEntry,
    Role,
    Space,
    Upload,
    Visit,
)


class SpaceStore(Protocol):
    """Spaces and who may act on them."""

    def get_person(self, ins: str) -> PersonAccess | None: ...
    def put_grant(self, ins: str, space_id: str, role: Role) -> None:
        """Let the person `ins` act on the space in that role (one item per grant: no
        read-modify-write, so concurrent grants cannot lose each other)."""
        ...

    def get_space(self, space_id: str) -> Space | None: ...
    def get_spaces(self, space_ids: Sequence[str]) -> list[Space]: ...
    def space_of_document(self, document_id: str) -> str | None:
        """The id of the space that holds this document, None if none does (one read: for
        those who name a document by its id alone, as FHIR's read does)."""
        ...

    def create_space(self, space: Space) -> None: ...
    def set_space_key(self, space: Space, wrapped_key: bytes) -> Space:
        """Store the space's first data key; if another writer stored one first, return the
        space with theirs (one key per space, always)."""
        ...


class DocumentStore(Protocol):
    """Uploads and documents. Every write of health data carries its access-log entry and
    commits atomically with it."""

    def get_space(self, space_id: str) -> Space | None: ...
    def put_upload(self, upload: Upload) -> None: ...
    def get_upload(self, space_id: str, upload_id: str) -> Upload | None: ...
    def accept_upload(
        self, upload: Upload, document: Document, audit: AccessLogEntry, max_documents: int
    ) -> bool:
        """Index the document, count it in its space and close the upload, in one transaction;
        False if the upload was no longer pending. LimitReached (documents_full) if the space
        already holds `max_documents`: nothing is written."""
        ...

    def reject_upload(self, upload: Upload) -> bool: ...

    def get_document(self, space_id: str, document_id: str) -> Document | None: ...
    def add_document(
        self,
        document: Document,
        audit: AccessLogEntry,
        source: str,
        max_documents: int,
        aliases: Sequence[str] = (),
    ) -> str | None:
        """Write a document sent from elsewhere, with its access-log entry and its `aliases`
        (other ids it is known by, not unique), counted in its space, in one transaction,
        unless `source` (the sender's own id of it) already names one in that space: then
        nothing is written and that document's id is returned. LimitReached (documents_full) if
        the space already holds `max_documents`."""
        ...

    def count_documents(self, space_id: str) -> int:
        """How many documents the space holds (its counter: one read)."""
        ...

    def documents_known_as(self, space_id: str, alias: str, limit: int) -> list[str]:
        """The ids of up to `limit` documents of the space added with this alias."""
        ...

    def list_documents(
        self, space_id: str, query: DocumentFilter, limit: int, cursor: str | None
    ) -> Page[Document]: ...
    def release_document(
        self, document: Document, expected_version: int, audit: AccessLogEntry
    ) -> None:
        """Write the released document at `expected_version` (PreconditionFailed otherwise) and
        drop its entry from the holds index, with its access-log entry, in one transaction."""
        ...

    def holds_due_on(self, day: date) -> list[tuple[str, str]]:
        """(space, document) of the unreleased holds whose deadline falls on `day` (UTC)."""
        ...

    def update_document(
        self, document: Document, expected_version: int, audit: AccessLogEntry
    ) -> None: ...
    def delete_document(
        self, document: Document, expected_version: int | None, audit: AccessLogEntry
    ) -> None: ...


class ProfileStore(Protocol):
    """The medical profile's entries, each written with its access-log entry."""

    def list_profile(
        self, space_id: str, section: str, limit: int, cursor: str | None
    ) -> Page[ProfileEntry]:
        """One page of the section, newest first; the cursor cannot leave the space's section
        (BadRequest)."""
        ...

    def get_profile_entry(
        self, space_id: str, section: str, entry_id: str
    ) -> ProfileEntry | None: ...

    def add_profile_entry(
        self, entry: ProfileEntry, audit: AccessLogEntry, max_entries: int
    ) -> bool:
        """Create the entry unless its section already holds `max_entries`: False then, and
        nothing written. The count and the entry are one atomic write, so concurrent adds
        cannot pass the cap together."""
        ...

    def put_profile_entry(
        self, entry: ProfileEntry, expected_version: int, audit: AccessLogEntry
    ) -> None:
        """Replace the entry at that version (PreconditionFailed otherwise)."""
        ...

    def delete_profile_entry(
        self, entry: ProfileEntry, expected_version: int | None, audit: AccessLogEntry
    ) -> None:
        """Delete the entry (at that version, if given), which frees its place in the
        section."""
        ...

    def count_profile_entries(self, space_id: str) -> dict[str, int]:
        """How many entries each section holds (its count: one query); a section never written
        to may be absent."""
        ...


class AccessLogStore(Protocol):
    """The space's history: appended to, read newest first."""

    def get_named_items(
        self, space_id: str, document_ids: Sequence[str], entry_keys: Sequence[tuple[str, str]]
    ) -> tuple[list[Document], list[ProfileEntry]]:
        """Those of these documents and (section, entry id) profile entries that exist, in any
        order: one batch read (what an access-log page names)."""
        ...

    def append_access_log(self, entry: AccessLogEntry) -> None: ...
    def list_access_log(
        self,
        space_id: str,
        limit: int,
        cursor: str | None,
        only: HistoryFilter = EVERY_ENTRY,
    ) -> Page[AccessLogEntry]:
        """A page of the entries `only` lets through, newest first. A filtered page may hold
        fewer than `limit` (none, even) with a next cursor: a store reads a bounded stretch of
        history per page (MAX_FILTERED_READ entries), never the whole of it."""
        ...

    def access_log_since(self, space_id: str, since: datetime, limit: int) -> list[AccessLogEntry]:
        """Up to `limit` of the space's entries after `since`, newest first (one query)."""
        ...


class VisitStore(Protocol):
    """When each person last looked at each space they act on (what is new is new since)."""

    def get_visit(self, ins: str, space_id: str) -> Visit | None: ...
    def put_visit(self, ins: str, visit: Visit) -> None: ...


class Store(SpaceStore, DocumentStore, ProfileStore, AccessLogStore, VisitStore, Protocol):
    """Every item of the medical file, in the health space table."""


class UploadRecheck(Protocol):
    """Asked again when an upload is filed, minutes after its ticket: the care rules may no
    longer let its professional write (a block, a revoked grant). Implemented by the care room."""

    def refusal_at_filing(self, upload: Upload) -> str | None:
        """Why this upload may no longer be filed, if it may not."""
        ...


class BlobStore(Protocol):
    """Document bytes: the quarantine (uploads), the documents bucket and download staging."""

    def presign_upload(
        self, key: str, max_bytes: int, expires_in: int
    ) -> tuple[str, dict[str, str]]: ...

    def read_upload(self, key: str) -> bytes: ...
    def discard_upload(self, key: str) -> None: ...
    def put_document(self, key: str, data: bytes) -> None: ...
    def get_document(self, key: str) -> bytes: ...
    def delete_document(self, key: str) -> None: ...
    def stage_download(
        self, key: str, data: bytes, content_type: str, filename: str, expires_in: int
    ) -> str:
        """Store a short-lived copy and return a presigned GET URL for it."""
        ...

    def stage_view(
        self, key: str, data: bytes, content_type: str, filename: str, expires_in: int
    ) -> str:
        """Store a short-lived copy to show on screen and return a signed link to it on the
        documents' own origin, which serves it as `content_type`, inline, with nosniff and a
        sandboxing Content-Security-Policy (docs/viewer.md)."""
        ...
