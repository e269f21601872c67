"""A space's content in FHIR R4: the export's Bundle (POST /me/exports) and, as the design says,
the archive's. One resource per stored thing:

| ours                                  | FHIR R4                                                |
|---------------------------------------|--------------------------------------------------------|
| the space's holder, contacts          | Patient (INS identifier; contacts as Patient.contact)  |
| a document                            | DocumentReference (records.fhir), its file beside it   |
| allergies, treatments, conditions     | AllergyIntolerance, MedicationStatement, Condition     |
| vaccinations, measurements            | Immunization, Observation (vital signs, LOINC-coded)   |
| advance directives                    | Consent (scope adr), the text as its attachment        |
| the care settings and team            | Consent (scope patient-privacy), one provision each    |
| an appointment of the agenda          | Appointment (agenda.fhir)                              |
| the access history                    | AuditEvent, one per entry                              |

The content is read through `SpaceContent`, whose iterators page through the store: a Bundle is
written entry by entry (`write_bundle`), so that its size never sits in memory whatever the
space holds. Each entry's fullUrl is a urn:uuid derived from its type and id, and references
point at those: the Bundle reads on its own. Validated, in the tests, with fhir.resources' R4B
models (R4B changed none of these resources from R4).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, Protocol

from healthspace.agenda.fhir import appointment_resource
from healthspace.agenda.model import Appointment
from healthspace.care.record import FULL, CareRecord
from healthspace.records.fhir import CATEGORY_SYSTEM, INS_SYSTEM, LOINC, RPPS_SYSTEM
from healthspace.records.fhir import document_reference as _document_reference
from healthspace.records.model import (
    AccessLogEntry,
    Action,
    ActorKind,
    Document,
    ProfileEntry,
    Section,
    Space,
)

SECTIONS_IN_BUNDLE = tuple(Section)
# Ours: the SHA-256 (hex) of an attachment's file, beside FHIR's own SHA-1 `hash`, and the
# patient's "mask new documents by default" setting.
SHA256_EXTENSION = "https://healthspace.example.org/fhir/StructureDefinition/attachment-sha256"
MASK_BY_DEFAULT_EXTENSION = (
    "https://healthspace.example.org/fhir/StructureDefinition/mask-by-default"
)
ACTION_SYSTEM = "https://healthspace.example.org/fhir/CodeSystem/access-action"
SUBJECT_SYSTEM = "https://healthspace.example.org/fhir/NamingSystem/subject"
UCUM = "http://unitsofmeasure.org"
_TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
_NAMESPACE = uuid.UUID("2f8c9d1e-6b0a-4e5f-9a43-1c7d2b6e8f10")  # ours: fullUrls from ids


class SpaceContent(Protocol):
    """What a space holds, as the export (and the archive) read it. Each iterator starts again
    at its beginning when called again, reading the store a page at a time."""

    @property
    def space(self) -> Space: ...
    @property
    def care(self) -> CareRecord: ...
    def documents(self) -> Iterator[Document]: ...
    def entries(self, section: Section) -> Iterator[ProfileEntry]: ...
    def appointments(self) -> Iterator[Appointment]: ...
    def history(self) -> Iterator[AccessLogEntry]: ...


def full_url(resource_type: str, resource_id: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{resource_type}/{resource_id}')}"


def reference(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": full_url(resource_type, resource_id)}


def document_path(document: Document) -> str:
    """Where a document's file lies in the export's ZIP: under documents/, by id (unique), with
    its file name made safe for every file system."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", document.filename).strip("._") or "document"
    return f"documents/{document.document_id}-{safe[:100]}"


def _concept(text: str, coding: Any = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if isinstance(coding, dict):
        concept["coding"] = [{k: v for k, v in coding.items() if v is not None}]
    return concept


def _coded(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code, **({"display": display} if display else {})}
    return {"coding": [coding]}


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def _instant(moment: datetime) -> str:
    return moment.isoformat()


def patient(space: Space, contacts: Iterable[ProfileEntry] = ()) -> dict[str, Any]:
    holder = space.holder
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": space.space_id,
        "identifier": [{"system": INS_SYSTEM, "value": space.holder_ins}],
        "name": [{"family": holder.family_name, "given": [holder.given_name]}],
        "birthDate": holder.birth_date.isoformat(),
    }
    shown = [_contact(entry.fields) for entry in contacts]
    if shown:
        resource["contact"] = shown
    return resource


