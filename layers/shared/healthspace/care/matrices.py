"""Who reads and who adds what: the professions that may reach a health space and the two
matrices, as data (docs/professionals.md is generated from them by `matrix_markdown`)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from healthspace.kernel.errors import ProfessionNotAllowed
from healthspace.records.model import ALL_KINDS, Category, Kind, Section

EVERY_KIND: Final[frozenset[Kind]] = frozenset(ALL_KINDS)


class Profession(StrEnum):
    """The professions that may reach a health space, valued by their RPPS profession code
    (ANS nomenclature TRE_G15 "ProfessionSante"; codes quoted from memory of that table, to be
    checked against the published nomenclature). Any other code is refused: adding a profession
    means adding a member here and its row in both matrices.

    Specialty is deliberately not modelled: the DMP gives a doctor the same rights whatever the
    specialty. A medical biologist is a médecin (10) or a pharmacien (21) with the biology
    specialty, not a profession of its own; the pharmacien row therefore covers biology.
    """

    MEDECIN = "10"
    PHARMACIEN = "21"
    CHIRURGIEN_DENTISTE = "40"
    SAGE_FEMME = "50"
    INFIRMIER = "60"
    MASSEUR_KINESITHERAPEUTE = "70"

    @property
    def label(self) -> str:
        return _PROFESSION_LABELS[self]

    @classmethod
    def from_claim(cls, code: str) -> Profession:
        """The profession named by a token's claim, or ProfessionNotAllowed."""
        try:
            return cls(code.strip())
        except ValueError:
            raise ProfessionNotAllowed("this profession has no access to health spaces") from None


_PROFESSION_LABELS: Final = {
    Profession.MEDECIN: "médecin",
    Profession.PHARMACIEN: "pharmacien",
    Profession.CHIRURGIEN_DENTISTE: "chirurgien-dentiste",
    Profession.SAGE_FEMME: "sage-femme",
    Profession.INFIRMIER: "infirmier",
    Profession.MASSEUR_KINESITHERAPEUTE: "masseur-kinésithérapeute",
}


# --------------------------------------------------------------------------- the matrices

C, S = Category, Section

READ_MATRIX: Final[Mapping[Profession, frozenset[Kind]]] = MappingProxyType(
    {
        Profession.MEDECIN: EVERY_KIND,
        Profession.CHIRURGIEN_DENTISTE: frozenset(
            {C.PRESCRIPTIONS_CARE, C.IMAGING, C.BIOLOGY, C.REPORTS}
            | {S.ALLERGIES, S.TREATMENTS, S.CONDITIONS}
        ),
        Profession.SAGE_FEMME: frozenset(
            {C.SUMMARY, C.PRESCRIPTIONS_CARE, C.IMAGING, C.BIOLOGY, C.REPORTS, C.SCREENING}
            | {C.CERTIFICATES}
            | {S.ALLERGIES, S.TREATMENTS, S.CONDITIONS, S.VACCINATIONS, S.MEASUREMENTS}
            | {S.CONTACTS}
        ),
        Profession.PHARMACIEN: frozenset(
            {C.PRESCRIPTIONS_CARE, C.BIOLOGY} | {S.ALLERGIES, S.TREATMENTS, S.VACCINATIONS}
        ),
        Profession.INFIRMIER: frozenset(
            {C.PRESCRIPTIONS_CARE, C.BIOLOGY, C.REPORTS}
            | {S.ALLERGIES, S.TREATMENTS, S.VACCINATIONS, S.MEASUREMENTS, S.CONTACTS}
        ),
        Profession.MASSEUR_KINESITHERAPEUTE: frozenset(
            {C.PRESCRIPTIONS_CARE, C.IMAGING, C.REPORTS}
            | {S.ALLERGIES, S.TREATMENTS, S.CONDITIONS, S.MEASUREMENTS}
        ),
    }
)
"""What each profession may read, by document category and profile section.

Reference: the DMP's "matrice d'habilitations" (https://www.dmp.fr/matrice-habilitation), which
Mon espace santé applies to professionals. It is finer (one line per LOINC document type) than
our nine categories, so each cell here is our reading of it, not a copy. Where a cell could not be
confirmed the conservative choice (no access) was taken; those cells are listed as assumptions in
docs/professionals.md. Kept from the issue: a dentist does not see advance directives; a
pharmacist sees prescriptions and vaccinations. The médecin row holds everything: the treating
doctor, always a médecin, must see everything.

This table binds every professional, whatever the patient grants: the patient widens or narrows
access within a row (consent scope, masking), never beyond it.
"""

# Advance directives and contacts are the patient's own declarations: no professional writes them.
PATIENT_OWNED: Final[frozenset[Kind]] = frozenset({S.ADVANCE_DIRECTIVES, S.CONTACTS})

WRITE_MATRIX: Final[Mapping[Profession, frozenset[Kind]]] = MappingProxyType(
    {
        Profession.MEDECIN: frozenset(Category)
        | {S.ALLERGIES, S.TREATMENTS, S.CONDITIONS, S.VACCINATIONS, S.MEASUREMENTS},
        Profession.CHIRURGIEN_DENTISTE: frozenset(
            {C.PRESCRIPTIONS_CARE, C.IMAGING, C.REPORTS} | {S.ALLERGIES, S.TREATMENTS}
        ),
        Profession.SAGE_FEMME: frozenset(
            {C.PRESCRIPTIONS_CARE, C.IMAGING, C.REPORTS, C.SCREENING, C.CERTIFICATES}
            | {S.ALLERGIES, S.TREATMENTS, S.VACCINATIONS, S.MEASUREMENTS}
        ),
        Profession.PHARMACIEN: frozenset(
            {C.PRESCRIPTIONS_CARE, C.BIOLOGY} | {S.ALLERGIES, S.TREATMENTS, S.VACCINATIONS}
        ),
        Profession.INFIRMIER: frozenset(
            {C.REPORTS} | {S.ALLERGIES, S.VACCINATIONS, S.MEASUREMENTS}
        ),
        Profession.MASSEUR_KINESITHERAPEUTE: frozenset({C.REPORTS} | {S.MEASUREMENTS}),
    }
)
"""What each profession may add, with itself as author: documents by category, profile entries
by section. Each row is within the profession's READ_MATRIX row (nobody writes what they cannot
read back) and excludes PATIENT_OWNED. Pharmacists write biology for the pharmacist biologists,
and vaccinations because pharmacists and nurses vaccinate; other choices are listed in
docs/professionals.md.
"""

del C, S


# --------------------------------------------------------------------------- documentation


def matrix_markdown() -> str:
    """The two matrices as one Markdown table (docs/professionals.md; a patient-facing page can
    show the same): R = reads, W = adds."""
    header = ["| | " + " | ".join(p.label for p in Profession) + " |"]
    header.append("|---" * (len(Profession) + 1) + "|")

    def cell(profession: Profession, kind: Kind) -> str:
        rights = [
            letter
            for letter, matrix in (("R", READ_MATRIX), ("W", WRITE_MATRIX))
            if kind in matrix[profession]
        ]
        return " ".join(rights) or "—"

    def name(kind: Kind) -> str:
        return f"document: {kind.value}" if isinstance(kind, Category) else f"profile: {kind.value}"

    rows = [
        f"| {name(kind)} | " + " | ".join(cell(p, kind) for p in Profession) + " |"
        for kind in ALL_KINDS
    ]
    return "\n".join(header + rows) + "\n"
