"""An appointment as a FHIR R4 Appointment: what the space's export (and archive) Bundle carries
(lifecycle.fhir_bundle), readable without our code.

| ours                          | FHIR R4 Appointment                                      |
|-------------------------------|----------------------------------------------------------|
| status BOOKED / CANCELLED     | status booked / cancelled                                |
| status DECLINED               | cancelled, cancelationReason "pat", the patient declined |
| start, end (wall time + zone) | start, end (with their offset); the zone, an extension   |
| professional (RPPS or name)   | participant: Practitioner by RPPS identifier, or name    |
| facility, place               | participant: Location, by its name                       |
| reason, notes                 | reasonCode (text), comment                               |
| booked_by                     | extension booked-by (a professional's RPPS, or patient)  |
| prevention_item               | extension prevention-item                                |
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from healthspace.agenda.model import Appointment, AppointmentStatus
from healthspace.records.fhir import RPPS_SYSTEM
from healthspace.records.model import ActorKind

_OURS: Final = "https://healthspace.example.org/fhir/StructureDefinition/"
TIME_ZONE_EXTENSION: Final = f"{_OURS}appointment-time-zone"
BOOKED_BY_EXTENSION: Final = f"{_OURS}appointment-booked-by"
PREVENTION_EXTENSION: Final = f"{_OURS}appointment-prevention-item"
CANCELLATION_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
_STATUS: Final = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.DECLINED: "cancelled",
}


def appointment_resource(appointment: Appointment, patient: dict[str, str]) -> dict[str, Any]:
    """The Appointment; `patient`: the reference to the Bundle's Patient."""
    declined = appointment.status is AppointmentStatus.DECLINED
    participants: list[dict[str, Any]] = [
        {"actor": patient, "status": "declined" if declined else "accepted"}
    ]
    if appointment.professional_rpps:
        practitioner = {"system": RPPS_SYSTEM, "value": appointment.professional_rpps}
        who = {"type": "Practitioner", "identifier": practitioner}
        participants.append({"actor": who, "status": "accepted"})
    elif appointment.professional_name:
        who = {"type": "Practitioner", "display": appointment.professional_name}
        participants.append({"actor": who, "status": "accepted"})
    place = ", ".join(filter(None, (appointment.facility, appointment.place)))
    if place:
        participants.append({"actor": {"type": "Location", "display": place}, "status": "accepted"})
    booker = appointment.booked_by
    booked_by = (
        {"type": "Practitioner", "identifier": {"system": RPPS_SYSTEM, "value": booker.rpps}}
        if booker.kind is ActorKind.PROFESSIONAL and booker.rpps
        else {"type": "Patient", "display": booker.display_name}
    )
    extensions: list[dict[str, Any]] = [
        {"url": TIME_ZONE_EXTENSION, "valueString": appointment.time_zone},
        {"url": BOOKED_BY_EXTENSION, "valueReference": booked_by},
    ]
    if appointment.prevention_item:
        extensions.append({"url": PREVENTION_EXTENSION, "valueString": appointment.prevention_item})
    zone = ZoneInfo(appointment.time_zone)
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": appointment.appointment_id,
        "meta": {"versionId": str(appointment.version), "lastUpdated": _at(appointment.updated_at)},
        "extension": extensions,
        "status": _STATUS[appointment.status],
        "start": appointment.start.astimezone(zone).isoformat(),
        "end": appointment.end.astimezone(zone).isoformat(),
        "created": _at(appointment.created_at),
        "participant": participants,
    }
    if declined:
        reason = {"system": CANCELLATION_SYSTEM, "code": "pat", "display": "Patient"}
        resource["cancelationReason"] = {"coding": [reason]}
    if appointment.reason:
        resource["reasonCode"] = [{"text": appointment.reason}]
    if appointment.notes:
        resource["comment"] = appointment.notes
    return resource


def _at(moment: datetime) -> str:
    return moment.isoformat()
