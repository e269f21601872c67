"""Professionals and the patient's controls over who sees what: the access rules (issue 4).

Pure domain: no storage, no clock of its own (callers pass `now`), no I/O. The medical file calls
it on every request with data it already holds: the patient's `PatientSettings` and `CareTeam`
(stored together, one item) and the `ItemFacts` of the document or profile entry at hand.
docs/professionals.md states the rules; each rule below lives in exactly one function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, Final, Literal, Self, TypeVar

from pydantic import AfterValidator, AwareDatetime, Field, ValidationError, model_validator

from healthspace.enrollment import Citizen  # the one definition of a minor
from healthspace.errors import BadRequest, BlockConflict, Conflict, Forbidden, ProfessionNotAllowed
from healthspace.identifiers import parse_rpps
from healthspace.model import AnnouncementHold as AnnouncementHold  # re-exported: a rule's type
from healthspace.model import Category, Entity, Role
from healthspace.model import add_month as add_month

# An RPPS number, parsed (11 digits, Luhn) wherever an entity receives one.
Rpps = Annotated[str, AfterValidator(parse_rpps)]

MAX_EMERGENCY_REASON = 500
# Bounds that keep the care record one small item (DynamoDB: 400 KB), read once per request.
MAX_GRANTS = 100
MAX_BLOCKED = 200


class Profession(StrEnum):
    """The professions that may reach a health space, valued by their RPPS profession code
    (ANS nomenclature TRE_G15 "ProfessionSante"; codes quoted from memory of that table, to be
    checked against the published nomenclature). Any other code is refused: adding a profession
    means adding a member here and its row in both matrices.

    Specialty is deliberately not modelled: the DMP gives a doctor the same rights whatever the
    specialty. A medical biologist is a médecin (10) or a pharmacien (21) with the biology
    specialty, not a profession of its own; the pharmacien row therefore covers biology.
    """

    MEDECIN = "10"
    PHARMACIEN = "21"
    CHIRURGIEN_DENTISTE = "40"
    SAGE_FEMME = "50"
    INFIRMIER = "60"
    MASSEUR_KINESITHERAPEUTE = "70"

    @property
    def label(self) -> str:
        return _PROFESSION_LABELS[self]

    @classmethod
    def from_claim(cls, code: str) -> Profession:
        """The profession named by a token's claim, or ProfessionNotAllowed."""
        try:
            return cls(code.strip())
        except ValueError:
            raise ProfessionNotAllowed("this profession has no access to health spaces") from None


_PROFESSION_LABELS: Final = {
    Profession.MEDECIN: "médecin",
    Profession.PHARMACIEN: "pharmacien",
    Profession.CHIRURGIEN_DENTISTE: "chirurgien-dentiste",
    Profession.SAGE_FEMME: "sage-femme",
    Profession.INFIRMIER: "infirmier",
    Profession.MASSEUR_KINESITHERAPEUTE: "masseur-kinésithérapeute",
}


class Section(StrEnum):
    """The medical profile's sections (the keys of profile.SECTIONS), typed for the matrices."""

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
EVERY_KIND: Final[frozenset[Kind]] = frozenset(ALL_KINDS)

# --------------------------------------------------------------------------- the matrices

C, S = Category, Section

