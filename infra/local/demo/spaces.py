"""The demo patients' health spaces, filled through the domain's use cases as the patient would:
a few documents (PDFs, the browser's way: quarantine bucket, then the ingest function) and
profile entries, the care record (treating doctor, care team grants), and the enrollment that
would have opened each space."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

import boto3
from fpdf import FPDF

from healthspace import wiring
from healthspace.records.access import Access, Caller
from healthspace.records.model import Category, DocumentFacts, Holder, Role
from healthspace.wiring.compose import MedicalFile
from healthspace.wiring.records import medical_file
from infra.local.demo.people import DemoAccount, DemoPerson

if TYPE_CHECKING:
    from healthspace.adapters.dynamodb.table import DynamoStore


@dataclass(frozen=True)
class DemoContent:
    documents: tuple[tuple[DocumentFacts, tuple[str, ...]], ...]
    profile: tuple[tuple[str, dict[str, Any]], ...]


def _facts(category: Category, title: str, day: str, loinc: str | None = None) -> DocumentFacts:
    return DocumentFacts(
        category=category, title=title, document_date=date.fromisoformat(day), type_code=loinc
    )


SNOMED = "http://snomed.info/sct"
ADULT_CONTENT = DemoContent(
    documents=(
        (
            _facts(Category.REPORTS, "Compte rendu de consultation", "2026-10-12", "11488-4"),
            ("Consultation de suivi. Examen clinique normal.", "Poursuite du traitement."),
        ),
        (
            _facts(Category.BIOLOGY, "Bilan sanguin", "2026-09-03", "11502-2"),
            ("TSH : 1,8 mUI/L (0,4 - 4,0)", "Glycemie a jeun : 0,92 g/L"),
        ),
        (
            _facts(Category.PRESCRIPTIONS_CARE, "Ordonnance", "2026-10-12", "57833-6"),
            ("Levothyroxine 75 microgrammes : 1 comprime le matin, 3 mois.",),
        ),
    ),
    profile=(
        (
            "allergies",
            {
                "substance": "Penicilline",
                "code": {"system": SNOMED, "code": "764146007", "display": "Penicillin"},
                "category": "medication",
                "criticality": "high",
                "reaction": "Urticaire",
            },
        ),
        (
            "treatments",
            {
                "medication": "Levothyroxine 75 µg",
                "dosage": "1 cp le matin",
                "start_date": "2024-02-01",
            },
        ),
        (
            "conditions",
            {"name": "Hypothyroidie", "clinical_status": "active", "onset_date": "2024-01-15"},
        ),
        (
            "vaccinations",
            {"vaccine": "Grippe saisonniere", "date": "2025-10-20", "lot_number": "FL2510"},
        ),
        (
            "measurements",
            {
                "kind": "blood-pressure",
                "value": 121,
                "diastolic": 78,
                "unit": "mmHg",
                "measured_at": "2026-10-12T09:30:00+02:00",
            },
        ),
        (
            "measurements",
            {
                "kind": "weight",
                "value": 64.5,
                "unit": "kg",
                "measured_at": "2026-10-12T09:30:00+02:00",
            },
        ),
        (
            "advance-directives",
            {
                "title": "Directives anticipees",
                "content": "En cas de maladie grave et incurable, je refuse l'acharnement "
                "therapeutique. Ma personne de confiance est Paul Martin.",
                "date": "2025-03-10",
            },
        ),
        (
            "contacts",
            {
                "kind": "trusted-person",
                "name": "Paul Martin",
                "relationship": "conjoint",
                "phone": "0612345678",
            },
        ),
    ),
)
CHILD_CONTENT = DemoContent(
    documents=(
        (
            _facts(Category.CERTIFICATES, "Certificat de vaccination", "2025-09-01"),
            ("Vaccinations a jour selon le calendrier vaccinal.",),
        ),
    ),
    profile=(
        ("vaccinations", {"vaccine": "ROR", "date": "2017-06-12", "dose_number": 2}),
        ("allergies", {"substance": "Arachide", "category": "food", "criticality": "high"}),
    ),
)


def open_spaces(accounts: tuple[DemoAccount, ...], subjects: dict[str, str]) -> None:
    """Each person's health space with a few documents and profile entries; a represented child
    grants their parent access. Runs in the stack's process, whose environment points the domain
    at moto; documents go the browser's way (quarantine bucket, then the ingest function)."""
    wiring.forget()  # built from this process's environment as it is now
    file = medical_file()
    for account in accounts:
        adult = account.person
        space = file.spaces.open_space(adult.ins, _holder(adult))
        name = f"{adult.given_name} {adult.family_name}"  # as the API names a token's holder
        caller = Caller(subject=subjects[adult.ins], ins=adult.ins, display_name=name)
        access = file.spaces.policy.resolve(caller, space.space_id)
        record_enrollment(file, adult, space.space_id, account.username)
        _fill(file, access, ADULT_CONTENT)
        _form_care_team(file, access, account)
        for child in account.represents:
            child_space = file.spaces.open_space(
                child.ins, _holder(child), {adult.ins: Role.LEGAL_REPRESENTATIVE}
            )
            record_enrollment(file, child, child_space.space_id, account.username, adult.ins)
            _fill(file, file.spaces.policy.resolve(caller, child_space.space_id), CHILD_CONTENT)
    wiring.forget()  # grants just changed: no handler may keep a stale view


