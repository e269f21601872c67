"""Filing a document: the one path every document takes into a file, whoever brings it (a
patient's or a professional's upload, a partner's push, a migration). The bytes are judged by
what they are, encrypted under the space's key and stored; the document is then indexed with its
access-log entry in one transaction, by the store call of the path (an upload closes its ticket,
a push is deduplicated by its sender's id). What a caller may deposit is decided here too, for
documents and profile entries alike."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.crypto import encrypt_document
from healthspace.kernel.dates import latest_day
from healthspace.kernel.errors import (
    BadRequest,
    Conflict,
    HealthSpaceError,
    LimitReached,
    PayloadTooLarge,
    SpaceClosed,
    UnsupportedMediaType,
)
from healthspace.records import filetypes
from healthspace.records.access import Access, check_confidential_from_representatives
from healthspace.records.access_log import AccessLog
from healthspace.records.model import (
    AccessLogEntry,
    Action,
    AnnouncementHold,
    Author,
    Document,
    DocumentFacts,
    ItemFacts,
    Kind,
    Limits,
    Role,
    Space,
)
from healthspace.records.ports import BlobStore, DocumentStore
from healthspace.records.spaces import Spaces


@dataclass(frozen=True)
class Deposit:
    """What is filed and by whom, as the path that brings it decided."""

    facts: DocumentFacts
    filename: str
    author: Author
    # Who the access-log entry names, in what role: the author, unless someone files on their
    # behalf (a migration files documents it did not write, and the history says so).
    actor: Author
    role: Role
    masked: bool = False
    hold_for_announcement: bool = False
    confidential_from_representatives: bool = False
    via: str | None = None
    as_sent: Mapping[str, Any] | None = None  # Document.as_sent


def check_filename(filename: str) -> str:
    name = filename.strip()
    if not 1 <= len(name) <= 255 or any(c in name for c in "/\\") or not name.isprintable():
        raise BadRequest("filename must be 1-255 printable characters without path separators")
    return name


def not_future(day: date, now: datetime) -> None:
    """A document's date has come, in the time zone of whoever gives it (kernel.dates)."""
    if day > latest_day(now):
        raise BadRequest("document_date cannot be in the future")


