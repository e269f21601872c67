"""The export's index.html: what the ZIP holds, in plain words, in French or English, readable in
any browser without the internet. Written item by item, as the Bundle is. `describe` says one
profile entry in a line (the index, the summary's narrative and its PDF)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

from healthspace.lifecycle.export_model import Language
from healthspace.lifecycle.fhir_bundle import SpaceContent, document_path
from healthspace.records.model import Section

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Mon espace santé : toutes mes données",
        "made": "Copie faite le {day}, pour {name}, né(e) le {birth}.",
        "about": (
            "Ce dossier contient vos documents, votre profil médical, vos réglages et "
            "l'historique des accès à votre espace. Le fichier bundle.json contient les mêmes "
            "informations au format international FHIR R4, lisible par les logiciels de santé."
        ),
        "documents": "Documents",
        "none": "Aucun.",
        "date": "Date",
        "name": "Titre",
        "category": "Catégorie",
        "file": "Fichier",
        "history": "L'historique des accès est dans bundle.json (AuditEvent).",
        Section.ALLERGIES: "Allergies",
        Section.TREATMENTS: "Traitements",
        Section.CONDITIONS: "Maladies et problèmes de santé",
        Section.VACCINATIONS: "Vaccinations",
        Section.MEASUREMENTS: "Mesures",
        Section.ADVANCE_DIRECTIVES: "Directives anticipées",
        Section.CONTACTS: "Personnes à prévenir",
        "since": "depuis le",
        "until": "jusqu'au",
    },
    "en": {
        "title": "My health space: all my data",
        "made": "Copy made on {day}, for {name}, born on {birth}.",
        "about": (
            "This folder holds your documents, your medical profile, your settings and the "
            "history of accesses to your space. The file bundle.json holds the same "
            "information in the international FHIR R4 format, which health software reads."
        ),
        "documents": "Documents",
        "none": "None.",
        "date": "Date",
        "name": "Title",
        "category": "Category",
        "file": "File",
        "history": "The history of accesses is in bundle.json (AuditEvent).",
        Section.ALLERGIES: "Allergies",
        Section.TREATMENTS: "Treatments",
        Section.CONDITIONS: "Illnesses and health problems",
        Section.VACCINATIONS: "Vaccinations",
        Section.MEASUREMENTS: "Measurements",
        Section.ADVANCE_DIRECTIVES: "Advance directives",
        Section.CONTACTS: "People to contact",
        "since": "since",
        "until": "until",
    },
}


def describe(section: Section, fields: dict[str, Any], language: Language) -> str:
    """One profile entry in a line of plain text."""
    words = WORDS[language]
    f = fields
    if section is Section.ALLERGIES:
        return ", ".join(filter(None, [str(f["substance"]), f.get("reaction")]))
    if section is Section.TREATMENTS:
        parts = [str(f["medication"]), f.get("dosage"), f"{words['since']} {f['start_date']}"]
        if f.get("end_date"):
            parts.append(f"{words['until']} {f['end_date']}")
        return ", ".join(filter(None, parts))
    if section is Section.CONDITIONS:
        onset = f"{words['since']} {f['onset_date']}" if f.get("onset_date") else None
        return ", ".join(filter(None, [str(f["name"]), onset]))
    if section is Section.VACCINATIONS:
        return f"{f['vaccine']}, {f['date']}"
    if section is Section.MEASUREMENTS:
        value = f"{f['value']}/{f['diastolic']}" if f.get("diastolic") else str(f["value"])
        return f"{f['kind']}: {value} {f['unit']}, {f['measured_at']}"
    if section is Section.ADVANCE_DIRECTIVES:
        return f"{f['title']} ({f['date']}): {f['content']}"
    return ", ".join(filter(None, [str(f["name"]), f.get("relationship"), str(f["phone"])]))


_STYLE = (
    "body{font-family:sans-serif;max-width:50rem;margin:1rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1a1a1a}table{border-collapse:collapse;width:100%}"
    "th,td{border:1px solid #999;padding:.3rem;text-align:left}"
)


def write_index(
    content: SpaceContent, write: Callable[[bytes], object], at: datetime, language: Language
) -> None:
    words = WORDS[language]

    def out(html: str) -> None:
        write(html.encode())

    holder = content.space.holder
    out(
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(words['title'])}</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>{escape(words['title'])}</h1><p>"
        + escape(
            words["made"].format(
                day=at.date().isoformat(),
                name=f"{holder.given_name} {holder.family_name}",
                birth=holder.birth_date.isoformat(),
            )
        )
        + f"</p><p>{escape(words['about'])}</p>"
    )
    out(f"<h2>{escape(words['documents'])}</h2>")
    shown = 0
    for document in content.documents():
        if not shown:
            out(
                "<table><thead><tr>"
                + "".join(
                    f'<th scope="col">{escape(words[k])}</th>'
                    for k in ("date", "name", "category", "file")
                )
                + "</tr></thead><tbody>"
            )
        path = document_path(document)
        out(
            f"<tr><td>{document.document_date.isoformat()}</td><td>{escape(document.title)}</td>"
            f"<td>{escape(document.category.value)}</td>"
            f'<td><a href="{escape(path)}">{escape(document.filename)}</a></td></tr>'
        )
        shown += 1
    out("</tbody></table>" if shown else f"<p>{escape(words['none'])}</p>")
    for section in Section:
        out(f"<h2>{escape(words[section])}</h2>")
        listed = 0
        for entry in content.entries(section):
            out(
                ("<ul>" if not listed else "")
                + f"<li>{escape(describe(section, entry.fields, language))}</li>"
            )
            listed += 1
        out("</ul>" if listed else f"<p>{escape(words['none'])}</p>")
    out(f"<p>{escape(words['history'])}</p></main></body></html>\n")