READ_MATRIX: Final[Mapping[Profession, frozenset[Kind]]] = MappingProxyType(
    {
        Profession.MEDECIN: EVERY_KIND,
        Profession.CHIRURGIEN_DENTISTE: frozenset(
            {C.PRESCRIPTIONS_CARE, C.IMAGING, C.BIOLOGY, C.REPORTS}
            | {S.ALLERGIES, S.TREATMENTS, S.CONDITIONS}
        ),
        Profession.SAGE_FEMME: frozenset(
            {C.SUMMARY, C.PRESCRIPTIONS_CARE, C.IMAGING, C.BIOLOGY, C.REPORTS, C.SCREENING}
            | {C.CERTIFICATES}
            | {S.ALLERGIES, S.TREATMENTS, S.CONDITIONS, S.VACCINATIONS, S.MEASUREMENTS}
            | {S.CONTACTS}
        ),
        Profession.PHARMACIEN: frozenset(
            {C.PRESCRIPTIONS_CARE, C.BIOLOGY} | {S.ALLERGIES, S.TREATMENTS, S.VACCINATIONS}
        ),
        Profession.INFIRMIER: frozenset(
            {C.PRESCRIPTIONS_CARE, C.BIOLOGY, C.REPORTS}
            | {S.ALLERGIES, S.TREATMENTS, S.VACCINATIONS, S.MEASUREMENTS, S.CONTACTS}
        ),
        Profession.MASSEUR_KINESITHERAPEUTE: frozenset(
            {C.PRESCRIPTIONS_CARE, C.IMAGING, C.REPORTS}
            | {S.ALLERGIES, S.TREATMENTS, S.CONDITIONS, S.MEASUREMENTS}
        ),
    }
)
"""What each profession may read, by document category and profile section.

Reference: the DMP's "matrice d'habilitations" (https://www.dmp.fr/matrice-habilitation), which
Mon espace santé applies to professionals. It is finer (one line per LOINC document type) than
our nine categories, so each cell here is our reading of it, not a copy. Where a cell could not be
confirmed the conservative choice (no access) was taken; those cells are listed as assumptions in
docs/professionals.md. Kept from the issue: a dentist does not see advance directives; a
pharmacist sees prescriptions and vaccinations. The médecin row holds everything: the treating
doctor, always a médecin, must see everything.

This table binds every professional, whatever the patient grants: the patient widens or narrows
access within a row (consent scope, masking), never beyond it.
"""

# Advance directives and contacts are the patient's own declarations: no professional writes them.
PATIENT_OWNED: Final[frozenset[Kind]] = frozenset({S.ADVANCE_DIRECTIVES, S.CONTACTS})

WRITE_MATRIX: Final[Mapping[Profession, frozenset[Kind]]] = MappingProxyType(
    {
        Profession.MEDECIN: frozenset(Category)
        | {S.ALLERGIES, S.TREATMENTS, S.CONDITIONS, S.VACCINATIONS, S.MEASUREMENTS},
        Profession.CHIRURGIEN_DENTISTE: frozenset(
            {C.PRESCRIPTIONS_CARE, C.IMAGING, C.REPORTS} | {S.ALLERGIES, S.TREATMENTS}
        ),
        Profession.SAGE_FEMME: frozenset(
            {C.PRESCRIPTIONS_CARE, C.IMAGING, C.REPORTS, C.SCREENING, C.CERTIFICATES}
            | {S.ALLERGIES, S.TREATMENTS, S.VACCINATIONS, S.MEASUREMENTS}
        ),
        Profession.PHARMACIEN: frozenset(
            {C.PRESCRIPTIONS_CARE, C.BIOLOGY} | {S.ALLERGIES, S.TREATMENTS, S.VACCINATIONS}
        ),
        Profession.INFIRMIER: frozenset(
            {C.REPORTS} | {S.ALLERGIES, S.VACCINATIONS, S.MEASUREMENTS}
        ),
        Profession.MASSEUR_KINESITHERAPEUTE: frozenset({C.REPORTS} | {S.MEASUREMENTS}),
    }
)
"""What each profession may add, with itself as author: documents by category, profile entries
by section. Each row is within the profession's READ_MATRIX row (nobody writes what they cannot
read back) and excludes PATIENT_OWNED. Pharmacists write biology for the pharmacist biologists,
and vaccinations because pharmacists and nurses vaccinate; other choices are listed in
docs/professionals.md.
"""

del C, S

# --------------------------------------------------------------------------- entities