@dataclass(eq=False)
class Filing:
    store: DocumentStore
    blobs: BlobStore
    spaces: Spaces
    log: AccessLog
    clock: Clock
    ids: IdGenerator
    limits: Limits

    def deposit_facts(
        self, access: Access, kind: Kind, hold: bool, confidential: bool
    ) -> ItemFacts:
        """What an upload or a profile entry of this access will file (Forbidden where a
        professional's rules do not let them write it); a minor's confidential item needs the
        holder's age: one more read."""
        now = self.clock.now()
        facts = access.deposit(kind, now, hold=hold, confidential=confidential)
        if confidential:
            holder = self.spaces.get(access.space_id).holder
            check_confidential_from_representatives(holder.birth_date, now.date())
        return facts

    def content_problem(self, data: bytes) -> HealthSpaceError | None:
        """Why these bytes cannot be a document of the file, if they cannot: judged by what they
        are (their first bytes), whatever their name or declared type says."""
        if not data:
            return BadRequest("the file is empty")
        if len(data) > self.limits.max_upload_bytes:
            return PayloadTooLarge(f"the file is larger than {self.limits.max_upload_bytes} bytes")
        if filetypes.sniff(data) not in filetypes.ALLOWED_TYPES:
            return UnsupportedMediaType(
                "the file is not a PDF, text, RTF, JPEG, PNG or TIFF document"
            )
        return None

    def seal(self, space: Space, document_id: str, deposit: Deposit, content: bytes) -> Document:
        """Encrypt and store the content; return the document to index with its `entry`."""
        now = self.clock.now()
        document = Document(
            document_id=document_id,
            category=deposit.facts.category,
            type_code=deposit.facts.type_code,
            title=deposit.facts.title,
            document_date=deposit.facts.document_date,
            author=deposit.author,
            size=len(content),
            content_type=str(filetypes.sniff(content)),
            sha256=hashlib.sha256(content).hexdigest(),
            masked=deposit.masked,
            created_at=now,
            version=1,
            filename=deposit.filename,
            space_id=space.space_id,
            # A hold's month counts from the filing, whichever path filed it.
            hold=AnnouncementHold(held_at=now) if deposit.hold_for_announcement else None,
            confidential_from_representatives=deposit.confidential_from_representatives,
            as_sent=dict(deposit.as_sent) if deposit.as_sent is not None else None,
        )
        blob = encrypt_document(self.spaces.space_key(space), space.space_id, document_id, content)
        self.blobs.put_document(document.blob_key, blob)
        return document

    def entry(self, deposit: Deposit, document: Document) -> AccessLogEntry:
        """The access-log entry that commits with the document."""
        return self.log.entry_of(
            document.space_id,
            deposit.actor,
            deposit.role,
            Action.CREATE,
            "document",
            document.document_id,
            via=deposit.via,
        )

    def push(
        self,
        space: Space,
        deposit: Deposit,
        content: bytes,
        source: str,
        aliases: Sequence[str] = (),
    ) -> tuple[Document, bool]:
        """File a document sent from elsewhere (a partner's push, a migration). `source` is the
        sender's own id of it: sent again (a retry), the same document comes back (False: nothing
        new); with other content, it is refused (Conflict). `aliases`: other ids it may be found
        by, several documents sharing one (an order number...)."""
        if problem := self.content_problem(content):
            raise problem
        not_future(deposit.facts.document_date, self.clock.now())
        if deposit.hold_for_announcement and deposit.author.rpps is None:
            raise BadRequest("only a professional's document can be held for announcement")
        document = self.seal(space, self.ids.new_id(), deposit, content)
        try:
            earlier_id = self.store.add_document(
                document, self.entry(deposit, document), source, self.limits.max_documents, aliases
            )
        except (LimitReached, SpaceClosed):
            self.blobs.delete_document(document.blob_key)  # nothing indexes it
            raise
        if earlier_id is None:
            return document, True
        self.blobs.delete_document(document.blob_key)  # this attempt's copy: the first one stays
        earlier = self.store.get_document(space.space_id, earlier_id)
        if earlier is None or earlier.sha256 != document.sha256:
            raise Conflict("this identifier already names another document of this patient")
        return earlier, False

    def push_document(
        self,
        space: Space,
        author: Author,
        facts: DocumentFacts,
        content: bytes,
        filename: str,
        source: str,
        actor: Author | None = None,
        role: Role = Role.PROFESSIONAL,
        *,
        hold_for_announcement: bool = False,
        confidential_from_representatives: bool = False,
        via: str | None = None,
        as_sent: Mapping[str, Any] | None = None,
        aliases: Sequence[str] = (),
    ) -> tuple[Document, bool]:
        """`push` for a professional's document (`author`); the access-log entry names `actor`
        in `role` when given, else the author as a professional; `via` names the partner system
        that sent it; `as_sent` is what the sender said of it, to give back; `aliases` are the
        sender's other ids of it (`documents_known_as`). A held document must have a
        professional author (BadRequest)."""
        deposit = Deposit(
            facts=facts,
            filename=check_filename(filename),
            author=author,
            actor=actor or author,
            role=role,
            hold_for_announcement=hold_for_announcement,
            confidential_from_representatives=confidential_from_representatives,
            via=via,
            as_sent=as_sent,
        )
        return self.push(space, deposit, content, source, aliases)

    def documents_known_as(self, space: Space, alias: str, limit: int) -> list[Document]:
        """Up to `limit` documents of the space filed with this alias (one deleted since is not
        among them)."""
        ids = self.store.documents_known_as(space.space_id, alias, limit)
        found = (self.store.get_document(space.space_id, i) for i in ids)
        return [document for document in found if document is not None]
