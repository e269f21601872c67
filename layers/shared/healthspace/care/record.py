"""The patient's care record: their settings and their care team (treating doctor, grants),
one small versioned item read whole on every request that needs it."""

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Final, Literal, Self

from pydantic import AwareDatetime, Field, model_validator

from healthspace.care.matrices import Profession
from healthspace.kernel.entity import Entity
from healthspace.kernel.identifiers import Rpps, parse_rpps
from healthspace.records.model import Kind

# Bounds that keep the care record one small item (DynamoDB: 400 KB), read once per request.
MAX_GRANTS = 100
MAX_BLOCKED = 200


class Professional(Entity):
    """A health professional as their OIDC token presents them (RPPS and profession claims)."""

    rpps: Rpps
    profession: Profession

    @classmethod
    def from_claims(cls, rpps: str, profession: str) -> "Professional":
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


class PatientReference(Entity):
    """What a professional's opaque patient reference stands for (docs/professionals.md,
    "Patients by reference"): a space, for one professional, until `expires_at` (excluded).
    Stored under the reference's digest, never the reference itself."""

    space_id: str
    rpps: Rpps
    expires_at: AwareDatetime

    def valid_for(self, rpps: str, now: datetime) -> bool:
        return self.rpps == rpps and now < self.expires_at
