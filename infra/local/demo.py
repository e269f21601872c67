"""Demo data for the local stack: patients who can log in, and the people they represent.

Accounts are created in the user pool of the API's authorizer (the patient pool), confirmed, with
a permanent password, their names and a valid INS (custom:ins) computed by the domain's rule.
Each person gets an open health space through the domain (healthspace.bootstrap). Only the
adults log in; the child is represented by a parent, who holds a grant on the child's space.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date
from typing import Any

import boto3
from fpdf import FPDF

from healthspace.bootstrap import medical_file
from healthspace.identifiers import make_ins
from healthspace.model import Category, DocumentFacts, Holder, Role
from healthspace.service import Access, Caller, MedicalFile

log = logging.getLogger(__name__)

# Local only (printed at startup); satisfies the patient pool's password policy.
DEMO_PASSWORD = "Demo-Patient-2025"  # noqa: S105


@dataclass(frozen=True)
class DemoPerson:
    given_name: str
    family_name: str
    birth_date: str
    nir: str  # 13 characters; Corsica's 2A/2B allowed

    @property
    def ins(self) -> str:
        return make_ins(self.nir)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    person: DemoPerson
    represents: tuple[DemoPerson, ...] = ()

    @property
    def description(self) -> str:
        who = f"{self.person.given_name} {self.person.family_name}"
        if not self.represents:
            return who
        children = ", ".join(f"{p.given_name} (born {p.birth_date})" for p in self.represents)
        return f"{who}, legal representative of {children}"


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


@dataclass(frozen=True)
class SeededUser:
    account: DemoAccount
    sub: str  # the Cognito user id, "sub" claim of the tokens


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        username="camille.martin@example.org",
        password=DEMO_PASSWORD,
        person=DemoPerson("Camille", "Martin", "1985-05-14", "2850575056123"),
    ),
    DemoAccount(
        username="julien.bernard@example.org",
        password=DEMO_PASSWORD,
        person=DemoPerson("Julien", "Bernard", "1979-11-02", "179112A004012"),
        represents=(DemoPerson("Léa", "Bernard", "2016-03-21", "2160375112045"),),
    ),
)


def seed(
    cognito: Any, user_pool_id: str, accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS
) -> list[SeededUser]:
    """Create the demo users in the pool, and their health spaces."""
    seeded = []
    for account in accounts:
        person = account.person
        user = cognito.admin_create_user(
            UserPoolId=user_pool_id,
            Username=account.username,
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": account.username},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "given_name", "Value": person.given_name},
                {"Name": "family_name", "Value": person.family_name},
                {"Name": "custom:ins", "Value": person.ins},
            ],
        )["User"]
        cognito.admin_set_user_password(
            UserPoolId=user_pool_id,
            Username=account.username,
            Password=account.password,
            Permanent=True,
        )
        sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
        seeded.append(SeededUser(account, sub))
    _open_spaces(accounts, {u.account.person.ins: u.sub for u in seeded})
    log.info("seeded %d demo accounts", len(seeded))
    return seeded


def _open_spaces(accounts: tuple[DemoAccount, ...], subjects: dict[str, str]) -> None:
    """Each person's health space with a few documents and profile entries; a represented child
    grants their parent access. Runs in the stack's process, whose environment points the domain
    at moto; documents go the browser's way (quarantine bucket, then the ingest function)."""
    medical_file.cache_clear()  # built from this process's environment as it is now
    file = medical_file()
    for account in accounts:
        adult = account.person
        space = file.open_space(adult.ins, _holder(adult))
        name = f"{adult.given_name} {adult.family_name}"  # as the API names a token's holder
        caller = Caller(subject=subjects[adult.ins], ins=adult.ins, display_name=name)
        _fill(file, file.policy.resolve(caller, space.space_id), ADULT_CONTENT)
        for child in account.represents:
            child_space = file.open_space(
                child.ins, _holder(child), {adult.ins: Role.LEGAL_REPRESENTATIVE}
            )
            _fill(file, file.policy.resolve(caller, child_space.space_id), CHILD_CONTENT)
    medical_file.cache_clear()  # grants just changed: no handler may keep a stale view


def _fill(file: MedicalFile, access: Access, content: DemoContent) -> None:
    s3 = boto3.client("s3")
    quarantine = os.environ["QUARANTINE_BUCKET"]
    for facts, lines in content.documents:
        data = _pdf(facts.title, lines)
        ticket = file.start_upload(
            access, facts, f"{facts.title}.pdf", "application/pdf", len(data)
        )
        # The bucket's notification runs the ingest function in-process, as in the cloud.
        s3.put_object(Bucket=quarantine, Key=ticket.fields["key"], Body=data)
    for section, fields in content.profile:
        file.add_entry(access, section, fields)


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