def _contact(fields: dict[str, Any]) -> dict[str, Any]:
    kind = "C" if fields["kind"] == "emergency-contact" else "N"  # v2-0131: emergency, next-of-kin
    relationship = [_coded(f"{_TERMINOLOGY}v2-0131", kind)]
    if fields.get("relationship"):
        relationship.append({"text": fields["relationship"]})
    telecom = [{"system": "phone", "value": fields["phone"]}]
    if fields.get("email"):
        telecom.append({"system": "email", "value": fields["email"]})
    return {"relationship": relationship, "name": {"text": fields["name"]}, "telecom": telecom}


def _meta(entry: ProfileEntry) -> dict[str, Any]:
    return {"versionId": str(entry.version), "lastUpdated": _instant(entry.updated_at)}


def _recorder(entry: ProfileEntry) -> dict[str, Any]:
    rpps = entry.author.rpps
    if rpps:
        identifier = {"system": RPPS_SYSTEM, "value": rpps}
        return {"identifier": identifier, "display": entry.author.display_name}
    return {"display": entry.author.display_name}


def allergy(entry: ProfileEntry, patient_id: str) -> dict[str, Any]:
    f = entry.fields
    resource: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "id": entry.entry_id,
        "meta": _meta(entry),
        "clinicalStatus": _coded(f"{_TERMINOLOGY}allergyintolerance-clinical", "active"),
        "category": [f["category"]],
        "criticality": f.get("criticality", "unable-to-assess"),
        "code": _concept(str(f["substance"]), f.get("code")),
        "patient": reference("Patient", patient_id),
        "recordedDate": _instant(entry.created_at),
        "recorder": _recorder(entry),
    }
    if f.get("onset_date"):
        resource["onsetDateTime"] = f["onset_date"]
    if f.get("reaction"):
        resource["reaction"] = [{"manifestation": [{"text": f["reaction"]}]}]
    return resource


def medication_statement(entry: ProfileEntry, patient_id: str) -> dict[str, Any]:
    f = entry.fields
    period = {"start": f["start_date"], **({"end": f["end_date"]} if f.get("end_date") else {})}
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": entry.entry_id,
        "meta": _meta(entry),
        "status": f.get("status", "active"),
        "medicationCodeableConcept": _concept(str(f["medication"]), f.get("code")),
        "subject": reference("Patient", patient_id),
        "effectivePeriod": period,
        "dateAsserted": _instant(entry.created_at),
        "informationSource": _recorder(entry),
    }
    if f.get("dosage"):
        resource["dosage"] = [{"text": f["dosage"]}]
    return resource


def condition(entry: ProfileEntry, patient_id: str) -> dict[str, Any]:
    f = entry.fields
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": entry.entry_id,
        "meta": _meta(entry),
        "clinicalStatus": _coded(f"{_TERMINOLOGY}condition-clinical", str(f["clinical_status"])),
        "code": _concept(str(f["name"]), f.get("code")),
        "subject": reference("Patient", patient_id),
        "recordedDate": _instant(entry.created_at),
        "recorder": _recorder(entry),
    }
    if f.get("onset_date"):
        resource["onsetDateTime"] = f["onset_date"]
    if f.get("note"):
        resource["note"] = [{"text": f["note"]}]
    return resource


def immunization(entry: ProfileEntry, patient_id: str) -> dict[str, Any]:
    f = entry.fields
    resource: dict[str, Any] = {
        "resourceType": "Immunization",
        "id": entry.entry_id,
        "meta": _meta(entry),
        "status": "completed",
        "vaccineCode": _concept(str(f["vaccine"]), f.get("code")),
        "patient": reference("Patient", patient_id),
        "occurrenceDateTime": f["date"],
        "recorded": _instant(entry.created_at),
        "primarySource": entry.author.kind is ActorKind.PROFESSIONAL,
    }
    if f.get("lot_number"):
        resource["lotNumber"] = f["lot_number"]
    if f.get("dose_number"):
        resource["protocolApplied"] = [{"doseNumberPositiveInt": f["dose_number"]}]
    return resource


# Each measurement's LOINC code, its display, its UCUM unit and its category.
MEASUREMENT_CODES: dict[str, tuple[str, str, str, str]] = {
    "weight": ("29463-7", "Body weight", "kg", "vital-signs"),
    "height": ("8302-2", "Body height", "cm", "vital-signs"),
    "blood-pressure": ("85354-9", "Blood pressure panel", "mm[Hg]", "vital-signs"),
    "glycaemia": ("2339-0", "Glucose [Mass/volume] in Blood", "g/L", "laboratory"),
    "heart-rate": ("8867-4", "Heart rate", "/min", "vital-signs"),
    "temperature": ("8310-5", "Body temperature", "Cel", "vital-signs"),
}


