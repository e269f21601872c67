"""Demo data for the local stack: patients who can log in, and the people they represent; health
professionals around the first patient; a helpline operator; a notification wave.

Accounts are created in the user pool of the API's authorizer (the patient pool), confirmed, with
a permanent password, their names and a valid INS (custom:ins) computed by the domain's rule.
Each person gets an open health space through the domain (healthspace.bootstrap). Only the
adults log in; the child is represented by a parent, who holds a grant on the child's space.

The professionals are in the professionals' pool (custom:rpps, custom:profession, as the /pro
API's authorizer reads them): Camille Martin's treating doctor and a pharmacist of her care team
with a limited grant, both recorded in her care record through the domain's use cases, and a
doctor she never named (refused, until he breaks the glass). /local/login answers their MFA
challenge, as the operator's.

The operator is in the operators' pool, group `helpline` (the operator routes, the wave figures).
The demo wave is a synthetic insured-persons file of a few hundred people imported through the
real importer once the stack is up: everyone is notified (email, SMS or letter), 0.7 % oppose
and 1 % activate early through the public API with the codes they were sent, and the wave's
timer activates the others at the deadline (the stack's EnrollmentWindow, a couple of minutes).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import random
import re
import threading
import time
import unicodedata
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import boto3
from fpdf import FPDF

from healthspace import bootstrap
from healthspace.bootstrap import medical_file
from healthspace.care_access import Profession, Scope, Section
from healthspace.identifiers import make_ins
from healthspace.model import Category, DocumentFacts, Holder, Role
from healthspace.population import CSV_COLUMNS
from healthspace.service import Access, Caller, MedicalFile
from infra.local.outbox import read_outbox

if TYPE_CHECKING:
    from healthspace.adapters.dynamodb import DynamoStore
    from healthspace.enrollment import Citizen, Contact, Enrollment
    from healthspace.enrollment_service import Enrollments

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


# Local only (printed in the README); satisfies the professionals' pool policy (14+, symbols).
PROFESSIONAL_PASSWORD = "Demo-Soignant-2025!"  # noqa: S105
# The template names the professionals' pool "<stack>-professionals" (ProfessionalUserPool); so
# does /local/login's "pool" field, by its last word.
PROFESSIONALS_POOL = "professionals"


@dataclass(frozen=True)
class DemoProfessional:
    username: str
    password: str
    given_name: str
    family_name: str
    rpps: str  # 11 digits, Luhn-valid (identifiers.parse_rpps)
    profession: Profession
    role_in_demo: str  # what the demo shows with them

    @property
    def description(self) -> str:
        return (
            f"{self.given_name} {self.family_name}, {self.profession.label} "
            f"(RPPS {self.rpps}): {self.role_in_demo}"
        )


TREATING_DOCTOR = DemoProfessional(
    "sophie.leclerc@example.org",
    PROFESSIONAL_PASSWORD,
    "Sophie",
    "Leclerc",
    "10100123453",
    Profession.MEDECIN,
    "Camille Martin's treating doctor, reads her whole file",
)
PHARMACIST = DemoProfessional(
    "karim.benali@example.org",
    PROFESSIONAL_PASSWORD,
    "Karim",
    "Benali",
    "10100678902",
    Profession.PHARMACIEN,
    "in Camille Martin's care team: prescriptions, allergies and treatments only",
)
STRANGER_DOCTOR = DemoProfessional(
    "marc.fabre@example.org",
    PROFESSIONAL_PASSWORD,
    "Marc",
    "Fabre",
    "10100543213",
    Profession.MEDECIN,
    "no relationship with Camille Martin: refused, unless he breaks the glass",
)
DEMO_PROFESSIONALS = (TREATING_DOCTOR, PHARMACIST, STRANGER_DOCTOR)
# Narrower than the pharmacist's row (which also reads biology and vaccinations): the demo shows
# that the patient's grant, not the profession, draws the line.
PHARMACIST_SCOPE: Scope = frozenset(
    {Category.PRESCRIPTIONS_CARE, Section.ALLERGIES, Section.TREATMENTS}
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    person: DemoPerson
    represents: tuple[DemoPerson, ...] = ()
    # The adult's care record: their treating doctor, and the grants of their care team.
    treating_doctor: DemoProfessional | None = None
    care_team: tuple[tuple[DemoProfessional, Scope], ...] = ()

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
        treating_doctor=TREATING_DOCTOR,
        care_team=((PHARMACIST, PHARMACIST_SCOPE),),
    ),
    DemoAccount(
        username="julien.bernard@example.org",
        password=DEMO_PASSWORD,
        person=DemoPerson("Julien", "Bernard", "1979-11-02", "179112A004012"),
        represents=(DemoPerson("Léa", "Bernard", "2016-03-21", "2160375112045"),),
    ),
)


def seed(
    cognito: Any,
    user_pool_id: str,
    accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS,
    professionals: tuple[DemoProfessional, ...] = DEMO_PROFESSIONALS,
) -> list[SeededUser]:
    """Create the demo users in the pool, and their health spaces; then the demo professionals,
    when the stack has a professionals' pool."""
    seeded = []
    for account in accounts:
        person = account.person
        sub = create_user(
            cognito,
            user_pool_id,
            account.username,
            account.password,
            given_name=person.given_name,
            family_name=person.family_name,
            **{"custom:ins": person.ins},
        )
        seeded.append(SeededUser(account, sub))
    _open_spaces(accounts, {u.account.person.ins: u.sub for u in seeded})
    log.info("seeded %d demo accounts", len(seeded))
    professionals_pool = find_user_pool(cognito, PROFESSIONALS_POOL)
    if professionals_pool and professionals:  # another template may have no professionals
        seed_professionals(cognito, professionals_pool, professionals)
    return seeded


