"""What the agenda's routes take and answer, for the patients' and the professionals' alike."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from healthspace.agenda.appointments import AppointmentFacts, Listed
from healthspace.agenda.model import DEFAULT_TIME_ZONE, TIME_ZONES, Appointment
from healthspace.api.common import json_response
from healthspace.kernel.dates import AwareIsoDateTime, IsoDateTime

AppointmentId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z]+$")]
# A range of starts: instants with their offset (2026-05-01T00:00:00+02:00, ...Z).
RangeStart = Annotated[
    AwareIsoDateTime | None,
    Query(
        alias="from",
        description="the earliest start listed (ISO 8601, with its offset); default: now",
    ),
]
RangeEnd = Annotated[
    AwareIsoDateTime | None,
    Query(
        alias="to",
        description="the start after the last listed (excluded); default: 90 days after from",
    ),
]
Text = Annotated[str, Field(min_length=1, max_length=200)]


def _wall_time(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise ValueError("a wall time, without an offset: its time zone is time_zone")
    return value


# A wall time in the appointment's time zone, as a calendar shows it: 2026-05-04T09:30.
WallTime = Annotated[IsoDateTime, AfterValidator(_wall_time)]


class AppointmentBody(BaseModel):
    """An appointment as its writer describes it (FHIR Appointment-aligned): when, in which
    time zone, with whom or where, why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    start_local: WallTime = Field(
        description="the wall time it starts, in time_zone, without an offset (2026-05-04T09:30)",
        examples=["2026-05-04T09:30:00"],
    )
    end_local: WallTime = Field(description="the wall time it ends, after start_local")
    time_zone: str = Field(
        DEFAULT_TIME_ZONE,
        description=f"an IANA time zone among: {', '.join(TIME_ZONES)}",
        max_length=40,
    )
    professional_rpps: str | None = Field(
        None, description="the professional's RPPS, from the directory", pattern=r"^[0-9]{11}$"
    )
    professional_name: Text | None = Field(None, description="or the professional's name")
    facility: Text | None = None
    place: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    reason: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    notes: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    prevention_item: (
        Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9a-z-]+$")] | None
    ) = Field(None, description="the prevention calendar's item it plans")

    def facts(self) -> AppointmentFacts:
        return AppointmentFacts(**self.model_dump())


class AppointmentAnswer(BaseModel):
    """An appointment, with the ids of the booked ones it overlaps (shown, never refused)."""

    model_config = ConfigDict(extra="allow")
    appointment_id: str
    version: int
    status: str
    start_local: datetime
    end_local: datetime
    time_zone: str
    overlaps: list[str]
    professional: dict[str, Any] | None = Field(
        None,
        description="the professional named by professional_rpps, as the directory names them: "
        "{rpps, display_name, profession, profession_code, specialty, in_directory}",
    )


class AppointmentPage(BaseModel):
    items: list[AppointmentAnswer]
    next_cursor: str | None = Field(description="the cursor of the next page; null on the last")


def appointment_response(status: int, listed: Listed | Appointment) -> Response[Any]:
    body = listed.to_api() if isinstance(listed, Listed) else {**listed.to_api(), "overlaps": []}
    version = listed.appointment.version if isinstance(listed, Listed) else listed.version
    return json_response(status, body, {"ETag": f'"{version}"'})
