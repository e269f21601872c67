"""Uploads: a presigned ticket first, then the ingest files what arrived in quarantine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.errors import (
    LimitReached,
    NotFound,
    PayloadTooLarge,
    SpaceClosed,
    UnsupportedMediaType,
)
from healthspace.records import filetypes
from healthspace.records.access import Access
from healthspace.records.filing import Deposit, Filing, check_filename, not_future
from healthspace.records.model import (
    DocumentFacts,
    Limits,
    SpaceStatus,
    Upload,
    UploadStatus,
    documents_full,
)
from healthspace.records.ports import BlobStore, DocumentStore, UploadRecheck
from healthspace.records.spaces import Spaces


@dataclass(frozen=True)
class UploadTicket:
    upload: Upload
    url: str
    fields: dict[str, str]
    expires_at: datetime


def upload_key(space_id: str, upload_id: str) -> str:
    return f"uploads/{space_id}/{upload_id}"


def parse_upload_key(key: str) -> tuple[str, str] | None:
    parts = key.split("/")
    if len(parts) != 3 or parts[0] != "uploads" or not all(parts[1:]):
        return None
    return parts[1], parts[2]


@dataclass(eq=False)
class Uploads:
    store: DocumentStore
    blobs: BlobStore
    spaces: Spaces
    filing: Filing
    recheck: UploadRecheck
    clock: Clock
    ids: IdGenerator
    limits: Limits

    def start_upload(
        self,
        access: Access,
        facts: DocumentFacts,
        filename: str,
        content_type: str,
        size: int,
        *,
        hold_for_announcement: bool = False,
        confidential_from_representatives: bool = False,
    ) -> UploadTicket:
        """A presigned POST ticket for one document; the ingest files it as decided here. A
        professional's write is checked against the care rules before any ticket exists."""
        deposit = self.filing.deposit_facts(
            access, facts.category, hold_for_announcement, confidential_from_representatives
        )
        if content_type not in filetypes.ALLOWED_TYPES:
            raise UnsupportedMediaType(
                f"content_type must be one of {', '.join(sorted(filetypes.ALLOWED_TYPES))}"
            )
        if not 1 <= size <= self.limits.max_upload_bytes:
            raise PayloadTooLarge(
                f"size must be between 1 and {self.limits.max_upload_bytes} bytes"
            )
        not_future(facts.document_date, self.clock.now())
        if self.store.count_documents(access.space_id) >= self.limits.max_documents:
            raise documents_full(self.limits.max_documents)  # before the person sends the file
        now = self.clock.now()
        upload = Upload(
            upload_id=self.ids.new_id(),
            status=UploadStatus.PENDING,
            space_id=access.space_id,
            facts=facts,
            filename=check_filename(filename),
            uploader=access.caller.as_author,
            uploader_role=access.role,
            created_at=now,
            masked=deposit.masked,
            hold_for_announcement=deposit.hold is not None,
            confidential_from_representatives=deposit.confidential_from_representatives,
            uploader_profession=access.profession,
            declared_size=size,
        )
        self.store.put_upload(upload)
        url, fields = self.blobs.presign_upload(
            upload_key(upload.space_id, upload.upload_id), size, self.limits.upload_url_seconds
        )
        expires = now + timedelta(seconds=self.limits.upload_url_seconds)
        return UploadTicket(upload=upload, url=url, fields=fields, expires_at=expires)

    def upload_status(self, access: Access, upload_id: str) -> Upload:
        """An upload's status, to its uploader's side only: a professional sees their own
        uploads on this file, the patient's side its own; anything else is "not found"."""
        upload = self.store.get_upload(access.space_id, upload_id)
        if upload is None or not access.made(upload):
            raise NotFound("upload not found")
        return upload

    def ingest(self, key: str, size: int) -> UploadStatus | None:
        """Check, encrypt and file one quarantined upload. Safe to run twice for the same key
        (S3 delivers events at least once): the second run finds the upload closed and only
        cleans up. Returns the upload's final status, or None for an unknown key."""
        parsed = parse_upload_key(key)
        upload = self.store.get_upload(*parsed) if parsed else None
        if upload is None or upload.status is not UploadStatus.PENDING:
            self.blobs.discard_upload(key)
            return upload.status if upload else None
        reason = self._file(upload, key, size)
        if reason is not None:
            self.store.reject_upload(upload.model_copy(update={"reason": reason}))
        self.blobs.discard_upload(key)
        return UploadStatus.REJECTED if reason else UploadStatus.ACCEPTED

    def _file(self, upload: Upload, key: str, size: int) -> str | None:
        """File the upload; return the reason it was refused, if it was."""
        if size > self.limits.max_upload_bytes:
            return f"the file is larger than {self.limits.max_upload_bytes} bytes"
        if mismatch := _size_mismatch(upload, size):  # as S3 reports it, before reading it
            return mismatch
        if refusal := self.recheck.refusal_at_filing(upload):
            return refusal
        data = self.blobs.read_upload(key)
        if mismatch := _size_mismatch(upload, len(data)):  # as read
            return mismatch
        if problem := self.filing.content_problem(data):
            return str(problem)
        space = self.store.get_space(upload.space_id)
        if space is None or space.status is not SpaceStatus.ACTIVE:
            return "the health space is not active"
        deposit = Deposit(
            facts=upload.facts,
            filename=upload.filename,
            author=upload.uploader,
            actor=upload.uploader,
            role=upload.uploader_role,
            masked=upload.masked,
            hold_for_announcement=upload.hold_for_announcement,
            confidential_from_representatives=upload.confidential_from_representatives,
        )
        # One upload, one document (its id): a retried ingest cannot file it twice.
        document = self.filing.seal(space, upload.upload_id, deposit, data)
        try:
            self.store.accept_upload(
                upload, document, self.filing.entry(deposit, document), self.limits.max_documents
            )
        except (LimitReached, SpaceClosed) as refused:  # filled or closed since: the copy goes
            self.blobs.delete_document(document.blob_key)
            return refused.message
        return None


def _size_mismatch(upload: Upload, size: int) -> str | None:
    """Why a stored file is not the one its ticket was issued for, by its size."""
    declared = upload.declared_size
    if declared is None or size == declared:
        return None
    return f"the file is {size} bytes, not the {declared} bytes its upload declared"
