"""The International Patient Summary (GET /me/summary): the HL7 FHIR IPS document made from the
medical profile, to show a doctor abroad, as JSON and as a printable PDF.

A Bundle of type document: its Composition (LOINC 60591-5, "Patient summary Document") first,
then the Patient and the entries its sections name. Sections: medications (10160-0) from the
treatments in progress, allergies (48765-2), problems (11450-4) from the conditions still
active, and immunizations (11369-6). An empty required section holds the IPS "absent or
unknown" entry for *no information* (no-medication-info, no-allergy-info, no-problem-info),
not "no known ...": an empty profile says nobody wrote anything down, not that a clinician
checked there is nothing. Each section carries its narrative (a list of its entries), as IPS
asks. Bounded: each section's entries are capped (records.sections.MAX_ENTRIES)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.entity import MAX_PAGE
from healthspace.lifecycle.export_index import describe
from healthspace.lifecycle.export_model import Language
from healthspace.lifecycle.fhir_bundle import (
    allergy,
    condition,
    entry_of,
    immunization,
    medication_statement,
    patient,
    reference,
)
from healthspace.records.access import Access, document_facts, entry_facts
from healthspace.records.access_log import AccessLog
from healthspace.records.fhir import LOINC
from healthspace.records.model import (
    Action,
    Category,
    Document,
    DocumentFilter,
    ProfileEntry,
    Section,
)
from healthspace.records.ports import BlobStore, DocumentStore, ProfileStore
from healthspace.records.spaces import Spaces

SUMMARY_OBJECT = "summary"
# The access-log object of the file sent by post (the helpline): the summary and the list of the
# documents, on paper (docs/lifecycle.md, "Death, suspension, helpline").
FILE_BY_POST_OBJECT = "export/post"
# The documents a letter lists at most, newest first (a few pages of paper): beyond, it says so.
MAX_LISTED = 500
IPS_CODE = "60591-5"
ABSENT = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
IPS_PROFILE = "http://hl7.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips"
_NAMESPACE = uuid.UUID("5a0e3b64-8d2c-4f71-b1b9-0c6f3e2a9d47")  # ours: the summary's ids

# (section, LOINC code, its display, what an empty section holds, the entries kept)
SECTIONS = (
    (Section.TREATMENTS, "10160-0", "History of Medication use Narrative", "no-medication-info"),
    (Section.ALLERGIES, "48765-2", "Allergies and adverse reactions Document", "no-allergy-info"),
    (Section.CONDITIONS, "11450-4", "Problem list - Reported", "no-problem-info"),
    (Section.VACCINATIONS, "11369-6", "History of Immunization Narrative", None),
)
TITLES = {
    "fr": {
        "title": "Synthèse médicale du patient (International Patient Summary)",
        Section.TREATMENTS: "Traitements en cours",
        Section.ALLERGIES: "Allergies et intolérances",
        Section.CONDITIONS: "Problèmes de santé",
        Section.VACCINATIONS: "Vaccinations",
        "empty": "Aucune information.",
        "patient": "Patient : {name}, né(e) le {birth}",
        "made": "Document établi le {day} à partir du profil médical de Mon espace santé.",
        "documents": "Documents du dossier ({count})",
        "no_documents": "Aucun document.",
        "more": "Seuls les {count} plus récents sont listés ici.",
    },
    "en": {
        "title": "International Patient Summary",
        Section.TREATMENTS: "Current medications",
        Section.ALLERGIES: "Allergies and intolerances",
        Section.CONDITIONS: "Problems",
        Section.VACCINATIONS: "Immunizations",
        "empty": "No information.",
        "patient": "Patient: {name}, born on {birth}",
        "made": "Made on {day} from the medical profile of the health space.",
        "documents": "Documents in the file ({count})",
        "no_documents": "No document.",
        "more": "Only the {count} most recent are listed here.",
    },
}
# A document's category on paper (the letters are in French, as every letter).
CATEGORY_WORDS = {
    Category.SUMMARY: "synthèse",
    Category.PRESCRIPTIONS_CARE: "ordonnances et soins",
    Category.IMAGING: "imagerie",
    Category.BIOLOGY: "biologie",
    Category.REPORTS: "comptes rendus",
    Category.SCREENING: "dépistage",
    Category.CERTIFICATES: "certificats",
    Category.ADMINISTRATIVE: "administratif",
    Category.OTHER: "autre",
}
_STILL = {
    Section.TREATMENTS: lambda f: f.get("status", "active") == "active",
    Section.CONDITIONS: lambda f: f["clinical_status"] in ("active", "recurrence", "relapse"),
}
_RESOURCE = {
    Section.TREATMENTS: medication_statement,
    Section.ALLERGIES: allergy,
    Section.CONDITIONS: condition,
    Section.VACCINATIONS: immunization,
}


def _absent(section: Section, code: str, patient_id: str) -> dict[str, Any]:
    """The IPS entry of a section without information."""
    concept = {"coding": [{"system": ABSENT, "code": code}]}
    subject = reference("Patient", patient_id)
    rid = f"{code}-{patient_id}"
    if section is Section.TREATMENTS:
        return {
            "resourceType": "MedicationStatement",
            "id": rid,
            "status": "unknown",
            "medicationCodeableConcept": concept,
            "subject": subject,
        }
    clinical = (
        "allergyintolerance-clinical" if section is Section.ALLERGIES else "condition-clinical"
    )
    status = {
        "coding": [
            {"system": f"http://terminology.hl7.org/CodeSystem/{clinical}", "code": "active"}
        ]
    }
    if section is Section.ALLERGIES:
        return {
            "resourceType": "AllergyIntolerance",
            "id": rid,
            "clinicalStatus": status,
            "code": concept,
            "patient": subject,
        }
    return {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": status,
        "code": concept,
        "subject": subject,
    }


def _narrative(lines: Iterable[str]) -> dict[str, str]:
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    body = f"<ul>{items}</ul>" if items else "<p>-</p>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


@dataclass(frozen=True)
class SummaryContent:
    """What the summary is made of: the patient and the entries of its sections, as kept."""

    patient: dict[str, Any]
    holder_name: str
    birth_date: str
    entries: dict[Section, list[ProfileEntry]]


def ips_document(content: SummaryContent, at: datetime, language: Language) -> dict[str, Any]:
    patient_id = str(content.patient["id"])
    words = TITLES[language]
    resources: list[dict[str, Any]] = [content.patient]
    sections = []
    for section, code, display, absent in SECTIONS:
        kept = content.entries[section]
        made = [_RESOURCE[section](entry, patient_id) for entry in kept]
        if not made and absent is None:
            continue
        if not made:
            assert absent is not None
            made = [_absent(section, absent, patient_id)]
        lines = [describe(section, e.fields, language) for e in kept] or [words["empty"]]
        resources.extend(made)
        sections.append(
            {
                "title": words[section],
                "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                "text": _narrative(lines),
                "entry": [reference(r["resourceType"], r["id"]) for r in made],
            }
        )
    stamp = at.isoformat()
    composition = {
        "resourceType": "Composition",
        "id": str(uuid.uuid5(_NAMESPACE, f"composition/{patient_id}/{stamp}")),
        "status": "final",
        "type": {
            "coding": [{"system": LOINC, "code": IPS_CODE, "display": "Patient summary Document"}]
        },
        "subject": reference("Patient", patient_id),
        "date": stamp,
        "author": [reference("Patient", patient_id)],  # the patient's own record
        "title": words["title"],
        "confidentiality": "N",
        "section": sections,
    }
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(_NAMESPACE, f"bundle/{patient_id}/{stamp}")),
        "meta": {"profile": [IPS_PROFILE]},
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'identifier/{patient_id}/{stamp}')}",
        },
        "type": "document",
        "timestamp": stamp,
        "entry": [entry_of(composition), *(entry_of(r) for r in resources)],
    }


_SPELLED = {
    0x152: "OE",
    0x153: "oe",
    0x2018: "'",
    0x2019: "'",
    0x201C: '"',
    0x201D: '"',
    0x2013: "-",
    0x2014: "-",
    0x2026: "...",
    0x20AC: "EUR",
}


def _latin1(text: str) -> str:
    """The PDF's core font writes Latin-1: the few common characters beyond it are spelled
    out, the rest shown as '?'."""
    spelled = text.translate(_SPELLED)
    return spelled.encode("latin-1", "replace").decode("latin-1")


@dataclass(frozen=True)
class DocumentList:
    """The documents a letter lists: date, title and category of each (never their content),
    newest first, at most MAX_LISTED; `more` when the space holds others."""

    documents: list[Document]
    more: bool


def ips_pdf(
    content: SummaryContent,
    at: datetime,
    language: Language,
    documents: DocumentList | None = None,
) -> bytes:
    """The same summary, printable: one heading per section, one line per entry; with
    `documents`, the list of the file's documents after it (the file by post)."""
    from fpdf import FPDF  # here: the records function loads it only for this route

    words = TITLES[language]
    pdf = FPDF()
    pdf.set_title(_latin1(words["title"]))
    pdf.add_page()
    pdf.set_font("helvetica", "B", 15)
    pdf.multi_cell(0, 9, _latin1(words["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    for line in (
        words["patient"].format(name=content.holder_name, birth=content.birth_date),
        words["made"].format(day=at.date().isoformat()),
    ):
        pdf.multi_cell(0, 7, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    for section, _, _, _ in SECTIONS:
        pdf.ln(3)
        pdf.set_font("helvetica", "B", 13)
        pdf.multi_cell(0, 8, _latin1(words[section]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        lines = [describe(section, e.fields, language) for e in content.entries[section]]
        for line in lines or [words["empty"]]:
            pdf.multi_cell(0, 6, _latin1(f"- {line}"), new_x="LMARGIN", new_y="NEXT")
    if documents is not None:
        listed = documents.documents
        pdf.ln(3)
        pdf.set_font("helvetica", "B", 13)
        heading = words["documents"].format(count=len(listed))
        pdf.multi_cell(0, 8, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        for line in [
            f"- {d.document_date:%d/%m/%Y} : {d.title} ({CATEGORY_WORDS[d.category]})"
            for d in listed
        ] or [words["no_documents"]]:
            pdf.multi_cell(0, 6, _latin1(line), new_x="LMARGIN", new_y="NEXT")
        if documents.more:
            pdf.multi_cell(
                0,
                6,
                _latin1(words["more"].format(count=len(listed))),
                new_x="LMARGIN",
                new_y="NEXT",
            )
    return bytes(pdf.output())


@dataclass(eq=False)
class Summaries:
    store: ProfileStore
    spaces: Spaces
    blobs: BlobStore
    log: AccessLog
    clock: Clock
    ids: IdGenerator
    link_seconds: int = 300
    # The documents' metadata, for the file by post (the helpline's letters only).
    documents: DocumentStore | None = None

    def _content(self, access: Access) -> SummaryContent:
        space = self.spaces.get(access.space_id)
        now = self.clock.now()
        entries: dict[Section, list[ProfileEntry]] = {}
        for section, _, _, _ in SECTIONS:
            kept: list[ProfileEntry] = []
            cursor: str | None = None
            while True:  # bounded: a section holds its cap at most (MAX_ENTRIES)
                page = self.store.list_profile(space.space_id, section.value, MAX_PAGE, cursor)
                still = _STILL.get(section, lambda f: True)
                kept.extend(
                    e for e in page.items if access.sees(entry_facts(e), now) and still(e.fields)
                )
                if not (cursor := page.next_cursor):
                    break
            entries[section] = kept
        holder = space.holder
        return SummaryContent(
            patient=patient(space),
            holder_name=f"{holder.given_name} {holder.family_name}",
            birth_date=holder.birth_date.isoformat(),
            entries=entries,
        )

    def document(self, access: Access, language: Language) -> dict[str, Any]:
        summary = ips_document(self._content(access), self.clock.now(), language)
        self.log.trace(access, Action.READ, SUMMARY_OBJECT)
        return summary

    def printed(self, access: Access, with_documents: bool = False) -> bytes:
        """The summary as a PDF for a letter (the helpline's post, in French), traced in the
        space's history as a download by the access's author (the operator): the summary, or
        with `with_documents` the file by post (the summary and the documents' list)."""
        now = self.clock.now()
        listed = self._documents(access) if with_documents else None
        data = ips_pdf(self._content(access), now, "fr", listed)
        made = FILE_BY_POST_OBJECT if with_documents else SUMMARY_OBJECT
        self.log.trace(access, Action.DOWNLOAD, made)
        return data

    def _documents(self, access: Access) -> DocumentList:
        if self.documents is None:
            raise RuntimeError("the summaries were made without the documents' store")
        now = self.clock.now()
        kept: list[Document] = []
        cursor: str | None = None
        while len(kept) < MAX_LISTED:
            page = self.documents.list_documents(
                access.space_id, DocumentFilter(), MAX_PAGE, cursor
            )
            kept.extend(d for d in page.items if access.sees(document_facts(d), now))
            if not (cursor := page.next_cursor):
                break
        return DocumentList(kept[:MAX_LISTED], more=len(kept) > MAX_LISTED or cursor is not None)

    def pdf(self, access: Access, language: Language) -> tuple[str, int]:
        """A short-lived link to the summary as a PDF (too large for an answer, as documents)."""
        data = ips_pdf(self._content(access), self.clock.now(), language)
        name = "synthese-medicale.pdf" if language == "fr" else "patient-summary.pdf"
        url = self.blobs.stage_download(
            f"downloads/{self.ids.new_id()}/{name}",
            data,
            "application/pdf",
            name,
            self.link_seconds,
        )
        self.log.trace(access, Action.DOWNLOAD, SUMMARY_OBJECT)
        return url, self.link_seconds
