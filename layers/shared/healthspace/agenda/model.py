"""The agenda's appointments (FHIR Appointment-aligned) and their times.

An appointment is kept as the patient reads it: a wall time (`start_local`, `end_local`, naive)
in an IANA time zone of France's (TIME_ZONES). Its instants (`start`, `end`, aware, UTC) follow
from the time zone's rules as the process knows them (zoneinfo), so that an appointment at 09:00
in Paris stays at 09:00 whatever daylight saving does between now and then.

On a daylight-saving night a wall time may not exist (clocks jump from 02:00 to 03:00: 02:30 is
nobody's time) or exist twice (clocks go back from 03:00 to 02:00: 02:30 happens twice). The
rule, stated once (`instant`): a time that does not exist is refused (400, naming the jump), a
time that exists twice is its first occurrence (fold=0, summer time), as most calendars do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from healthspace.kernel.entity import Entity
from healthspace.kernel.errors import BadRequest
from healthspace.records.model import Author

# The time zones of metropolitan France and of the overseas departments, regions and
# collectivities, in which the insured live and are seen.
TIME_ZONES: Final = (
    "Europe/Paris",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
    "Indian/Reunion",
    "Indian/Mayotte",
    "America/Miquelon",
    "America/St_Barthelemy",
    "America/Marigot",
    "Pacific/Noumea",
    "Pacific/Tahiti",
    "Pacific/Marquesas",
    "Pacific/Gambier",
    "Pacific/Wallis",
)
DEFAULT_TIME_ZONE: Final = "Europe/Paris"

# The width of the start index's slots (minutes): the reminders' job reads them one by one.
SLOT_MINUTES: Final = 5


class AppointmentStatus(StrEnum):
    """FHIR Appointment.status's values we use: booked, cancelled (by the patient's side),
    and a professional's booking the patient declined (FHIR: cancelled, with a reason; we keep
    who decided)."""

    BOOKED = "BOOKED"
    CANCELLED = "CANCELLED"
    DECLINED = "DECLINED"


class Appointment(Entity):
    """One appointment of a space's agenda. `booked_by` is who put it there: the patient's side,
    or a professional of the care team (who the patient sees, and may decline)."""

    private = frozenset({"space_id"})
    space_id: str
    appointment_id: str
    version: int
    created_at: datetime
    updated_at: datetime
    status: AppointmentStatus
    start_local: datetime
    end_local: datetime
    time_zone: str
    professional_rpps: str | None = None  # from the directory
    professional_name: str | None = None  # free text, when not from the directory
    facility: str | None = None
    place: str | None = None
    reason: str | None = None
    notes: str | None = None
    booked_by: Author
    prevention_item: str | None = None  # the prevention calendar's item it plans

    @property
    def start(self) -> datetime:
        return instant(self.start_local, self.time_zone)

    @property
    def end(self) -> datetime:
        return instant(self.end_local, self.time_zone)

    @property
    def booked(self) -> bool:
        return self.status is AppointmentStatus.BOOKED


def zone(time_zone: str) -> ZoneInfo:
    """The time zone, refused (400) unless it is one of TIME_ZONES."""
    if time_zone not in TIME_ZONES:
        raise BadRequest(f"time_zone must be one of: {', '.join(TIME_ZONES)}")
    return ZoneInfo(time_zone)


def instant(wall_time: datetime, time_zone: str) -> datetime:
    """The UTC instant of a wall time in one of TIME_ZONES: a time that exists twice is its
    first occurrence (fold=0); a time that does not exist (the hour skipped when clocks go
    forward) is refused (400). Seconds and below are dropped: appointments are to the minute."""
    tz = zone(time_zone)
    local = wall_time.replace(second=0, microsecond=0, tzinfo=None, fold=0)
    aware = local.replace(tzinfo=tz)
    at = aware.astimezone(UTC)
    if at.astimezone(tz).replace(tzinfo=None) != local:
        raise BadRequest(
            f"{local:%Y-%m-%d %H:%M} does not exist in {time_zone}: the clocks skip that hour "
            "that night (choose a time before or after the change)"
        )
    return at


def start_slot(at: datetime) -> str:
    """The start index's slot of an instant: its UTC minute, floored to SLOT_MINUTES, as
    `YYYY-MM-DDTHH:MM` (what the reminders' job queries, one slot at a time)."""
    utc = at.astimezone(UTC)
    floored = utc.replace(minute=utc.minute - utc.minute % SLOT_MINUTES, second=0, microsecond=0)
    return floored.strftime("%Y-%m-%dT%H:%M")


def iso_z(at: datetime) -> str:
    """An instant as the index sorts it: UTC, to the second, with a Z."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