def _open_spaces(accounts: tuple[DemoAccount, ...], subjects: dict[str, str]) -> None:
    """Each person's health space with a few documents and profile entries; a represented child
    grants their parent access. Runs in the stack's process, whose environment points the domain
    at moto; documents go the browser's way (quarantine bucket, then the ingest function)."""
    bootstrap.forget()  # built from this process's environment as it is now
    file = medical_file()
    for account in accounts:
        adult = account.person
        space = file.open_space(adult.ins, _holder(adult))
        name = f"{adult.given_name} {adult.family_name}"  # as the API names a token's holder
        caller = Caller(subject=subjects[adult.ins], ins=adult.ins, display_name=name)
        access = file.policy.resolve(caller, space.space_id)
        record_enrollment(file, adult, space.space_id, account.username)
        _fill(file, access, ADULT_CONTENT)
        _form_care_team(file, access, account)
        for child in account.represents:
            child_space = file.open_space(
                child.ins, _holder(child), {adult.ins: Role.LEGAL_REPRESENTATIVE}
            )
            record_enrollment(file, child, child_space.space_id, account.username, adult.ins)
            _fill(file, file.policy.resolve(caller, child_space.space_id), CHILD_CONTENT)
    bootstrap.forget()  # grants just changed: no handler may keep a stale view


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
    from healthspace.adapters.enrollment_store import DynamoEnrollmentStore
    from healthspace.enrollment import (
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
        ticket = file.start_upload(
            access, facts, f"{facts.title}.pdf", "application/pdf", len(data)
        )
        # The bucket's notification runs the ingest function in-process, as in the cloud.
        s3.put_object(Bucket=quarantine, Key=ticket.fields["key"], Body=data)
    for section, fields in content.profile:
        file.add_entry(access, section, fields)


def _form_care_team(file: MedicalFile, access: Access, account: DemoAccount) -> None:
    """The account's care record, written as the patient would from /me/care: each change
    against the version just read, and traced in their access history."""
    version = file.care_record(access).version
    if account.treating_doctor:
        doctor = account.treating_doctor
        version = file.designate_treating_doctor(
            access, doctor.rpps, version, doctor.profession
        ).version
    for member, scope in account.care_team:
        version = file.grant_access(access, member.rpps, scope, version).version


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


# ----------------------------------------------------------------------- health professionals
def find_user_pool(cognito: Any, name: str) -> str | None:
    """The id of the pool the template names "<stack>-<name>", if the stack has one."""
    for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if str(pool["Name"]).rsplit("-", 1)[-1] == name:
                return str(pool["Id"])
    return None


def seed_professionals(
    cognito: Any, pool_id: str, professionals: tuple[DemoProfessional, ...] = DEMO_PROFESSIONALS
) -> dict[str, str]:
    """The demo professionals in the professionals' pool, with the claims the /pro API reads;
    returns their subs by username. As the operator's, their authenticator (the pool requires
    MFA) is enrolled on their first /local/login."""
    subs = {}
    for professional in professionals:
        subs[professional.username] = create_user(
            cognito,
            pool_id,
            professional.username,
            professional.password,
            given_name=professional.given_name,
            family_name=professional.family_name,
            **{"custom:rpps": professional.rpps, "custom:profession": professional.profession},
        )
    log.info("seeded %d demo professionals", len(subs))
    return subs


# ------------------------------------------------------------------------- helpline operator
# Local only (printed at startup); satisfies the operators' pool policy (14+, symbols).
OPERATOR_PASSWORD = "Demo-Helpline-2025!"  # noqa: S105
HELPLINE_GROUP = "helpline"  # healthspace.api.enrollment.HELPLINE_GROUP


@dataclass(frozen=True)
class DemoOperator:
    username: str
    password: str
    given_name: str
    family_name: str
    group: str = HELPLINE_GROUP

    @property
    def description(self) -> str:
        return f"{self.given_name} {self.family_name}, helpline operator (group {self.group})"


DEMO_OPERATOR = DemoOperator("nadia.haddad@example.org", OPERATOR_PASSWORD, "Nadia", "Haddad")


def seed_operator(cognito: Any, pool_id: str, operator: DemoOperator = DEMO_OPERATOR) -> str:
    """The helpline operator in the operators' pool and its group; returns the user's sub. Its
    authenticator (the pool requires MFA) is enrolled on its first /local/login."""
    sub = create_user(
        cognito,
        pool_id,
        operator.username,
        operator.password,
        given_name=operator.given_name,
        family_name=operator.family_name,
    )
    cognito.admin_add_user_to_group(
        UserPoolId=pool_id, Username=operator.username, GroupName=operator.group
    )
    return sub


def create_user(cognito: Any, pool_id: str, email: str, password: str, **attributes: str) -> str:
    """A confirmed user of the pool, signed in by email with a permanent password and these
    attributes (custom ones named `custom:...`); returns their sub."""
    user = cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            *({"Name": name, "Value": str(value)} for name, value in attributes.items()),
        ],
    )["User"]
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=password, Permanent=True
    )
    return str(next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub"))


# -------------------------------------------------------------------------------- demo wave
# The 3.3 M-person pilot's opposition rate: the demo wave shows the same.
PILOT_OPPOSITION_RATE = 0.007
EARLY_ACTIVATION_RATE = 0.01  # a few open their space as soon as they are told
DEMO_WAVE_SIZE = 286  # valid lines: 2 oppositions make 0.70 %
DEMO_FILE_NAME = "demo-population.csv"
_CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")

_GIVEN = {
    "1": ("Lucas", "Hugo", "Thomas", "Nicolas", "Antoine", "Mathieu", "Karim", "Julien",
          "Pierre", "Yanis", "Olivier", "Théo", "Sébastien", "François", "Jérôme", "Malik"),
    "2": ("Camille", "Manon", "Léa", "Chloé", "Sarah", "Inès", "Julie", "Emma", "Claire",
          "Sophie", "Nathalie", "Aïcha", "Hélène", "Céline", "Louise", "Margaux"),
}  # fmt: skip
_FAMILY = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Martinez", "Benali", "Nguyen", "Rossi", "Giacometti", "Le Gall", "Haddad",
)  # fmt: skip
# (department in the NIR, postal code, city): Corsica's 2A/2B included.
_PLACES = (
    ("75", "75011", "Paris"), ("69", "69003", "Lyon"), ("13", "13005", "Marseille"),
    ("31", "31000", "Toulouse"), ("33", "33000", "Bordeaux"), ("59", "59000", "Lille"),
    ("44", "44000", "Nantes"), ("67", "67000", "Strasbourg"), ("35", "35000", "Rennes"),
    ("2A", "20000", "Ajaccio"), ("2B", "20200", "Bastia"), ("29", "29200", "Brest"),
)  # fmt: skip
_STREETS = (
    "rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "place de l'Église",
    "boulevard Pasteur", "rue des Lilas", "chemin des Vignes", "allée des Tilleuls",
)  # fmt: skip


