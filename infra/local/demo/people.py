"""Who the demo is about: the patients' accounts and the people they represent, the health
professionals around the first patient, the helpline operator; their passwords (local only,
printed at startup and in the README), which satisfy their pools' policies."""

from __future__ import annotations

from dataclasses import dataclass

from healthspace.care.matrices import Profession
from healthspace.care.record import Scope
from healthspace.kernel.identifiers import make_ins
from healthspace.records.model import Category, Section

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
