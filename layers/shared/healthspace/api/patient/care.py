"""The patient's controls over who sees their file: settings (emergency access, masking by
default), blocked professionals, treating doctor and care team.

Every route answers with the whole care record and its version as ETag; every change sends that
version in If-Match (428 without, 412 when stale). The space is chosen as on every /me route
(X-Space-Id for a represented person). Rules live in healthspace.care (rules, controls).
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from healthspace.api.common import access, if_match, json_response, use
from healthspace.api.openapi import REQUIRED, documented
from healthspace.api.patient.directory import NameBody, names
from healthspace.api.shapes import GrantRequest
from healthspace.care.controls import PatientControls
from healthspace.care.matrices import Profession
from healthspace.care.record import CareRecord
from healthspace.kernel.observability import metrics

router = APIGatewayRouter()
TAGS = ["Who sees my file"]
_RPPS_PATTERN = r"^\d{11}$"
_RPPS_HELP = "RPPS number of the professional: 11 digits, Luhn-checked"
RppsPath = Annotated[str, Path(pattern=_RPPS_PATTERN, description=_RPPS_HELP)]


class SettingsChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    emergency_access: bool | None = Field(
        None, description="let professionals break the glass in an emergency (default on)"
    )
    mask_by_default: bool | None = Field(
        None, description="new documents start masked from professionals (default off)"
    )

    @model_validator(mode="after")
    def _something(self) -> SettingsChange:
        if self.emergency_access is None and self.mask_by_default is None:
            raise ValueError("send emergency_access and/or mask_by_default")
        return self


class TreatingDoctorRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rpps: Annotated[str, Field(pattern=_RPPS_PATTERN, description=_RPPS_HELP)]
    profession: Profession = Field(
        Profession.MEDECIN,
        description=(
            "the professional's RPPS profession code, taken only for an RPPS the directory "
            "does not hold: the directory's profession is used otherwise. The treating doctor "
            "is a médecin"
        ),
    )


class TreatingDoctorBody(BaseModel):
    rpps: str
    designated_at: str
    professional: NameBody


class TeamMemberBody(BaseModel):
    model_config = ConfigDict(extra="allow")  # the grant: kind, granted_at, scope, expires_at
    rpps: str
    professional: NameBody


class CareBody(BaseModel):
    """The care record, each professional named by the directory (`professional`, and
    `blocked_professionals` beside the bare `blocked` RPPS list)."""

    version: int
    emergency_access: bool
    mask_by_default: bool
    blocked: list[str] = Field(description="the blocked professionals' RPPS")
    blocked_professionals: list[NameBody] = Field(description="the same, named, in that order")
    treating_doctor: TreatingDoctorBody | None
    team: list[TeamMemberBody]


# Every change of the care record: versioned, and refused when it contradicts it (BLOCK_CONFLICT).
CHANGE = documented(200, 409, if_match=REQUIRED, body=CareBody)


def _record(record: CareRecord) -> Response[Any]:
    """The record with its professionals named, in one batch read of the directory."""
    body = record.to_api()
    doctor, team = body["treating_doctor"], body["team"]
    named = names(router, [*body["blocked"], *(m["rpps"] for m in team), doctor and doctor["rpps"]])
    for member in [*team, *([doctor] if doctor else [])]:
        member["professional"] = named[member["rpps"]]
    body["blocked_professionals"] = [named[rpps] for rpps in body["blocked"]]
    return json_response(200, body, {"ETag": f'"{record.version}"'})


def _changed(record: CareRecord, metric: str) -> Response[Any]:
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    return _record(record)


@router.get(
    "/me/care",
    tags=TAGS,
    summary="Settings, treating doctor, care team and blocked list",
    **documented(body=CareBody),
)
def get_care() -> Response[Any]:
    return _record(use(router, PatientControls).care_record(access(router)))


@router.put(
    "/me/care/settings",
    tags=TAGS,
    summary="Turn emergency access or masking by default on or off (If-Match)",
    **CHANGE,
)
def change_settings(change: SettingsChange) -> Response[Any]:
    record = use(router, PatientControls).change_settings(
        access(router), if_match(router), change.emergency_access, change.mask_by_default
    )
    return _changed(record, "CareSettingsChanged")


@router.put(
    "/me/care/treating-doctor", tags=TAGS, summary="Designate the treating doctor", **CHANGE
)
def designate_treating_doctor(doctor: TreatingDoctorRequest) -> Response[Any]:
    record = use(router, PatientControls).designate_treating_doctor(
        access(router), doctor.rpps, if_match(router), doctor.profession
    )
    return _changed(record, "TreatingDoctorDesignated")


@router.delete(
    "/me/care/treating-doctor",
    tags=TAGS,
    summary="End the treating doctor's designation",
    **CHANGE,
)
def end_treating_doctor() -> Response[Any]:
    record = use(router, PatientControls).end_treating_doctor(access(router), if_match(router))
    return _changed(record, "TreatingDoctorEnded")


@router.put(
    "/me/care/team/<rpps>",
    tags=TAGS,
    summary="Let a professional in, on some kinds or in full, until an optional date",
    **CHANGE,
)
def grant_access(rpps: RppsPath, grant: GrantRequest) -> Response[Any]:
    scope = frozenset(grant.scope) if isinstance(grant.scope, list) else grant.scope
    record = use(router, PatientControls).grant_access(
        access(router), rpps, scope, if_match(router), grant.expires_at
    )
    return _changed(record, "CareTeamGranted")


@router.delete(
    "/me/care/team/<rpps>", tags=TAGS, summary="Revoke a professional's access", **CHANGE
)
def revoke_access(rpps: RppsPath) -> Response[Any]:
    record = use(router, PatientControls).revoke_access(access(router), rpps, if_match(router))
    return _changed(record, "CareTeamRevoked")


@router.put(
    "/me/care/blocked/<rpps>", tags=TAGS, summary="Block a professional from the file", **CHANGE
)
def block_professional(rpps: RppsPath) -> Response[Any]:
    record = use(router, PatientControls).block_professional(access(router), rpps, if_match(router))
    return _changed(record, "ProfessionalBlocked")


@router.delete("/me/care/blocked/<rpps>", tags=TAGS, summary="Unblock a professional", **CHANGE)
def unblock_professional(rpps: RppsPath) -> Response[Any]:
    record = use(router, PatientControls).unblock_professional(
        access(router), rpps, if_match(router)
    )
    return _changed(record, "ProfessionalUnblocked")