@dataclass(frozen=True)
class WavePerson:
    """One person of the demo population file, and how the notifier reaches them."""

    ins: str
    birth_date: date
    given_name: str
    family_name: str
    email: str | None = None
    mobile: str | None = None
    address: tuple[str, str, str] | None = None  # line 1, postal code, city
    representative: str | None = None  # INS of the parent who gets a minor's code

    def row(self) -> dict[str, str]:
        line1, postal_code, city = self.address or ("", "", "")
        return {
            "ins": self.ins,
            "birth_date": self.birth_date.isoformat(),
            "given_name": self.given_name,
            "family_name": self.family_name,
            "email": self.email or "",
            "mobile": self.mobile or "",
            "address_line1": line1,
            "address_line2": "",
            "address_line3": "",
            "postal_code": postal_code,
            "city": city,
            "representative_ins": self.representative or "",
        }


@dataclass(frozen=True)
class DemoPopulation:
    people: tuple[WavePerson, ...]
    csv_text: str  # the file, with one bad line
    bad_line: int  # its line number (the header is line 1)


def demo_population(today: date, size: int = DEMO_WAVE_SIZE, seed: int = 3) -> DemoPopulation:
    """A synthetic insured-persons file: adults reached by email (most), SMS or post only, a
    few minors whose parent is in the file, and one line with a mistyped INS key. Deterministic
    for a given day (ages are counted from `today`)."""
    if size >= 990:
        raise ValueError("the demo's NIR order numbers have 3 digits: fewer than 990 people")
    rng = random.Random(seed)  # demo data, not secrets
    taken = {p.ins for account in DEMO_ACCOUNTS for p in (account.person, *account.represents)}
    minors = max(3, size // 40)
    adults: list[WavePerson] = []
    children: list[WavePerson] = []
    serial = 0

    def new_ins(sex: str, born: date, department: str) -> str:
        nonlocal serial
        while True:
            serial += 1  # the order number: unique within the file
            nir = f"{sex}{born:%y%m}{department}{rng.randint(1, 999):03d}{serial:03d}"
            if make_ins(nir) not in taken:
                return make_ins(nir)

    for n in range(size - minors):
        sex = rng.choice("12")
        given, family = rng.choice(_GIVEN[sex]), rng.choice(_FAMILY)
        born = today - timedelta(days=rng.randint(19 * 365, 90 * 365))
        department, postal_code, city = rng.choice(_PLACES)
        address = (f"{rng.randint(1, 120)} {rng.choice(_STREETS)}", postal_code, city)
        reach = rng.random()
        email = mobile = None
        if reach < 0.80:  # email, with a mobile for half of them
            email = f"{_ascii(given)}.{_ascii(family)}.{n}@example.org"
            mobile = _mobile(rng) if rng.random() < 0.5 else None
        elif reach < 0.92:
            mobile = _mobile(rng)
        ins = new_ins(sex, born, department)
        adults.append(WavePerson(ins, born, given, family, email, mobile, address))

    # Minors are represented by a parent of the file aged 25 to 55, who gets their code.
    parents = [p for p in adults if 25 * 365 <= (today - p.birth_date).days <= 55 * 365]
    for parent in rng.sample(parents, minors):
        sex = rng.choice("12")
        born = today - timedelta(days=rng.randint(365, 17 * 365))
        department = parent.ins[5:7]
        children.append(
            WavePerson(
                new_ins(sex, born, department),
                born,
                rng.choice(_GIVEN[sex]),
                parent.family_name,
                address=parent.address,
                representative=parent.ins,
            )
        )
    people = adults + children
    rng.shuffle(people)  # a child may come before their parent: the importer allows it

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    bad_at = len(people) // 2
    for index, person in enumerate(people):
        if index == bad_at:  # the classic mistake: a mistyped key
            typo = person.ins[:13] + f"{(int(person.ins[13:]) + 1) % 100:02d}"
            bad = WavePerson(typo, person.birth_date, "Marc", "Lemoine", "marc.lemoine@example.org")
            writer.writerow(bad.row())
        writer.writerow(person.row())
    return DemoPopulation(tuple(people), buffer.getvalue(), bad_line=bad_at + 2)


def _ascii(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


def _mobile(rng: random.Random) -> str:
    return f"0{rng.choice('67')}{rng.randint(0, 99_999_999):08d}"


@dataclass(frozen=True)
class CodeHolder:
    """A notified person of the demo wave and the code they received (local only)."""

    person: WavePerson
    code: str
    channel: str


@dataclass(frozen=True)
class DemoWave:
    wave_id: str
    deadline: datetime
    file_lines: int
    notified: int
    rejected_lines: int
    errors: tuple[str, ...]  # "line N, field: reason"
    report_key: str
    opposed: tuple[CodeHolder, ...]
    activated_early: tuple[CodeHolder, ...]
    sample: CodeHolder | None  # someone still pending, for the banner's curl
    seconds: float


class DemoInterrupted(Exception):
    """The stack is stopping: the demo wave gave up."""


class _Interruptible:
    """The enrollment desk, refusing new work once the stack stops: the importer queues every
    person at once, and would otherwise go on notifying them against a stopped moto."""

    def __init__(self, desk: Enrollments, stopping: threading.Event) -> None:
        self._desk = desk
        self._stopping = stopping

    def __getattr__(self, name: str) -> Any:
        return getattr(self._desk, name)

    def enroll(self, citizen: Citizen, recipient: Contact) -> tuple[Enrollment, bool]:
        if self._stopping.is_set():
            raise DemoInterrupted()
        return self._desk.enroll(citizen, recipient)


def run_demo_wave(
    api_url: str,
    account_id: str,
    region: str,
    ops_bucket: str,
    size: int = DEMO_WAVE_SIZE,
    stopping: threading.Event | None = None,
) -> DemoWave:
    """Import the demo population through the importer (notifying everyone: SES, SNS, letters,
    and starting the wave's timer), then have 0.7 % oppose and 1 % activate early through the
    public API with the codes the notifier sent, as people would. DemoInterrupted once
    `stopping` is set."""
    from healthspace.bootstrap import enrollments
    from healthspace.importer import import_population

    stopping = stopping or threading.Event()
    started = time.monotonic()
    today = datetime.now(UTC).date()
    population = demo_population(today, size)
    desk = enrollments()
    # One worker: the local stack's moto serves one DynamoDB request at a time (see
    # infra/local/moto_dynamodb.py), in this process's GIL: threads would not be faster.
    summary, errors = import_population(
        cast("Enrollments", _Interruptible(desk, stopping)),
        io.StringIO(population.csv_text),
        "csv",
        DEMO_FILE_NAME,
        today,
        workers=1,
    )
    wave_id = f"W{today:%Y%m%d}"
    wave = desk.store.get_wave(wave_id)
    assert wave is not None, "the import created today's wave"
    holders = _code_holders(population.people, read_outbox(account_id, region, ops_bucket))
    # Adults who represent nobody, reached by email or SMS: one code each, easy to find again.
    parents = {p.representative for p in population.people if p.representative}
    candidates = [h for h in holders if h.channel != "post" and h.person.ins not in parents]
    rng = random.Random(len(population.people))
    opposing = max(2, round(summary.notified * PILOT_OPPOSITION_RATE))
    early = max(1, round(summary.notified * EARLY_ACTIVATION_RATE))
    chosen = rng.sample(candidates, opposing + early + 1)
    if datetime.now(UTC) + timedelta(seconds=5) > wave.deadline:
        # A window shorter than the import: the codes expired before anyone could use them.
        log.warning("demo wave %s: its deadline came before anyone could decide", wave_id)
        chosen = chosen[-1:]
        opposing = early = 0
    for n, holder in enumerate(chosen[: opposing + early]):
        if stopping.is_set():
            raise DemoInterrupted()
        _decide(api_url, "opposition" if n < opposing else "activation", holder)
    log.info(
        "demo wave %s: %d notified, %d opposed, %d activated early",
        wave_id,
        summary.notified,
        opposing,
        early,
    )
    return DemoWave(
        wave_id=wave_id,
        deadline=wave.deadline,
        file_lines=summary.lines,
        notified=summary.notified,
        rejected_lines=summary.rejected_lines,
        errors=tuple(f"line {e.line}, {e.field}: {e.reason}" for e in errors),
        report_key=summary.report_key,
        opposed=tuple(chosen[:opposing]),
        activated_early=tuple(chosen[opposing : opposing + early]),
        sample=chosen[-1],
        seconds=time.monotonic() - started,
    )


def _code_holders(people: Iterable[WavePerson], outbox: list[dict[str, Any]]) -> list[CodeHolder]:
    """The adults reached by email or SMS whose one message there carries a code, and that
    code (the post-only have theirs in the operations bucket's letters)."""
    by_recipient: dict[str, list[dict[str, Any]]] = {}
    for item in outbox:
        by_recipient.setdefault(str(item["to"]).lower(), []).append(item)
    holders = []
    for person in people:
        if person.representative:
            continue
        reached = person.email or (_e164(person.mobile) if person.mobile else None)
        if reached is None:
            continue  # by post: their letter is in the operations bucket
        codes = [
            found.group(0)
            for item in by_recipient.get(reached.lower(), [])
            if (found := _CODE.search(str(item["body"])))
        ]
        if len(codes) == 1:  # a parent also got their child's: not theirs to use here
            holders.append(CodeHolder(person, codes[0], "email" if person.email else "sms"))
    return holders


def _e164(mobile: str) -> str:
    return "+33" + mobile[1:]


def _decide(api_url: str, decision: str, holder: CodeHolder) -> None:
    """POST /enrollment/opposition or /activation, as the person would from the website."""
    body = json.dumps(
        {
            "ins": holder.person.ins,
            "birth_date": holder.person.birth_date.isoformat(),
            "code": holder.code,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (http on 127.0.0.1, built here)
        f"{api_url}/enrollment/{decision}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as answer:
        if answer.status != 200:
            raise RuntimeError(f"demo {decision} answered {answer.status}")
