"""Entities of the medical file, as pydantic models: they validate, and serialise to storage
(every field) and to the API (`to_api`, without the fields named in `private`)."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Self

from pydantic import AwareDatetime, Field, model_validator

from healthspace.kernel.dates import IsoDate, add_month
from healthspace.kernel.entity import Entity
from healthspace.kernel.errors import LimitReached
from healthspace.kernel.identifiers import Rpps


class SpaceStatus(StrEnum):
    """A space's state in its whole life (docs/lifecycle.md's state diagram)."""

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"  # frozen by operators (identity fraud), closed if unanswered
    CLOSED = "CLOSED"  # closed; its items still in the table, the archive workflow to run
    ARCHIVED = "ARCHIVED"  # its items in the archive object; the table keeps a tombstone
    REOPENING = "REOPENING"  # its archive being restored and put back
    DELETING = "DELETING"  # express deletion: its key destroyed, its objects and items going
    DELETED = "DELETED"  # express deletion done: the tombstone keeps dates only
    PURGED = "PURGED"  # ten years after closing: the tombstone keeps dates only

    @property
    def closed(self) -> bool:
        """The space was closed and has not come back: every route refuses it as closed."""
        return self in _CLOSED


_CLOSED: Final = frozenset(
    {
        SpaceStatus.CLOSED,
        SpaceStatus.ARCHIVED,
        SpaceStatus.REOPENING,
        SpaceStatus.DELETING,
        SpaceStatus.DELETED,
        SpaceStatus.PURGED,
    }
)


class Role(StrEnum):
    """The caller's relation to the space they act on."""

    HOLDER = "HOLDER"
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"
    PROFESSIONAL = "PROFESSIONAL"
    SYSTEM = "SYSTEM"


class ActorKind(StrEnum):
    PATIENT = "PATIENT"
    PROFESSIONAL = "PROFESSIONAL"
    SYSTEM = "SYSTEM"


RPPS_AUTHOR_PREFIX = "rpps:"
# The longest name an author is shown by: identity tokens may carry 2,048 characters per name
# claim, and every entry and log line repeats its author's (records.sections bounds entries).
MAX_DISPLAY_NAME = 200


class Author(Entity):
    """Who did something. `id` is pseudonymous (the identity provider's subject), never an INS;
    a health professional is `rpps:<RPPS>` (RPPS numbers are public, in the Annuaire Santé), so
    that the access rules know an author's work whoever filed it (their own API or a partner)."""

    kind: ActorKind
    id: str
    display_name: str

    @classmethod
    def professional(cls, rpps: str, display_name: str | None = None) -> "Author":
        """The one way to name a professional as author: `rpps` is an already checked RPPS."""
        return cls(
            kind=ActorKind.PROFESSIONAL,
            id=f"{RPPS_AUTHOR_PREFIX}{rpps}",
            display_name=display_name or f"RPPS {rpps}",
        )

    def shown_to_professionals(self) -> dict[str, str]:
        """What a professional is shown of an author: a patient's side by its role (kind) and
        name, never by id: a patient's id is their identity provider's subject, which would
        link their acts across files. A professional's id is their public RPPS, a system's a
        name."""
        shown = {"kind": self.kind.value, "display_name": self.display_name}
        return shown if self.kind is ActorKind.PATIENT else {**shown, "id": self.id}

    @property
    def rpps(self) -> str | None:
        """The professional author's RPPS; None for a patient or a system."""
        if self.kind is not ActorKind.PROFESSIONAL:
            return None
        return (
            self.id.removeprefix(RPPS_AUTHOR_PREFIX)
            if self.id.startswith(RPPS_AUTHOR_PREFIX)
            else None
        )


class Holder(Entity):
    given_name: str
    family_name: str
    birth_date: date


class Space(Entity):
    private = frozenset({"holder_ins", "wrapped_key"})
    space_id: str
    status: SpaceStatus
    holder: Holder
    created_at: datetime
    holder_ins: str
    # The space's data key, wrapped by KMS; created when the space first stores a document, so
    # that opening spaces in bulk costs no KMS call.
    wrapped_key: bytes | None = None
    version: int = 1


class PersonAccess(Entity):
    """The spaces one person may act on: their own and those they represent (by role)."""

    ins: str
    spaces: dict[str, Role]

    @property
    def own_space_id(self) -> str | None:
        return next((s for s, role in self.spaces.items() if role is Role.HOLDER), None)


