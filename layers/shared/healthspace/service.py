"""Use cases of the medical file. Every read or write of health data appends to the space's
access log; every write commits atomically with its log entry."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cachetools import TTLCache
from pydantic import ValidationError

from healthspace import care_access, filetypes
from healthspace.care_access import (
    AnnouncementHold,
    CareRecord,
    CareTeam,
    GrantKind,
    ItemFacts,
    PatientSettings,
    Profession,
    Professional,
    Refusal,
    Scope,
    Section,
    SpaceDecision,
)
from healthspace.crypto import DataKeyCache, decrypt_document, encrypt_document
from healthspace.errors import (
    BadRequest,
    CareAccessRefused,
    Conflict,
    Forbidden,
    HealthSpaceError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    UnsupportedMediaType,
)
from healthspace.identifiers import parse_ins, parse_rpps
from healthspace.model import (
    AccessedObject,
    AccessLogEntry,
    Action,
    ActorKind,
    Author,
    Document,
    DocumentFacts,
    DocumentFilter,
    Holder,
    Page,
    PersonAccess,
    ProfileEntry,
    Role,
    Space,
    SpaceStatus,
    Upload,
    UploadStatus,
)
from healthspace.ports import BlobStore, Clock, IdGenerator, KeyService, Store
from healthspace.profile import SECTIONS

MAX_PAGE = 100
# The announcement-holds job looks this many days back for deadlines it has not released yet
# (runs missed by an outage). Visibility never waits for it: it follows from the clock.
HOLDS_LOOKBACK_DAYS = 31
# Who the access log names for what the system does on its own (the holds job).
SYSTEM_AUTHOR = Author(kind=ActorKind.SYSTEM, id="system", display_name="Mon espace santé")


@dataclass(frozen=True)
class Caller:
    """The authenticated person behind a request. `subject` is pseudonymous and may be logged;
    the INS and the name may not."""

    subject: str
    ins: str
    display_name: str
    kind: ActorKind = ActorKind.PATIENT

    @property
    def as_author(self) -> Author:
        return Author(kind=self.kind, id=self.subject, display_name=self.display_name)


@dataclass(frozen=True)
class ProfessionalCaller:
    """A health professional as their token presents them. No INS: they reach patients' files
    through the care rules (MedicalFile.open_for_professional), not through grants of their own."""

    professional: Professional
    display_name: str
    # The partner system whose software carries the professional's request (its partner id),
    # named in the patient's access history; None on the professionals' own API.
    via: str | None = None

    @property
    def as_author(self) -> Author:
        return Author.professional(self.professional.rpps, self.display_name)


@dataclass(frozen=True)
class Access:
    """A caller acting on one space, in a role the access policy granted."""

    caller: Caller | ProfessionalCaller
    space_id: str
    role: Role


@dataclass(frozen=True)
class CareAccess(Access):
    """A professional on a patient's file, as the care rules allowed it for this request: the
    use cases filter what they return by `decision`, and trace its emergency reason."""

    decision: SpaceDecision
    settings: PatientSettings


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int = 20 * 1024 * 1024
    upload_url_seconds: int = 900
    download_url_seconds: int = 300
    upload_record_days: int = 7


@dataclass(frozen=True)
class UploadTicket:
    upload: Upload
    url: str
    fields: dict[str, str]
    expires_at: datetime


class AccessPolicy:
    """Who may act on which space. A patient reaches their own space and the spaces they
    represent, nothing else; an unknown or foreign space is reported as not found.

    Grants are cached for a few seconds per warm function (one read saved per request); a revoked
    grant therefore takes effect within `ttl_seconds`.
    """

    def __init__(self, store: Store, ttl_seconds: float = 30, max_people: int = 10_000) -> None:
        self._store = store
        self._cache: TTLCache[str, PersonAccess] = TTLCache(max_people, ttl_seconds)
        self._lock = threading.Lock()

    def person(self, caller: Caller) -> PersonAccess:
        with self._lock:
            person = self._cache.get(caller.ins)
        if person is None:
            person = self._store.get_person(caller.ins)
            if person is None:
                raise NotFound("no health space is open for this account")
            with self._lock:
                self._cache[caller.ins] = person
        return person

    def forget(self, ins: str) -> None:
        """Drop a person's cached grants (this instance changed them)."""
        with self._lock:
            self._cache.pop(ins, None)

    def resolve(self, caller: Caller, space_id: str | None) -> Access:
        person = self.person(caller)
        target = space_id or person.own_space_id
        role = person.spaces.get(target) if target else None
        if target is None or role is None:
            raise NotFound("health space not found")
        return Access(caller=caller, space_id=target, role=role)