class Professional(Entity):
    """A health professional as their OIDC token presents them (RPPS and profession claims)."""

    rpps: Rpps
    profession: Profession

    @classmethod
    def from_claims(cls, rpps: str, profession: str) -> Professional:
        """Raise InvalidIdentifier (bad RPPS) or ProfessionNotAllowed (unknown profession)."""
        return cls(rpps=parse_rpps(rpps), profession=Profession.from_claim(profession))


FULL: Final = "full"
# A grant's scope: the kinds it opens (within the profession's row), or FULL: the treating
# doctor's rights (every kind of the row, masked items included).
Scope = frozenset[Kind] | Literal["full"]


class GrantKind(StrEnum):
    """Who recorded a grant: the patient declaring their care team, or a professional recording
    the patient's consent during care. The rules treat both alike; the access log tells them apart.
    """

    TEAM = "TEAM"
    CONSENT = "CONSENT"


class Grant(Entity):
    """The patient's permission for one professional: when, for what, until when."""

    kind: GrantKind
    granted_at: AwareDatetime
    scope: Scope
    expires_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.scope != FULL and not self.scope:
            raise ValueError("scope must name at least one category or section, or be 'full'")
        if self.expires_at is not None and self.expires_at <= self.granted_at:
            raise ValueError("expires_at must be after granted_at")
        return self

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


class TreatingDoctor(Entity):
    """The patient's "médecin traitant": sees everything, masked items included."""

    rpps: Rpps
    designated_at: AwareDatetime


class CareTeam(Entity):
    """The professionals the patient lets in: the treating doctor and the grants, by RPPS."""

    treating_doctor: TreatingDoctor | None = None
    grants: Mapping[Rpps, Grant] = Field(default_factory=dict, max_length=MAX_GRANTS)

    def is_treating_doctor(self, rpps: str) -> bool:
        return self.treating_doctor is not None and self.treating_doctor.rpps == rpps


class PatientSettings(Entity):
    """The patient's choices (their legal representatives make them for a minor)."""

    blocked: frozenset[Rpps] = Field(default=frozenset(), max_length=MAX_BLOCKED)
    emergency_access: bool = True
    mask_by_default: bool = False


class CareRecord(Entity):
    """One space's settings and care team: one stored item, read whole (one GetItem) on every
    request that needs them. Never written yet = the defaults, at version 0; each change adds one
    to `version`, which the patient's API exposes as the ETag."""

    private = frozenset({"space_id"})
    space_id: str
    settings: PatientSettings = Field(default_factory=PatientSettings)
    team: CareTeam = Field(default_factory=CareTeam)
    version: int = 0

    def to_api(self) -> dict[str, Any]:
        """Flat and sorted (sets have no order), for the patient's "who sees my file" page."""
        doctor = self.team.treating_doctor
        return {
            "version": self.version,
            "emergency_access": self.settings.emergency_access,
            "mask_by_default": self.settings.mask_by_default,
            "blocked": sorted(self.settings.blocked),
            "treating_doctor": doctor.model_dump(mode="json") if doctor else None,
            "team": [
                {
                    "rpps": rpps,
                    **grant.model_dump(mode="json", exclude={"scope"}),
                    "scope": sorted(kind.value for kind in grant.scope)
                    if isinstance(grant.scope, frozenset)
                    else grant.scope,
                }
                for rpps, grant in sorted(self.team.grants.items())
            ],
        }


class ItemFacts(Entity):
    """What the rules need to know about one document or profile entry.

    `author_rpps` is the professional who authored it (None: the patient, a representative or a
    system). The later wiring derives it from Document/ProfileEntry, which gain the missing flags.
    """

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


# --------------------------------------------------------------------------- decisions


class Relationship(StrEnum):
    TREATING = "TREATING"
    TEAM = "TEAM"
    CONSENT = "CONSENT"
    EMERGENCY = "EMERGENCY"
    REFUSED = "REFUSED"


class Refusal(StrEnum):
    BLOCKED = "BLOCKED"
    NO_RELATIONSHIP = "NO_RELATIONSHIP"
    CONSENT_EXPIRED = "CONSENT_EXPIRED"
    EMERGENCY_DISABLED = "EMERGENCY_DISABLED"