def _quantity(value: Any, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def observation(entry: ProfileEntry, patient_id: str) -> dict[str, Any]:
    f = entry.fields
    code, display, ucum, category = MEASUREMENT_CODES[str(f["kind"])]
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": entry.entry_id,
        "meta": _meta(entry),
        "status": "final",
        "category": [_coded(f"{_TERMINOLOGY}observation-category", category)],
        "code": _coded(LOINC, code, display),
        "subject": reference("Patient", patient_id),
        "effectiveDateTime": f["measured_at"],
    }
    if f["kind"] == "blood-pressure":
        resource["component"] = [
            {
                "code": _coded(LOINC, "8480-6", "Systolic blood pressure"),
                "valueQuantity": _quantity(f["value"], str(f["unit"]), ucum),
            },
            {
                "code": _coded(LOINC, "8462-4", "Diastolic blood pressure"),
                "valueQuantity": _quantity(f["diastolic"], str(f["unit"]), ucum),
            },
        ]
    else:
        resource["valueQuantity"] = _quantity(f["value"], str(f["unit"]), ucum)
    return resource


def advance_directive(entry: ProfileEntry, patient_id: str) -> dict[str, Any]:
    f = entry.fields
    text = str(f["content"]).encode()
    return {
        "resourceType": "Consent",
        "id": entry.entry_id,
        "meta": _meta(entry),
        "status": "active",
        "scope": _coded(f"{_TERMINOLOGY}consentscope", "adr"),
        "category": [_coded(LOINC, "42348-3", "Advance directives")],
        "patient": reference("Patient", patient_id),
        "dateTime": f"{f['date']}T00:00:00Z",
        "policyRule": {"text": "Code de la santé publique, L. 1111-11"},
        "sourceAttachment": {
            "contentType": "text/plain; charset=utf-8",
            "data": base64.b64encode(text).decode(),
            "title": f["title"],
        },
    }


def care_consent(care: CareRecord, patient_id: str) -> dict[str, Any]:
    """The patient's settings and care team as one privacy Consent: who they let in (the
    treating doctor, each grant, its scope and end), whom they keep out, and whether
    professionals may open the file in an emergency."""
    doctor = care.team.treating_doctor
    provisions: list[dict[str, Any]] = []
    if doctor is not None:
        provisions.append(
            {
                "type": "permit",
                "period": {"start": _instant(doctor.designated_at)},
                "actor": [_actor("PRCP", doctor.rpps)],  # primary care provider
            }
        )
    for rpps, grant in sorted(care.team.grants.items()):
        provision: dict[str, Any] = {
            "type": "permit",
            "period": {
                "start": _instant(grant.granted_at),
                **({"end": _instant(grant.expires_at)} if grant.expires_at else {}),
            },
            "actor": [_actor("IRCP", rpps)],  # information recipient
        }
        if grant.scope != FULL:
            provision["code"] = [
                _coded(CATEGORY_SYSTEM, kind.value) for kind in sorted(grant.scope)
            ]
        provisions.append(provision)
    for rpps in sorted(care.settings.blocked):
        provisions.append({"type": "deny", "actor": [_actor("IRCP", rpps)]})
    provisions.append(
        {
            "type": "permit" if care.settings.emergency_access else "deny",
            "purpose": [{"system": f"{_TERMINOLOGY}v3-ActReason", "code": "ETREAT"}],
        }
    )
    return {
        "resourceType": "Consent",
        "id": f"care-{patient_id}",
        "meta": {"versionId": str(care.version)},
        "extension": [
            {"url": MASK_BY_DEFAULT_EXTENSION, "valueBoolean": care.settings.mask_by_default}
        ],
        "status": "active",
        "scope": _coded(f"{_TERMINOLOGY}consentscope", "patient-privacy"),
        "category": [_coded(LOINC, "59284-0", "Patient Consent")],
        "patient": reference("Patient", patient_id),
        "policyRule": _coded("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN"),
        "provision": {"type": "permit", "provision": provisions},
    }


def _actor(role: str, rpps: str) -> dict[str, Any]:
    return {
        "role": _coded("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", role),
        "reference": {"identifier": {"system": RPPS_SYSTEM, "value": rpps}},
    }


_AUDIT_ACTIONS = {
    Action.READ: "R",
    Action.DOWNLOAD: "R",
    Action.VIEW: "R",
    Action.CREATE: "C",
    Action.UPDATE: "U",
    Action.DELETE: "D",
}


