"""Professionals and the patient's controls over who sees what: the access rules (issue 4).

Pure domain: no storage, no clock of its own (callers pass `now`), no I/O. The medical file calls
it on every request with data it already holds: the patient's `PatientSettings` and `CareTeam`
(stored together, one item) and the `ItemFacts` of the document or profile entry at hand.
docs/professionals.md states the rules; each rule below lives in exactly one function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from pydantic import ValidationError

from healthspace.care.matrices import EVERY_KIND, READ_MATRIX, WRITE_MATRIX, Profession
from healthspace.care.record import (
    FULL,
    MAX_BLOCKED,
    MAX_GRANTS,
    CareTeam,
    GrantKind,
    PatientSettings,
    Professional,
    Scope,
    TreatingDoctor,
)
from healthspace.kernel.entity import Entity
from healthspace.kernel.errors import (
    BadRequest,
    BlockConflict,
    Conflict,
    Forbidden,
    LimitReached,
)
from healthspace.kernel.identifiers import parse_rpps
from healthspace.records.model import AnnouncementHold, ItemFacts, Kind

MAX_EMERGENCY_REASON = 500


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
    if rpps not in settings.blocked and len(settings.blocked) >= MAX_BLOCKED:
        raise LimitReached(f"at most {MAX_BLOCKED} professionals can be blocked: unblock one first")
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
    if rpps not in active and len(active) >= MAX_GRANTS:
        raise LimitReached(
            f"a care team holds at most {MAX_GRANTS} professionals: revoke one's access first"
        )
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
