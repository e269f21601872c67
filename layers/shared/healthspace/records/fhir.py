"""Our documents in FHIR R4: the identifier systems and codes we use, and a document written
as a DocumentReference. Shared by the partners' API (partners.fhir, which reads theirs) and the
export of a whole space (lifecycle.fhir_bundle)."""

from __future__ import annotations

from typing import Any

from healthspace.records.model import Document

# Identifier systems (OIDs of the French health identifiers, as the ANS publishes them).
INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"  # INS-NIR, the patient's national health identifier
RPPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"  # national identifier of health professionals (RPPS)
LOINC = "http://loinc.org"
CATEGORY_SYSTEM = "https://healthspace.example.org/fhir/CodeSystem/document-category"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
# securityLabel {HOLD_SYSTEM, HOLD_CODE}: kept from the patient until the announcement
# consultation (docs/professionals.md). Ours: FHIR has no code for it.
HOLD_SYSTEM = "https://healthspace.example.org/fhir/CodeSystem/access-hold"
HOLD_CODE = "announcement"


def document_reference(
    document: Document, patient_ins: str, content_url: str | None = None
) -> dict[str, Any]:
    """One of our documents as a DocumentReference; `content_url`, where its content is read
    (none: the content is not served to this reader). What its sender gave of KEPT_ELEMENTS comes
    back as sent (its own `date`, never our filing time, which is `meta.lastUpdated`); the rest
    is ours, and so are the security labels of what the rules apply now."""
    sent = dict(document.as_sent or {})
    type_ = sent.pop("type", None) or (
        {"coding": [{"system": LOINC, "code": document.type_code}]} if document.type_code else None
    )
    ours = {"coding": [{"system": CATEGORY_SYSTEM, "code": document.category.value}]}
    categories = [
        concept
        for concept in sent.pop("category", None) or []
        if not any(c.get("system") == CATEGORY_SYSTEM for c in concept.get("coding") or [])
    ]
    labels = _security_labels(sent.pop("securityLabel", None) or [], document)
    author = document.author
    rpps = author.rpps
    return {
        "resourceType": "DocumentReference",
        "id": document.document_id,
        "meta": {
            "versionId": str(document.version),
            "lastUpdated": document.created_at.isoformat(),
        },
        **{name: sent[name] for name in ("masterIdentifier", "identifier") if name in sent},
        "status": "current",
        **({"docStatus": sent["docStatus"]} if "docStatus" in sent else {}),
        **({"type": type_} if type_ else {}),
        "category": [ours, *categories],
        "subject": {"identifier": {"system": INS_SYSTEM, "value": patient_ins}},
        **({"date": sent["date"]} if "date" in sent else {}),
        "author": [
            {
                **({"identifier": {"system": RPPS_SYSTEM, "value": rpps}} if rpps else {}),
                "display": author.display_name,
            }
        ],
        "description": document.title,
        **({"securityLabel": labels} if labels else {}),
        "content": [
            {
                "attachment": {
                    "contentType": document.content_type,
                    "size": document.size,
                    **({"url": content_url} if content_url else {}),
                    "title": document.filename,
                    "creation": document.document_date.isoformat(),
                }
            }
        ],
        **({"context": sent["context"]} if "context" in sent else {}),
    }


def _security_labels(sent: list[dict[str, Any]], document: Document) -> list[dict[str, Any]]:
    """The labels as sent, but for the two the rules apply, which say what applies now: the
    hold while it lasts, and R where the document is hidden from a minor's representatives."""

    def is_hold(label: dict[str, Any]) -> bool:
        return any(c.get("system") == HOLD_SYSTEM for c in label.get("coding") or [])

    def is_confidential(label: dict[str, Any]) -> bool:
        return any(
            c.get("system") == CONFIDENTIALITY and c.get("code") in ("R", "V")
            for c in label.get("coding") or []
        )

    labels = [label for label in sent if not is_hold(label)]
    if document.confidential_from_representatives and not any(map(is_confidential, labels)):
        labels.append({"coding": [{"system": CONFIDENTIALITY, "code": "R"}]})
    if document.hold is not None and document.hold.released_at is None:
        labels.append({"coding": [{"system": HOLD_SYSTEM, "code": HOLD_CODE}]})
    return labels