def audit_event(entry: AccessLogEntry, patient_id: str) -> dict[str, Any]:
    """One entry of the access history. Its actor by RPPS (a professional) or by their
    pseudonymous subject; the object by our type and id; a break-glass access's reason as the
    event's purpose."""
    actor = entry.actor
    system = RPPS_SYSTEM if actor.rpps else SUBJECT_SYSTEM
    agents: list[dict[str, Any]] = [
        {
            "type": _coded(f"{_TERMINOLOGY}extra-security-role-type", "humanuser")
            if actor.kind is not ActorKind.SYSTEM
            else _coded(f"{_TERMINOLOGY}extra-security-role-type", "dataprocessor"),
            "role": [{"text": entry.role.value}],
            "who": {
                "identifier": {"system": system, "value": actor.rpps or actor.id},
                "display": actor.display_name,
            },
            "requestor": True,
        }
    ]
    if entry.via:
        agents.append({"who": {"display": entry.via}, "requestor": False})
    what: dict[str, Any] = {"display": entry.object.type}
    if entry.object.id:
        what["identifier"] = {"value": entry.object.id}
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": entry.entry_id,
        # R4: AuditEvent.type and entity.role are Codings, not concepts.
        "type": _coding("http://dicom.nema.org/resources/ontology/DCM", "110110", "Patient Record"),
        "subtype": [{"system": ACTION_SYSTEM, "code": entry.action.value}],
        "action": _AUDIT_ACTIONS[entry.action],
        "recorded": _instant(entry.at),
        "outcome": "0",
        "agent": agents,
        "source": {"observer": {"display": "healthspace"}},
        "entity": [
            {
                "what": reference("Patient", patient_id),
                "role": _coding(f"{_TERMINOLOGY}object-role", "1", "Patient"),
            },
            {"what": what},
        ],
    }
    if entry.emergency_reason:
        resource["purposeOfEvent"] = [
            {
                **_coded(f"{_TERMINOLOGY}v3-ActReason", "ETREAT"),
                "text": entry.emergency_reason,
            }
        ]
    return resource


def document_reference(document: Document, patient_ins: str, patient_id: str) -> dict[str, Any]:
    """A document as the partners read it (records.fhir), its content the file beside the
    Bundle in the ZIP (a relative url), with its size and SHA-256."""
    resource = _document_reference(document, patient_ins, content_url=document_path(document))
    resource["subject"] = {**reference("Patient", patient_id), **resource["subject"]}
    attachment = resource["content"][0]["attachment"]
    attachment["extension"] = [{"url": SHA256_EXTENSION, "valueString": document.sha256}]
    return resource


PROFILE_RESOURCES: dict[Section, Callable[[ProfileEntry, str], dict[str, Any]]] = {
    Section.ALLERGIES: allergy,
    Section.TREATMENTS: medication_statement,
    Section.CONDITIONS: condition,
    Section.VACCINATIONS: immunization,
    Section.MEASUREMENTS: observation,
    Section.ADVANCE_DIRECTIVES: advance_directive,
}


def resources(content: SpaceContent) -> Iterator[dict[str, Any]]:
    """Every resource of the space, one at a time: the Patient, the documents, the profile
    section by section, the care Consent, the appointments, then the history."""
    space = content.space
    patient_id = space.space_id
    yield patient(space, content.entries(Section.CONTACTS))
    for document in content.documents():
        yield document_reference(document, space.holder_ins, patient_id)
    for section, to_resource in PROFILE_RESOURCES.items():
        for entry in content.entries(section):
            yield to_resource(entry, patient_id)
    yield care_consent(content.care, patient_id)
    for appointment in content.appointments():
        yield appointment_resource(appointment, reference("Patient", patient_id))
    for act in content.history():
        yield audit_event(act, patient_id)


def entry_of(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url(resource["resourceType"], resource["id"]), "resource": resource}


def write_bundle(content: SpaceContent, write: Callable[[bytes], object], at: datetime) -> int:
    """Write the space's Bundle (type collection) as JSON, entry by entry, through `write`;
    the number of entries written. Memory holds one resource at a time."""
    head = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(_NAMESPACE, f"export/{content.space.space_id}/{at.isoformat()}")),
        "meta": {"lastUpdated": _instant(at)},
        "type": "collection",
        "timestamp": _instant(at),
    }
    write(json.dumps(head, ensure_ascii=False)[:-1].encode() + b', "entry": [')
    count = 0
    for resource in resources(content):
        separator = b"," if count else b""
        write(separator + b"\n" + json.dumps(entry_of(resource), ensure_ascii=False).encode())
        count += 1
    write(b"\n]}\n")
    return count


def bundle(content: SpaceContent, at: datetime) -> dict[str, Any]:
    """The whole Bundle in memory: for tests and small spaces; the export writes it."""
    chunks: list[bytes] = []
    write_bundle(content, chunks.append, at)
    loaded: dict[str, Any] = json.loads(b"".join(chunks))
    return loaded