@dataclass(frozen=True)
class SpaceDecision:
    """Whether a professional may open a patient's file for this request, and with what rights.

    `relationship` and `refusal` are stable codes, fit for application logs. `emergency_reason`
    goes to the patient's access log only: it may describe the patient's condition.
    """

    professional: Professional
    relationship: Relationship
    readable: frozenset[Kind] = frozenset()
    writable: frozenset[Kind] = frozenset()
    sees_masked: bool = False
    refusal: Refusal | None = None
    emergency_reason: str | None = None

    @property
    def allowed(self) -> bool:
        return self.relationship is not Relationship.REFUSED


def decide_space_access(
    professional: Professional,
    settings: PatientSettings,
    team: CareTeam,
    now: datetime,
    emergency_reason: str | None = None,
) -> SpaceDecision:
    """The one decision on a professional's access to a patient's file.

    A blocked professional is refused, whatever else holds (even in an emergency; the treating
    doctor cannot be blocked, but a stored contradiction fails closed). Otherwise the widest right
    the professional holds wins: full rights (treating doctor, or a grant with FULL scope), then
    break-glass when asked for and not opted out of (the profession's row, read-only, masked items
    hidden), then a grant's scope. Break-glass thus widens a partial grant for one request.
    """
    reason = _emergency_reason(emergency_reason)
    if professional.rpps in settings.blocked:
        return _refused(professional, Refusal.BLOCKED)
    grant = team.grants.get(professional.rpps)
    held: tuple[Relationship, Scope] | None = None
    if team.is_treating_doctor(professional.rpps):
        held = (Relationship.TREATING, FULL)
    elif grant is not None and grant.active(now):
        held = (Relationship(grant.kind.value), grant.scope)
    if held is not None and held[1] == FULL:
        return _allowed(professional, *held)
    if reason is not None and settings.emergency_access:
        return _allowed(professional, Relationship.EMERGENCY, EVERY_KIND, reason)
    if held is not None:
        return _allowed(professional, *held)
    if reason is not None:
        return _refused(professional, Refusal.EMERGENCY_DISABLED)
    return _refused(
        professional, Refusal.NO_RELATIONSHIP if grant is None else Refusal.CONSENT_EXPIRED
    )


def _emergency_reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    stated = reason.strip()
    if not 1 <= len(stated) <= MAX_EMERGENCY_REASON:
        raise BadRequest(
            f"an emergency access needs a stated reason of 1-{MAX_EMERGENCY_REASON} characters"
        )
    return stated


def _allowed(
    professional: Professional,
    relationship: Relationship,
    scope: Scope,
    emergency_reason: str | None = None,
) -> SpaceDecision:
    """The rights of an allowed access: the profession's rows, cut to the scope. FULL scope sees
    masked items; an emergency only reads."""
    within = scope if isinstance(scope, frozenset) else EVERY_KIND
    writes = relationship is not Relationship.EMERGENCY
    return SpaceDecision(
        professional=professional,
        relationship=relationship,
        readable=READ_MATRIX[professional.profession] & within,
        writable=WRITE_MATRIX[professional.profession] & within if writes else frozenset(),
        sees_masked=scope == FULL,
        emergency_reason=emergency_reason,
    )


def _refused(professional: Professional, refusal: Refusal) -> SpaceDecision:
    return SpaceDecision(professional, Relationship.REFUSED, refusal=refusal)


def visible_to_professional(access: SpaceDecision, item: ItemFacts) -> bool:
    """Within an allowed access, a professional sees their own work, and otherwise what their
    rights read, a masked item only with full rights. Holds and representatives' confidentiality
    concern the patient's side only."""
    if not access.allowed:
        return False
    if item.author_rpps == access.professional.rpps:
        return True
    return item.kind in access.readable and (access.sees_masked or not item.masked)


def can_write(access: SpaceDecision, kind: Kind) -> bool:
    return kind in access.writable