class Category(StrEnum):
    """Document categories of the shared medical file."""

    SUMMARY = "summary"
    PRESCRIPTIONS_CARE = "prescriptions-care"
    IMAGING = "imaging"
    BIOLOGY = "biology"
    REPORTS = "reports"
    SCREENING = "screening"
    CERTIFICATES = "certificates"
    ADMINISTRATIVE = "administrative"
    OTHER = "other"


class Section(StrEnum):
    """The medical profile's sections (the keys of records.sections.SECTIONS), typed for the
    care rules' matrices."""

    ALLERGIES = "allergies"
    TREATMENTS = "treatments"
    CONDITIONS = "conditions"
    VACCINATIONS = "vaccinations"
    MEASUREMENTS = "measurements"
    ADVANCE_DIRECTIVES = "advance-directives"
    CONTACTS = "contacts"


# What an access right is about: a document category or a profile section.
Kind = Category | Section
ALL_KINDS: Final[tuple[Kind, ...]] = (*Category, *Section)


class UploadStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


# A LOINC code (what FHIR DocumentReference.type uses for document kinds), e.g. 11488-4.
LoincCode = Annotated[str, Field(pattern=r"^\d{1,7}-\d$")]


class DocumentFacts(Entity):
    """What the uploader declares about a document (DocumentReference-aligned)."""

    category: Category
    title: Annotated[str, Field(min_length=1, max_length=200)]
    document_date: IsoDate
    type_code: LoincCode | None = None


class Upload(Entity):
    """A document on its way into the file: what the uploader declared, and what the deposit
    rules decided when the ticket was issued, so that the ingest files it as decided."""

    private = frozenset(
        {
            "space_id",
            "facts",
            "filename",
            "uploader",
            "uploader_role",
            "uploader_profession",
            "created_at",
            "masked",
            "declared_size",
        }
    )
    upload_id: str
    status: UploadStatus
    reason: str | None = None
    document_id: str | None = None
    space_id: str
    facts: DocumentFacts
    filename: str
    uploader: Author
    uploader_role: Role
    created_at: datetime
    # The deposit's facts (care.rules.professional_deposit); the defaults keep older items,
    # all patients' uploads, readable. A hold starts when the document is filed.
    masked: bool = False
    hold_for_announcement: bool = False
    confidential_from_representatives: bool = False
    # A professional's RPPS profession code (care.matrices.Profession): the ingest asks the care
    # rules again before filing (a block or a revoked grant since the ticket refuses it).
    uploader_profession: str | None = None
    # The size the ticket was issued for: the ingest refuses a file of any other size (S3
    # enforces the presigned POST's content-length-range; moto does not, and we check anyway).
    # None: an upload stored before the check.
    declared_size: int | None = None

    @model_validator(mode="after")
    def _hold_has_professional_author(self) -> "Upload":
        if self.hold_for_announcement and self.uploader.rpps is None:
            raise ValueError("only a professional's document can be held for announcement")
        return self


class AnnouncementHold(Entity):
    """A document kept from the patient until the announcement consultation.

    Visibility follows from the clock alone: the document shows when its author releases it or
    one calendar month after it was held, whichever comes first, even if the scheduled job that
    tells the patient is late. `released_at` set means the patient has been (or is being) told.
    """

    held_at: AwareDatetime
    released_at: AwareDatetime | None = None

    @property
    def deadline(self) -> datetime:
        return add_month(self.held_at)

    @property
    def visible_from(self) -> datetime:
        return min(self.released_at or self.deadline, self.deadline)

    def hides(self, now: datetime) -> bool:
        return now < self.visible_from

    def due_for_release(self, now: datetime) -> bool:
        """The scheduled job releases it now (and tells the patient)."""
        return self.released_at is None and now >= self.deadline


class ItemFacts(Entity):
    """What the care rules need to know about one document or profile entry.

    `author_rpps` is the professional who authored it (None: the patient, a representative or a
    system)."""

    kind: Kind
    author_rpps: Rpps | None = None
    masked: bool = False
    hold: AnnouncementHold | None = None
    confidential_from_representatives: bool = False

    @model_validator(mode="after")
    def _hold_has_author(self) -> Self:
        if self.hold is not None and self.author_rpps is None:
            raise ValueError("only a professional's document can be held for announcement")
        return self