def _check_filename(filename: str) -> str:
    name = filename.strip()
    if not 1 <= len(name) <= 255 or any(c in name for c in "/\\") or not name.isprintable():
        raise BadRequest("filename must be 1-255 printable characters without path separators")
    return name


class MedicalFile:
    def __init__(
        self,
        store: Store,
        blobs: BlobStore,
        keys: KeyService,
        clock: Clock,
        ids: IdGenerator,
        limits: Limits | None = None,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.keys = keys
        self.clock = clock
        self.ids = ids
        self.limits = limits or Limits()
        self.policy = AccessPolicy(store)
        self.data_keys = DataKeyCache(keys)

    # ------------------------------------------------------------------ spaces

    def open_space(
        self, ins: str, holder: Holder, representatives: Mapping[str, Role] | None = None
    ) -> Space:
        """Create an active space for `ins` and grant access to its holder and representatives
        (INS → role). Used by the demo data and tests; enrollment activates in one transaction."""
        ins = parse_ins(ins)
        space = self.new_space(ins, holder)
        self.store.create_space(space)
        for person_ins, role in {ins: Role.HOLDER, **(representatives or {})}.items():
            self.grant(parse_ins(person_ins), space.space_id, role)
        return space

    def new_space(self, ins: str, holder: Holder) -> Space:
        return Space(
            space_id=self.ids.new_id(),
            status=SpaceStatus.ACTIVE,
            holder=holder,
            created_at=self.clock.now(),
            holder_ins=ins,
        )

    def space_key(self, space: Space) -> bytes:
        """The space's data key (unwrapped, cached), created on first use."""
        if space.wrapped_key is None:
            _, wrapped = self.keys.generate_data_key(space.space_id)
            space = self.store.set_space_key(space, wrapped)
        assert space.wrapped_key is not None
        return self.data_keys.data_key(space.space_id, space.wrapped_key)

    def grant(self, ins: str, space_id: str, role: Role) -> None:
        self.store.put_grant(ins, space_id, role)
        self.policy.forget(ins)

    def me(self, caller: Caller) -> dict[str, Any]:
        person = self.policy.person(caller)
        spaces = {space.space_id: space for space in self.store.get_spaces(list(person.spaces))}

        def view(space_id: str) -> dict[str, Any]:
            return {**spaces[space_id].to_api(), "role": person.spaces[space_id].value}

        own = person.own_space_id
        return {
            "space": view(own) if own in spaces else None,
            "represented": [
                view(s) for s, role in person.spaces.items() if s in spaces and s != own
            ],
        }

    # ------------------------------------------------------------------ audit

    def _log(
        self, access: Access, action: Action, object_type: str, object_id: str | None = None
    ) -> AccessLogEntry:
        """The entry of one act; a break-glass access's entries carry its stated reason, and a
        professional's acts through a partner's software name that partner."""
        reason = access.decision.emergency_reason if isinstance(access, CareAccess) else None
        via = access.caller.via if isinstance(access.caller, ProfessionalCaller) else None
        return self._audit_entry(
            access.space_id,
            access.caller.as_author,
            access.role,
            action,
            object_type,
            object_id,
            reason,
            via,
        )

    def _audit_entry(
        self,
        space_id: str,
        actor: Author,
        role: Role,
        action: Action,
        object_type: str,
        object_id: str | None = None,
        emergency_reason: str | None = None,
        via: str | None = None,
    ) -> AccessLogEntry:
        return AccessLogEntry(
            entry_id=self.ids.new_id(),
            at=self.clock.now(),
            actor=actor,
            role=role,
            action=action,
            object=AccessedObject(type=object_type, id=object_id),
            space_id=space_id,
            emergency_reason=emergency_reason,
            via=via,
        )

    def _trace(
        self, access: Access, action: Action, object_type: str, object_id: str | None = None
    ) -> None:
        self.store.append_access_log(self._log(access, action, object_type, object_id))

    def access_log(self, access: Access, limit: int, cursor: str | None) -> Page[AccessLogEntry]:
        """The space's history, newest first, for its holder or representative: all but the
        acts on items their side may not see (a document held for announcement until released;
        a minor's secrets, documents or profile entries, for a representative): an entry would
        tell that such an item exists, who filed it and when. The documents and entries a page
        names are read in one batch."""
        page = self.store.list_access_log(access.space_id, _page_size(limit), cursor)
        named = [e.object for e in page.items if e.object.id]
        documents = sorted({o.id for o in named if o.type.startswith("document") and o.id})
        entries = sorted(
            {
                (o.type.removeprefix("profile/"), o.id)
                for o in named
                if o.type.startswith("profile/") and o.id
            }
        )
        found, found_entries = self.store.get_named_items(access.space_id, documents, entries)
        facts = [(d.document_id, document_facts(d)) for d in found]
        facts += [(e.entry_id, entry_facts(e)) for e in found_entries]
        now = self.clock.now()
        hidden = {item_id for item_id, item in facts if not _visible(access, item, now)}
        shown = [e for e in page.items if e.object.id not in hidden]
        return Page[AccessLogEntry](items=shown, next_cursor=page.next_cursor)

    # ------------------------------------------------------------------ uploads

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
        deposit = self._deposit(
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
        _not_future(facts.document_date, self.clock.now().date())
        now = self.clock.now()
        upload = Upload(
            upload_id=self.ids.new_id(),
            status=UploadStatus.PENDING,
            space_id=access.space_id,
            facts=facts,
            filename=_check_filename(filename),
            uploader=access.caller.as_author,
            uploader_role=access.role,
            created_at=now,
            masked=deposit.masked,
            hold_for_announcement=deposit.hold is not None,
            confidential_from_representatives=deposit.confidential_from_representatives,
            uploader_profession=access.decision.professional.profession.value
            if isinstance(access, CareAccess)
            else None,
        )
        self.store.put_upload(upload)
        url, fields = self.blobs.presign_upload(
            upload_key(upload.space_id, upload.upload_id), size, self.limits.upload_url_seconds
        )
        expires = now + timedelta(seconds=self.limits.upload_url_seconds)
        return UploadTicket(upload=upload, url=url, fields=fields, expires_at=expires)

    def _deposit(
        self, access: Access, kind: care_access.Kind, hold: bool, confidential: bool
    ) -> ItemFacts:
        """What an upload or a profile entry will file. A professional deposits under the care
        rules (Forbidden if their row or scope does not write the kind, or under break-glass), as
        its author; a patient's deposit is never held nor confidential (nor masked yet)."""
        if not isinstance(access, CareAccess):
            if hold or confidential:
                raise BadRequest("only a professional's deposit can be held or confidential")
            return ItemFacts(kind=kind)
        now = self.clock.now()
        deposit = care_access.professional_deposit(
            access.decision,
            access.settings,
            kind,
            now,
            hold_for_announcement=hold,
            confidential_from_representatives=confidential,
        )
        if confidential:  # the only case that needs the holder's age: one more read
            space = self.store.get_space(access.space_id)
            if space is None:
                raise NotFound("health space not found")
            care_access.check_confidential_from_representatives(space.holder.birth_date, now.date())
        return deposit

    def upload_status(self, access: Access, upload_id: str) -> Upload:
        """An upload's status, to its uploader's side only: a professional sees their own
        uploads on this file, the patient's side its own; anything else is "not found"."""
        upload = self.store.get_upload(access.space_id, upload_id)
        if upload is None or not _uploaded_by(access, upload):
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
        reason = self._file_upload(upload, key, size)
        if reason is not None:
            self.store.reject_upload(upload.model_copy(update={"reason": reason}))
        self.blobs.discard_upload(key)
        return UploadStatus.REJECTED if reason else UploadStatus.ACCEPTED

    def _file_upload(self, upload: Upload, key: str, size: int) -> str | None:
        """Store the document; return the reason it was refused, if it was."""
        if size > self.limits.max_upload_bytes:
            return f"the file is larger than {self.limits.max_upload_bytes} bytes"
        if refusal := self._no_longer_allowed(upload):
            return refusal
        data = self.blobs.read_upload(key)
        if problem := self._content_problem(data):
            return str(problem)
        space = self.store.get_space(upload.space_id)
        if space is None or space.status is not SpaceStatus.ACTIVE:
            return "the health space is not active"
        document = Document(
            document_id=upload.upload_id,  # one upload, one document: retries cannot duplicate
            category=upload.facts.category,
            type_code=upload.facts.type_code,
            title=upload.facts.title,
            document_date=upload.facts.document_date,
            author=upload.uploader,
            size=len(data),
            content_type=str(filetypes.sniff(data)),
            sha256=hashlib.sha256(data).hexdigest(),
            masked=upload.masked,
            created_at=self.clock.now(),
            version=1,
            filename=upload.filename,
            space_id=upload.space_id,
            # A hold's month counts from the filing, as for a partner's push.
            hold=AnnouncementHold(held_at=self.clock.now())
            if upload.hold_for_announcement
            else None,
            confidential_from_representatives=upload.confidential_from_representatives,
        )
        blob = encrypt_document(self.space_key(space), space.space_id, document.document_id, data)
        self.blobs.put_document(document.blob_key, blob)
        audit = self._audit_entry(
            space.space_id,
            upload.uploader,
            upload.uploader_role,
            Action.CREATE,
            "document",
            document.document_id,
        )
        self.store.accept_upload(upload, document, audit)
        return None

    def _no_longer_allowed(self, upload: Upload) -> str | None:
        """A professional's upload is filed only if the care rules still let them write its
        kind: the patient may have blocked them, or ended their grant, since the ticket (one
        read of the care record, professionals' uploads only)."""
        rpps, code = upload.uploader.rpps, upload.uploader_profession
        if upload.uploader_role is not Role.PROFESSIONAL or rpps is None or code is None:
            return None
        record = self.store.get_care_record(upload.space_id)
        professional = Professional(rpps=rpps, profession=Profession(code))
        decision = care_access.decide_space_access(
            professional, record.settings, record.team, self.clock.now(), None
        )
        if decision.refusal is not None:
            return _REFUSALS[decision.refusal]
        if not care_access.can_write(decision, upload.facts.category):
            return "you may no longer add this kind of document to this patient's file"
        return None

    def _content_problem(self, data: bytes) -> HealthSpaceError | None:
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

    # ------------------------------------------------------------------ documents sent by partners

    def space_of(self, ins: str) -> Space:
        """The active space of the person with this INS (partner systems name patients so)."""
        person = self.store.get_person(parse_ins(ins))
        space_id = person.own_space_id if person else None
        space = self.store.get_space(space_id) if space_id else None
        if space is None or space.status is not SpaceStatus.ACTIVE:
            raise NotFound("no active health space for this patient")
        return space

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
    ) -> tuple[Document, bool]:
        """File a document a partner system sends on behalf of a professional (`author`), as an
        upload is filed: checked by its bytes, encrypted under the space's key, written with its
        access-log entry. `source` is the sender's own id of it: sent again (a retry), the same
        document comes back (False: nothing new); with other content, it is refused. The
        access-log entry names `actor` in `role` when given (a migration files documents it did
        not write, and the patient's history says so), else the author as a professional;
        `via` names the partner system that sent it.
        A held document (hold_for_announcement) must have a professional author (BadRequest)."""
        if problem := self._content_problem(content):
            raise problem
        _not_future(facts.document_date, self.clock.now().date())
        now = self.clock.now()
        if hold_for_announcement and author.rpps is None:
            raise BadRequest("only a professional's document can be held for announcement")
        document = Document(
            document_id=self.ids.new_id(),
            category=facts.category,
            type_code=facts.type_code,
            title=facts.title,
            document_date=facts.document_date,
            author=author,
            size=len(content),
            content_type=str(filetypes.sniff(content)),
            sha256=hashlib.sha256(content).hexdigest(),
            masked=False,
            created_at=self.clock.now(),
            version=1,
            filename=_check_filename(filename),
            space_id=space.space_id,
            hold=AnnouncementHold(held_at=now) if hold_for_announcement else None,
            confidential_from_representatives=confidential_from_representatives,
        )
        blob = encrypt_document(
            self.space_key(space), space.space_id, document.document_id, content
        )
        self.blobs.put_document(document.blob_key, blob)
        audit = self._audit_entry(
            space.space_id,
            actor or author,
            role,
            Action.CREATE,
            "document",
            document.document_id,
            via=via,
        )
        earlier_id = self.store.add_document(document, audit, source)
        if earlier_id is None:
            return document, True
        self.blobs.delete_document(document.blob_key)  # this attempt's copy: the first one stays
        earlier = self.store.get_document(space.space_id, earlier_id)
        if earlier is None or earlier.sha256 != document.sha256:
            raise Conflict("this identifier already names another document of this patient")
        return earlier, False

    # ------------------------------------------------------------------ documents

    def list_documents(
        self, access: Access, query: DocumentFilter, limit: int, cursor: str | None
    ) -> Page[Document]:
        if query.date_from and query.date_to and query.date_from > query.date_to:
            raise BadRequest("date_from must not be after date_to")
        page = self.store.list_documents(access.space_id, query, _page_size(limit), cursor)
        self._trace(access, Action.READ, "document-list")
        # Hidden items are left out, not counted: a page may be short, its cursor still works.
        now = self.clock.now()
        visible = [d for d in page.items if _visible(access, document_facts(d), now)]
        return page.model_copy(update={"items": visible})

    def _document(self, access: Access, document_id: str) -> Document:
        """The document, if the caller may see it: one hidden from them (a professional's rules,
        a hold, a minor's secret) is "not found", exactly as one that does not exist."""
        document = self.store.get_document(access.space_id, document_id)
        if document is None or not _visible(access, document_facts(document), self.clock.now()):
            raise NotFound("document not found")
        return document

    def get_document(self, access: Access, document_id: str) -> Document:
        document = self._document(access, document_id)
        self._trace(access, Action.READ, "document", document_id)
        return document

    def download(self, access: Access, document_id: str) -> tuple[str, int]:
        """A short-lived URL to the decrypted document (too large for a Lambda response)."""
        document = self._document(access, document_id)
        space = self.store.get_space(access.space_id)
        if space is None:
            raise NotFound("health space not found")
        plaintext = decrypt_document(
            self.space_key(space),
            space.space_id,
            document.document_id,
            self.blobs.get_document(document.blob_key),
        )
        seconds = self.limits.download_url_seconds
        url = self.blobs.stage_download(
            f"downloads/{self.ids.new_id()}/{document.document_id}",
            plaintext,
            document.content_type,
            document.filename,
            seconds,
        )
        self._trace(access, Action.DOWNLOAD, "document", document_id)
        return url, seconds

    def update_document(
        self,
        access: Access,
        document_id: str,
        expected_version: int,
        title: str | None = None,
        masked: bool | None = None,
    ) -> Document:
        _on_patient_side(access)
        document = self._document(access, document_id)
        changes: dict[str, Any] = {"version": expected_version + 1}
        if title is not None:
            changes["title"] = title
        if masked is not None:
            changes["masked"] = masked
        updated = document.model_copy(update=changes)
        self.store.update_document(
            updated, expected_version, self._log(access, Action.UPDATE, "document", document_id)
        )
        return updated

    def delete_document(
        self, access: Access, document_id: str, expected_version: int | None
    ) -> None:
        _on_patient_side(access)
        document = self._document(access, document_id)
        if document.author.kind is not ActorKind.PATIENT:
            raise Forbidden("a document added by a professional cannot be deleted by the patient")
        self.store.delete_document(
            document, expected_version, self._log(access, Action.DELETE, "document", document_id)
        )
        # After the index: a failure here leaves an unreachable, still encrypted blob, never a
        # listed document without content.
        self.blobs.delete_document(document.blob_key)

    # ------------------------------------------------------------------ announcement holds
    # A held document shows to the patient's side once released or a month after it was held
    # (care_access, by the clock). Releasing sets `released_at` and tells the patient: an
    # access-log entry "document/release" (emails are a later increment).

    def release_document(self, access: CareAccess, document_id: str) -> Document:
        """The author releases their held document after the announcement consultation;
        another professional is refused (403). Releasing twice changes nothing: the answer is
        then a read of the document, traced as one."""
        document = self._document(access, document_id)
        facts = care_access.release(
            document_facts(document), access.decision.professional, self.clock.now()
        )
        if facts.hold == document.hold:
            self._trace(access, Action.READ, "document", document_id)
            return document
        return self._release(document, facts.hold, self._log(access, *_RELEASED, document_id))

    def release_due_holds(self) -> list[str]:
        """The scheduled job: release every hold past its month (found by the day of its
        deadline, not by a scan) and tell the patient. Safe to run twice or concurrently: a
        released hold leaves the index, and a release lost to a concurrent one is skipped.
        Returns the ids of the documents it released."""
        now = self.clock.now()
        released = []
        for back in range(HOLDS_LOOKBACK_DAYS, -1, -1):
            day = now.astimezone(UTC).date() - timedelta(days=back)
            for space_id, document_id in self.store.holds_due_on(day):
                document = self.store.get_document(space_id, document_id)
                hold = document.hold if document else None
                if document is None or hold is None or not hold.due_for_release(now):
                    continue
                audit = self._audit_entry(
                    space_id, SYSTEM_AUTHOR, Role.SYSTEM, *_RELEASED, document_id
                )
                try:
                    self._release(document, hold.model_copy(update={"released_at": now}), audit)
                except PreconditionFailed:
                    continue  # released or changed meanwhile: the next run looks again
                released.append(document_id)
        return released

    def _release(
        self, document: Document, hold: AnnouncementHold | None, audit: AccessLogEntry
    ) -> Document:
        released = document.model_copy(update={"hold": hold, "version": document.version + 1})
        self.store.release_document(released, document.version, audit)
        return released

    # ------------------------------------------------------------------ medical profile

    def profile(self, access: Access) -> dict[str, list[ProfileEntry]]:
        """Every section; for a professional, the sections they may read and the entries they
        see (their own included)."""
        names = SECTIONS
        if isinstance(access, CareAccess):
            names = {name: model for name, model in SECTIONS.items() if name in _readable(access)}
        sections: dict[str, list[ProfileEntry]] = {name: [] for name in names}
        now = self.clock.now()
        for entry in self.store.list_profile(access.space_id, None):
            if _visible(access, entry_facts(entry), now):
                sections.setdefault(entry.section, []).append(entry)
        self._trace(access, Action.READ, "profile")
        return sections

    def list_section(self, access: Access, section: str) -> list[ProfileEntry]:
        now = self.clock.now()
        entries = [
            entry
            for entry in self.store.list_profile(access.space_id, _section(section))
            if _visible(access, entry_facts(entry), now)
        ]
        self._trace(access, Action.READ, f"profile/{section}")
        return entries

    def _entry(self, access: Access, section: str, entry_id: str) -> ProfileEntry:
        entry = self.store.get_profile_entry(access.space_id, _section(section), entry_id)
        if entry is None or not _visible(access, entry_facts(entry), self.clock.now()):
            raise NotFound("profile entry not found")
        return entry

    def get_entry(self, access: Access, section: str, entry_id: str) -> ProfileEntry:
        entry = self._entry(access, section, entry_id)
        self._trace(access, Action.READ, f"profile/{section}", entry_id)
        return entry

    def add_entry(
        self,
        access: Access,
        section: str,
        data: Mapping[str, Any],
        *,
        confidential_from_representatives: bool = False,
    ) -> ProfileEntry:
        """Add an entry, its caller as author; a professional only where the rules let them
        write (Forbidden otherwise), and may keep a minor's entry from their representatives.
        Profile entries have no masking."""
        now = self.clock.now()
        self._deposit(access, Section(_section(section)), False, confidential_from_representatives)
        entry = ProfileEntry(
            section=_section(section),
            entry_id=self.ids.new_id(),
            version=1,
            created_at=now,
            updated_at=now,
            author=access.caller.as_author,
            fields=validate_section(section, data),
            space_id=access.space_id,
            confidential_from_representatives=confidential_from_representatives,
        )
        self.store.put_profile_entry(
            entry, None, self._log(access, Action.CREATE, f"profile/{section}", entry.entry_id)
        )
        return entry

    def replace_entry(
        self,
        access: Access,
        section: str,
        entry_id: str,
        data: Mapping[str, Any],
        expected_version: int,
    ) -> ProfileEntry:
        _on_patient_side(access)
        fields = validate_section(section, data)
        entry = self._entry(access, section, entry_id).model_copy(
            update={
                "fields": fields,
                "version": expected_version + 1,
                "updated_at": self.clock.now(),
            }
        )
        self.store.put_profile_entry(
            entry,
            expected_version,
            self._log(access, Action.UPDATE, f"profile/{section}", entry_id),
        )
        return entry

    def delete_entry(
        self, access: Access, section: str, entry_id: str, expected_version: int | None
    ) -> None:
        _on_patient_side(access)
        entry = self._entry(access, section, entry_id)
        self.store.delete_profile_entry(
            entry,
            expected_version,
            self._log(access, Action.DELETE, f"profile/{section}", entry_id),
        )

    # ------------------------------------------------------------------ the patient's controls
    # Who may open the file: settings (emergency access, masking by default, blocked
    # professionals) and the care team (treating doctor, grants), one versioned care record. The
    # rules are care_access's; here each change is checked against the version the patient read
    # and written with its access-log entry. Actions follow the HTTP verb: UPDATE for a PUT,
    # DELETE for a DELETE; the object is the route ("care/team", RPPS).

    def care_record(self, access: Access) -> CareRecord:
        """The settings and care team. Not traced, like the access log: the patient consulting
        who may see their file reads no health data; every change to it is traced."""
        _manages_controls(access)
        return self.store.get_care_record(access.space_id)

    def change_settings(
        self,
        access: Access,
        expected_version: int,
        emergency_access: bool | None = None,
        mask_by_default: bool | None = None,
    ) -> CareRecord:
        """Emergency access and masking by default are plain switches (no rule binds them)."""
        switches = {"emergency_access": emergency_access, "mask_by_default": mask_by_default}
        changes = {name: value for name, value in switches.items() if value is not None}
        return self._change_care(
            access,
            expected_version,
            Action.UPDATE,
            "care/settings",
            None,
            lambda r: (r.settings.model_copy(update=changes), r.team),
        )

    def block_professional(self, access: Access, rpps: str, expected_version: int) -> CareRecord:
        rpps = parse_rpps(rpps)
        return self._change_care(
            access,
            expected_version,
            Action.UPDATE,
            "care/blocked",
            rpps,
            lambda r: (care_access.block(r.settings, r.team, rpps), r.team),
        )

    def unblock_professional(self, access: Access, rpps: str, expected_version: int) -> CareRecord:
        rpps = parse_rpps(rpps)
        return self._change_care(
            access,
            expected_version,
            Action.DELETE,
            "care/blocked",
            rpps,
            lambda r: (care_access.unblock(r.settings, rpps), r.team),
        )

    def designate_treating_doctor(
        self,
        access: Access,
        rpps: str,
        expected_version: int,
        profession: Profession = Profession.MEDECIN,
    ) -> CareRecord:
        """`profession` is what the patient's client knows of the doctor (no directory of
        professionals is wired yet to confirm it): a non-médecin is refused."""
        doctor = Professional(rpps=rpps, profession=profession)
        now = self.clock.now()
        return self._change_care(
            access,
            expected_version,
            Action.UPDATE,
            "care/treating-doctor",
            doctor.rpps,
            lambda r: (
                r.settings,
                care_access.designate_treating_doctor(r.team, r.settings, doctor, now),
            ),
        )

    def end_treating_doctor(self, access: Access, expected_version: int) -> CareRecord:
        return self._change_care(
            access,
            expected_version,
            Action.DELETE,
            "care/treating-doctor",
            None,
            lambda r: (r.settings, care_access.end_treating_doctor(r.team)),
        )

    def grant_access(
        self,
        access: Access,
        rpps: str,
        scope: Scope,
        expected_version: int,
        expires_at: datetime | None = None,
    ) -> CareRecord:
        """The patient declares a member of their care team (GrantKind.TEAM; a CONSENT is
        recorded by a professional, record_consent). Granting again replaces the grant."""
        rpps = parse_rpps(rpps)
        now = self.clock.now()
        return self._change_care(
            access,
            expected_version,
            Action.UPDATE,
            "care/team",
            rpps,
            lambda r: (
                r.settings,
                care_access.grant_access(
                    r.team, r.settings, rpps, GrantKind.TEAM, scope, now, expires_at
                ),
            ),
        )

    def record_consent(
        self,
        caller: ProfessionalCaller,
        ins: str,
        scope: Scope,
        expires_at: datetime | None = None,
    ) -> CareRecord:
        """The professional records that the patient consents to their access (during care,
        with them): a CONSENT grant the patient sees in their care record and history (and is
        told of by email) and may revoke. Refused as the care rules refuse: an unknown patient
        as one without a relationship, a blocked professional as blocked."""
        try:
            space = self.space_of(ins)
        except NotFound:
            raise _refusal(Refusal.NO_RELATIONSHIP) from None
        record = self.store.get_care_record(space.space_id)
        if caller.professional.rpps in record.settings.blocked:
            raise _refusal(Refusal.BLOCKED)
        team = care_access.record_consent(
            record.team, record.settings, caller.professional, scope, self.clock.now(), expires_at
        )
        updated = record.model_copy(update={"team": team, "version": record.version + 1})
        access = Access(caller=caller, space_id=space.space_id, role=Role.PROFESSIONAL)
        entry = self._log(access, Action.CREATE, CONSENT_OBJECT, caller.professional.rpps)
        self.store.put_care_record(updated, record.version, entry)
        return updated

    def revoke_access(self, access: Access, rpps: str, expected_version: int) -> CareRecord:
        """Ends a team member's or a consent's grant, whichever the professional holds."""
        rpps = parse_rpps(rpps)
        return self._change_care(
            access,
            expected_version,
            Action.DELETE,
            "care/team",
            rpps,
            lambda r: (r.settings, care_access.revoke_access(r.team, rpps)),
        )

    def _change_care(
        self,
        access: Access,
        expected_version: int,
        action: Action,
        object_type: str,
        object_id: str | None,
        change: Callable[[CareRecord], tuple[PatientSettings, CareTeam]],
    ) -> CareRecord:
        """Apply `change` to the record the patient read (at `expected_version`) and write it
        with its access-log entry. The version is checked here as well as by the store's
        conditional write: a change computed on a stale read must not overwrite a newer record.
        A change that alters nothing is still written and traced (the patient asked for it)."""
        _manages_controls(access)
        current = self.store.get_care_record(access.space_id)
        if current.version != expected_version:
            raise PreconditionFailed(
                "the care settings were changed since you read them; reload and try again"
            )
        settings, team = change(current)
        updated = current.model_copy(
            update={"settings": settings, "team": team, "version": expected_version + 1}
        )
        self.store.put_care_record(
            updated, expected_version, self._log(access, action, object_type, object_id)
        )
        return updated

    # ------------------------------------------------------------------ professionals
    # A professional names the patient by INS; the care rules decide, on the patient's care
    # record (one read), whether they open the file and with what rights. The CareAccess they get
    # then goes through the same use cases as the patient's Access: the documents and profile
    # above filter and trace by it, so there is one way to read, download and add.

    def open_for_professional(
        self, caller: ProfessionalCaller, ins: str, emergency_reason: str | None = None
    ) -> CareAccess:
        """The professional's access to the file of the patient with this INS, or
        CareAccessRefused. A patient without an active space is refused as one with whom the
        professional has no relationship: the answer tells nobody who has a space."""
        try:
            space = self.space_of(ins)
        except NotFound:
            raise _refusal(Refusal.NO_RELATIONSHIP) from None
        record = self.store.get_care_record(space.space_id)
        decision = care_access.decide_space_access(
            caller.professional, record.settings, record.team, self.clock.now(), emergency_reason
        )
        if decision.refusal is not None:
            raise _refusal(decision.refusal)
        return CareAccess(
            caller=caller,
            space_id=space.space_id,
            role=Role.PROFESSIONAL,
            decision=decision,
            settings=record.settings,
        )


_REFUSALS = {
    Refusal.NO_RELATIONSHIP: "no care relationship gives you access to this patient's file",
    Refusal.BLOCKED: "the patient has refused you access to their file",
    Refusal.CONSENT_EXPIRED: "your access to this patient's file has expired: ask the patient",
    Refusal.EMERGENCY_DISABLED: "the patient does not allow emergency access to their file",
}


def _refusal(refusal: Refusal) -> CareAccessRefused:
    return CareAccessRefused(refusal.value, _REFUSALS[refusal])


def document_facts(document: Document) -> ItemFacts:
    """What the care rules need of a document."""
    return ItemFacts(
        kind=document.category,
        author_rpps=document.author.rpps,
        masked=document.masked,
        hold=document.hold,
        confidential_from_representatives=document.confidential_from_representatives,
    )


def entry_facts(entry: ProfileEntry) -> ItemFacts:
    """Profile entries are never masked (masking is about documents)."""
    return ItemFacts(
        kind=Section(entry.section),
        author_rpps=entry.author.rpps,
        confidential_from_representatives=entry.confidential_from_representatives,
    )


# The access-log object of a held document's release: it became visible to the patient, who
# is told of it (healthspace.notices).
RELEASED_OBJECT = "document/release"
# The access-log object of a consent a professional recorded (the patient is told of it too).
CONSENT_OBJECT = "care/consent"
_RELEASED = (Action.UPDATE, RELEASED_OBJECT)


def _visible(access: Access, item: ItemFacts, now: datetime) -> bool:
    """A professional sees what the care rules show them; the patient's side (holder or
    representative) all but held documents and, for a representative, a minor's secrets."""
    if isinstance(access, CareAccess):
        return care_access.visible_to_professional(access.decision, item)
    return care_access.visible_to_patient(item, access.role, now)


def _readable(access: CareAccess) -> set[str]:
    return {kind.value for kind in access.decision.readable if isinstance(kind, Section)}


def _on_patient_side(access: Access) -> None:
    """Renaming, masking, replacing and deleting are the patient's acts; professionals add."""
    if isinstance(access, CareAccess):
        raise Forbidden("professionals add to the file; changing or deleting is the patient's")


def _manages_controls(access: Access) -> None:
    """The holder and their legal representatives decide who sees the file; nobody else."""
    if access.role not in (Role.HOLDER, Role.LEGAL_REPRESENTATIVE):
        raise Forbidden("only the holder or a legal representative manages access to this file")


def _uploaded_by(access: Access, upload: Upload) -> bool:
    """Whether the caller's side made this upload: a professional, by their RPPS; the patient's
    side (holder, representatives), any upload but a professional's."""
    if isinstance(access, CareAccess):
        return upload.uploader.rpps == access.decision.professional.rpps
    return upload.uploader_role is not Role.PROFESSIONAL


def upload_key(space_id: str, upload_id: str) -> str:
    return f"uploads/{space_id}/{upload_id}"


def parse_upload_key(key: str) -> tuple[str, str] | None:
    parts = key.split("/")
    if len(parts) != 3 or parts[0] != "uploads" or not all(parts[1:]):
        return None
    return parts[1], parts[2]


def _page_size(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}")
    return limit


def _not_future(day: date, today: date) -> None:
    if day > today:
        raise BadRequest("document_date cannot be in the future")


def _section(section: str) -> str:
    if section not in SECTIONS:
        raise NotFound(f"unknown profile section; expected one of {', '.join(SECTIONS)}")
    return section


def validate_section(section: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a profile entry's fields; raise BadRequest naming the first wrong field."""
    try:
        model = SECTIONS[_section(section)].model_validate(dict(data))
    except ValidationError as exc:
        raise BadRequest(describe_validation_error(exc)) from None
    return model.model_dump(mode="json", exclude_none=True)


def describe_validation_error(exc: ValidationError) -> str:
    """One readable sentence for the first problem (the input value itself is never echoed:
    it may be health data)."""
    first = exc.errors(include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"