def visible_to_patient(item: ItemFacts, role: Role, now: datetime) -> bool:
    """What the patient's side sees: everything (masking only concerns professionals) but a
    document held for announcement, and, for a legal representative, a minor's confidential items.

    The holder always sees their confidential items: the secret protects the minor (CSP
    L. 1111-5). A minor may have no login of their own; until they do, nobody on the patient's
    side sees those items, while professionals still do.
    """
    if role not in (Role.HOLDER, Role.LEGAL_REPRESENTATIVE):
        raise ValueError(f"{role} is not on the patient's side")
    if item.hold is not None and item.hold.hides(now):
        return False
    return not (role is Role.LEGAL_REPRESENTATIVE and item.confidential_from_representatives)


# --------------------------------------------------------------------------- deposits


def masked_on_deposit(settings: PatientSettings) -> bool:
    """A new item starts masked when the patient asked for it, whoever deposits it."""
    return settings.mask_by_default


def professional_deposit(
    access: SpaceDecision,
    settings: PatientSettings,
    kind: Kind,
    now: datetime,
    *,
    hold_for_announcement: bool = False,
    confidential_from_representatives: bool = False,
) -> ItemFacts:
    """The facts of what a professional adds: they are its author, and must be allowed to
    write its kind (Forbidden otherwise). Break-glass only reads: its rights write nothing."""
    if access.relationship is Relationship.EMERGENCY:
        raise Forbidden("an emergency access only reads: nothing can be added under it")
    if not can_write(access, kind):
        raise Forbidden(f"a {access.professional.profession.label} may not add {kind.value} here")
    return ItemFacts(
        kind=kind,
        author_rpps=access.professional.rpps,
        masked=masked_on_deposit(settings),
        hold=AnnouncementHold(held_at=now) if hold_for_announcement else None,
        confidential_from_representatives=confidential_from_representatives,
    )


def check_confidential_from_representatives(holder_birth_date: date, today: date) -> None:
    """Only a minor's item is kept from their legal representatives: the secret is the minor's
    right (CSP L. 1111-5). An adult's representatives (guardianship) have no such exception, and
    an adult holder sees everything anyway: asking for it on an adult's file is a mistake we
    refuse (BadRequest) rather than store a flag that silently means something else."""
    if not Citizen.model_construct(birth_date=holder_birth_date).is_minor(today):
        raise BadRequest(
            "confidential_from_representatives only applies to a minor's file (CSP L. 1111-5)"
        )


def patient_deposit(settings: PatientSettings, kind: Kind) -> ItemFacts:
    return ItemFacts(kind=kind, masked=masked_on_deposit(settings))


def release(item: ItemFacts, by: Professional, now: datetime) -> ItemFacts:
    """The author releases a held document after the announcement consultation; the caller then
    tells the patient. Releasing twice changes nothing."""
    if item.hold is None or item.hold.released_at is not None:
        return item
    if item.author_rpps != by.rpps:
        raise Forbidden("only the professional who held this document can release it")
    return _changed(item, hold=_changed(item.hold, released_at=now))


# --------------------------------------------------------------------------- patient settings

E = TypeVar("E", bound=Entity)


def _changed(entity: E, **changes: object) -> E:
    """A validated copy. model_copy skips validation, and the care record's bounds must hold, or
    it could not be read back: a broken bound is the caller's BadRequest."""
    try:
        return type(entity).model_validate({**dict(entity), **changes})
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadRequest(f"{where}: {first['msg']}" if where else first["msg"]) from None


def block(settings: PatientSettings, team: CareTeam, rpps: str) -> PatientSettings:
    """Refuse a professional everything. The treating doctor cannot be blocked: the patient first
    ends the designation (BlockConflict otherwise). Their grants stay, overridden while blocked."""
    rpps = parse_rpps(rpps)
    if team.is_treating_doctor(rpps):
        raise BlockConflict(
            "your treating doctor cannot be blocked; end the designation first, then block"
        )
    return _changed(settings, blocked=settings.blocked | {rpps})


