"""Professionals on a patient's file. A professional names the patient by INS once, in a request
body, and gets an opaque reference to the file for the URLs of their next requests (`refer`,
`open_reference`: no INS in a URL, docs/professionals.md); the care rules decide, on the
patient's care record (one read), on every request, whether they open the file and with what
rights. The `CareAccess` they get then goes through the records' use cases like a patient's
`Access`: it answers the same questions (what it sees, what it may add) by the care rules, so
there is one way to read, download and add."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from healthspace.care import rules
from healthspace.care.matrices import Profession
from healthspace.care.ports import CareRecords, PatientReferences
from healthspace.care.record import (
    CareRecord,
    PatientReference,
    PatientSettings,
    Professional,
    Scope,
)
from healthspace.care.rules import Refusal, SpaceDecision
from healthspace.kernel.clock import Clock
from healthspace.kernel.errors import (
    CareAccessRefused,
    Forbidden,
    HealthSpaceError,
    NotFound,
    SpaceClosed,
    SpaceSuspended,
    UnknownPatientReference,
)
from healthspace.records.access import Access
from healthspace.records.access_log import AccessLog
from healthspace.records.model import (
    Action,
    Author,
    ItemFacts,
    Kind,
    Role,
    Section,
    Space,
    SpaceStatus,
    Upload,
)
from healthspace.records.spaces import Spaces

# The access-log object of a consent a professional recorded (the patient is told of it).
CONSENT_OBJECT = "care/consent"
# A patient reference lasts a working day: a consultation, or a shift at the hospital. The
# professional resolves the INS again the next day (one request).
REFERENCE_LIFETIME = timedelta(hours=12)
# 144 random bits, 24 characters of base64url: a reference cannot be guessed, nor told from
# the INS, the space or the professional.
REFERENCE_BYTES = 18
REFERENCE_PATTERN = r"^[A-Za-z0-9_-]{24}$"

_REFUSALS = {
    Refusal.NO_RELATIONSHIP: "no care relationship gives you access to this patient's file",
    Refusal.BLOCKED: "the patient has refused you access to their file",
    Refusal.CONSENT_EXPIRED: "your access to this patient's file has expired: ask the patient",
    Refusal.EMERGENCY_DISABLED: "the patient does not allow emergency access to their file",
}


def refused(refusal: Refusal) -> CareAccessRefused:
    return CareAccessRefused(refusal.value, _REFUSALS[refusal])


@dataclass(frozen=True)
class ProfessionalCaller:
    """A health professional as their token presents them. No INS: they reach patients' files
    through the care rules (ProfessionalAccess.open_for_professional), not through grants."""

    professional: Professional
    display_name: str
    # The partner system whose software carries the professional's request (its partner id),
    # named in the patient's access history; None on the professionals' own API.
    via: str | None = None

    @property
    def as_author(self) -> Author:
        return Author.professional(self.professional.rpps, self.display_name)


@dataclass(frozen=True)
class CareAccess(Access):
    """A professional on a patient's file, as the care rules allowed it for this request: what
    they see and add follows `decision`, and its emergency reason is traced."""

    decision: SpaceDecision
    settings: PatientSettings

    def sees(self, item: ItemFacts, now: datetime) -> bool:
        return rules.visible_to_professional(self.decision, item)

    def readable_sections(self) -> frozenset[Section]:
        return frozenset(kind for kind in self.decision.readable if isinstance(kind, Section))

    def deposit(self, kind: Kind, now: datetime, *, hold: bool, confidential: bool) -> ItemFacts:
        """Under the care rules (Forbidden if their row or scope does not write the kind, or
        under break-glass), as its author."""
        return rules.professional_deposit(
            self.decision,
            self.settings,
            kind,
            now,
            hold_for_announcement=hold,
            confidential_from_representatives=confidential,
        )

    def made(self, upload: Upload) -> bool:
        return upload.uploader.rpps == self.decision.professional.rpps

    def release(self, item: ItemFacts, now: datetime) -> ItemFacts:
        return rules.release(item, self.decision.professional, now)

    def check_changes_allowed(self) -> None:
        raise Forbidden("professionals add to the file; changing or deleting is the patient's")

    @property
    def emergency_reason(self) -> str | None:
        return self.decision.emergency_reason

    @property
    def profession(self) -> str:
        return self.decision.professional.profession.value


def reference_digest(reference: str) -> str:
    """The key a reference is stored under: a copy of the table holds no usable reference."""
    return hashlib.sha256(reference.encode()).hexdigest()


@dataclass(frozen=True)
class Referred:
    """A patient reference, as the professional who resolved the INS gets it."""

    reference: str
    expires_at: datetime
    opened: CareAccess


@dataclass(eq=False)
class ProfessionalAccess:
    store: CareRecords
    spaces: Spaces
    log: AccessLog
    clock: Clock
    references: PatientReferences

    def refer(
        self, caller: ProfessionalCaller, ins: str, emergency_reason: str | None = None
    ) -> Referred:
        """Resolve the INS once: if the care rules let the professional in (break-glass
        included), a new reference to the patient's file, theirs only, for REFERENCE_LIFETIME.
        It only names the file: every request made with it is decided again
        (`open_reference`). Refused as `open_for_professional` refuses."""
        opened = self.open_for_professional(caller, ins, emergency_reason)
        reference = secrets.token_urlsafe(REFERENCE_BYTES)
        expires_at = self.clock.now() + REFERENCE_LIFETIME
        stored = PatientReference(
            space_id=opened.space_id, rpps=caller.professional.rpps, expires_at=expires_at
        )
        self.references.put_patient_reference(reference_digest(reference), stored)
        return Referred(reference, expires_at, opened)

    def open_reference(
        self, caller: ProfessionalCaller, reference: str, emergency_reason: str | None = None
    ) -> CareAccess:
        """The file a reference names, as the care rules let the professional in for this
        request; UnknownPatientReference (404) for a reference that is not theirs, has expired
        or never was."""
        stored = self.references.get_patient_reference(reference_digest(reference))
        if stored is None or not stored.valid_for(caller.professional.rpps, self.clock.now()):
            raise UnknownPatientReference(
                "unknown or expired patient reference: resolve the INS again "
                "(POST /pro/patient-references)"
            )
        try:
            space = self.spaces.get(stored.space_id)
        except NotFound:
            raise refused(Refusal.NO_RELATIONSHIP) from None
        return self.open_space(caller, space, emergency_reason)

    def open_space(
        self, caller: ProfessionalCaller, space: Space, emergency_reason: str | None = None
    ) -> CareAccess:
        """A space found otherwise than by INS (a reference, a document's id), as the care
        rules let the professional in (a closed one refused, `_open`)."""
        return self._open(caller, space, emergency_reason)

    def open_for_professional(
        self, caller: ProfessionalCaller, ins: str, emergency_reason: str | None = None
    ) -> CareAccess:
        """The professional's access to the file of the patient with this INS, or
        CareAccessRefused. A patient without a space is refused as one with whom the
        professional has no relationship: the answer tells nobody who has a space."""
        return self._open(caller, self._space_of(ins), emergency_reason)

    def _open(
        self, caller: ProfessionalCaller, space: Space, emergency_reason: str | None
    ) -> CareAccess:
        """Every professional's way into a file (their API, a partner's software on their
        behalf): the one place a closed space refuses them (`_closed`)."""
        space_id = space.space_id
        record = self.store.get_care_record(space_id)
        if space.status is not SpaceStatus.ACTIVE:
            raise self._closed(caller, space, record)
        decision = rules.decide_space_access(
            caller.professional, record.settings, record.team, self.clock.now(), emergency_reason
        )
        if decision.refusal is not None:
            raise refused(decision.refusal)
        return CareAccess(
            caller=caller,
            space_id=space_id,
            role=Role.PROFESSIONAL,
            decision=decision,
            settings=record.settings,
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
        space = self._space_of(ins)
        space_id = space.space_id
        record = self.store.get_care_record(space_id)
        if space.status is not SpaceStatus.ACTIVE:
            raise self._closed(caller, space, record)
        if caller.professional.rpps in record.settings.blocked:
            raise refused(Refusal.BLOCKED)
        team = rules.record_consent(
            record.team, record.settings, caller.professional, scope, self.clock.now(), expires_at
        )
        updated = record.model_copy(update={"team": team, "version": record.version + 1})
        access = Access(caller=caller, space_id=space_id, role=Role.PROFESSIONAL)
        entry = self.log.entry(access, Action.CREATE, CONSENT_OBJECT, caller.professional.rpps)
        self.store.put_care_record(updated, record.version, entry)
        return updated

    def refusal_at_filing(self, upload: Upload) -> str | None:
        """A professional's upload is filed only if the care rules still let them write its
        kind: the patient may have blocked them, or ended their grant, since the ticket (one
        read of the care record, professionals' uploads only)."""
        rpps, code = upload.uploader.rpps, upload.uploader_profession
        if upload.uploader_role is not Role.PROFESSIONAL or rpps is None or code is None:
            return None
        record = self.store.get_care_record(upload.space_id)
        professional = Professional(rpps=rpps, profession=Profession(code))
        decision = rules.decide_space_access(
            professional, record.settings, record.team, self.clock.now(), None
        )
        if decision.refusal is not None:
            return _REFUSALS[decision.refusal]
        if not rules.can_write(decision, upload.facts.category):
            return "you may no longer add this kind of document to this patient's file"
        return None

    def _space_of(self, ins: str) -> Space:
        """The patient's space, whatever its status; none is refused as no relationship."""
        space = self.spaces.any_space_of(ins)
        if space is None:
            raise refused(Refusal.NO_RELATIONSHIP)
        return space

    def _closed(
        self, caller: ProfessionalCaller, space: Space, record: CareRecord
    ) -> HealthSpaceError:
        """The refusal of a space no longer active. Its closure is told (SPACE_CLOSED) to a
        professional the patient had let in without break-glass (treating doctor, care team,
        consent): they learn why the file they used is gone. Anyone else is answered as for a
        patient without a space (NO_RELATIONSHIP), so that naming an INS, or breaking the
        glass, tells nobody that this person closed their space. A space suspended by
        operators is refused the same way (SPACE_SUSPENDED to those let in)."""
        standing = rules.decide_space_access(
            caller.professional, record.settings, record.team, self.clock.now(), None
        )
        if space.status.closed and standing.refusal is None:
            return SpaceClosed(
                "the patient has closed their health space: it can no longer be read or added to"
            )
        if space.status is SpaceStatus.SUSPENDED and standing.refusal is None:
            return SpaceSuspended(
                "this health space is suspended by the Assurance Maladie: it cannot be read or "
                "added to until the suspension is lifted"
            )
        return refused(Refusal.NO_RELATIONSHIP)