class Document(Entity):
    private = frozenset({"space_id", "as_sent"})
    document_id: str
    category: Category
    type_code: str | None
    title: str
    document_date: date
    author: Author
    size: int
    content_type: str
    sha256: str
    masked: bool
    created_at: datetime
    version: int
    filename: str
    space_id: str
    # Issue 4; the defaults keep older items readable. Both only concern the patient's side.
    hold: AnnouncementHold | None = None
    confidential_from_representatives: bool = False
    # What its sender said of it in its own format, kept to give it back as sent (a partner's
    # identifiers, labels and context, in FHIR). The rules never read it.
    as_sent: dict[str, Any] | None = None

    @property
    def blob_key(self) -> str:
        return f"spaces/{self.space_id}/documents/{self.document_id}"


class DocumentFilter(Entity):
    category: Category | None = None
    date_from: date | None = None
    date_to: date | None = None


class ProfileEntry(Entity):
    """One entry of the medical profile; `fields` were validated by the section's model."""

    section: str
    entry_id: str
    version: int
    created_at: datetime
    updated_at: datetime
    author: Author
    fields: dict[str, object]
    space_id: str
    # A minor's secret (CSP L. 1111-5), set by the professional who adds it: hidden from the
    # minor's legal representatives, as such documents are.
    confidential_from_representatives: bool = False

    def to_api(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "author": self.author.model_dump(mode="json"),
            "confidential_from_representatives": self.confidential_from_representatives,
            **self.fields,
        }


class Action(StrEnum):
    READ = "READ"
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    DOWNLOAD = "DOWNLOAD"
    VIEW = "VIEW"  # shown on screen (Documents.view): a read of the content, as a download


# A space's life in its history (healthspace.lifecycle writes them, the notices read them): its
# closure, and a suspension by operators (created) or its lifting (deleted).
CLOSURE_OBJECT: Final = "space/closure"
SUSPENSION_OBJECT: Final = "space/suspension"
# The author of a closure the death registry's import made.
DEATH_REGISTRY_ID: Final = "death-registry"


class AccessedObject(Entity):
    type: str
    id: str | None = None


class AccessLogEntry(Entity):
    """One act on a space, shown to the patient. `emergency_reason` is set on every act of a
    professional's break-glass access: the reason they stated. It may describe the patient's
    condition, so it lives here (the patient's own history) and never in application logs."""

    private = frozenset({"space_id"})
    entry_id: str
    at: datetime
    actor: Author
    role: Role
    action: Action
    object: AccessedObject
    space_id: str
    emergency_reason: str | None = None
    # The partner system (its id) whose software carried a professional's act, if any.
    via: str | None = None


class Visit(Entity):
    """One person's looks at one space (GET /me/news): what is new is new `since`, the end of
    their previous visit; a visit goes on while they come back within records.news.VISIT_GAP."""

    space_id: str
    since: AwareDatetime
    last_seen: AwareDatetime
    first: bool = False  # no visit before this one: `since` is a window, not a visit


@dataclass(frozen=True)
class HistoryFilter:
    """Which entries a page of the history shows: a professional's acts only, break-glass
    (emergency) accesses only, or both conditions; by default every entry. The stores apply it
    as they read, so that a filtered page is complete for the stretch of history it covers."""

    professionals: bool = False
    emergency: bool = False

    def matches(self, entry: AccessLogEntry) -> bool:
        if self.professionals and entry.actor.kind is not ActorKind.PROFESSIONAL:
            return False
        return not (self.emergency and entry.emergency_reason is None)

    @property
    def everything(self) -> bool:
        return not (self.professionals or self.emergency)


EVERY_ENTRY = HistoryFilter()
# The most entries a filtered page of the history reads: a page of emergency accesses among
# thousands of reads is found a stretch at a time (each ~0.5 KB: at most ~125 read units).
MAX_FILTERED_READ = 1000


@dataclass(frozen=True)
class Limits:
    """What one document may weigh, how many a space may hold, and how long its presigned URLs
    and upload records live."""

    max_upload_bytes: int = 20 * 1024 * 1024
    # A lifetime of care: a chronic patient's monthly results for 50 years and their reports
    # come to a few thousand. The cap bounds what one writer (a looping partner system, say)
    # can pile into a file; the listing is paged whatever the count.
    max_documents: int = 20_000
    upload_url_seconds: int = 900
    download_url_seconds: int = 300
    # A view's link is followed at once by the viewer that asked for it; the browser's PDF
    # viewer may still ask for ranges of a large file while it is read.
    view_url_seconds: int = 300
    upload_record_days: int = 7


def documents_full(max_documents: int) -> LimitReached:
    """The refusal of a document past its space's cap (Limits.max_documents)."""
    return LimitReached(
        f"the file holds at most {max_documents} documents: delete one before adding another"
    )