def unblock(settings: PatientSettings, rpps: str) -> PatientSettings:
    return _changed(settings, blocked=settings.blocked - {parse_rpps(rpps)})


def _not_blocked(settings: PatientSettings, rpps: str) -> None:
    if rpps in settings.blocked:
        raise BlockConflict("this professional is blocked; unblock them first")


def designate_treating_doctor(
    team: CareTeam, settings: PatientSettings, doctor: Professional, now: datetime
) -> CareTeam:
    """The treating doctor is a médecin (any specialty), and not a blocked one."""
    if doctor.profession is not Profession.MEDECIN:
        raise BadRequest("the treating doctor must be a médecin")
    _not_blocked(settings, doctor.rpps)
    return _changed(team, treating_doctor=TreatingDoctor(rpps=doctor.rpps, designated_at=now))


def end_treating_doctor(team: CareTeam) -> CareTeam:
    return _changed(team, treating_doctor=None)


def grant_access(
    team: CareTeam,
    settings: PatientSettings,
    rpps: str,
    kind: GrantKind,
    scope: Scope,
    now: datetime,
    expires_at: datetime | None = None,
) -> CareTeam:
    """Add or replace one professional's grant. Expired grants are dropped on the way: they
    would only count against MAX_GRANTS."""
    rpps = parse_rpps(rpps)
    _not_blocked(settings, rpps)
    grant = {"kind": kind, "granted_at": now, "scope": scope, "expires_at": expires_at}
    active = {key: g for key, g in team.grants.items() if g.active(now)}
    return _changed(team, grants={**active, rpps: grant})


# A consent a professional records lasts a year at most: past it, they ask the patient again.
MAX_CONSENT = timedelta(days=365)


def record_consent(
    team: CareTeam,
    settings: PatientSettings,
    professional: Professional,
    scope: Scope,
    now: datetime,
    expires_at: datetime | None = None,
) -> CareTeam:
    """The patient's consent, recorded by the professional during care (GrantKind.CONSENT), for
    `scope` until `expires_at` (a year at most, a year by default). Never over what the patient
    set themselves: their treating doctor and their team's grants are theirs to change (409).
    The caller has checked the professional is not blocked (a refusal of the care rules)."""
    current = team.grants.get(professional.rpps)
    if team.is_treating_doctor(professional.rpps) or (
        current is not None and current.kind is GrantKind.TEAM and current.active(now)
    ):
        raise Conflict("the patient set your access themselves: only they change it")
    latest = now + MAX_CONSENT
    if expires_at is not None and expires_at > latest:
        raise BadRequest("a recorded consent lasts a year at most: expires_at is too late")
    return grant_access(
        team, settings, professional.rpps, GrantKind.CONSENT, scope, now, expires_at or latest
    )


def revoke_access(team: CareTeam, rpps: str) -> CareTeam:
    rpps = parse_rpps(rpps)
    return _changed(team, grants={key: g for key, g in team.grants.items() if key != rpps})


# --------------------------------------------------------------------------- documentation


def matrix_markdown() -> str:
    """The two matrices as one Markdown table (docs/professionals.md; a patient-facing page can
    show the same): R = reads, W = adds."""
    header = ["| | " + " | ".join(p.label for p in Profession) + " |"]
    header.append("|---" * (len(Profession) + 1) + "|")

    def cell(profession: Profession, kind: Kind) -> str:
        rights = [
            letter
            for letter, matrix in (("R", READ_MATRIX), ("W", WRITE_MATRIX))
            if kind in matrix[profession]
        ]
        return " ".join(rights) or "—"

    def name(kind: Kind) -> str:
        return f"document: {kind.value}" if isinstance(kind, Category) else f"profile: {kind.value}"

    rows = [
        f"| {name(kind)} | " + " | ".join(cell(p, kind) for p in Profession) + " |"
        for kind in ALL_KINDS
    ]
    return "\n".join(header + rows) + "\n"