def record_enrollment(
    file: MedicalFile,
    person: DemoPerson,
    space_id: str,
    email: str,
    representative_ins: str | None = None,
) -> None:
    """The enrollment that would have created this space, with the account's email as contact
    (the parent's for a child): where the notices of acts on the file go (docs/notices.md), so
    that a professional's read shows in /local/outbox."""
    from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
    from healthspace.enrollment.model import (
        Contact,
        Enrollment,
        EnrollmentLogEntry,
        EnrollmentStatus,
    )

    now = file.clock.now()
    enrollment = Enrollment(
        ins=person.ins,
        birth_date=date.fromisoformat(person.birth_date),
        given_name=person.given_name,
        family_name=person.family_name,
        wave_id=f"W{now:%Y%m%d}",
        deadline=now,
        status=EnrollmentStatus.ACTIVE,
        recipient=Contact(email=email),
        representatives=(representative_ins,) if representative_ins else (),
        code_digest="demo",  # no code: nobody decides on a demo enrollment
        code_issued_at=now,
        notified_at=now,
        created_at=now,
        space_id=space_id,
        decided_at=now,
        decided_by="self",
    )
    log_entry = EnrollmentLogEntry(
        entry_id=file.ids.new_id(), ins=person.ins, at=now, action="ACTIVATED", actor="self"
    )
    store = DynamoEnrollmentStore(cast("DynamoStore", file.store))
    store.create_enrollment(enrollment, log_entry)


def _fill(file: MedicalFile, access: Access, content: DemoContent) -> None:
    s3 = boto3.client("s3")
    quarantine = os.environ["QUARANTINE_BUCKET"]
    for facts, lines in content.documents:
        data = _pdf(facts.title, lines)
        ticket = file.uploads.start_upload(
            access, facts, f"{facts.title}.pdf", "application/pdf", len(data)
        )
        # The bucket's notification runs the ingest function in-process, as in the cloud.
        s3.put_object(Bucket=quarantine, Key=ticket.fields["key"], Body=data)
    for section, fields in content.profile:
        file.profile.add_entry(access, section, fields)


def _form_care_team(file: MedicalFile, access: Access, account: DemoAccount) -> None:
    """The account's care record, written as the patient would from /me/care: each change
    against the version just read, and traced in their access history."""
    version = file.controls.care_record(access).version
    if account.treating_doctor:
        doctor = account.treating_doctor
        version = file.controls.designate_treating_doctor(
            access, doctor.rpps, version, doctor.profession
        ).version
    for member, scope in account.care_team:
        version = file.controls.grant_access(access, member.rpps, scope, version).version


def _pdf(title: str, lines: tuple[str, ...]) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _holder(person: DemoPerson) -> Holder:
    return Holder(
        given_name=person.given_name,
        family_name=person.family_name,
        birth_date=date.fromisoformat(person.birth_date),
    )
